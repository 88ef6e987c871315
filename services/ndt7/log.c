/* ndt7's log (log.h): a token bucket per message kind, and the sink that
 * writes "ndt7: error: ..." to stderr without ever blocking; init prefixes
 * the lines with the service name and copies them to the console and
 * /dev/kmsg. */
#define _GNU_SOURCE
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define NS 1000000000LL
#define KINDS 64		/* call sites; more share the last slot */
#define QUIET_NS NS		/* a burst has ended after a second without suppression */
#define REPORT_NS (10 * NS)	/* a long one is reported every 10 s */

struct kind {
	const char *fmt;
	int64_t tokens_ns;	/* tokens * NS / NDT7_LOG_RATE: time credit */
	int64_t last;		/* when tokens_ns was brought up to date */
	unsigned long suppressed;
	int64_t first_suppressed, last_suppressed;
};

static struct kind kinds[KINDS];
static unsigned long lost;	/* lines stderr did not take */

static int64_t mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &t);
	return (int64_t)t.tv_sec * NS + t.tv_nsec;
}

static struct kind *kind_of(const char *fmt)
{
	size_t h = ((uintptr_t)fmt >> 3) % KINDS, i;

	for (i = 0; i < KINDS - 1; i++) {
		struct kind *k = &kinds[(h + i) % (KINDS - 1)];

		if (k->fmt == fmt || !k->fmt) {
			k->fmt = fmt;
			return k;
		}
	}
	return &kinds[KINDS - 1];
}

/* Take a token from k's bucket; 0 if it is empty. */
static int admit(struct kind *k, int64_t now)
{
	const int64_t cost = NS / NDT7_LOG_RATE, cap = NDT7_LOG_BURST * cost;

	if (!k->last)
		k->tokens_ns = cap;
	else
		k->tokens_ns += now - k->last;
	if (k->tokens_ns > cap)
		k->tokens_ns = cap;
	k->last = now;
	if (k->tokens_ns >= cost) {
		k->tokens_ns -= cost;
		return 1;
	}
	if (!k->suppressed++)
		k->first_suppressed = now;
	k->last_suppressed = now;
	return 0;
}

void ndt7_log(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level > log_threshold || !admit(kind_of(fmt), mono_ns()))
		return;
	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

void ndt7_log_tick(int64_t now)
{
	struct kind *k;

	for (k = kinds; k < kinds + KINDS; k++) {
		if (!k->suppressed || (now - k->last_suppressed < QUIET_NS &&
				       now - k->first_suppressed < REPORT_NS))
			continue;
		log_msg(LOG_WARN, "%lu lines suppressed in %.1f s (over %d/s after %d): \"%.200s\"",
			k->suppressed, (double)(k->last_suppressed - k->first_suppressed) / NS,
			NDT7_LOG_RATE, NDT7_LOG_BURST, k->fmt);
		k->suppressed = 0;
	}
}

static const char *label(enum log_level level)
{
	switch (level) {
	case LOG_ERR:
		return "error: ";
	case LOG_WARN:
		return "warning: ";
	case LOG_DEBUG:
		return "debug: ";
	default:
		return "";
	}
}

/* One write per line (at most PIPE_BUF: whole or not at all), so lines
 * from several workers do not mix. Returns whether it went out. */
static int put_line(const char *line, size_t n)
{
	ssize_t rc;

	do
		rc = write(STDERR_FILENO, line, n);
	while (rc < 0 && errno == EINTR);
	return rc == (ssize_t)n;
}

void log_sink(enum log_level level, const char *msg)
{
	char line[1100];
	int n;

	if (lost) {
		n = snprintf(line, sizeof(line), "ndt7: warning: %lu log lines lost: stderr "
			     "was full (a slow console or log reader)\n", lost);
		if (!put_line(line, (size_t)n)) {
			lost++;
			return;
		}
		lost = 0;
	}
	n = snprintf(line, sizeof(line), "ndt7: %s%s\n", label(level), msg);
	if (n > 0 && !put_line(line, strnlen(line, sizeof(line))))
		lost++;
}

void ndt7_log_nonblocking(void)
{
	int flags = fcntl(STDERR_FILENO, F_GETFL), fd;
	struct stat st;

	if (flags < 0 || (flags & O_NONBLOCK) || fstat(STDERR_FILENO, &st) < 0 ||
	    S_ISREG(st.st_mode))
		return;		/* a file takes every line at once */
	/* A pipe or a tty opened anew: our own description, which nobody
	 * else (a shell sharing the terminal) sees turn non-blocking. */
	fd = open("/proc/self/fd/2", O_WRONLY | O_APPEND | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, STDERR_FILENO);
		close(fd);
	} else if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)) {
		fcntl(STDERR_FILENO, F_SETFL, flags | O_NONBLOCK);
	}
}
