/* GPT, EFI load options and GRUB's BIOS boot code as bytes: what the
 * installer writes (services/install). Pure: buffers in, buffers out. */
#ifndef FATHOM_LIB_DISK_GPT_H
#define FATHOM_LIB_DISK_GPT_H
#include <stddef.h>
#include <stdint.h>

#define GPT_SECTOR 512
#define GPT_ENTRIES 128
#define GPT_ENTRY_SECTORS 32	/* 128 entries of 128 bytes */
#define GPT_HEAD_BYTES ((2 + GPT_ENTRY_SECTORS) * GPT_SECTOR)	/* MBR, header, entries */
#define GPT_TAIL_BYTES ((GPT_ENTRY_SECTORS + 1) * GPT_SECTOR)	/* entries, backup header */

struct gpt_part {
	uint8_t type[16];	/* on-disk (mixed-endian) GUID bytes */
	uint8_t guid[16];
	uint64_t first, last;	/* sectors, inclusive */
	char name[36];		/* ASCII; stored as UTF-16LE */
};

/* The Fathom layout (helper-16 decisions): 1 fathom-esp (ESP, slots A/B),
 * 2 BIOS boot (GRUB's core.img), 3 fathom-data (ext4, the rest). */
#define LAYOUT_ESP 1
#define LAYOUT_BIOS 2
#define LAYOUT_DATA 3
#define LAYOUT_ESP_MIB 256
#define LAYOUT_BIOS_MIB 1
#define LAYOUT_DATA_MIN_MIB 128
/* The smallest disk the layout fits on, bytes. */
#define LAYOUT_MIN_BYTES ((uint64_t)(1 + LAYOUT_ESP_MIB + LAYOUT_BIOS_MIB + LAYOUT_DATA_MIN_MIB + 1) << 20)

/* "C12A7328-F81F-11D2-BA4B-00A0C93EC93B" into GPT's byte order: 0, or -1. */
int gpt_guid_parse(const char *s, uint8_t out[16]);
/* And back, upper case, into out (37 bytes). */
void gpt_guid_format(const uint8_t g[16], char out[37]);

/* The three partitions for a disk of sectors (512-byte) sectors, with the
 * given unique GUIDs (3 x 16 random bytes): 0, or -1 when it is too small. */
int gpt_fathom_layout(uint64_t sectors, const uint8_t guids[3][16], struct gpt_part parts[3]);

/* The protective MBR (boot code from boot_code[440] unless NULL), primary
 * header and entries into head[GPT_HEAD_BYTES]; the backup entries and
 * header into tail[GPT_TAIL_BYTES], which goes at the disk's last 33
 * sectors. 0, or -1 when a partition is outside the usable range. */
int gpt_build(uint64_t sectors, const uint8_t disk_guid[16], const struct gpt_part *parts, int n,
	      const unsigned char *boot_code, unsigned char *head, unsigned char *tail);

uint32_t gpt_crc32(const void *data, size_t len);

/* An EFI_LOAD_OPTION for a file on a GPT partition, as efivarfs wants it
 * (4 attribute bytes first): bytes written to out, or 0 when it does not
 * fit. path uses backslashes (\EFI\fathom\grubx64.efi). */
size_t efi_load_option(const char *description, const struct gpt_part *part, uint32_t part_number,
		       const char *path, unsigned char *out, size_t size);
/* BootOrder with num first and not again later: count of out entries
 * (out holds n + 1). */
size_t efi_boot_order_first(const uint16_t *order, size_t n, uint16_t num, uint16_t *out);

/* GRUB i386-pc: boot.img (512 bytes) patched to load core.img from
 * core_lba into mbr_code[440]; core.img's first sector (diskboot) told
 * where the rest of it is. 0, or -1 when core is not GRUB's. */
int grub_bios_patch(const unsigned char *boot_img, unsigned char mbr_code[440],
		    unsigned char *core, size_t core_len, uint64_t core_lba);
#endif
