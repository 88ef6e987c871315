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
#include <string.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "init.h"
#include "log.h"
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

static void log_from_netcfg(int level, const char *fmt, va_list ap)
{
	log_vmsg((enum log_level)level, fmt, ap);
}

static void log_cmdline_error(void *ctx, const char *msg)
{
	(void)ctx;
	log_err("netcfg: %s", msg);
}

static void network_configure(void)
{
	struct netcfg_config cfg;
	char cmdline[4096] = "";
	int fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, cmdline, sizeof(cmdline) - 1) : -1;

	if (fd >= 0)
		close(fd);
	if (n < 0)
		log_err("cannot read /proc/cmdline: %s; network stays unconfigured", strerror(errno));
	cmdline[n > 0 ? n : 0] = '\0';
	netcfg_set_log(log_from_netcfg);
	netcfg_config_init(&cfg);
	netcfg_parse_cmdline(&cfg, cmdline, log_cmdline_error, NULL);
	if (netcfg_apply(&cfg) == 0)
		log_info("network: configured");
	else
		log_err("network: not fully configured (see above); starting services anyway");
}

static void reap_children(void)
{
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		services_child_exited(pid, status, monotonic_ms());
}

/* Arm the timer for the next pending restart (or disarm it). */
static void timer_arm(int tfd)
{
	struct itimerspec its = { 0 };
	long next = services_next_restart_ms();

	if (next > 0) {
		long delta = next - monotonic_ms();

		if (delta < 1)
			delta = 1;
		its.it_value.tv_sec = delta / 1000;
		its.it_value.tv_nsec = (delta % 1000) * 1000000L;
	}
	timerfd_settime(tfd, 0, &its, NULL);
}

static void signal_handle(const struct signalfd_siginfo *si)
{
	switch (si->ssi_signo) {
	case SIGCHLD:
		reap_children();
		break;
	case SIGUSR1:		/* busybox halt */
		shutdown_system(RB_HALT_SYSTEM);
		break;
	case SIGUSR2:		/* busybox poweroff */
		shutdown_system(RB_POWER_OFF);
		break;
	case SIGTERM:		/* busybox reboot */
	case SIGINT:		/* ctrl-alt-del */
		shutdown_system(RB_AUTOBOOT);
		break;
	default:
		break;
	}
}

/* The supervisor: one poll loop over a signalfd and a timerfd. */
static void supervise(int sfd, int tfd)
{
	struct pollfd fds[2] = { { .fd = sfd, .events = POLLIN }, { .fd = tfd, .events = POLLIN } };
	struct signalfd_siginfo si;
	uint64_t ticks;

	for (;;) {
		timer_arm(tfd);
		if (poll(fds, 2, -1) < 0) {
			if (errno != EINTR)
				log_err("poll: %s", strerror(errno));
			continue;
		}
		if ((fds[0].revents & POLLIN) && read(sfd, &si, sizeof(si)) == sizeof(si))
			signal_handle(&si);
		if ((fds[1].revents & POLLIN) && read(tfd, &ticks, sizeof(ticks)) > 0)
			services_restart_due(monotonic_ms());
		/* A child may exit between signals being merged: reap anyway. */
		reap_children();
	}
}

int main(void)
{
	sigset_t all;
	int sfd, tfd;

	/* Every signal arrives through the signalfd, never asynchronously. */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	console_setup();
	mount_early();
	log_open();
	log_info("starting (pid %d)", (int)getpid());
	reboot(RB_DISABLE_CAD);	/* ctrl-alt-del becomes SIGINT to us */

	sfd = signalfd(-1, &all, SFD_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (sfd < 0 || tfd < 0)
		log_err("signalfd/timerfd: %s; supervision degraded", strerror(errno));

	modules_load_list(MODULES_LIST);
	services_load(SERVICES_DIR);
	services_start(0);
	network_configure();
	services_start(1);
	supervise(sfd, tfd);
	return 0;	/* not reached */
}
