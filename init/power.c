/* The ACPI power button: pressing it powers the machine off cleanly. */
#define _GNU_SOURCE
#include "init.h"

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

static void power_button_read(int fd, short revents, void *ctx);

/* Watch the ACPI power button(s): the input devices named "Power Button".
 * This is what QEMU's system_powerdown and the iDRAC's graceful shutdown
 * press. */
void power_buttons_watch(void)
{
	char path[64], name[64];
	int i, n = 0;

	for (i = 0; i < 32 && n < POWER_BUTTONS_MAX; i++) {
		int fd;

		snprintf(path, sizeof(path), "/dev/input/event%d", i);
		fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(name, 0, sizeof(name));
		if (ioctl(fd, EVIOCGNAME(sizeof(name) - 1), name) >= 0 &&
		    strcmp(name, "Power Button") == 0 &&
		    watch_add(fd, POLLIN, power_button_read, NULL) == 0) {
			n++;
			log_info("power button: %s", path);
		} else {
			close(fd);
		}
	}
}

/* Read pending events; the power key starts a power-off. */
static void power_button_read(int fd, short revents, void *ctx)
{
	struct input_event ev[16];
	ssize_t n;
	size_t i;
	int pressed = 0;

	while ((n = read(fd, ev, sizeof(ev))) > 0)
		for (i = 0; i < (size_t)n / sizeof(ev[0]); i++)
			if (ev[i].type == EV_KEY && ev[i].code == KEY_POWER && ev[i].value == 1)
				pressed = 1;
	(void)revents;
	(void)ctx;
	if (pressed) {
		log_info("power button pressed");
		shutdown_begin(RB_POWER_OFF);
	}
}
