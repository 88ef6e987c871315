/* fathom-install: a one-shot root service (install.service). With
 * fathom.install=TARGET (command line or the stick's fathom.conf) it
 * installs the appliance from the stick onto the disk TARGET names, under
 * the safety rules of lib/disk/choose.c, then reboots into it; with
 * fathom.data.format=ID it prepares a data partition. Otherwise it exits
 * at once. By hand (rescue shell): fathom-install --install TARGET
 * [--wipe TARGET] or --data-format ID, replacing the boot's settings. */
#define _GNU_SOURCE
#include "install.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <time.h>
#include <unistd.h>

#include "lib/cmdline.h"
#include "lib/file.h"

void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	fputc('\n', stdout);
	fflush(stdout);
	va_end(ap);
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void read_settings(struct install_settings *s)
{
	static char conf[16384];
	int has_install, has_wipe, has_format;

	memset(s, 0, sizeof(*s));
	if (file_read("/proc/cmdline", s->cmdline, sizeof(s->cmdline)) < 0)
		s->cmdline[0] = '\0';
	has_install = cmdline_get(s->cmdline, "fathom.install", s->install, sizeof(s->install));
	has_wipe = cmdline_get(s->cmdline, "fathom.install.wipe", s->wipe, sizeof(s->wipe));
	has_format = cmdline_get(s->cmdline, "fathom.data.format", s->format, sizeof(s->format));
	if (!cmdline_get(s->cmdline, "fathom.media", s->media, sizeof(s->media)) ||
	    cmdline_get(s->cmdline, "fathom.slot", conf, 8))
		return;	/* not booted from a stick: the command line only */
	if (stick_mount(s->media, 30, s->stick_dev, sizeof(s->stick_dev)) < 0) {
		s->stick_dev[0] = '\0';
		if (has_install)
			say("the boot medium %s did not appear in 30 s: cannot install from it", s->media);
		return;
	}
	if (file_read(STICK_DIR "/fathom.conf", conf, sizeof(conf)) >= 0)
		settings_from_conf(s, conf, has_install, has_wipe, has_format);
}

/* Disks appear while their drivers probe (netcfg loads the stick's, an
 * NVMe or RAID controller takes seconds): scan until a named target is
 * there, or for auto until the list has not changed for 3 s; at most
 * 30 s. The count, or -1. */
static int scan_settled(struct disk *disks, int *n, const char *target)
{
	double start = now(), same_since = start;
	char names[DISK_MAX * DISK_NAME_MAX], last[sizeof(names)] = "";
	int i;

	for (;;) {
		struct timespec t = { 0, 500000000 };
		int found = 0;

		*n = disk_scan("", "/dev", disks, DISK_MAX);
		if (*n < 0)
			return -1;
		names[0] = '\0';
		for (i = 0; i < *n; i++) {
			strcat(strcat(names, disks[i].name), " ");
			found |= disk_matches(&disks[i], target);
		}
		if (strcmp(names, last) != 0)
			same_since = now();
		memcpy(last, names, sizeof(names));
		if (strcmp(target, "auto") != 0 ? found : now() - same_since >= 3)
			return *n;
		if (now() - start >= 30)
			return *n;
		nanosleep(&t, NULL);
	}
}

/* Pick the disk under the rules; -1 (said) when none may be written. */
static int choose(struct disk *disks, int *n, const char *target, const char *wipe,
		  const char *boot_disk, uint64_t min)
{
	char msg[2048];
	int chosen;

	if (scan_settled(disks, n, target) < 0) {
		say("/sys/class/block: cannot list disks; nothing written");
		return -1;
	}
	if (disk_choose(disks, *n, target, wipe[0] ? wipe : NULL, boot_disk, min, &chosen, msg,
			sizeof(msg)) != DISK_OK) {
		say("refused: %s", msg);
		return -1;
	}
	return chosen;
}

static int do_install(struct install_settings *s)
{
	struct disk disks[DISK_MAX];
	char boot_disk[DISK_NAME_MAX] = "", esp[64], id[32], size[24];
	double start = now();
	int n, i;

	if (!s->stick_dev[0]) {
		say("fathom.install=%s: not booted from a Fathom stick (fathom.media=): nothing to "
		    "install from", s->install);
		return 1;
	}
	if (disk_parent("", s->stick_dev + 5, boot_disk, sizeof(boot_disk)) < 0)
		boot_disk[0] = '\0';
	say("installing onto %s (the boot medium is %s)", s->install, boot_disk[0] ? boot_disk : "?");
	i = choose(disks, &n, s->install, s->wipe, boot_disk[0] ? boot_disk : NULL, LAYOUT_MIN_BYTES);
	if (i < 0)
		return 1;
	disk_human_size(disks[i].size, size, sizeof(size));
	say("%s (%s, serial %s): writing%s", disks[i].name, size, disks[i].serial[0] ? disks[i].serial : "none",
	    disks[i].partitions || disks[i].signature[0] ? " over its old contents (fathom.install.wipe)" : "");
	if (install_to(&disks[i], s, esp, sizeof(esp), id, sizeof(id)) < 0) {
		say("failed on %s: the disk is not bootable; the stick still is", disks[i].name);
		return 1;
	}
	umount2(STICK_DIR, MNT_DETACH);
	say("done in %.1f s: /dev/%s, ESP %s slot A (fathom.media=%s), data /dev/%s%s3; "
	    "remove the stick; rebooting into the disk", now() - start, disks[i].name, esp, id,
	    disks[i].name, disks[i].name[strlen(disks[i].name) - 1] >= '0' &&
	    disks[i].name[strlen(disks[i].name) - 1] <= '9' ? "p" : "");
	return 0;
}

static int do_format(const struct install_settings *s)
{
	struct disk disks[DISK_MAX];
	char boot_disk[DISK_NAME_MAX] = "";
	int n, i;

	if (s->stick_dev[0] && disk_parent("", s->stick_dev + 5, boot_disk, sizeof(boot_disk)) < 0)
		boot_disk[0] = '\0';
	say("data.format: preparing a fathom-data partition on %s", s->format);
	if (scan_settled(disks, &n, s->format) < 0)
		return 1;
	for (i = 0; i < n; i++)
		if (disk_matches(&disks[i], s->format) && disks[i].fathom_data) {
			say("data.format: /dev/%s has a fathom-data partition already: left as it is",
			    disks[i].name);
			return 0;
		}
	i = choose(disks, &n, s->format, s->wipe, boot_disk[0] ? boot_disk : NULL,
		   (uint64_t)(LAYOUT_DATA_MIN_MIB + 2) << 20);
	if (i < 0 || format_data(&disks[i]) < 0)
		return 1;
	say("data.format: /dev/%s has a fathom-data partition now", disks[i].name);
	return 0;
}

/* Options for a run by hand (the rescue shell): they replace the boot's
 * settings. 0, or -1 on a usage error. */
static int read_options(int argc, char **argv, struct install_settings *s)
{
	static const char *const names[] = { "--install", "--wipe", "--data-format" };
	char *const fields[] = { s->install, s->wipe, s->format };
	int i, k;

	for (i = 1; i < argc; i += 2) {
		for (k = 0; k < 3 && strcmp(argv[i], names[k]) != 0; k++)
			;
		if (k == 3 || i + 1 >= argc || strlen(argv[i + 1]) >= sizeof(s->install))
			return -1;
		if (i == 1)
			s->install[0] = s->wipe[0] = s->format[0] = '\0';
		memcpy(fields[k], argv[i + 1], strlen(argv[i + 1]) + 1);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct install_settings s;
	int rc = 0;

	read_settings(&s);
	if (read_options(argc, argv, &s) < 0) {
		fprintf(stderr, "usage: fathom-install [--install TARGET [--wipe TARGET]] "
			"[--data-format ID [--wipe ID]]\n"
			"  without options: fathom.install=, fathom.install.wipe=, fathom.data.format= from "
			"the kernel command line or the stick's fathom.conf\n");
		if (s.stick_dev[0])
			umount2(STICK_DIR, MNT_DETACH);
		return 2;
	}
	if (!s.install[0] && !s.format[0]) {
		if (s.stick_dev[0])
			umount2(STICK_DIR, MNT_DETACH);
		return 0;
	}
	if (s.install[0]) {
		rc = do_install(&s);
		if (rc == 0) {
			sync();
			kill(1, SIGTERM);	/* init's reboot (busybox reboot does the same) */
			return 0;
		}
	} else {
		rc = do_format(&s);
	}
	if (s.stick_dev[0])
		umount2(STICK_DIR, MNT_DETACH);
	return rc;
}
