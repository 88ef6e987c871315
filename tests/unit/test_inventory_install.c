/* Unit tests for image/inventory_install.c through the inventory reader:
 * the install_disk and install_wipe columns, accepted values and the
 * install= lines they become, refused values with their exact messages,
 * and that they never reach the kernel command line. */
#include <stdlib.h>
#include <string.h>

#include "inventory.h"
#include "tap.h"

#define LOG_SIZE 4096

struct collect {
	int machines;
	char errors[LOG_SIZE];
	struct inv_machine last;
};

static int collect_machine(void *ctx, const struct inv_machine *m)
{
	struct collect *c = ctx;

	c->machines++;
	c->last = *m;
	return 0;
}

static void collect_error(void *ctx, const char *msg)
{
	struct collect *c = ctx;
	size_t used = strlen(c->errors);

	snprintf(c->errors + used, LOG_SIZE - used, "%s\n", msg);
}

struct install_case {
	const char *row;	/* after "hostname,ipv4,install_disk,install_wipe\n" */
	const char *install;	/* the lines; NULL: refused with message */
	const char *message;
};

#define LONG_ID "0123456789012345678901234567890123456789012345678901234567890123"
static const struct install_case cases[] = {
	{ "n1,192.0.2.10/28,,", "", NULL },
	{ "n1,192.0.2.10/28,auto,", "install=auto\n", NULL },
	{ "n1,192.0.2.10/28,FATHOMDISK1,", "install=FATHOMDISK1\n", NULL },
	{ "n1,192.0.2.10/28, S3R14L-7 , S3R14L-7 ",
	  "install=S3R14L-7\ninstall.wipe=S3R14L-7\n", NULL },
	{ "n1,192.0.2.10/28,/dev/disk/by-id/ata-QEMU_HARDDISK_QM00001,",
	  "install=/dev/disk/by-id/ata-QEMU_HARDDISK_QM00001\n", NULL },
	{ "n1,192.0.2.10/28,wwn-0x5000c500a1b2c3d4,wwn-0x5000c500a1b2c3d4",
	  "install=wwn-0x5000c500a1b2c3d4\ninstall.wipe=wwn-0x5000c500a1b2c3d4\n", NULL },
	{ "n1,192.0.2.10/28,nvme-eui.0025388b91b2c3d4,", "install=nvme-eui.0025388b91b2c3d4\n",
	  NULL },
	{ "n1,192.0.2.10/28,/dev/disk/by-id/" LONG_ID LONG_ID ",", NULL,
	  "inv.csv:2: install_disk: \"/dev/disk/by-id/" LONG_ID LONG_ID "\": too long: the"
	  " installer takes at most 127 bytes\n" },
	{ "n1,192.0.2.10/28,/dev/sda,", NULL,
	  "inv.csv:2: install_disk: \"/dev/sda\": kernel names such as /dev/sda change between"
	  " boots: expected the disk's serial, WWN or /dev/disk/by-id name, or auto\n" },
	{ "n1,192.0.2.10/28,/dev/nvme0n1,", NULL, "install_disk: \"/dev/nvme0n1\": kernel names" },
	{ "n1,192.0.2.10/28,/dev/disk/by-id/,", NULL,
	  "inv.csv:2: install_disk: \"/dev/disk/by-id/\": expected the disk's serial, WWN or"
	  " /dev/disk/by-id name, or auto\n" },
	{ "n1,192.0.2.10/28,/dev/disk/by-id/../sda,", NULL,
	  "install_disk: \"/dev/disk/by-id/../sda\": expected the disk's serial, WWN or"
	  " /dev/disk/by-id name (letters, digits and - _ . : + @ =), or auto\n" },
	{ "n1,192.0.2.10/28,disk*,", NULL, "install_disk: \"disk*\": expected" },
	{ "n1,192.0.2.10/28,a b,", NULL, "install_disk: \"a b\": must not contain blanks" },
	{ "n1,192.0.2.10/28,d$1,", NULL, "install_disk: \"d$1\": must not contain '$'" },
	{ "n1,192.0.2.10/28,,DISK1", NULL, "inv.csv:2: install_wipe: given without install_disk\n" },
	{ "n1,192.0.2.10/28,DISK1,DISK2", NULL,
	  "inv.csv:2: install_wipe: \"DISK2\": must repeat install_disk (\"DISK1\") to let the"
	  " installer erase that disk, or be empty\n" },
	{ "n1,192.0.2.10/28,DISK1,yes", NULL, "install_wipe: \"yes\": must repeat install_disk" },
	{ "n1,192.0.2.10/28,DISK1,disk1", NULL, "install_wipe: \"disk1\": must repeat" },
	{ "n1,192.0.2.10/28,auto,auto", NULL,
	  "inv.csv:2: install_wipe: \"auto\": auto only takes a disk without partitions; name"
	  " the disk to erase in install_disk and install_wipe\n" },
};

int main(void)
{
	struct inv_options opt = { "inv.csv", NULL };
	char csv[1024];
	struct collect c;
	struct inv_handler h = { collect_machine, collect_error, &c };
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct install_case *ic = &cases[i];
		int errors;

		memset(&c, 0, sizeof(c));
		snprintf(csv, sizeof(csv), "hostname,ipv4,install_disk,install_wipe\n%s\n", ic->row);
		errors = inv_parse(csv, strlen(csv), &opt, &h);
		if (!ic->install) {
			CHECK(errors == 1 && c.machines == 0 && strstr(c.errors, ic->message),
			      "install %zu: \"%s\" refused", i, ic->row);
			if (!strstr(c.errors, ic->message))
				printf("#   got: %s", c.errors);
			continue;
		}
		CHECK(errors == 0 && c.machines == 1 && strcmp(c.last.install, ic->install) == 0 &&
		      !strstr(c.last.cmdline, "install") && !strstr(c.last.settings, "install"),
		      "install %zu: \"%s\": its install lines, not on the command line nor in"
		      " the settings", i, ic->row);
		if (errors)
			printf("#   got: %s", c.errors);
	}

	/* The header knows the columns; the message lists them. */
	memset(&c, 0, sizeof(c));
	snprintf(csv, sizeof(csv), "hostname,ipv4,install\nn1,192.0.2.10/28,auto\n");
	CHECK(inv_parse(csv, strlen(csv), &opt, &h) == 1 &&
	      strstr(c.errors, "inv.csv:1: header: unknown column \"install\": expected") &&
	      strstr(c.errors, "install_disk or install_wipe"),
	      "an unknown column \"install\" names install_disk and install_wipe");
	return tap_done();
}
