/* libFuzzer target for lib/disk/probe.c: arbitrary first bytes of a disk
 * (a disk's contents are outside input to the installer). The answer is
 * always one of the known names, and a shorter read never finds a
 * signature past its end. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/disk/disk.h"

static const char *const names[] = { "", "gpt", "mbr", "ext4", "vfat", "iso9660", "lvm2",
				     "swap", "xfs", "btrfs", "linux_raid" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *kind = disk_probe(data, size);
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(kind, names[i]) == 0)
			return 0;
	abort();
}
