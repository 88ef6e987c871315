/* Which disk the installer may write, and why not (lib/disk/disk.h): the
 * safety rules of docs/operators-guide.md, "Install to disk from a stick".
 * Pure: disks as scanned, the operator's words, a verdict and a message. */
#include "disk.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define BY_ID "/dev/disk/by-id/"

void disk_human_size(uint64_t bytes, char *out, size_t size)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)bytes;
	unsigned u = 0;

	while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024;
		u++;
	}
	snprintf(out, size, u ? "%.1f %s" : "%.0f %s", v, units[u]);
}

/* udev's by-id names replace spaces (and other odd bytes) with '_'. */
static void by_id_part(const char *in, char *out, size_t size)
{
	size_t i;

	for (i = 0; in[i] && i + 1 < size; i++)
		out[i] = (in[i] == ' ' || in[i] == '/' || (unsigned char)in[i] < 0x20) ? '_' : in[i];
	out[i] = '\0';
}

void disk_by_id(const struct disk *d, char *out, size_t size)
{
	char model[DISK_ID_MAX], serial[DISK_ID_MAX];

	out[0] = '\0';
	if (!d->serial[0])
		return;
	by_id_part(d->model, model, sizeof(model));
	by_id_part(d->serial, serial, sizeof(serial));
	if (strcmp(d->bus, "virtio") == 0 || !model[0])
		snprintf(out, size, "%s-%s", d->bus[0] ? d->bus : "disk", serial);
	else
		snprintf(out, size, "%s-%s_%s", d->bus, model, serial);
}

static int wwn_matches(const char *wwn, const char *t)
{
	if (!wwn[0])
		return 0;
	if (strncmp(t, "wwn-", 4) == 0)
		t += 4;
	if (strncasecmp(wwn, "0x", 2) == 0)
		wwn += 2;
	if (strncasecmp(t, "0x", 2) == 0)
		t += 2;
	/* sysfs wwid has a type prefix ("naa.", "eui.") the by-id name lacks. */
	if (strchr(wwn, '.') && !strchr(t, '.'))
		wwn = strchr(wwn, '.') + 1;
	return t[0] && strcasecmp(wwn, t) == 0;
}

int disk_matches(const struct disk *d, const char *target)
{
	char by_id[3 * DISK_ID_MAX + 16];

	if (strncmp(target, BY_ID, strlen(BY_ID)) == 0)
		target += strlen(BY_ID);
	if (!target[0])
		return 0;
	if (d->serial[0] && strcmp(d->serial, target) == 0)
		return 1;
	if (wwn_matches(d->wwn, target))
		return 1;
	disk_by_id(d, by_id, sizeof(by_id));
	return by_id[0] && strcmp(by_id, target) == 0;
}

/* "vda (2.0 GiB, serial X)" for messages. */
static void describe(const struct disk *d, char *out, size_t size)
{
	char sz[24];

	disk_human_size(d->size, sz, sizeof(sz));
	snprintf(out, size, "%s (%s%s%s%s%s)", d->name, sz, d->serial[0] ? ", serial " : "",
		 d->serial, d->wwn[0] ? ", wwn " : "", d->wwn);
}

static int blank(const struct disk *d)
{
	return d->partitions == 0 && !d->signature[0];
}

/* The rules for one named disk, in the order an operator fixes them. */
static enum disk_verdict check_one(const struct disk *d, const char *target, const char *wipe,
				   const char *boot_disk, uint64_t min_size, char *msg, size_t size)
{
	char what[3 * DISK_ID_MAX + 64], need[24];

	describe(d, what, sizeof(what));
	if (boot_disk && strcmp(d->name, boot_disk) == 0) {
		snprintf(msg, size, "%s is the boot medium (the stick this runs from): never installing "
			 "onto it; name an internal disk", what);
		return DISK_BOOT_MEDIUM;
	}
	if (d->removable) {
		snprintf(msg, size, "%s is removable media: never installing onto it; name an internal "
			 "disk", what);
		return DISK_REMOVABLE;
	}
	if (d->ro) {
		snprintf(msg, size, "%s is read-only: check the controller or the disk's write protection",
			 what);
		return DISK_READ_ONLY;
	}
	if (d->size < min_size) {
		disk_human_size(min_size, need, sizeof(need));
		snprintf(msg, size, "%s is smaller than the %s the installation needs; name a bigger disk",
			 what, need);
		return DISK_TOO_SMALL;
	}
	if (!blank(d) && (!wipe || strcmp(wipe, target) != 0)) {
		if (d->partitions)
			snprintf(msg, size, "%s has %d partition%s%s%s: left untouched; to erase it, add "
				 "fathom.install.wipe=%s (the same value as fathom.install)", what,
				 d->partitions, d->partitions == 1 ? "" : "s",
				 d->signature[0] ? " and a signature: " : "", d->signature, target);
		else
			snprintf(msg, size, "%s holds %s data: left untouched; to erase it, add "
				 "fathom.install.wipe=%s (the same value as fathom.install)", what,
				 d->signature, target);
		return DISK_NOT_BLANK;
	}
	msg[0] = '\0';
	return DISK_OK;
}

/* "vda (...), vdb (...)" of the disks with pick set, into out. */
static void list(const struct disk *disks, const int *pick, int n, char *out, size_t size)
{
	char what[3 * DISK_ID_MAX + 64];
	size_t len = 0;
	int i;

	out[0] = '\0';
	for (i = 0; i < n; i++) {
		if (pick && !pick[i])
			continue;
		describe(&disks[i], what, sizeof(what));
		len += (size_t)snprintf(out + len, len < size ? size - len : 0, "%s%s",
					len ? ", " : "", what);
		if (len >= size)
			break;
	}
	if (!out[0])
		snprintf(out, size, "none");
}

static enum disk_verdict choose_auto(const struct disk *disks, int n, const char *wipe,
				     const char *boot_disk, uint64_t min_size, int *chosen,
				     char *msg, size_t size)
{
	int pick[DISK_MAX] = { 0 }, count = 0, i;
	char names[1024];

	for (i = 0; i < n && i < DISK_MAX; i++) {
		pick[i] = !disks[i].removable && blank(&disks[i]) &&
			  !(boot_disk && strcmp(disks[i].name, boot_disk) == 0);
		if (pick[i])
			*chosen = i, count++;
	}
	if (count == 1) {
		enum disk_verdict v = check_one(&disks[*chosen], "auto", wipe, boot_disk, min_size, msg, size);

		if (v != DISK_OK)
			*chosen = -1;
		return v;
	}
	*chosen = -1;
	if (count == 0) {
		list(disks, NULL, n, names, sizeof(names));
		snprintf(msg, size, "auto: no internal disk without partitions (disks: %s); name the "
			 "disk by serial, WWN or /dev/disk/by-id name", names);
		return DISK_NO_MATCH;
	}
	list(disks, pick, n, names, sizeof(names));
	snprintf(msg, size, "auto: %d disks could be meant (%s): none touched; name one by serial, "
		 "WWN or /dev/disk/by-id name", count, names);
	return DISK_AMBIGUOUS;
}

enum disk_verdict disk_choose(const struct disk *disks, int n, const char *target,
			      const char *wipe, const char *boot_disk, uint64_t min_size,
			      int *chosen, char *msg, size_t size)
{
	int i, count = 0, pick[DISK_MAX] = { 0 };
	char names[1024];

	*chosen = -1;
	if (n > DISK_MAX)
		n = DISK_MAX;
	if (strcmp(target, "auto") == 0)
		return choose_auto(disks, n, wipe, boot_disk, min_size, chosen, msg, size);
	if (strncmp(target, "/dev/", 5) == 0 && strncmp(target, BY_ID, strlen(BY_ID)) != 0) {
		snprintf(msg, size, "\"%s\": kernel names change between boots; name the disk by "
			 "serial, WWN or /dev/disk/by-id name", target);
		return DISK_BAD_TARGET;
	}
	for (i = 0; i < n; i++) {
		pick[i] = disk_matches(&disks[i], target);
		if (pick[i])
			*chosen = i, count++;
	}
	if (count == 1) {
		enum disk_verdict v = check_one(&disks[*chosen], target, wipe, boot_disk, min_size, msg, size);

		if (v != DISK_OK)
			*chosen = -1;
		return v;
	}
	*chosen = -1;
	if (count == 0) {
		list(disks, NULL, n, names, sizeof(names));
		snprintf(msg, size, "no disk is \"%s\" (disks: %s); use a serial, WWN or "
			 "/dev/disk/by-id name from this list", target, names);
		return DISK_NO_MATCH;
	}
	list(disks, pick, n, names, sizeof(names));
	snprintf(msg, size, "\"%s\" matches %d disks (%s): none touched; use a WWN or a "
		 "by-id name", target, count, names);
	return DISK_AMBIGUOUS;
}

void disk_part_name(const char *disk, int part, char *out, size_t size)
{
	size_t len = strlen(disk);
	int digit = len && disk[len - 1] >= '0' && disk[len - 1] <= '9';

	snprintf(out, size, "%s%s%d", disk, digit ? "p" : "", part);
}
