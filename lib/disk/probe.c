/* Which partition table or filesystem the first bytes of a disk hold: the
 * installer's "is this disk blank?" (lib/disk/disk.h). Pure: a buffer in,
 * a name out; every offset is checked against len. */
#include "disk.h"

#include <string.h>

static int at(const unsigned char *buf, size_t len, size_t off, const void *magic, size_t n)
{
	return off + n <= len && memcmp(buf + off, magic, n) == 0;
}

/* A DOS/MBR table: the 0x55aa mark and at least one used entry whose
 * status byte is valid (a FAT boot sector has the mark too, no entries). */
static const char *mbr_kind(const unsigned char *buf, size_t len)
{
	int i, used = 0;

	if (!at(buf, len, 510, "\x55\xaa", 2))
		return NULL;
	for (i = 0; i < 4; i++) {
		const unsigned char *e = buf + 446 + 16 * i;

		if (e[0] != 0 && e[0] != 0x80)
			return NULL;
		if (e[4] == 0xee)
			return "gpt";
		if (e[4] != 0)
			used = 1;
	}
	return used ? "mbr" : NULL;
}

const char *disk_probe(const unsigned char *buf, size_t len)
{
	const char *mbr;

	if (at(buf, len, 512, "EFI PART", 8))
		return "gpt";
	if (at(buf, len, 32769, "CD001", 5))
		return "iso9660";
	if (at(buf, len, 0, "XFSB", 4))
		return "xfs";
	if (at(buf, len, 1024 + 56, "\x53\xef", 2))
		return "ext4";
	if (at(buf, len, 512, "LABELONE", 8) || at(buf, len, 1536, "LABELONE", 8))
		return "lvm2";
	if (at(buf, len, 4096 - 10, "SWAPSPACE2", 10) || at(buf, len, 4096 - 10, "SWAP-SPACE", 10))
		return "swap";
	if (at(buf, len, 65536 + 64, "_BHRfS_M", 8))
		return "btrfs";
	if (at(buf, len, 4096, "\xfc\x4e\x2b\xa9", 4))
		return "linux_raid";
	if (at(buf, len, 510, "\x55\xaa", 2) &&
	    (at(buf, len, 0x36, "FAT", 3) || at(buf, len, 0x52, "FAT32", 5)))
		return "vfat";
	mbr = mbr_kind(buf, len);
	return mbr ? mbr : "";
}
