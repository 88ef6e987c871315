/* Unit tests for lib/disk: signatures (probe.c), disks in fake sysfs
 * trees (scan.c), the installer's choice and refusals (choose.c), the GPT
 * and EFI/BIOS boot bytes (gpt.c, boot.c). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/disk/disk.h"
#include "lib/disk/gpt.h"
#include "tap.h"

#define GIB ((uint64_t)1 << 30)

static void test_probe(void)
{
	static unsigned char b[DISK_PROBE_BYTES];
	static const struct { size_t off; const char *magic; size_t n; const char *want; } cases[] = {
		{ 512, "EFI PART", 8, "gpt" },
		{ 1024 + 56, "\x53\xef", 2, "ext4" },
		{ 32769, "CD001", 5, "iso9660" },
		{ 0, "XFSB", 4, "xfs" },
		{ 512, "LABELONE", 8, "lvm2" },
		{ 4086, "SWAPSPACE2", 10, "swap" },
		{ 65600, "_BHRfS_M", 8, "btrfs" },
		{ 4096, "\xfc\x4e\x2b\xa9", 4, "linux_raid" },
	};
	size_t i;

	memset(b, 0, sizeof(b));
	CHECK(strcmp(disk_probe(b, sizeof(b)), "") == 0, "probe: zeros are blank");
	CHECK(strcmp(disk_probe(b, 0), "") == 0, "probe: nothing read is blank");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(b, 0, sizeof(b));
		memcpy(b + cases[i].off, cases[i].magic, cases[i].n);
		CHECK(strcmp(disk_probe(b, sizeof(b)), cases[i].want) == 0, "probe: %s", cases[i].want);
		CHECK(strcmp(disk_probe(b, cases[i].off + cases[i].n - 1), "") == 0,
		      "probe: %s cut short is not found", cases[i].want);
	}
	memset(b, 0, sizeof(b));
	b[510] = 0x55, b[511] = 0xaa, b[446 + 4] = 0x83;
	CHECK(strcmp(disk_probe(b, 512), "mbr") == 0, "probe: DOS table with a Linux partition");
	b[446 + 4] = 0xee;
	CHECK(strcmp(disk_probe(b, 512), "gpt") == 0, "probe: protective MBR alone");
	b[446 + 4] = 0;
	CHECK(strcmp(disk_probe(b, 512), "") == 0, "probe: 0x55aa with no entries is blank");
	memcpy(b + 0x52, "FAT32", 5);
	CHECK(strcmp(disk_probe(b, 512), "vfat") == 0, "probe: FAT32 boot sector");
}

/* A fake tree: ROOT/sys/class/block/NAME/{size,removable,ro,serial,...}
 * and ROOT/dev/NAME (its first bytes). */
static char root[64];

static void put_bytes(const char *rel, const char *bytes, size_t len);

static void put(const char *rel, const char *text)
{
	put_bytes(rel, text, strlen(text));
}

static void put_bytes(const char *rel, const char *bytes, size_t len)
{
	char path[512], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (slash = strchr(path + strlen(root) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	f = fopen(path, "w");
	if (f) {
		fwrite(bytes, 1, len, f);
		fclose(f);
	}
}

static void fake_disk(const char *name, const char *sectors, const char *removable, const char *serial,
		      const char *dev_bytes_magic, size_t magic_off)
{
	char rel[256];
	static unsigned char zeros[8192];
	FILE *f;

	snprintf(rel, sizeof(rel), "sys/class/block/%s/size", name);
	put(rel, sectors);
	snprintf(rel, sizeof(rel), "sys/class/block/%s/removable", name);
	put(rel, removable);
	snprintf(rel, sizeof(rel), "sys/class/block/%s/ro", name);
	put(rel, "0\n");
	if (serial) {
		snprintf(rel, sizeof(rel), "sys/class/block/%s/serial", name);
		put(rel, serial);
	}
	snprintf(rel, sizeof(rel), "%s/dev/%s", root, name);
	mkdir(strcat(strcpy((char[128]){ 0 }, root), "/dev"), 0755);
	f = fopen(rel, "w");
	if (f) {
		fwrite(zeros, 1, sizeof(zeros), f);
		if (dev_bytes_magic) {
			fseek(f, (long)magic_off, SEEK_SET);
			fputs(dev_bytes_magic, f);
		}
		fclose(f);
	}
}

/* Move ROOT/sys/class/block/NAME (if it is there) to ROOT/sys/devices/DEV
 * and link it back, as sysfs has it. */
static void link_into_devices(const char *name, const char *dev)
{
	char from[128], to[160], rel[200];

	snprintf(from, sizeof(from), "%s/sys/class/block/%s", root, name);
	snprintf(to, sizeof(to), "%s/sys/devices/%s", root, dev);
	snprintf(rel, sizeof(rel), "../../devices/%s", dev);
	if (access(from, F_OK) == 0) {
		char cmd[640];

		snprintf(cmd, sizeof(cmd), "cp -r '%s/.' '%s/' && rm -rf '%s'", from, to, from);
		CHECK(system(cmd) == 0, "fake tree: %s moved into devices/", name);
	}
	CHECK(symlink(rel, from) == 0, "fake tree: %s linked", name);
}

static const struct disk *by_name(const struct disk *d, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(d[i].name, name) == 0)
			return &d[i];
	return NULL;
}

static void test_scan(void)
{
	struct disk d[DISK_MAX];
	const struct disk *k;
	char parent[DISK_NAME_MAX];
	int n;

	snprintf(root, sizeof(root), "/tmp/test_disk.XXXXXX");
	if (!mkdtemp(root))
		return;
	fake_disk("vda", "4194304\n", "0\n", "FATHOMDISK1\n", NULL, 0);
	fake_disk("vdb", "4194304\n", "0\n", "OLDDISK\n", "EFI PART", 512);
	/* As in sysfs: class/block's entries link into devices/, a
	 * partition's directory inside its disk's. */
	put("sys/devices/pci0/virtio1/block/vdb/vdb1/partition", "1\n");
	put("sys/devices/pci0/virtio1/block/vdb/vdb1/size", "2048\n");
	put("sys/devices/pci0/virtio1/block/vdb/vdb1/uevent", "MAJOR=254\nPARTN=1\nPARTNAME=fathom-data\n");
	link_into_devices("vdb", "pci0/virtio1/block/vdb");
	link_into_devices("vdb1", "pci0/virtio1/block/vdb/vdb1");
	fake_disk("sda", "131072\n", "1\n", NULL, NULL, 0);
	put_bytes("sys/class/block/sda/device/vpd_pg80", "\x00\x80\x00\x08STICK01 ", 12);
	put("sys/class/block/sda/device/model", "QEMU HARDDISK   \n");
	put("sys/class/block/sda/device/wwid", "naa.5000c500a1b2c3d4\n");
	fake_disk("sr0", "1000\n", "1\n", NULL, NULL, 0);
	fake_disk("loop0", "1000\n", "0\n", NULL, NULL, 0);
	fake_disk("vdc", "0\n", "0\n", NULL, NULL, 0);
	n = disk_scan(root, strcat(strcpy((char[128]){ 0 }, root), "/dev"), d, DISK_MAX);
	CHECK(n == 3, "scan: 3 disks (no partition, CD, loop or empty device): %d", n);
	k = by_name(d, n, "vda");
	CHECK(k && k->size == 2 * GIB && !k->removable && k->partitions == 0 && !k->signature[0] &&
	      !k->fathom_data &&
	      strcmp(k->serial, "FATHOMDISK1") == 0 && strcmp(k->bus, "virtio") == 0,
	      "scan: vda blank, 2 GiB, serial from virtio's attribute");
	k = by_name(d, n, "vdb");
	CHECK(k && k->partitions == 1 && strcmp(k->signature, "gpt") == 0 && k->fathom_data,
	      "scan: vdb has a partition (fathom-data) and a GPT signature");
	k = by_name(d, n, "sda");
	CHECK(k && k->removable && strcmp(k->serial, "STICK01") == 0 &&
	      strcmp(k->model, "QEMU HARDDISK") == 0 && strcmp(k->wwn, "naa.5000c500a1b2c3d4") == 0,
	      "scan: sda removable, serial from VPD page 0x80 (trimmed), model, WWN");
	CHECK(disk_parent(root, "vdb1", parent, sizeof(parent)) == 0 && strcmp(parent, "vdb") == 0,
	      "parent: a partition's disk: %s", parent);
	CHECK(disk_parent(root, "vda", parent, sizeof(parent)) == 0 && strcmp(parent, "vda") == 0,
	      "parent: a whole disk is its own");
	CHECK(disk_scan("/nonexistent", "/dev", d, DISK_MAX) == -1, "scan: no sysfs is an error");
	if (fork() == 0)
		execlp("rm", "rm", "-rf", root, (char *)NULL), _exit(1);
}

#define BLANK(nm, gib, ser) { nm, (gib) * GIB, 0, 0, 0, 0, "", ser, "", "", "virtio" }
static const struct disk fleet[] = {
	BLANK("vda", 2, "FATHOMDISK1"),
	{ "vdb", 2 * GIB, 0, 0, 1, 0, "gpt", "OLDDISK", "", "", "virtio" },
	{ "sda", 1 * GIB, 0, 0, 1, 0, "gpt", "STICK01", "", "QEMU HARDDISK", "usb" },
	{ "sdb", 8 * GIB, 0, 0, 0, 0, "", "S3Z1NB0K123", "naa.5000c500a1b2c3d4", "Samsung SSD 860", "ata" },
	{ "sdc", 8 * GIB, 1, 0, 0, 0, "", "CARD", "", "", "usb" },
	{ "vde", 1 << 20, 0, 0, 0, 0, "", "TINY", "", "", "virtio" },
	{ "vdf", 2 * GIB, 0, 1, 0, 0, "", "ROM", "", "", "virtio" },
	{ "vdg", 2 * GIB, 0, 0, 0, 0, "ext4", "FS", "", "", "virtio" },
};

static void test_choose(void)
{
	static const struct {
		const char *target, *wipe, *boot;
		int ndisks;
		enum disk_verdict want;
		const char *chosen, *msg_has;
	} cases[] = {
		{ "FATHOMDISK1", NULL, "sda", 8, DISK_OK, "vda", "" },
		{ "/dev/disk/by-id/virtio-FATHOMDISK1", NULL, "sda", 8, DISK_OK, "vda", "" },
		{ "virtio-FATHOMDISK1", NULL, "sda", 8, DISK_OK, "vda", "" },
		{ "ata-Samsung_SSD_860_S3Z1NB0K123", NULL, "sda", 8, DISK_OK, "sdb", "" },
		{ "wwn-0x5000c500a1b2c3d4", NULL, "sda", 8, DISK_OK, "sdb", "" },
		{ "0x5000C500A1B2C3D4", NULL, "sda", 8, DISK_OK, "sdb", "" },
		{ "NOSUCH", NULL, "sda", 8, DISK_NO_MATCH, NULL, "no disk is \"NOSUCH\"" },
		{ "/dev/vda", NULL, "sda", 8, DISK_BAD_TARGET, NULL, "kernel names change" },
		{ "STICK01", NULL, "sda", 8, DISK_BOOT_MEDIUM, NULL, "is the boot medium" },
		{ "STICK01", "STICK01", "sda", 8, DISK_BOOT_MEDIUM, NULL, "never installing" },
		{ "CARD", NULL, "sda", 8, DISK_REMOVABLE, NULL, "removable media" },
		{ "TINY", NULL, "sda", 8, DISK_TOO_SMALL, NULL, "smaller than" },
		{ "ROM", NULL, "sda", 8, DISK_READ_ONLY, NULL, "read-only" },
		{ "OLDDISK", NULL, "sda", 8, DISK_NOT_BLANK, NULL, "add fathom.install.wipe=OLDDISK" },
		{ "OLDDISK", "FATHOMDISK1", "sda", 8, DISK_NOT_BLANK, NULL, "1 partition and a signature: gpt" },
		{ "OLDDISK", "OLDDISK", "sda", 8, DISK_OK, "vdb", "" },
		{ "FS", NULL, "sda", 8, DISK_NOT_BLANK, NULL, "holds ext4 data" },
		{ "auto", NULL, "sda", 3, DISK_OK, "vda", "" },
		{ "auto", NULL, "sda", 4, DISK_AMBIGUOUS, NULL, "auto: 2 disks could be meant (vda" },
		{ "auto", NULL, "sda", 8, DISK_AMBIGUOUS, NULL, "none touched" },
		{ "auto", NULL, "vda", 3, DISK_NO_MATCH, NULL, "auto: no internal disk" },
		{ "auto", NULL, NULL, 1, DISK_OK, "vda", "" },
		{ "", NULL, NULL, 8, DISK_NO_MATCH, NULL, "no disk is" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char msg[2048];
		int chosen = -2;
		enum disk_verdict v = disk_choose(fleet, cases[i].ndisks, cases[i].target, cases[i].wipe,
						  cases[i].boot, LAYOUT_MIN_BYTES, &chosen, msg, sizeof(msg));

		CHECK(v == cases[i].want && (cases[i].chosen ? chosen >= 0 &&
		      strcmp(fleet[chosen].name, cases[i].chosen) == 0 : chosen == -1) &&
		      strstr(msg, cases[i].msg_has) != NULL,
		      "choose %s (wipe %s, %d disks): verdict %d, msg: %s", cases[i].target,
		      cases[i].wipe ? cases[i].wipe : "-", cases[i].ndisks, v, msg);
	}
}

static void test_gpt(void)
{
	static unsigned char head[GPT_HEAD_BYTES], tail[GPT_TAIL_BYTES];
	struct gpt_part p[3];
	uint8_t g[3][16], disk_guid[16] = { 1 };
	char s[37];
	uint64_t sectors = 2 * GIB / 512;
	uint32_t crc;

	memset(g, 0xab, sizeof(g));
	CHECK(gpt_guid_parse("C12A7328-F81F-11D2-BA4B-00A0C93EC93B", g[0]) == 0 && g[0][0] == 0x28 &&
	      g[0][3] == 0xc1 && g[0][8] == 0xba, "guid: mixed-endian bytes");
	gpt_guid_format(g[0], s);
	CHECK(strcmp(s, "C12A7328-F81F-11D2-BA4B-00A0C93EC93B") == 0, "guid: back to text");
	CHECK(gpt_guid_parse("C12A7328-F81F", g[0]) == -1, "guid: short is refused");
	CHECK(gpt_crc32("123456789", 9) == 0xcbf43926, "crc32 check value");
	CHECK(gpt_fathom_layout(LAYOUT_MIN_BYTES / 512 - 1, (const uint8_t(*)[16])g, p) == -1,
	      "layout: one sector under the minimum is refused");
	CHECK(gpt_fathom_layout(sectors, (const uint8_t(*)[16])g, p) == 0 && p[0].first == 2048 &&
	      p[0].last == 2048 + 256 * 2048 - 1 && p[1].first == p[0].last + 1 &&
	      p[2].first == p[1].last + 1 && p[2].last < sectors - 33 && (p[2].last + 1) % 2048 == 0 &&
	      strcmp(p[0].name, "fathom-esp") == 0 && strcmp(p[2].name, "fathom-data") == 0,
	      "layout: ESP 256 MiB at 1 MiB, BIOS boot, data to the end, MiB-aligned");
	CHECK(gpt_build(sectors, disk_guid, p, 3, NULL, head, tail) == 0, "gpt: built");
	CHECK(memcmp(head + 512, "EFI PART", 8) == 0 && head[510] == 0x55 && head[450] == 0xee,
	      "gpt: protective MBR and header");
	crc = gpt_crc32(head + 1024, 32 * 512);
	CHECK(memcmp(head + 512 + 88, &crc, 4) == 0, "gpt: entries CRC in the header");
	memcpy(&crc, head + 512 + 16, 4);
	memset(head + 512 + 16, 0, 4);
	CHECK(gpt_crc32(head + 512, 92) == crc, "gpt: header CRC");
	CHECK(memcmp(tail + 32 * 512, "EFI PART", 8) == 0 && memcmp(tail, head + 1024, 32 * 512) == 0,
	      "gpt: backup entries and header");
	CHECK(head[1024 + 56] == 'f' && head[1024 + 57] == 0 && head[1024 + 58] == 'a',
	      "gpt: names in UTF-16LE");
	p[2].last = sectors;
	CHECK(gpt_build(sectors, disk_guid, p, 3, NULL, head, tail) == -1,
	      "gpt: a partition past the usable end is refused");
}

static void test_efi(void)
{
	unsigned char opt[512];
	struct gpt_part esp = { { 0 }, { 0x11 }, 2048, 526335, "fathom-esp" };
	uint16_t order[] = { 1, 4, 2 }, out[4];
	size_t n = efi_load_option("Fathom", &esp, 1, "\\EFI\\fathom\\grubx64.efi", opt, sizeof(opt));
	size_t k;

	CHECK(n == 4 + 4 + 2 + 14 + 42 + 4 + 2 * 24 + 4, "load option: %zu bytes", n);
	CHECK(opt[0] == 7 && opt[4] == 1 && opt[10] == 'F' && opt[11] == 0 && opt[24] == 4 &&
	      opt[25] == 1 && opt[24 + 40] == 2, "load option: attributes, Fathom, HD(GPT) path");
	CHECK(opt[8] == (unsigned char)(n - 24), "load option: the path list's length");
	CHECK(efi_load_option("Fathom", &esp, 1, "\\EFI\\fathom\\grubx64.efi", opt, 40) == 0,
	      "load option: too small a buffer");
	k = efi_boot_order_first(order, 3, 4, out);
	CHECK(k == 3 && out[0] == 4 && out[1] == 1 && out[2] == 2, "BootOrder: ours moves first");
	k = efi_boot_order_first(order, 3, 7, out);
	CHECK(k == 4 && out[0] == 7 && out[3] == 2, "BootOrder: a new one goes first");
}

static void test_bios(void)
{
	unsigned char boot[512] = { 0 }, code[440], core[2048] = { 0 };

	CHECK(grub_bios_patch(boot, code, core, sizeof(core), 526336) == -1,
	      "bios: boot.img without 0x55aa is refused");
	boot[510] = 0x55, boot[511] = 0xaa;
	CHECK(grub_bios_patch(boot, code, core, sizeof(core), 526336) == 0 &&
	      code[0x5c] == (526336 & 0xff) && code[0x5d] == ((526336 >> 8) & 0xff) &&
	      code[0x64] == 0xff && core[500] == ((526337) & 0xff) && core[508] == 3,
	      "bios: kernel sector, boot drive, block list start and length");
}

static void test_part_names(void)
{
	char s[32];

	disk_part_name("vda", 1, s, sizeof(s));
	CHECK(strcmp(s, "vda1") == 0, "part name vda1");
	disk_part_name("nvme0n1", 3, s, sizeof(s));
	CHECK(strcmp(s, "nvme0n1p3") == 0, "part name nvme0n1p3");
	disk_human_size(2 * GIB, s, sizeof(s));
	CHECK(strcmp(s, "2.0 GiB") == 0, "size 2.0 GiB: %s", s);
}

int main(void)
{
	test_probe();
	test_scan();
	test_choose();
	test_gpt();
	test_efi();
	test_bios();
	test_part_names();
	return tap_done();
}
