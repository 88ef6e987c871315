/* The ACPI power button: pressing it powers the machine off cleanly. */
#define _GNU_SOURCE
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/reboot.h>
#include <unistd.h>

#include <linux/input.h>

#include "log.h"
#include "watch.h"

#define POWER_BUTTONS_MAX 4

static struct power_button {
	int fd;
	char path[64];
} buttons[POWER_BUTTONS_MAX];
static int nbuttons;

static void power_button_read(int fd, short revents, void *ctx);

/* Watch fd, opened from path; the table owns it from now on. */
static void power_button_add(int fd, const char *path)
{
	struct power_button *b = &buttons[nbuttons];

	b->fd = fd;
	snprintf(b->path, sizeof(b->path), "%s", path);
	if (watch_add(fd, POLLIN, power_button_read, b) < 0) {
		close(fd);
		return;
	}
	nbuttons++;
	log_info("power button: %s", path);
}

/* Whether the input device at fd is an ACPI power button. */
static int is_power_button(int fd)
{
	char name[64] = "";

	return ioctl(fd, EVIOCGNAME(sizeof(name) - 1), name) >= 0 &&
	       strcmp(name, "Power Button") == 0;
}

/* Watch the ACPI power button(s): the input devices named "Power Button".
 * This is what QEMU's system_powerdown and the iDRAC's graceful shutdown
 * press. test_path (test mode): watch that file instead, whatever it is. */
void power_buttons_watch(const char *test_path)
{
	char path[64];
	int i, fd;

	if (test_path) {
		fd = open(test_path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0)
			power_button_add(fd, test_path);
		return;
	}
	for (i = 0; i < 32 && nbuttons < POWER_BUTTONS_MAX; i++) {
		snprintf(path, sizeof(path), "/dev/input/event%d", i);
		fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (is_power_button(fd))
			power_button_add(fd, path);
		else
			close(fd);
	}
}

/* The device went away (unplugged, its driver unbound): it would report
 * that on every poll, so it is closed, and said. */
static void power_button_gone(struct power_button *b, const char *why)
{
	log_err("power button: %s: %s; no longer watched", b->path, why);
	watch_remove(b->fd);
	close(b->fd);
	b->fd = -1;
}

/* Read pending events; the power key starts a power-off. */
static void power_button_read(int fd, short revents, void *ctx)
{
	struct power_button *b = ctx;
	struct input_event ev[16];
	ssize_t n;
	size_t i;
	int pressed = 0, err;

	while ((n = read(fd, ev, sizeof(ev))) > 0)
		for (i = 0; i < (size_t)n / sizeof(ev[0]); i++)
			if (ev[i].type == EV_KEY && ev[i].code == KEY_POWER && ev[i].value == 1)
				pressed = 1;
	err = n < 0 ? errno : 0;
	if (pressed) {
		log_info("power button pressed");
		shutdown_begin(RB_POWER_OFF);
	}
	if (n == 0)
		power_button_gone(b, "end of file");
	else if (err != EAGAIN && err != EINTR)
		power_button_gone(b, strerror(err));
	else if (revents & (POLLHUP | POLLERR | POLLNVAL))
		power_button_gone(b, revents & POLLHUP ? "hung up" : "device error");
}
