/* Disks for the installer (services/install) and the updater: what the
 * kernel shows of each whole disk in sysfs, which one TARGET names, the
 * installer's safety rules, and the GPT, EFI and BIOS boot structures it
 * writes. Pure parts (probe, choose, gpt, efi load options) take buffers
 * and structs; scan.c reads a sysfs tree whose root is a parameter, so
 * tests use fake trees. */
#ifndef FATHOM_LIB_DISK_H
#define FATHOM_LIB_DISK_H
#include <stddef.h>
#include <stdint.h>

#define DISK_MAX 32
#define DISK_NAME_MAX 32
#define DISK_ID_MAX 96

struct disk {
	char name[DISK_NAME_MAX];	/* vda, sda, nvme0n1 */
	uint64_t size;			/* bytes */
	int removable;			/* sysfs removable (USB sticks, card readers) */
	int ro;
	int partitions;			/* partitions the kernel sees */
	int fathom_data;		/* one of them is PARTNAME=fathom-data */
	char signature[16];		/* disk_probe()'s answer: "" when blank */
	char serial[DISK_ID_MAX];
	char wwn[DISK_ID_MAX];
	char model[DISK_ID_MAX];
	char bus[8];			/* by-id prefix: virtio, ata, nvme, scsi, usb */
};

/* The first bytes a probe reads; disk_probe needs no more. */
#define DISK_PROBE_BYTES (68 * 1024)

/* What the first bytes of a disk hold: "gpt", "mbr", "ext4", "vfat",
 * "iso9660", "lvm2", "swap", "xfs", "btrfs", "linux_raid", or "" when
 * none of these (a blank disk). len may be short (a small device). */
const char *disk_probe(const unsigned char *buf, size_t len);

/* The whole disks under sysroot (e.g. "" or a test's fake tree):
 * sysroot/sys/class/block/NAME without a "partition" file, minus loop,
 * ram, zram, nbd, dm-, md, sr, fd and empty devices. The signature is
 * probed from devroot/NAME (e.g. "/dev"; no signature when unreadable).
 * Returns the count (at most max), or -1 with errno when the directory
 * cannot be read. */
int disk_scan(const char *sysroot, const char *devroot, struct disk *out, int max);

/* The whole disk holding block device name (sda1 -> sda, vda -> vda),
 * from sysroot/sys/class/block/NAME/partition and its parent directory.
 * 0, or -1 with errno. */
int disk_parent(const char *sysroot, const char *name, char *disk, size_t size);

/* Whether target names d: its serial, its WWN (with or without "wwn-" and
 * "0x"), or a /dev/disk/by-id name as udev makes them (virtio-SERIAL,
 * ata-MODEL_SERIAL, nvme-MODEL_SERIAL, scsi-..., usb-..., wwn-0x...),
 * with or without the "/dev/disk/by-id/" directory. */
int disk_matches(const struct disk *d, const char *target);

/* The udev by-id name of d (BUS-MODEL_SERIAL, virtio-SERIAL), or "" when
 * it has no serial. */
void disk_by_id(const struct disk *d, char *out, size_t size);

/* The installer's choice. target: "auto" or a disk's name (above); wipe:
 * fathom.install.wipe's value or NULL; boot_disk: the boot medium's disk
 * name or NULL; min_size: bytes the layout needs. On DISK_OK *chosen is
 * an index into disks; otherwise msg says why nothing is touched. */
enum disk_verdict {
	DISK_OK,
	DISK_NO_MATCH,		/* no disk is TARGET, or auto found none */
	DISK_AMBIGUOUS,		/* TARGET matches several, or auto has several */
	DISK_BOOT_MEDIUM,
	DISK_REMOVABLE,
	DISK_READ_ONLY,
	DISK_TOO_SMALL,
	DISK_NOT_BLANK,		/* partitions or a signature, no matching wipe */
	DISK_BAD_TARGET,	/* /dev/sdX: not a stable name */
};
enum disk_verdict disk_choose(const struct disk *disks, int n, const char *target,
			      const char *wipe, const char *boot_disk, uint64_t min_size,
			      int *chosen, char *msg, size_t msg_size);

/* Whether a /sys/class/block name is a virtual device (loop, ram, zram,
 * nbd, dm-, md) or not a device (a dot file): never a disk to look at. */
int disk_name_virtual(const char *name);

/* A partition's device name: vda 1 -> vda1, nvme0n1 1 -> nvme0n1p1. */
void disk_part_name(const char *disk, int part, char *out, size_t size);

/* "2.0 GiB"-style size for messages. */
void disk_human_size(uint64_t bytes, char *out, size_t size);
#endif
