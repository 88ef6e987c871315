/* /init: PID 1 of the Fathom appliance. It sets up the system, starts
 * netcfg and the services and then supervises them forever: one poll over
 * the fd-watch registry (watch.h), one table of children (child.h). PID 1
 * must never exit, so every failing step is logged and the boot goes on. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "init.h"
#include "ipmi.h"
#include "log.h"
#include "lib/bootcfg/init_params.h"
#include "watch.h"

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

	if (file_read("/proc/cmdline", cmdline, sizeof(cmdline)) < 0) {
		log_err("cannot read /proc/cmdline: %s; using defaults", strerror(errno));
		cmdline[0] = '\0';
	}
	return cmdline;
}

static long started_ms;	/* when init started (CLOCK_MONOTONIC) */
static int timer_fd = -1;	/* restarts and shutdown deadlines */
static int children_left = 1;	/* whether the last wait found any child */

static long earliest(long a, long b)
{
	if (a <= 0)
		return b;
	return b <= 0 || a < b ? a : b;
}

/* Arm the timer for the next start in the child table or the shutdown
 * deadline, or disarm it. */
static void timer_arm(void)
{
	struct itimerspec its = { 0 };
	long next = earliest(children_next_start_ms(), shutdown_deadline_ms());

	if (next > 0) {
		long delta = next - monotonic_ms();

		if (delta < 1)
			delta = 1;
		its.it_value.tv_sec = delta / 1000;
		its.it_value.tv_nsec = (delta % 1000) * 1000000L;
	}
	timerfd_settime(timer_fd, 0, &its, NULL);
}

static void timer_read(int fd, short revents, void *ctx)
{
	uint64_t ticks;

	(void)revents;
	(void)ctx;
	if (read(fd, &ticks, sizeof(ticks)) > 0)
		children_start_due(monotonic_ms());
}

static void signal_read(int fd, short revents, void *ctx)
{
	struct signalfd_siginfo si;

	(void)revents;
	(void)ctx;
	if (read(fd, &si, sizeof(si)) != sizeof(si))
		return;
	switch (si.ssi_signo) {
	case SIGCHLD:
		children_left = children_reap(monotonic_ms);
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

/* The supervisor: one poll over the registered fds, forever. */
static void supervise(void)
{
	for (;;) {
		timer_arm();
		watch_poll(-1);
		/* A child may exit between signals being merged: reap anyway. */
		children_left = children_reap(monotonic_ms);
		shutdown_poll(children_left);
	}
}

/* PID 1's resident memory in kB, from /proc/self/status (-1 if unknown). */
static long self_rss_kb(void)
{
	char buf[4096], *p;

	if (file_read("/proc/self/status", buf, sizeof(buf)) < 0)
		return -1;
	p = strstr(buf, "VmRSS:");
	return p ? strtol(p + 6, NULL, 10) : -1;
}

/* CLOCK_MONOTONIC counts from the kernel's start: bench/init reads this. */
static void log_ready(void)
{
	log_info("ready: services launched at %ld ms (init started at %ld ms); init RSS %ld kB",
		 monotonic_ms(), started_ms, self_rss_kb());
}

static void network_ready(void)
{
	log_info("network: ready; starting the services that wait for it");
	services_start(1);
	log_ready();
}

static const struct init_config *boot_cfg;

/* After the modules (or once a late loader ends): a watchdog whose driver
 * they loaded. Never the build host's watchdog or BMC (test mode). */
static void watchdog_arm_late(void)
{
	if (getenv("FATHOM_TEST_ROOT"))
		return;
	watchdog_start(boot_cfg, 1);
	watchdog_timer_watch();
}

/* The modules, with the watchdog already armed if its device is there
 * (a probe that hangs then still has it fed by the loop, and the boot
 * goes on without it), else armed once they are loaded. Test mode: only a
 * list under the test root, and "loading" only opens the files. */
static void modules_boot(const char *test_root)
{
	char list[512];

	if (test_root) {
		snprintf(list, sizeof(list), "%s%s", test_root, MODULES_LIST);
		if (access(list, F_OK) < 0)
			return;
		modules_dry_run(1);
		if (modules_load_start(list, NULL) == 0)
			modules_load_wait(NULL);
		return;
	}
	if (modules_load_start(MODULES_LIST, COLDPLUG_TABLE) == 0) {
		/* After the fork: a loader stuck in the kernel must not hold
		 * the watchdog's file open past its magic close at shutdown. */
		watchdog_start(boot_cfg, 0);
		watchdog_timer_watch();
		if (modules_load_wait(watchdog_arm_late))
			return;	/* armed when the loader ends */
	}
	watchdog_arm_late();
}

/* Last resort when signalfd/timerfd are unavailable: just reap. */
static void supervise_degraded(void)
{
	for (;;)
		if (wait(NULL) < 0)
			pause();
}

/* The signalfd and the timer in the watch registry; 0, or why either
 * cannot be had (an errno, kept: the boot makes many calls before main
 * says so). */
static int loop_setup(const sigset_t *all)
{
	int sfd = signalfd(-1, all, SFD_CLOEXEC);

	if (sfd < 0)
		return errno;
	timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (timer_fd < 0)
		return errno;
	if (watch_add(sfd, POLLIN, signal_read, NULL) < 0 ||
	    watch_add(timer_fd, POLLIN, timer_read, NULL) < 0)
		return ENOSPC;
	return 0;
}

int main(int argc, char **argv)
{
	struct init_config icfg;
	const char *cmdline;
	const char *test_root = getenv("FATHOM_TEST_ROOT");
	char services_dir[512];
	sigset_t all;
	int loop_err, net_err;

	if (argc > 1 && strcmp(argv[1], BMC_HELPER_ARG) == 0 && getpid() != 1)
		return bmc_helper_main();
	started_ms = monotonic_ms();
	/* Every signal arrives through the signalfd, never asynchronously. */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	console_setup();
	/* Test mode (pidns tests on the build host): no mounts, modules,
	 * kmsg, watchdog or BMC; services and netcfg come from under
	 * FATHOM_TEST_ROOT; FATHOM_TEST_POWER names a file to watch as the
	 * power button. */
	if (!test_root) {
		mount_early();
		log_open();
	}
	log_info("starting (pid %d)", (int)getpid());
	reboot(RB_DISABLE_CAD);	/* ctrl-alt-del becomes SIGINT to us */

	loop_err = loop_setup(&all);
	cmdline = test_root ? getenv("FATHOM_TEST_CMDLINE") : cmdline_read();
	init_config_parse(&icfg, cmdline ? cmdline : "", log_config_error, NULL);
	boot_cfg = &icfg;
	modules_boot(test_root);
	/* Before the services and netcfg: the storage drivers are in, and a
	 * service never starts with its state directory still in RAM. */
	state_setup(test_root);
	/* netcfg first, as soon as the NIC drivers are in: the first answer on
	 * the network waits for it, nothing else does. Its "ready" is read by
	 * the loop, after the services below are loaded. */
	net_err = network_start(test_root ? test_root : "", &icfg, network_ready) < 0;
	if (!test_root) {
		power_buttons_watch(NULL);
		bmc_start(&icfg);
	}
	if (test_root && getenv("FATHOM_TEST_POWER"))
		power_buttons_watch(getenv("FATHOM_TEST_POWER"));
	snprintf(services_dir, sizeof(services_dir), "%s%s", test_root ? test_root : "", SERVICES_DIR);
	services_load(services_dir);
	services_start(0);
	/* Before the network is ready: a shell is most wanted while that is
	 * stuck. */
	if (icfg.shell)
		shell_enable();
	if (net_err) {
		services_start(1);
		log_ready();
	}
	if (loop_err) {
		log_err("signalfd/timerfd: %s; only reaping from now on", strerror(loop_err));
		supervise_degraded();
	}
	supervise();
	return 0;	/* not reached */
}
