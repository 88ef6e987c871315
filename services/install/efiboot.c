/* fathom-install: the UEFI boot entry. Boot#### "Fathom" pointing at
 * \EFI\fathom\grubx64.efi on the ESP, first in BootOrder, written through
 * efivarfs (the removable path \EFI\BOOT\BOOTX64.EFI is the fallback). */
#define _GNU_SOURCE
#include "install.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <unistd.h>

#include "lib/kmod.h"

#define EFIVARS "/sys/firmware/efi/efivars"
#define GLOBAL "8be4df61-93ca-11d2-aa0d-00e098032b8c"

/* efivarfs marks variables immutable; writing one needs the flag off. */
static void mutable(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), flags;

	if (fd < 0)
		return;
	if (ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0 && (flags & FS_IMMUTABLE_FL)) {
		flags &= ~FS_IMMUTABLE_FL;
		ioctl(fd, FS_IOC_SETFLAGS, &flags);
	}
	close(fd);
}

static int put_var(const char *name, const void *data, size_t len)
{
	char path[160];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), EFIVARS "/%s-" GLOBAL, name);
	mutable(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	n = write(fd, data, len);
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

/* A variable's data without efivarfs' 4 attribute bytes: its length or -1. */
static ssize_t get_var(const char *name, unsigned char *buf, size_t size)
{
	char path[160];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), EFIVARS "/%s-" GLOBAL, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, size);
	close(fd);
	if (n < 4)
		return -1;
	memmove(buf, buf + 4, (size_t)n - 4);
	return n - 4;
}

/* Ours if its description is "Fathom" (reinstalling reuses the number),
 * else the first free number. */
static int pick_number(void)
{
	unsigned char buf[512], want[16];
	char name[16];
	int i, free_num = -1;

	for (i = 0; i < 7; i++)
		want[2 * i] = (unsigned char)"Fathom"[i], want[2 * i + 1] = 0;
	for (i = 0; i < 0x1000; i++) {
		ssize_t n;

		snprintf(name, sizeof(name), "Boot%04X", i);
		n = get_var(name, buf, sizeof(buf));
		if (n < 0) {
			if (free_num < 0)
				free_num = i;
			continue;
		}
		if (n >= 6 + 14 && memcmp(buf + 6, want, 14) == 0)
			return i;
	}
	return free_num;
}

int efi_add_boot_entry(const struct gpt_part *esp)
{
	unsigned char opt[512], old[512];
	uint16_t order[260], out[261];
	unsigned char buf[4 + sizeof(out)];
	char name[16];
	ssize_t n;
	size_t len, k, i;
	int num;

	if (access("/sys/firmware/efi", F_OK) < 0) {
		say("booted by BIOS: no UEFI boot entry (the disk's MBR boots it)");
		return 1;
	}
	if (access(EFIVARS "/BootOrder-" GLOBAL, F_OK) < 0) {
		modules_load_list("/etc/fathom/efi-modules");
		if (mount("efivarfs", EFIVARS, "efivarfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 &&
		    errno != EBUSY)
			return say("efivarfs: %s: no UEFI boot entry; the firmware still finds "
				   "\\EFI\\BOOT\\BOOTX64.EFI", strerror(errno)), -1;
	}
	num = pick_number();
	len = efi_load_option("Fathom", esp, LAYOUT_ESP, "\\EFI\\fathom\\grubx64.efi", opt, sizeof(opt));
	snprintf(name, sizeof(name), "Boot%04X", num);
	if (num < 0 || !len || put_var(name, opt, len) < 0)
		return say("UEFI %s: %s; the firmware still finds \\EFI\\BOOT\\BOOTX64.EFI", name,
			   strerror(errno)), -1;
	n = get_var("BootOrder", old, sizeof(old));
	for (i = 0; n > 0 && i < (size_t)n / 2 && i < 256; i++)
		order[i] = (uint16_t)(old[2 * i] | old[2 * i + 1] << 8);
	k = efi_boot_order_first(order, n > 0 ? i : 0, (uint16_t)num, out);
	memcpy(buf, "\x07\0\0\0", 4);
	for (i = 0; i < k; i++)
		buf[4 + 2 * i] = out[i] & 0xff, buf[5 + 2 * i] = out[i] >> 8;
	if (put_var("BootOrder", buf, 4 + 2 * k) < 0)
		return say("UEFI BootOrder: %s; %s exists but is not first", strerror(errno), name), -1;
	say("UEFI boot entry %s \"Fathom\" -> \\EFI\\fathom\\grubx64.efi, first in BootOrder", name);
	return 0;
}
