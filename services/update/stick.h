/* Update bundles on a stick: a USB stick, an ISO or a BMC's virtual media
 * (a removable or USB-attached disk, whole or a partition, never the
 * installed disk that holds the ESP) with a vfat or iso9660 file system
 * carrying /fathom-update/SHA256SUMS (stick.c). The scan reads sysfs and
 * the first bytes of each device; both roots are parameters, so tests use
 * fake trees. */
#ifndef FATHOM_UPDATE_STICK_H
#define FATHOM_UPDATE_STICK_H

#include <stddef.h>

#define STICK_BUNDLE_DIR "fathom-update"
#define STICK_MOUNT_DIR "/run/fathom/stick"
#define STICK_MAX 16

struct stick {
	char name[32];		/* sdb1, sdb, sr0 */
	const char *fstype;	/* "vfat" or "iso9660" */
};

/* The devices under sysroot ("/sys") that may be a stick: on a disk whose
 * sysfs "removable" is 1 or that hangs below a USB controller, not the disk
 * holding the partition esp ("vda1"; NULL: none), with a medium in (size
 * above 0), whose first bytes (devroot/NAME, opened read-only) are vfat or
 * iso9660. Fills out (at most max): the count, or -1 when sysroot cannot
 * be read. */
int stick_scan(const char *sysroot, const char *devroot, const char *esp,
	       struct stick *out, int max);

/* Mount devroot/NAME read-only (nodev, nosuid, noexec) on dir (made 0700
 * with its parents). 1: it carries STICK_BUNDLE_DIR/SHA256SUMS and stays
 * mounted (unmount with stick_umount); 0: no bundle, unmounted; -1: the
 * mount failed (err). */
int stick_mount(const char *devroot, const struct stick *s, const char *dir,
		char *err, size_t errlen);
void stick_umount(const char *dir);

/* Watching for sticks (stick_watch.c): what each device showed last (its
 * bundle's VERSION, "" for none, or the error), kept until it is removed,
 * so that a stick left in is reported once. */
struct bundle_version;
struct stick_seen {
	char name[32];
	char what[1100];
};
struct stick_watch {
	const char *sysroot, *devroot, *mount_dir;	/* "/sys", "/dev", STICK_MOUNT_DIR */
	struct stick_seen seen[STICK_MAX];
	int nseen;
};

/* One look: each stick not seen as it is now is mounted; a bundle newer
 * than running goes to take(ctx, DIR) (DIR: its STICK_BUNDLE_DIR) and is
 * unmounted after; an older or equal one, or one that cannot be read, is
 * one line. 0, or the last non-zero answer of take. */
int stick_round(struct stick_watch *w, const struct bundle_version *running,
		int (*take)(void *ctx, const char *dir), void *ctx);

#endif
