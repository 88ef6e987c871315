/* The whole disks the kernel shows under /sys/class/block, with what the
 * installer's rules need (lib/disk/disk.h). The sysfs root is a parameter:
 * the unit tests scan fake trees. */
#define _GNU_SOURCE
#include "disk.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/file.h"

int disk_name_virtual(const char *name)
{
	static const char *const prefixes[] = { "loop", "ram", "zram", "nbd", "dm-", "md" };
	size_t i;

	if (name[0] == '.')
		return 1;
	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
			return 1;
	return 0;
}

/* Not an installer's target: virtual, CD/DVD or floppy drives. */
static int skipped(const char *name)
{
	return disk_name_virtual(name) || strncmp(name, "sr", 2) == 0 || strncmp(name, "fd", 2) == 0;
}

/* Trim the blanks firmware pads identity strings with. */
static void trim(char *s)
{
	size_t len = strlen(s), start = 0;

	while (len && isspace((unsigned char)s[len - 1]))
		s[--len] = '\0';
	while (isspace((unsigned char)s[start]))
		start++;
	memmove(s, s + start, len - start + 1);
}

/* An attribute, trimmed; "" when missing. */
static void attr(const char *dir, const char *name, char *out, size_t size)
{
	if (sysfs_read(dir, name, out, size) < 0)
		out[0] = '\0';
	trim(out);
}

/* SCSI's unit serial number page (VPD 0x80): a 4-byte header, then the
 * serial, blank-padded. */
static void vpd_serial(const char *dir, char *out, size_t size)
{
	char path[1024];
	unsigned char b[260];
	ssize_t n;
	size_t len;
	int fd;

	out[0] = '\0';
	snprintf(path, sizeof(path), "%s/device/vpd_pg80", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, b, sizeof(b));
	close(fd);
	if (n < 4 || b[1] != 0x80)
		return;
	len = ((size_t)b[2] << 8 | b[3]);
	if (len > (size_t)n - 4)
		len = (size_t)n - 4;
	if (len >= size)
		len = size - 1;
	memcpy(out, b + 4, len);
	out[len] = '\0';
	trim(out);
}

/* The partitions under a disk's directory; whether one is fathom-data
 * (its uevent's PARTNAME, the GPT name). */
static int count_partitions(const char *dir, const char *name, int *fathom_data)
{
	char sub[1024], uevent[1024];
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	*fathom_data = 0;
	while (d && (e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, name, strlen(name)) != 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s/partition", dir, e->d_name);
		if (access(sub, F_OK) < 0)
			continue;
		n++;
		snprintf(sub, sizeof(sub), "%s/%s/uevent", dir, e->d_name);
		if (file_read(sub, uevent, sizeof(uevent)) >= 0 && strstr(uevent, "\nPARTNAME=fathom-data\n"))
			*fathom_data = 1;
	}
	if (d)
		closedir(d);
	return n;
}

static void probe_signature(const char *devroot, struct disk *d)
{
	char path[512];
	unsigned char *buf = malloc(DISK_PROBE_BYTES);
	ssize_t n = -1;
	int fd;

	d->signature[0] = '\0';
	snprintf(path, sizeof(path), "%s/%s", devroot, d->name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (buf && fd >= 0)
		n = pread(fd, buf, DISK_PROBE_BYTES, 0);
	if (n > 0)
		snprintf(d->signature, sizeof(d->signature), "%s", disk_probe(buf, (size_t)n));
	if (fd >= 0)
		close(fd);
	free(buf);
}

static void identify(const char *dir, struct disk *d)
{
	char link[512], path[1024];
	ssize_t n;

	attr(dir, "serial", d->serial, sizeof(d->serial));	/* virtio-blk */
	if (!d->serial[0]) {
		snprintf(path, sizeof(path), "%s/device", dir);
		attr(path, "serial", d->serial, sizeof(d->serial));	/* nvme */
	}
	if (!d->serial[0])
		vpd_serial(dir, d->serial, sizeof(d->serial));
	attr(dir, "wwid", d->wwn, sizeof(d->wwn));		/* nvme */
	if (!d->wwn[0]) {
		snprintf(path, sizeof(path), "%s/device", dir);
		attr(path, "wwid", d->wwn, sizeof(d->wwn));	/* scsi */
	}
	snprintf(path, sizeof(path), "%s/device", dir);
	attr(path, "model", d->model, sizeof(d->model));
	n = readlink(dir, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = '\0';
	if (strncmp(d->name, "vd", 2) == 0)
		snprintf(d->bus, sizeof(d->bus), "virtio");
	else if (strncmp(d->name, "nvme", 4) == 0)
		snprintf(d->bus, sizeof(d->bus), "nvme");
	else if (strstr(link, "/usb"))
		snprintf(d->bus, sizeof(d->bus), "usb");
	else if (strstr(link, "/ata"))
		snprintf(d->bus, sizeof(d->bus), "ata");
	else
		snprintf(d->bus, sizeof(d->bus), "scsi");
}

int disk_scan(const char *sysroot, const char *devroot, struct disk *out, int max)
{
	char base[256], dir[512], v[32], path[600];
	struct dirent *e;
	DIR *d;
	int n = 0;

	snprintf(base, sizeof(base), "%s/sys/class/block", sysroot);
	d = opendir(base);
	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL && n < max) {
		struct disk *k = &out[n];

		if (skipped(e->d_name) || strlen(e->d_name) >= sizeof(k->name))
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", base, e->d_name);
		snprintf(path, sizeof(path), "%s/partition", dir);
		if (access(path, F_OK) == 0 || sysfs_read(dir, "size", v, sizeof(v)) < 0)
			continue;
		memset(k, 0, sizeof(*k));
		memcpy(k->name, e->d_name, strlen(e->d_name) + 1);
		k->size = strtoull(v, NULL, 10) * 512;
		if (k->size == 0)
			continue;
		k->removable = sysfs_read(dir, "removable", v, sizeof(v)) == 0 && strcmp(v, "1") == 0;
		k->ro = sysfs_read(dir, "ro", v, sizeof(v)) == 0 && strcmp(v, "1") == 0;
		k->partitions = count_partitions(dir, e->d_name, &k->fathom_data);
		identify(dir, k);
		probe_signature(devroot, k);
		n++;
	}
	closedir(d);
	return n;
}

int disk_parent(const char *sysroot, const char *name, char *disk, size_t size)
{
	char path[512], real[4096], *slash;

	snprintf(path, sizeof(path), "%s/sys/class/block/%s/partition", sysroot, name);
	if (access(path, F_OK) < 0) {
		snprintf(disk, size, "%s", name);
		return 0;
	}
	snprintf(path, sizeof(path), "%s/sys/class/block/%s", sysroot, name);
	if (!realpath(path, real))
		return -1;
	slash = strrchr(real, '/');
	if (!slash)
		return errno = EINVAL, -1;
	*slash = '\0';
	slash = strrchr(real, '/');
	snprintf(disk, size, "%s", slash ? slash + 1 : real);
	return 0;
}
