/* Boot structures beside the partition table (lib/disk/gpt.h): the UEFI
 * Boot#### load option and BootOrder, and GRUB's BIOS boot code patched
 * as grub-bios-setup does (boot.img's kernel sector, diskboot's block
 * list), so the image needs no GRUB tools. */
#include "gpt.h"

#include <string.h>

static void le16(unsigned char *p, uint16_t v) { p[0] = v & 0xff; p[1] = v >> 8; }
static void le32(unsigned char *p, uint32_t v) { le16(p, v & 0xffff); le16(p + 2, v >> 16); }
static void le64(unsigned char *p, uint64_t v) { le32(p, v & 0xffffffff); le32(p + 4, v >> 32); }

/* ASCII as UTF-16LE with its NUL: bytes written, or 0 if it does not fit. */
static size_t utf16(const char *s, unsigned char *out, size_t size)
{
	size_t n = (strlen(s) + 1) * 2, i;

	if (n > size)
		return 0;
	for (i = 0; i <= strlen(s); i++)
		le16(out + 2 * i, (unsigned char)s[i]);
	return n;
}

size_t efi_load_option(const char *description, const struct gpt_part *part, uint32_t part_number,
		       const char *path, unsigned char *out, size_t size)
{
	size_t at = 4 + 4 + 2, n, list_start, file_len;
	unsigned char *fp;

	if (size < at)
		return 0;
	le32(out, 0x7);		/* efivarfs: NON_VOLATILE | BOOTSERVICE | RUNTIME */
	le32(out + 4, 1);	/* LOAD_OPTION_ACTIVE */
	n = utf16(description, out + at, size - at);
	if (!n)
		return 0;
	at += n;
	list_start = at;
	/* Hard drive media device path (type 4, subtype 1, 42 bytes). */
	if (at + 42 + 4 > size)
		return 0;
	out[at] = 4, out[at + 1] = 1, le16(out + at + 2, 42);
	le32(out + at + 4, part_number);
	le64(out + at + 8, part->first);
	le64(out + at + 16, part->last - part->first + 1);
	memcpy(out + at + 24, part->guid, 16);
	out[at + 40] = 0x02;	/* GPT */
	out[at + 41] = 0x02;	/* GUID signature */
	at += 42;
	/* File path media device path (type 4, subtype 4). */
	fp = out + at;
	file_len = utf16(path, fp + 4, size - at - 4);
	if (!file_len || at + 4 + file_len + 4 > size)
		return 0;
	fp[0] = 4, fp[1] = 4, le16(fp + 2, (uint16_t)(4 + file_len));
	at += 4 + file_len;
	out[at] = 0x7f, out[at + 1] = 0xff, le16(out + at + 2, 4);	/* end */
	at += 4;
	le16(out + 8, (uint16_t)(at - list_start));
	return at;
}

size_t efi_boot_order_first(const uint16_t *order, size_t n, uint16_t num, uint16_t *out)
{
	size_t i, k = 0;

	out[k++] = num;
	for (i = 0; i < n; i++)
		if (order[i] != num)
			out[k++] = order[i];
	return k;
}

/* GRUB's include/grub/i386/pc/boot.h offsets (ABI of boot.img/diskboot.img). */
#define KERNEL_SECTOR 0x5c
#define BOOT_DRIVE 0x64
#define DRIVE_CHECK 0x66
#define LIST_SIZE 12

int grub_bios_patch(const unsigned char *boot_img, unsigned char mbr_code[440],
		    unsigned char *core, size_t core_len, uint64_t core_lba)
{
	unsigned char *list;
	size_t sectors = (core_len + GPT_SECTOR - 1) / GPT_SECTOR;

	if (core_len < 2 * GPT_SECTOR || sectors > 0xffff || boot_img[510] != 0x55 ||
	    boot_img[511] != 0xaa)
		return -1;
	memcpy(mbr_code, boot_img, 440);
	le64(mbr_code + KERNEL_SECTOR, core_lba);
	mbr_code[BOOT_DRIVE] = 0xff;		/* the drive the BIOS booted */
	mbr_code[DRIVE_CHECK] = 0x90;		/* a hard disk: skip the floppy check */
	mbr_code[DRIVE_CHECK + 1] = 0x90;
	/* diskboot's first block list entry, at the end of its sector. */
	list = core + GPT_SECTOR - LIST_SIZE;
	le64(list, core_lba + 1);
	le16(list + 8, (uint16_t)(sectors - 1));
	return 0;
}
