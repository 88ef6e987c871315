/* Unit tests: which block devices fathom-update takes for a stick
 * (services/update/stick.c's stick_scan) in fake sysfs and /dev trees:
 * removable or USB disks, whole or partitioned, CD drives with and without
 * a disc, and never the disk holding the ESP or a fixed disk. */
#include "stick.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"

static char root[64];

static void put(const char *rel, const void *data, size_t n)
{
	char path[512], cmd[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	if (system(cmd) != 0)
		return;
	f = fopen(path, "w");
	if (f) {
		fwrite(data, 1, n, f);
		fclose(f);
	}
}

static void put_text(const char *rel, const char *text)
{
	put(rel, text, strlen(text));
}

/* The first bytes of a device holding fs: vfat, iso (iso9660), mbr (a
 * partition table), ext4, or "" (blank). */
static void content(const char *name, const char *fs)
{
	static unsigned char b[40 * 1024];
	char rel[128];

	memset(b, 0, sizeof(b));
	if (strcmp(fs, "vfat") == 0) {
		memcpy(b + 0x52, "FAT32   ", 8);
		b[510] = 0x55, b[511] = 0xaa;
	} else if (strcmp(fs, "iso") == 0) {
		memcpy(b + 32769, "CD001", 5);
	} else if (strcmp(fs, "mbr") == 0) {
		b[446 + 4] = 0x0c;	/* one FAT32 (LBA) entry */
		b[510] = 0x55, b[511] = 0xaa;
	} else if (strcmp(fs, "ext4") == 0) {
		b[1024 + 56] = 0x53, b[1024 + 57] = 0xef;
	}
	snprintf(rel, sizeof(rel), "dev/%s", name);
	put(rel, b, sizeof(b));
}

/* A block device at sysfs path dir (under devices/, the partition below
 * its disk), linked in class/block as sysfs does. removable: NULL for a
 * partition (it gets a "partition" file instead). */
static void blk(const char *dir, const char *removable, const char *size, const char *fs)
{
	char rel[256], link[512], target[256];
	const char *name = strrchr(dir, '/') + 1;

	snprintf(rel, sizeof(rel), "sys/devices/%s/%s", dir, removable ? "removable" : "partition");
	put_text(rel, removable ? removable : "1");
	snprintf(rel, sizeof(rel), "sys/devices/%s/size", dir);
	put_text(rel, size);
	snprintf(link, sizeof(link), "%s/sys/class/block/%s", root, name);
	snprintf(target, sizeof(target), "../../devices/%s", dir);
	if (symlink(target, link) < 0)
		perror(link);
	content(name, fs);
}

static void reset(void)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf %s && mkdir -p %s/sys/class/block %s/dev", root, root, root);
	if (system(cmd) != 0)
		perror(cmd);
}

#define USB "pci0/usb1/1-1/host6/block"
#define PCI "pci0/virtio1/block"
#define SATA "pci0/ata1/host0/block"

int main(void)
{
	static const struct {
		const char *what;
		struct {
			const char *dir, *removable, *size, *fs;
		} dev[4];
		const char *esp, *found;	/* found: the names, in order, space-separated */
	} t[] = {
		{ "a removable stick, FAT on the whole disk", { { USB "/sdb", "1", "8192", "vfat" } },
		  NULL, "sdb" },
		{ "a partitioned stick: the partition, not the disk",
		  { { USB "/sdb", "1", "8192", "mbr" }, { USB "/sdb/sdb1", NULL, "8000", "vfat" } },
		  NULL, "sdb1" },
		{ "FAT on the whole stick, also read as a partition table: the disk only",
		  { { USB "/sdb", "1", "8192", "vfat" }, { USB "/sdb/sdb1", NULL, "8000", "vfat" } },
		  NULL, "sdb" },
		{ "a hybrid ISO on a stick: the ISO, not its partitions",
		  { { USB "/sdb", "1", "8192", "iso" }, { USB "/sdb/sdb2", NULL, "800", "vfat" } },
		  NULL, "sdb" },
		{ "a USB disk that says removable=0", { { USB "/sda", "0", "8192", "mbr" },
		  { USB "/sda/sda1", NULL, "8000", "vfat" } }, NULL, "sda1" },
		{ "a fixed virtio disk with a FAT partition", { { PCI "/vda", "0", "8192", "mbr" },
		  { PCI "/vda/vda1", NULL, "8000", "vfat" } }, NULL, "" },
		{ "the ESP's disk, even on USB, with another FAT partition",
		  { { USB "/sda", "0", "8192", "mbr" }, { USB "/sda/sda1", NULL, "4000", "vfat" },
		    { USB "/sda/sda2", NULL, "4000", "vfat" } }, "sda1", "" },
		{ "the ESP's disk excluded, a stick beside it taken",
		  { { PCI "/vda", "0", "8192", "mbr" }, { PCI "/vda/vda1", NULL, "8000", "vfat" },
		    { USB "/sdb", "1", "8192", "vfat" } }, "vda1", "sdb" },
		{ "virtual media: a CD drive with an ISO", { { SATA "/sr0", "1", "8192", "iso" } },
		  NULL, "sr0" },
		{ "a CD drive without a disc (size 0)", { { SATA "/sr0", "1", "0", "iso" } }, NULL, "" },
		{ "a removable disk with ext4", { { USB "/sdb", "1", "8192", "ext4" } }, NULL, "" },
		{ "a blank stick", { { USB "/sdb", "1", "8192", "" } }, NULL, "" },
		{ "a loop device with FAT", { { "virtual/block/loop0", "1", "8192", "vfat" } }, NULL, "" },
		{ "a stick whose device node is missing", { { USB "/sdc", "1", "8192", NULL } }, NULL, "" },
	};
	struct stick s[STICK_MAX];
	char sys[128], dev[128], got[256];
	size_t i, j;

	snprintf(root, sizeof(root), "/tmp/test_update_stick.%d", (int)getpid());
	snprintf(sys, sizeof(sys), "%s/sys", root);
	snprintf(dev, sizeof(dev), "%s/dev", root);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int n, k;

		reset();
		for (j = 0; j < 4 && t[i].dev[j].dir; j++) {
			blk(t[i].dev[j].dir, t[i].dev[j].removable, t[i].dev[j].size,
			    t[i].dev[j].fs ? t[i].dev[j].fs : "");
			if (!t[i].dev[j].fs) {
				char path[256];

				snprintf(path, sizeof(path), "%s/%s", dev, strrchr(t[i].dev[j].dir, '/') + 1);
				unlink(path);
			}
		}
		n = stick_scan(sys, dev, t[i].esp, s, STICK_MAX);
		got[0] = '\0';
		for (k = 0; k < n; k++) {
			size_t len = strlen(got);

			snprintf(got + len, sizeof(got) - len, "%s%s", len ? " " : "", s[k].name);
		}
		CHECK(n >= 0 && strcmp(got, t[i].found) == 0, "%s: \"%s\" (want \"%s\")", t[i].what,
		      got, t[i].found);
	}
	/* The file system type goes to mount(2). */
	reset();
	blk(SATA "/sr0", "1", "8192", "iso");
	blk(USB "/sdb", "1", "8192", "vfat");
	CHECK(stick_scan(sys, dev, NULL, s, STICK_MAX) == 2, "two sticks");
	for (i = 0; i < 2; i++)
		CHECK(strcmp(s[i].fstype, s[i].name[1] == 'r' ? "iso9660" : "vfat") == 0, "%s: %s",
		      s[i].name, s[i].fstype);
	CHECK(stick_scan(sys, dev, NULL, s, 1) == 1, "at most max");
	CHECK(stick_scan("/nonexistent", dev, NULL, s, STICK_MAX) < 0, "no sysfs: -1");
	{
		char cmd[256];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
		if (system(cmd) != 0)
			perror(cmd);
	}
	return tap_done();
}
