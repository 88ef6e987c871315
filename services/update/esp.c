/* Finding and mounting the installed disk's ESP (contract: esp.h). The
 * scan reads sysfs only, so it is tested on a fake tree. */
#define _GNU_SOURCE
#include "esp.h"

#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "lib/file.h"

/* Whether the uevent text names the partition ESP_PARTNAME. */
static int is_esp(const char *uevent)
{
	const char *p;

	for (p = uevent; (p = strstr(p, "PARTNAME=" ESP_PARTNAME)) != NULL; p++) {
		char end = p[sizeof("PARTNAME=" ESP_PARTNAME) - 1];

		if ((p == uevent || p[-1] == '\n') && (end == '\n' || end == '\0'))
			return 1;
	}
	return 0;
}

/* The partition's disk (the directory above it in sysfs) is removable. */
static int on_removable_disk(const char *sysroot, const char *name)
{
	char path[PATH_MAX], real[PATH_MAX], val[16];

	if (snprintf(path, sizeof(path), "%s/class/block/%s", sysroot, name) >= (int)sizeof(path) ||
	    !realpath(path, real))
		return 1;
	return sysfs_read(dirname(real), "removable", val, sizeof(val)) < 0 || strcmp(val, "0") != 0;
}

int esp_find(const char *sysroot, char *name, size_t size)
{
	char dir[PATH_MAX], uevent[4096];
	struct dirent *de;
	DIR *d;
	int found = -1;

	snprintf(dir, sizeof(dir), "%s/class/block", sysroot);
	d = opendir(dir);
	if (!d)
		return -1;
	while (found < 0 && (de = readdir(d)) != NULL) {
		char path[PATH_MAX];

		/* The whole uevent: sysfs_read keeps only its first line. */
		if (de->d_name[0] == '.' ||
		    snprintf(path, sizeof(path), "%s/%s/uevent", dir, de->d_name) >= (int)sizeof(path))
			continue;
		if (file_read(path, uevent, sizeof(uevent)) < 0 || !is_esp(uevent) ||
		    on_removable_disk(sysroot, de->d_name) || strlen(de->d_name) >= size)
			continue;
		snprintf(name, size, "%s", de->d_name);
		found = 0;
	}
	closedir(d);
	return found;
}

int esp_mount(const char *name, const char *dir, int rdonly, char *err, size_t errlen)
{
	char dev[PATH_MAX], parent[PATH_MAX], *p;

	snprintf(dev, sizeof(dev), "/dev/%s", name);
	/* Early in the boot (the commit service) its parent may not exist yet. */
	snprintf(parent, sizeof(parent), "%s", dir);
	for (p = strchr(parent + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(parent, 0755) < 0 && errno != EEXIST) {
			snprintf(err, errlen, "%s: %s", parent, strerror(errno));
			return -1;
		}
		*p = '/';
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (mount(dev, dir, "vfat", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_SILENT | (rdonly ? MS_RDONLY : 0),
		  "umask=077") < 0) {
		snprintf(err, errlen, "mount %s (%s) on %s: %s", dev, ESP_PARTNAME, dir, strerror(errno));
		return -1;
	}
	return 0;
}

void esp_umount(const char *dir)
{
	umount2(dir, 0);
}
