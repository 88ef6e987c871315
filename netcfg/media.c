/* netcfg --appliance with fathom.media=ID: the boot medium's fathom.conf. */
#define _GNU_SOURCE
#include "netcfg.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "lib/clock.h"
#include "lib/cmdline.h"
#include "lib/disk/disk.h"
#include "lib/file.h"
#include "lib/kmod.h"
#include "lib/bootcfg/init_params.h"
#include "lib/bootcfg/settings.h"

/* The boot medium: a USB stick or ISO made by image/mkmedia carries
 * /boot/fathom-ID and the operator's /fathom.conf; the boot loader passes
 * fathom.media=ID. We look for that medium among the block devices (the
 * USB or CD drivers may take seconds to find it), read fathom.conf, and
 * keep a copy in /run so a restarted netcfg does not look again. Runs in
 * netcfg (a child of PID 1), never blocking PID 1's loop. */

/* In media.cpio.zst, which the medium's boot loader loads as a second
 * initrd (image/mkmedia), with the drivers it lists. */
#define MEDIA_MODULES_LIST "/etc/fathom/media-modules"

#define MEDIA_DIR "/run/fathom/media"
#define MEDIA_CACHE "/run/fathom/fathom.conf"
#define MEDIA_WHERE "/run/fathom/fathom.conf.from"
#define SETTINGS_DIR "/run/fathom/settings"

enum fs_type { FS_NONE, FS_ISO9660, FS_VFAT };

static enum fs_type probe(const char *dev)
{
	unsigned char b[512];
	char cd[6];
	int fd = open(dev, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	enum fs_type t = FS_NONE;

	if (fd < 0)
		return FS_NONE;
	/* ISO 9660: the primary volume descriptor at 32 KiB, "CD001". */
	if (pread(fd, cd, sizeof(cd), 32769) == (ssize_t)sizeof(cd) &&
	    memcmp(cd, "CD001", 5) == 0)
		t = FS_ISO9660;
	else if (pread(fd, b, sizeof(b), 0) == (ssize_t)sizeof(b) &&
		 b[510] == 0x55 && b[511] == 0xaa &&
		 (memcmp(b + 0x36, "FAT", 3) == 0 || memcmp(b + 0x52, "FAT32", 5) == 0))
		t = FS_VFAT;
	close(fd);
	return t;
}

/* path (replaced whole) with text, mode, and owner uid:gid unless uid is
 * -1 (root's then). The owner is set before the name appears. */
static void write_owned(const char *path, const char *text, mode_t mode, uid_t uid, gid_t gid)
{
	char tmp[128];
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		return;
	if (fchmod(fd, mode) == 0 && (uid == (uid_t)-1 || fchown(fd, uid, gid) == 0) &&
	    write(fd, text, strlen(text)) == (ssize_t)strlen(text))
		rename(tmp, path);
	else
		unlink(tmp);
	close(fd);
}

static void write_small(const char *path, const char *text, mode_t mode)
{
	write_owned(path, text, mode, (uid_t)-1, (gid_t)-1);
}

/* A prefix with secrets (the platform agent's API key): its lines go to a
 * file only its own user reads. The user is the image's (/etc/passwd);
 * without it the file stays root's, which the agent cannot read: said once. */
static void publish_secret(const char *path, const char *prefix, const char *lines)
{
	struct passwd *pw = getpwnam(prefix);

	if (!pw)
		nc_log_as(NC_ERR, "media", "no user %s in /etc/passwd: %s stays root's (0600) and "
			  "the %s service cannot read it; add the user to the board's overlay",
			  prefix, path, prefix);
	write_owned(path, lines, 0600, pw ? pw->pw_uid : (uid_t)-1, pw ? pw->pw_gid : (gid_t)-1);
}

/* The medium's fathom.conf stays root's (secrets may be in it); each
 * service's lines go to SETTINGS_DIR/PREFIX.conf, which that service,
 * running as its own user, reads (lib/bootcfg/settings.h): 0644 for public
 * settings (ndt7: labels, public keys, limits), 0600 owned by the
 * service's user for a prefix with secrets (platform: the API key). A
 * prefix without lines gets no file (update: update.url, update.interval
 * for fathom-update). */
static void media_settings_publish(const char *conf)
{
	static const char *const prefixes[] = { "ndt7", "platform", "update" };
	static char lines[8192];
	char path[sizeof(SETTINGS_DIR) + 32];
	size_t i;

	mkdir(SETTINGS_DIR, 0755);
	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		snprintf(path, sizeof(path), SETTINGS_DIR "/%s.conf", prefixes[i]);
		if (settings_extract(conf, prefixes[i], lines, sizeof(lines)) < 0)
			continue;
		if (!settings_prefix_has_secrets(prefixes[i]))
			write_small(path, lines, 0644);
		else if (lines[0])
			publish_secret(path, prefixes[i], lines);
	}
}

/* An empty drive (a CD drive without a disc) has size 0: reading it would
 * only fill the console with I/O errors. */
static int has_medium(const char *name)
{
	char dir[sizeof(((struct dirent *)0)->d_name) + 32], size[32];

	snprintf(dir, sizeof(dir), "/sys/class/block/%s", name);
	return sysfs_read(dir, "size", size, sizeof(size)) < 0 || strcmp(size, "0") != 0;
}

/* A disk installed by fathom-install boots with fathom.slot=A|B: its ESP
 * is the medium, with the slot's fathom.conf in /fathom/SLOT/. */
static const char *conf_path(void)
{
	static char path[sizeof(MEDIA_DIR) + 32];
	char cmdline[4096], slot[2];

	if (file_read("/proc/cmdline", cmdline, sizeof(cmdline)) >= 0 &&
	    cmdline_get(cmdline, "fathom.slot", slot, sizeof(slot)) && (slot[0] == 'A' || slot[0] == 'B'))
		snprintf(path, sizeof(path), MEDIA_DIR "/fathom/%c/fathom.conf", slot[0]);
	else
		snprintf(path, sizeof(path), MEDIA_DIR "/fathom.conf");
	return path;
}

/* Mount dev and look for the medium. 1: found (conf read, or empty if the
 * medium has none), 0: not this one. */
static int try_device(const char *dev, enum fs_type t, const char *id,
		      char *conf, size_t size)
{
	char path[sizeof(MEDIA_DIR) + MEDIA_ID_MAX + 16];
	struct stat st;
	int found = 0;

	if (mount(dev, MEDIA_DIR, t == FS_ISO9660 ? "iso9660" : "vfat",
		  MS_RDONLY | MS_SILENT | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return 0;
	snprintf(path, sizeof(path), MEDIA_DIR "/boot/fathom-%s", id);
	if (stat(path, &st) == 0) {
		found = 1;
		conf[0] = '\0';
		if (file_read(conf_path(), conf, size) < 0) {
			if (errno == ENOENT)
				nc_log_as(NC_ERR, "media", "%s: no fathom.conf on it; network settings from the "
					"command line only", dev);
			else
				nc_log_as(NC_ERR, "media", "%s: fathom.conf: %s; ignored (keep it under %zu bytes)",
					dev, strerror(errno), size - 2);
			conf[0] = '\0';
		}
	}
	umount2(MEDIA_DIR, MNT_DETACH);
	return found;
}

/* Append name to the space-separated list in seen, if it fits. */
static void seen_add(char *seen, size_t size, const char *name)
{
	size_t len = strlen(seen), n = strlen(name);

	if (len + n + 2 > size)
		return;
	if (len)
		seen[len++] = ' ';
	memcpy(seen + len, name, n + 1);
}

int media_read_conf(const char *id, unsigned timeout_s, char *conf, size_t size,
		    char *where, size_t where_size)
{
	long start = monotonic_ms(), deadline = start + (long)timeout_s * 1000;
	char seen[256] = "", dev[sizeof(((struct dirent *)0)->d_name) + 8];

	/* Looked before (netcfg restarted): the same answer, at once. */
	if (file_read(MEDIA_CACHE, conf, size) >= 0) {
		if (file_read(MEDIA_WHERE, where, where_size) < 0)
			where[0] = '\0';
		return where[0] != '\0';
	}
	if (access(MEDIA_MODULES_LIST, F_OK) < 0)
		nc_log_as(NC_ERR, "media", "no " MEDIA_MODULES_LIST ": the medium's drivers are not loaded; "
			"boot the medium's /boot/media.cpio.zst as a second initrd after initramfs.cpio.zst "
			"(image/mkmedia's boot loader configs do)");
	else
		modules_load_list(MEDIA_MODULES_LIST);
	mkdir("/run/fathom", 0755);
	mkdir(MEDIA_DIR, 0700);
	for (;;) {
		DIR *d = opendir("/sys/class/block");
		struct dirent *e;

		seen[0] = '\0';
		while (d && (e = readdir(d)) != NULL) {
			enum fs_type t;

			if (disk_name_virtual(e->d_name) || !has_medium(e->d_name))
				continue;
			seen_add(seen, sizeof(seen), e->d_name);
			snprintf(dev, sizeof(dev), "/dev/%s", e->d_name);
			t = probe(dev);
			if (t == FS_NONE || !try_device(dev, t, id, conf, size))
				continue;
			closedir(d);
			snprintf(where, where_size, "fathom.conf on %s", dev);
			nc_log_as(NC_INFO, "media", "%s (%s) is the boot medium %s, after %ld ms%s", dev,
				 t == FS_ISO9660 ? "iso9660" : "vfat", id, monotonic_ms() - start,
				 conf[0] ? "; reading its fathom.conf" : "");
			write_small(MEDIA_CACHE, conf, 0600);
			media_settings_publish(conf);
			write_small(MEDIA_WHERE, where, 0600);
			return 1;
		}
		if (d)
			closedir(d);
		if (monotonic_ms() >= deadline)
			break;
		sleep_ms(250);
	}
	nc_log_as(NC_ERR, "media", "no boot medium with /boot/fathom-%s after %us (block devices: %s); "
		"network settings from the command line only: is the stick or virtual media "
		"still attached? (fathom.media_timeout= waits longer)",
		id, timeout_s, seen[0] ? seen : "none");
	conf[0] = where[0] = '\0';
	write_small(MEDIA_CACHE, "", 0600);
	write_small(MEDIA_WHERE, "", 0600);
	return 0;
}
