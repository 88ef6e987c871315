/* GUID Partition Tables as bytes (lib/disk/gpt.h): the Fathom layout and
 * its protective MBR, primary and backup headers (UEFI 2.10, 5.3). */
#include "gpt.h"

#include <stdio.h>
#include <string.h>

#define ESP_TYPE "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"
#define BIOS_TYPE "21686148-6449-6E6F-744E-656564454649"
#define LINUX_TYPE "0FC63DAF-8483-4772-8E79-3D69D8477DE4"
#define MIB_SECTORS (1048576 / GPT_SECTOR)

uint32_t gpt_crc32(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint32_t crc = 0xffffffff;
	int k;

	while (len--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320 & (0u - (crc & 1)));
	}
	return ~crc;
}

static void le16(unsigned char *p, uint16_t v) { p[0] = v & 0xff; p[1] = v >> 8; }
static void le32(unsigned char *p, uint32_t v) { le16(p, v & 0xffff); le16(p + 2, v >> 16); }
static void le64(unsigned char *p, uint64_t v) { le32(p, v & 0xffffffff); le32(p + 4, v >> 32); }

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The first three fields are little-endian on disk, the rest as written. */
static const int guid_order[16] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15 };

int gpt_guid_parse(const char *s, uint8_t out[16])
{
	uint8_t b[16];
	int i = 0, hi, lo;

	while (i < 16) {
		if (*s == '-') {
			s++;
			continue;
		}
		hi = hexval(s[0]);
		lo = hi < 0 ? -1 : hexval(s[1]);
		if (lo < 0)
			return -1;
		b[i++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	if (*s)
		return -1;
	for (i = 0; i < 16; i++)
		out[i] = b[guid_order[i]];
	return 0;
}

void gpt_guid_format(const uint8_t g[16], char out[37])
{
	char *p = out;
	int i;

	for (i = 0; i < 16; i++) {
		p += sprintf(p, "%02X", g[guid_order[i]]);
		if (i == 3 || i == 5 || i == 7 || i == 9)
			*p++ = '-';
	}
	*p = '\0';
}

int gpt_fathom_layout(uint64_t sectors, const uint8_t guids[3][16], struct gpt_part parts[3])
{
	uint64_t last_usable = sectors - 1 - 1 - GPT_ENTRY_SECTORS, at = MIB_SECTORS;
	int i;

	if (sectors * GPT_SECTOR < LAYOUT_MIN_BYTES)
		return -1;
	memset(parts, 0, 3 * sizeof(*parts));
	gpt_guid_parse(ESP_TYPE, parts[0].type);
	snprintf(parts[0].name, sizeof(parts[0].name), "fathom-esp");
	parts[0].first = at;
	parts[0].last = at += (uint64_t)LAYOUT_ESP_MIB * MIB_SECTORS, parts[0].last--;
	gpt_guid_parse(BIOS_TYPE, parts[1].type);
	snprintf(parts[1].name, sizeof(parts[1].name), "fathom-bios");
	parts[1].first = at;
	parts[1].last = at += (uint64_t)LAYOUT_BIOS_MIB * MIB_SECTORS, parts[1].last--;
	gpt_guid_parse(LINUX_TYPE, parts[2].type);
	snprintf(parts[2].name, sizeof(parts[2].name), "fathom-data");
	parts[2].first = at;
	parts[2].last = (last_usable + 1) / MIB_SECTORS * MIB_SECTORS - 1;
	for (i = 0; i < 3; i++)
		memcpy(parts[i].guid, guids[i], 16);
	return 0;
}

static void header(unsigned char *h, uint64_t self, uint64_t alt, uint64_t first_usable,
		   uint64_t last_usable, const uint8_t guid[16], uint64_t entries_lba, uint32_t entries_crc)
{
	memset(h, 0, GPT_SECTOR);
	memcpy(h, "EFI PART", 8);
	le32(h + 8, 0x00010000);
	le32(h + 12, 92);
	le64(h + 24, self);
	le64(h + 32, alt);
	le64(h + 40, first_usable);
	le64(h + 48, last_usable);
	memcpy(h + 56, guid, 16);
	le64(h + 72, entries_lba);
	le32(h + 80, GPT_ENTRIES);
	le32(h + 84, 128);
	le32(h + 88, entries_crc);
	le32(h + 16, gpt_crc32(h, 92));
}

int gpt_build(uint64_t sectors, const uint8_t disk_guid[16], const struct gpt_part *parts, int n,
	      const unsigned char *boot_code, unsigned char *head, unsigned char *tail)
{
	uint64_t last = sectors - 1, first_usable = 2 + GPT_ENTRY_SECTORS;
	uint64_t last_usable = last - 1 - GPT_ENTRY_SECTORS;
	unsigned char *mbr = head, *entries = head + 2 * GPT_SECTOR;
	uint32_t crc;
	int i;
	size_t c;

	if (n > GPT_ENTRIES || sectors < 2 * first_usable)
		return -1;
	memset(head, 0, GPT_HEAD_BYTES);
	if (boot_code)
		memcpy(mbr, boot_code, 440);
	/* One partition of type 0xee over the whole disk (or 2 TiB). */
	mbr[446 + 4] = 0xee;
	mbr[446 + 2] = 0x02;	/* CHS start 0/0/2 */
	memset(mbr + 446 + 5, 0xff, 3);
	le32(mbr + 446 + 8, 1);
	le32(mbr + 446 + 12, last > 0xffffffff ? 0xffffffff : (uint32_t)last);
	mbr[510] = 0x55;
	mbr[511] = 0xaa;
	for (i = 0; i < n; i++) {
		unsigned char *e = entries + 128 * i;
		static const uint8_t unused[16];

		if (memcmp(parts[i].type, unused, 16) == 0)
			continue;
		if (parts[i].first < first_usable || parts[i].last > last_usable ||
		    parts[i].first > parts[i].last)
			return -1;
		memcpy(e, parts[i].type, 16);
		memcpy(e + 16, parts[i].guid, 16);
		le64(e + 32, parts[i].first);
		le64(e + 40, parts[i].last);
		for (c = 0; c < 36 && parts[i].name[c]; c++)
			le16(e + 56 + 2 * c, (unsigned char)parts[i].name[c]);
	}
	crc = gpt_crc32(entries, GPT_ENTRY_SECTORS * GPT_SECTOR);
	header(head + GPT_SECTOR, 1, last, first_usable, last_usable, disk_guid, 2, crc);
	memcpy(tail, entries, GPT_ENTRY_SECTORS * GPT_SECTOR);
	header(tail + GPT_ENTRY_SECTORS * GPT_SECTOR, last, 1, first_usable, last_usable, disk_guid,
	       last - GPT_ENTRY_SECTORS, crc);
	return 0;
}
