/* The board's modules at boot, bounded: a child of PID 1 loads MODULES and
 * then coldplugs, saying on a pipe which module it is loading; PID 1 keeps
 * its loop running meanwhile (the watchdog fed, signals taken) and goes on
 * with the boot when one is still loading after MODULES_WAIT_S. */
#define _GNU_SOURCE
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "watch.h"

static struct {
	int fd;			/* the loader's reports; -1 once it is done */
	char line[512];		/* a partial line */
	size_t len;
	char module[512];	/* loading now; "" between modules */
	long since_ms;		/* since when */
	int gone_on;		/* the boot went on without waiting for it */
	int stuck;		/* ... while `module` was loading */
	void (*late)(void);	/* runs when it ends after the boot went on */
} ld = { .fd = -1 };

/* In the child: load, coldplug, exit; signals as for any process. */
static void __attribute__((noreturn)) loader_run(const char *list, const char *table, int report)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	modules_report_to(report);
	modules_load_list(list);
	if (table)
		coldplug_run(table);
	_exit(0);
}

/* One report: "PATH" (loading it) or "" (done with it). */
static void loader_line(const char *line, long now_ms)
{
	if (ld.stuck && !line[0]) {
		log_info("modules: %s: loaded after %lds", ld.module, (now_ms - ld.since_ms) / 1000);
		ld.stuck = 0;
	}
	snprintf(ld.module, sizeof(ld.module), "%s", line);
	ld.since_ms = now_ms;
}

static void loader_done(void)
{
	watch_remove(ld.fd);
	close(ld.fd);
	ld.fd = -1;
	if (ld.gone_on) {
		log_info("modules: the loader has finished");
		if (ld.late)
			ld.late();
	}
}

static void loader_read(int fd, short revents, void *ctx)
{
	ssize_t n = read(fd, ld.line + ld.len, sizeof(ld.line) - 1 - ld.len);
	char *start, *nl;

	(void)revents;
	(void)ctx;
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		loader_done();
		return;
	}
	ld.len += (size_t)n;
	ld.line[ld.len] = '\0';
	for (start = ld.line; (nl = strchr(start, '\n')) != NULL; start = nl + 1) {
		*nl = '\0';
		loader_line(start, monotonic_ms());
	}
	ld.len -= (size_t)(start - ld.line);
	memmove(ld.line, start, ld.len);
	if (ld.len == sizeof(ld.line) - 1)
		ld.len = 0;	/* no path is this long: drop it */
}

int modules_load_start(const char *list, const char *coldplug_table)
{
	int fds[2];
	pid_t pid = -1;

	if (ld.fd >= 0) {
		log_warn("modules: %s: the loader is still busy with the last list; not loading "
			 "this one now", list);
		return 1;
	}
	ld.gone_on = ld.stuck = 0;
	ld.late = NULL;
	if (pipe2(fds, O_CLOEXEC) == 0 && (pid = fork()) < 0) {
		close(fds[0]);
		close(fds[1]);
	}
	if (pid < 0) {
		log_err("modules: cannot start a loader (%s); loading them here, without a bound",
			strerror(errno));
		modules_load_list(list);
		if (coldplug_table)
			coldplug_run(coldplug_table);
		return -1;
	}
	if (pid == 0)
		loader_run(list, coldplug_table, fds[1]);
	close(fds[1]);
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	ld.fd = fds[0];
	ld.since_ms = monotonic_ms();
	if (watch_add(ld.fd, POLLIN, loader_read, NULL) < 0) {
		close(ld.fd);
		ld.fd = -1;
	}
	return 0;
}

int modules_load_wait(void (*late)(void))
{
	while (ld.fd >= 0) {
		long left = ld.since_ms + MODULES_WAIT_S * 1000L - monotonic_ms();

		if (left <= 0) {
			log_warn("modules: %s: still loading after %ds; going on", ld.module[0] ?
				 ld.module : "coldplug", MODULES_WAIT_S);
			ld.gone_on = 1;
			ld.stuck = ld.module[0] != '\0';
			ld.late = late;
			return 1;
		}
		watch_poll((int)left);
	}
	return 0;
}
