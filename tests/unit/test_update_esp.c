/* Unit tests: finding the installed disk's ESP by its GPT name in a fake
 * sysfs tree (services/update/esp.c): partitions of a fixed disk, of a
 * removable stick, and names that only look alike. */
#include "esp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"

static char root[64];

static void put(const char *rel, const char *text)
{
	char path[512], cmd[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	if (system(cmd) != 0)
		return;
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* disk DISK, removable R, partition PART with uevent text; linked in
 * class/block as sysfs does. */
static void part(const char *disk, const char *r, const char *name, const char *uevent)
{
	char rel[256], link[512], target[256];

	snprintf(rel, sizeof(rel), "devices/pci0/%s/removable", disk);
	put(rel, r);
	snprintf(rel, sizeof(rel), "devices/pci0/%s/%s/uevent", disk, name);
	put(rel, uevent);
	snprintf(link, sizeof(link), "%s/class/block/%s", root, name);
	snprintf(target, sizeof(target), "../../devices/pci0/%s/%s", disk, name);
	if (symlink(target, link) < 0)
		perror(link);
}

static void reset(void)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf %s && mkdir -p %s/class/block", root, root);
	if (system(cmd) != 0)
		perror(cmd);
}

int main(void)
{
	static const struct {
		const char *uevent, *removable;
		int found;
	} t[] = {
		{ "MAJOR=252\nMINOR=1\nDEVNAME=vda1\nDEVTYPE=partition\nPARTN=1\nPARTNAME=fathom-esp\n", "0", 1 },
		{ "PARTNAME=fathom-esp", "0", 1 },
		{ "DEVNAME=vda1\nPARTNAME=fathom-esp\n", "1", 0 },
		{ "DEVNAME=vda1\nPARTNAME=fathom-esp2\n", "0", 0 },
		{ "DEVNAME=vda1\nPARTNAME=fathom-data\n", "0", 0 },
		{ "DEVNAME=vda1\nXPARTNAME=fathom-esp\n", "0", 0 },
		{ "DEVNAME=vda1\n", "0", 0 },
	};
	char name[64];
	size_t i;

	snprintf(root, sizeof(root), "/tmp/test_update_esp.%d", (int)getpid());
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		reset();
		part("vda", t[i].removable, "vda1", t[i].uevent);
		name[0] = '\0';
		if (t[i].found)
			CHECK(esp_find(root, name, sizeof(name)) == 0 && strcmp(name, "vda1") == 0,
			      "case %zu: ESP found: %s", i, name);
		else
			CHECK(esp_find(root, name, sizeof(name)) < 0, "case %zu: no ESP", i);
	}
	/* The stick's own ESP-named partition is skipped, the disk's found. */
	reset();
	part("sda", "1", "sda1", "PARTNAME=fathom-esp\n");
	part("nvme0n1", "0", "nvme0n1p1", "PARTNAME=fathom-esp\n");
	CHECK(esp_find(root, name, sizeof(name)) == 0 && strcmp(name, "nvme0n1p1") == 0,
	      "the fixed disk's ESP, not the stick's: %s", name);
	CHECK(esp_find("/nonexistent", name, sizeof(name)) < 0, "no sysfs: no ESP");
	{
		char cmd[256];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
		if (system(cmd) != 0)
			perror(cmd);
	}
	return tap_done();
}
