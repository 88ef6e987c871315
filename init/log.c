/* PID 1's log sink (lib/log.h): "<pri>fathom: msg" to /dev/kmsg, and
 * "fathom: msg" to every console the kernel prints on. */
#define _GNU_SOURCE
#include "log.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int kmsg_fd = -1;
/* Every console the kernel prints on (console=tty0 console=ttyS1: the
 * screen and iDRAC's serial-over-LAN), when there is more than one; else
 * stderr, which is /dev/console. */
#define CONSOLES_MAX 4
static int console_fds[CONSOLES_MAX];
static int nconsoles;
/* Messages below this level are printed on every console= by the kernel
 * itself once written to /dev/kmsg; writing them to our console too would
 * show them twice. */
static int console_loglevel;

static void read_console_loglevel(void)
{
	char buf[64] = "";
	int fd = open("/proc/sys/kernel/printk", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	if (read(fd, buf, sizeof(buf) - 1) > 0)
		console_loglevel = atoi(buf);
	close(fd);
}

/* /dev/kmsg rate-limits writers by default; PID 1's log must not lose
 * lines, so turn that off. */
static void disable_kmsg_ratelimit(void)
{
	int fd = open("/proc/sys/kernel/printk_devkmsg", O_WRONLY | O_CLOEXEC);

	if (fd >= 0) {
		(void)!write(fd, "on\n", 3);
		close(fd);
	}
}

/* Open each active console, non-blocking: a console nobody reads, or a
 * UART that is gone, loses lines instead of stopping PID 1. */
static void consoles_open(void)
{
	char buf[256], path[64], *name, *save = NULL;
	int fd = open("/sys/class/tty/console/active", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (name = strtok_r(buf, " \n", &save); name && nconsoles < CONSOLES_MAX;
	     name = strtok_r(NULL, " \n", &save)) {
		if (strchr(name, '/') || snprintf(path, sizeof(path), "/dev/%s", name) >= (int)sizeof(path))
			continue;
		fd = open(path, O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0)
			console_fds[nconsoles++] = fd;
	}
	if (nconsoles < 2) {	/* one console: /dev/console is it */
		while (nconsoles > 0)
			close(console_fds[--nconsoles]);
	}
}

void log_open(void)
{
	if (kmsg_fd >= 0)
		return;
	consoles_open();
	kmsg_fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (kmsg_fd < 0)
		return;
	read_console_loglevel();
	disable_kmsg_ratelimit();
}

void log_sink(enum log_level level, const char *msg)
{
	char line[1100];
	int n;

	if (kmsg_fd >= 0) {
		n = snprintf(line, sizeof(line), "<%d>fathom: %s\n", level, msg);
		if (n > 0)
			(void)!write(kmsg_fd, line, strnlen(line, sizeof(line)));
		if ((int)level < console_loglevel)
			return;
	}
	/* A console that is gone must not stop PID 1: errors are ignored. */
	n = snprintf(line, sizeof(line), "fathom: %s\n", msg);
	if (n <= 0)
		return;
	if (nconsoles == 0)
		(void)!write(STDERR_FILENO, line, strnlen(line, sizeof(line)));
	for (n = 0; n < nconsoles; n++)
		(void)!write(console_fds[n], line, strnlen(line, sizeof(line)));
}
