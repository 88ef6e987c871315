/* /init: PID 1 of the Fathom appliance. It sets up the system, configures
 * the network, starts the services and then supervises them forever: PID 1
 * must never exit, so every failing step is logged and the boot goes on. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "init.h"
#include "ipmi.h"
#include "log.h"
#include "lib/bootcfg/init_params.h"
#include "netcfg.h"

/* fds 0-2 on the console; /dev/null if there is none, so that writes by
 * init and its children never fail with EBADF or land in a random fd. */
static void console_setup(void)
{
	int fd;

	if (fcntl(STDIN_FILENO, F_GETFD) >= 0 && fcntl(STDERR_FILENO, F_GETFD) >= 0)
		return;
	fd = open("/dev/console", O_RDWR | O_NOCTTY);
	if (fd < 0)
		fd = open("/dev/null", O_RDWR);
	if (fd < 0)
		return;
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);
}

static void log_config_error(void *ctx, const char *msg)
{
	(void)ctx;
	log_err("%s", msg);
}

/* The kernel command line, or "" (logged) if it cannot be read. */
static const char *cmdline_read(void)
{
	static char cmdline[4096];
	int fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, cmdline, sizeof(cmdline) - 1) : -1;

	if (fd >= 0)
		close(fd);
	if (n < 0)
		log_err("cannot read /proc/cmdline: %s; using defaults", strerror(errno));
	cmdline[n > 0 ? n : 0] = '\0';
	return cmdline;
}

/* Everything the event loop watches. */
struct loop {
	int sfd;		/* signalfd: every signal */
	int tfd;		/* timerfd: restarts and shutdown deadlines */
	int wfd;		/* timerfd: feeding the watchdog */
	int power[4];		/* power button input devices */
	int npower;
	int children_left;	/* whether the last wait found any child */
	long started_ms;	/* when init started (CLOCK_MONOTONIC) */
};

static void reap_children(struct loop *lp)
{
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		if (!shell_child_exited(pid, monotonic_ms()) && !bmc_child_exited(pid, status) &&
		    !network_child_exited(pid, status, monotonic_ms()))
			services_child_exited(pid, status, monotonic_ms());
	lp->children_left = !(pid < 0 && errno == ECHILD);
}

static long earliest(long a, long b)
{
	if (a <= 0)
		return b;
	return b <= 0 || a < b ? a : b;
}

/* Arm the timer for the next restart or shutdown deadline, or disarm it. */
static void timer_arm(int tfd)
{
	struct itimerspec its = { 0 };
	long next = earliest(services_next_restart_ms(), shutdown_deadline_ms());

	next = earliest(next, shell_next_start_ms());
	next = earliest(next, network_next_start_ms());

	if (next > 0) {
		long delta = next - monotonic_ms();

		if (delta < 1)
			delta = 1;
		its.it_value.tv_sec = delta / 1000;
		its.it_value.tv_nsec = (delta % 1000) * 1000000L;
	}
	timerfd_settime(tfd, 0, &its, NULL);
}

static void signal_handle(struct loop *lp, const struct signalfd_siginfo *si)
{
	switch (si->ssi_signo) {
	case SIGCHLD:
		reap_children(lp);
		break;
	case SIGUSR1:		/* busybox halt */
		shutdown_begin(RB_HALT_SYSTEM);
		break;
	case SIGUSR2:		/* busybox poweroff */
		shutdown_begin(RB_POWER_OFF);
		break;
	case SIGTERM:		/* busybox reboot */
	case SIGINT:		/* ctrl-alt-del */
		shutdown_begin(RB_AUTOBOOT);
		break;
	default:
		break;
	}
}

static void log_ready(const struct loop *lp);

/* Collect the fds to watch: signals, timer, power buttons, service output. */
static int loop_fds(const struct loop *lp, struct pollfd *fds, int max)
{
	int out[SERVICES_MAX];
	int i, n = 0, nout;

	fds[n++] = (struct pollfd){ .fd = lp->sfd, .events = POLLIN };
	fds[n++] = (struct pollfd){ .fd = lp->tfd, .events = POLLIN };
	fds[n++] = (struct pollfd){ .fd = lp->wfd, .events = POLLIN };
	for (i = 0; i < lp->npower && n < max; i++)
		fds[n++] = (struct pollfd){ .fd = lp->power[i], .events = POLLIN };
	/* Always one slot, fd -1 (ignored by poll) when netcfg has none. */
	fds[n++] = (struct pollfd){ .fd = network_ready_fd(), .events = POLLIN };
	/* Likewise the BMC child's report and the BMC watchdog's answers. */
	fds[n++] = (struct pollfd){ .fd = bmc_report_fd(), .events = POLLIN };
	fds[n++] = (struct pollfd){ .fd = watchdog_fd(), .events = POLLIN };
	nout = services_output_fds(out, SERVICES_MAX);
	for (i = 0; i < nout && n < max; i++)
		fds[n++] = (struct pollfd){ .fd = out[i], .events = POLLIN };
	return n;
}

static void loop_dispatch(struct loop *lp, const struct pollfd *fds, int n)
{
	struct signalfd_siginfo si;
	uint64_t ticks;
	int i;

	if ((fds[0].revents & POLLIN) && read(lp->sfd, &si, sizeof(si)) == sizeof(si))
		signal_handle(lp, &si);
	if ((fds[1].revents & POLLIN) && read(lp->tfd, &ticks, sizeof(ticks)) > 0) {
		services_restart_due(monotonic_ms());
		shell_start_due(monotonic_ms());
		network_start_due(monotonic_ms());
	}
	if ((fds[2].revents & POLLIN) && read(lp->wfd, &ticks, sizeof(ticks)) > 0)
		watchdog_tick(monotonic_ms());
	for (i = 3; i < 3 + lp->npower && i < n; i++)
		if ((fds[i].revents & POLLIN) && power_button_pressed(fds[i].fd)) {
			log_info("power button pressed");
			shutdown_begin(RB_POWER_OFF);
		}
	if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) && network_ready_read()) {
		log_info("network: ready; starting the services that wait for it");
		services_start(1);
		log_ready(lp);
	}
	if (fds[++i].revents & (POLLIN | POLLHUP | POLLERR))
		bmc_report_read();
	if (fds[++i].revents & (POLLIN | POLLERR))
		watchdog_read();
	for (i++; i < n; i++)
		if (fds[i].revents & (POLLIN | POLLHUP | POLLERR))
			services_output_read(fds[i].fd);
}

/* The supervisor: one poll loop, forever. */
static void supervise(struct loop *lp)
{
	struct pollfd fds[3 + 4 + 1 + 2 + SERVICES_MAX];
	int n;

	for (;;) {
		timer_arm(lp->tfd);
		n = loop_fds(lp, fds, (int)(sizeof(fds) / sizeof(fds[0])));
		if (poll(fds, (nfds_t)n, -1) < 0) {
			if (errno != EINTR)
				log_err("poll: %s", strerror(errno));
			continue;
		}
		loop_dispatch(lp, fds, n);
		/* A child may exit between signals being merged: reap anyway. */
		reap_children(lp);
		shutdown_poll(lp->children_left);
	}
}

/* A periodic timer to feed the watchdog, or -1 if there is none. */
static int watchdog_timer_create(void)
{
	long ms = watchdog_interval_ms();
	struct itimerspec its;
	int fd;

	if (ms <= 0)
		return -1;
	fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	its.it_value.tv_sec = its.it_interval.tv_sec = ms / 1000;
	its.it_value.tv_nsec = its.it_interval.tv_nsec = (ms % 1000) * 1000000L;
	if (fd >= 0 && timerfd_settime(fd, 0, &its, NULL) < 0)
		log_err("watchdog: timer: %s; it will reset the machine", strerror(errno));
	return fd;
}

/* PID 1's resident memory in kB, from /proc/self/status (-1 if unknown). */
static long self_rss_kb(void)
{
	char buf[2048], *p;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strstr(buf, "VmRSS:");
	return p ? strtol(p + 6, NULL, 10) : -1;
}

/* CLOCK_MONOTONIC counts from the kernel's start: bench/init reads this. */
static void log_ready(const struct loop *lp)
{
	log_info("ready: services launched at %ld ms (init started at %ld ms); init RSS %ld kB",
		 monotonic_ms(), lp->started_ms, self_rss_kb());
}

/* Last resort when signalfd/timerfd are unavailable: just reap. */
static void supervise_degraded(void)
{
	for (;;)
		if (wait(NULL) < 0)
			pause();
}

int main(void)
{
	struct loop lp = { .children_left = 1, .wfd = -1 };
	struct init_config icfg;
	const char *cmdline;
	const char *test_root = getenv("FATHOM_TEST_ROOT");
	char services_dir[512];
	long started_ms = monotonic_ms();
	sigset_t all;

	/* Every signal arrives through the signalfd, never asynchronously. */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	console_setup();
	/* Test mode (pidns tests on the build host): no mounts, modules,
	 * kmsg or network; services come from under FATHOM_TEST_ROOT. */
	if (!test_root) {
		mount_early();
		log_open();
	}
	log_info("starting (pid %d)", (int)getpid());
	reboot(RB_DISABLE_CAD);	/* ctrl-alt-del becomes SIGINT to us */

	lp.sfd = signalfd(-1, &all, SFD_CLOEXEC);
	lp.tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	cmdline = test_root ? getenv("FATHOM_TEST_CMDLINE") : cmdline_read();
	init_config_parse(&icfg, cmdline ? cmdline : "", log_config_error, NULL);
	if (!test_root) {
		modules_load_list(MODULES_LIST);
		coldplug_run(COLDPLUG_TABLE);
		lp.npower = power_button_open(lp.power, 4);
	}
	if (!test_root) {	/* never the build host's watchdog or BMC */
		watchdog_start(&icfg);
		bmc_start(&icfg);
	}
	lp.wfd = watchdog_timer_create();
	snprintf(services_dir, sizeof(services_dir), "%s%s", test_root ? test_root : "", SERVICES_DIR);
	services_load(services_dir);
	services_start(0);
	/* Before the network: a shell is most wanted while that is stuck. */
	if (icfg.shell)
		shell_enable();
	lp.started_ms = started_ms;
	if (test_root) {
		services_start(1);
		log_ready(&lp);
	} else {
		network_start(cmdline, &icfg);
	}
	if (lp.sfd < 0 || lp.tfd < 0) {
		log_err("signalfd/timerfd: %s; only reaping from now on", strerror(errno));
		supervise_degraded();
	}
	supervise(&lp);
	return 0;	/* not reached */
}
