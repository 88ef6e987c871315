#define _GNU_SOURCE
#include "init.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/input.h>

#include "log.h"

/* Open the ACPI power button(s): the input devices named "Power Button".
 * This is what QEMU's system_powerdown and the iDRAC's graceful shutdown
 * press. Returns how many fds were stored. */
int power_button_open(int *fds, int max)
{
	char path[64], name[64];
	int i, n = 0;

	for (i = 0; i < 32 && n < max; i++) {
		int fd;

		snprintf(path, sizeof(path), "/dev/input/event%d", i);
		fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(name, 0, sizeof(name));
		if (ioctl(fd, EVIOCGNAME(sizeof(name) - 1), name) >= 0 &&
		    strcmp(name, "Power Button") == 0) {
			fds[n++] = fd;
			log_info("power button: %s", path);
		} else {
			close(fd);
		}
	}
	return n;
}

/* Read pending events; returns 1 if the power key was pressed. */
int power_button_pressed(int fd)
{
	struct input_event ev[16];
	ssize_t n;
	size_t i;
	int pressed = 0;

	while ((n = read(fd, ev, sizeof(ev))) > 0)
		for (i = 0; i < (size_t)n / sizeof(ev[0]); i++)
			if (ev[i].type == EV_KEY && ev[i].code == KEY_POWER && ev[i].value == 1)
				pressed = 1;
	return pressed;
}
