/* The inventory's installer columns (install_disk, install_wipe): their
 * checks, and the install=/install.wipe= lines an installer stick's
 * fathom.conf gets from them (contract: inventory.h; what the appliance
 * does with them: services/install, lib/disk/choose.c). Pure. */
#include "inventory.h"

#include <stdio.h>
#include <string.h>

#include "lib/disk/disk.h"
#include "lib/strbuf.h"

#define BY_ID "/dev/disk/by-id/"
/* fathom-install keeps DISK_ID_MAX + 32 bytes of a target, with the NUL. */
#define TARGET_MAX (DISK_ID_MAX + 31)

/* What udev keeps in a /dev/disk/by-id name, and what serials and WWNs
 * are made of: letters, digits and - _ . : + @ =. */
static int id_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("-_.:+@=", c) != NULL);
}

static const char *target_problem(struct span v)
{
	size_t i, start = 0, prefix = strlen(BY_ID);

	if (v.len > TARGET_MAX)
		return "too long: the installer takes at most 127 bytes";
	if (v.len == 4 && memcmp(v.s, "auto", 4) == 0)
		return NULL;
	if (v.len >= prefix && memcmp(v.s, BY_ID, prefix) == 0)
		start = prefix;
	else if (v.len >= 5 && memcmp(v.s, "/dev/", 5) == 0)
		return "kernel names such as /dev/sda change between boots: expected the disk's"
		       " serial, WWN or /dev/disk/by-id name, or auto";
	if (start == v.len)
		return "expected the disk's serial, WWN or /dev/disk/by-id name, or auto";
	for (i = start; i < v.len; i++)
		if (!id_char(v.s[i]))
			return "expected the disk's serial, WWN or /dev/disk/by-id name (letters,"
			       " digits and - _ . : + @ =), or auto";
	return NULL;
}

const char *inv_install_check(struct span disk, struct span wipe, char *msg, size_t len)
{
	const char *why;

	if (disk.len > 0 && (why = target_problem(disk)) != NULL)
		snprintf(msg, len, "install_disk: \"%.*s\": %s", (int)(disk.len > 200 ? 200 : disk.len),
			 disk.s, why);
	else if (wipe.len > 0 && disk.len == 0)
		snprintf(msg, len, "install_wipe: given without install_disk");
	else if (wipe.len > 0 && (wipe.len != disk.len || memcmp(wipe.s, disk.s, disk.len) != 0))
		snprintf(msg, len, "install_wipe: \"%.*s\": must repeat install_disk (\"%.*s\") to"
			 " let the installer erase that disk, or be empty",
			 (int)(wipe.len > 200 ? 200 : wipe.len), wipe.s, (int)disk.len, disk.s);
	else if (wipe.len > 0 && disk.len == 4 && memcmp(disk.s, "auto", 4) == 0)
		snprintf(msg, len, "install_wipe: \"auto\": auto only takes a disk without partitions;"
			 " name the disk to erase in install_disk and install_wipe");
	else
		return NULL;
	return msg;
}

void inv_install_settings(struct span disk, struct span wipe, char *out, size_t size)
{
	struct strbuf t;

	strbuf_init(&t, out, size);
	if (disk.len > 0)
		strbuf_addf(&t, "install=%.*s\n", (int)disk.len, disk.s);
	if (wipe.len > 0)
		strbuf_addf(&t, "install.wipe=%.*s\n", (int)wipe.len, wipe.s);
	strbuf_finish(&t);
}
