/* Finding an update bundle on a stick or virtual media and mounting it
 * read-only (contract: stick.h). Only sysfs and the devices' first bytes
 * are read before a mount, so the scan is tested on fake trees. */
#define _GNU_SOURCE
#include "stick.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/cdrom.h>

#include "lib/disk/disk.h"
#include "lib/file.h"

/* Enough for an ISO 9660 volume descriptor at 32 KiB. */
#define STICK_PROBE_BYTES (36 * 1024)

/* Virtual devices and floppy drives are not sticks (CD drives may be:
 * iDRAC's virtual media). */
static int skipped(const char *name)
{
	return disk_name_virtual(name) || strncmp(name, "fd", 2) == 0;
}

/* The sysfs directory (resolved) of the whole disk holding name: its own
 * for a disk, the one above it for a partition (*part set). -1 when
 * unknown. */
static int disk_dir(const char *sysroot, const char *name, char *out, int *part)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/class/block/%s", sysroot, name) >= (int)sizeof(path) ||
	    !realpath(path, out))
		return -1;
	if (snprintf(path, sizeof(path), "%s/partition", out) >= (int)sizeof(path))
		return -1;
	*part = access(path, F_OK) == 0;
	if (*part)
		dirname(out);	/* in place: "/a/b/sdb/sdb1" -> "/a/b/sdb" */
	return 0;
}

/* A stick: removable (sticks, card readers, CD drives, most virtual
 * media), or a disk on a USB bus (USB disks often say removable=0). */
static int stick_disk(const char *dir)
{
	char val[16];

	if (sysfs_read(dir, "removable", val, sizeof(val)) == 0 && strcmp(val, "1") == 0)
		return 1;
	return strstr(dir, "/usb") != NULL;
}

/* An empty drive (a CD drive without a disc) has size 0: reading it would
 * only fill the console with I/O errors. */
static int has_medium(const char *sysroot, const char *name)
{
	char dir[PATH_MAX], size[32];

	snprintf(dir, sizeof(dir), "%s/class/block/%s", sysroot, name);
	return sysfs_read(dir, "size", size, sizeof(size)) == 0 && strcmp(size, "0") != 0;
}

/* "vfat", "iso9660", or NULL for anything else (a partition table too:
 * its partitions are looked at by themselves). */
static const char *fs_of(const char *devroot, const char *name)
{
	char path[PATH_MAX];
	unsigned char *buf;
	const char *t = NULL;
	ssize_t n;
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s", devroot, name) >= (int)sizeof(path))
		return NULL;
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	/* A CD drive without a disc may still show a size: reading it would
	 * fill the console with I/O errors every round. Not a CD: ENOTTY. */
	n = ioctl(fd, CDROM_DRIVE_STATUS, CDSL_CURRENT);
	if (n >= 0 && n != CDS_DISC_OK && n != CDS_NO_INFO) {
		close(fd);
		return NULL;
	}
	buf = malloc(STICK_PROBE_BYTES);
	n = buf ? pread(fd, buf, STICK_PROBE_BYTES, 0) : -1;
	close(fd);
	if (n > 32769 + 5 && memcmp(buf + 32769, "CD001", 5) == 0)
		t = "iso9660";	/* before a hybrid ISO's partition table */
	else if (n > 0 && strcmp(disk_probe(buf, (size_t)n), "vfat") == 0)
		t = "vfat";
	free(buf);
	return t;
}

int stick_scan(const char *sysroot, const char *devroot, const char *esp,
	       struct stick *out, int max)
{
	char dir[PATH_MAX], esp_disk[PATH_MAX] = "", disk[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int n = 0, part;

	if (esp && disk_dir(sysroot, esp, esp_disk, &part) < 0)
		esp_disk[0] = '\0';
	snprintf(dir, sizeof(dir), "%s/class/block", sysroot);
	d = opendir(dir);
	if (!d)
		return -1;
	while (n < max && (de = readdir(d)) != NULL) {
		const char *t;

		if (skipped(de->d_name) || strlen(de->d_name) >= sizeof(out[n].name) ||
		    disk_dir(sysroot, de->d_name, disk, &part) < 0 || !stick_disk(disk) ||
		    strcmp(disk, esp_disk) == 0 || !has_medium(sysroot, de->d_name))
			continue;
		/* A file system on the whole stick (or a hybrid ISO) is the one
		 * to take: the partitions the kernel also reads into its first
		 * sector are the same file system or only parts of the ISO. */
		if (part && fs_of(devroot, strrchr(disk, '/') + 1))
			continue;
		t = fs_of(devroot, de->d_name);
		if (!t)
			continue;
		memcpy(out[n].name, de->d_name, strlen(de->d_name) + 1);	/* length checked */
		out[n].fstype = t;
		n++;
	}
	closedir(d);
	return n;
}

/* dir and its parents, dir itself private (0700). */
static int make_dir(const char *dir, char *err, size_t errlen)
{
	char parent[PATH_MAX], *p;

	snprintf(parent, sizeof(parent), "%s", dir);
	for (p = strchr(parent + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(parent, 0755) < 0 && errno != EEXIST)
			goto fail;
		*p = '/';
	}
	if (mkdir(dir, 0700) == 0 || errno == EEXIST)
		return 0;
fail:
	snprintf(err, errlen, "%s: %s", parent, strerror(errno));
	return -1;
}

int stick_mount(const char *devroot, const struct stick *s, const char *dir,
		char *err, size_t errlen)
{
	char dev[PATH_MAX], sums[PATH_MAX];
	struct stat st;

	if (make_dir(dir, err, errlen) < 0)
		return -1;
	snprintf(dev, sizeof(dev), "%s/%s", devroot, s->name);
	if (mount(dev, dir, s->fstype, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_SILENT,
		  NULL) < 0) {
		snprintf(err, errlen, "mount %s (%s) read-only on %s: %s", dev, s->fstype, dir,
			 strerror(errno));
		return -1;
	}
	snprintf(sums, sizeof(sums), "%s/" STICK_BUNDLE_DIR "/SHA256SUMS", dir);
	if (stat(sums, &st) == 0 && S_ISREG(st.st_mode))
		return 1;
	stick_umount(dir);
	return 0;
}

void stick_umount(const char *dir)
{
	/* A stick pulled while mounted: detach, nothing is written to it. */
	if (umount2(dir, 0) < 0)
		umount2(dir, MNT_DETACH);
}
