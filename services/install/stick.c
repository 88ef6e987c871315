/* fathom-install: the stick it was booted from (fathom.media=ID, the
 * marker /boot/fathom-ID that image/mkmedia puts on it), mounted
 * read-only: the files the installation copies come from there. */
#define _GNU_SOURCE
#include "install.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>


static int try_mount(const char *dev, const char *id)
{
	char marker[128];

	if (mount(dev, STICK_DIR, "vfat", MS_RDONLY | MS_SILENT | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL) < 0)
		return 0;
	snprintf(marker, sizeof(marker), STICK_DIR "/boot/fathom-%s", id);
	if (access(marker, F_OK) == 0)
		return 1;
	umount2(STICK_DIR, MNT_DETACH);
	return 0;
}

int stick_mount(const char *id, unsigned timeout_s, char *dev, size_t dev_size)
{
	time_t deadline = time(NULL) + timeout_s;
	struct timespec quarter = { 0, 250000000 };

	/* netcfg loads the stick's drivers (media.cpio.zst's list): we wait. */
	mkdir("/run/fathom", 0755);
	mkdir(INSTALL_RUN, 0700);
	mkdir(STICK_DIR, 0700);
	for (;;) {
		DIR *d = opendir("/sys/class/block");
		struct dirent *e;

		while (d && (e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.' || strncmp(e->d_name, "loop", 4) == 0 ||
			    strncmp(e->d_name, "ram", 3) == 0)
				continue;
			snprintf(dev, dev_size, "/dev/%s", e->d_name);
			if (try_mount(dev, id)) {
				closedir(d);
				return 0;
			}
		}
		if (d)
			closedir(d);
		if (time(NULL) >= deadline)
			return -1;
		nanosleep(&quarter, NULL);
	}
}
