/* Persistent state: the fathom-data partition of a non-removable disk,
 * checked (e2fsck -p) and mounted on /data, and the services' state=
 * directories, bind mounts of /data/state/DIR or, without the partition,
 * directories in RAM. */
#define _GNU_SOURCE
#include "init.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "log.h"
#include "watch.h"

#define DATA_MOUNT_FLAGS (MS_NODEV | MS_NOSUID | MS_NOEXEC)
/* NVMe namespaces appear from a work queue after the driver's module is
 * loaded (SATA, SAS and virtio disks before it returns): how long to
 * wait for a controller that has none yet. */
#define STATE_NVME_WAIT_MS 3000
#define E2FSCK_WAIT_MS (30 * 60 * 1000L)

static char data_dir[PATH_MAX];	/* "" : state is in RAM */
static int data_mounted;		/* /data is ours (not in test mode) */

/* A uevent file's value for key ("KEY=" included), or "". */
static void uevent_value(const char *uevent, const char *key, char *out, size_t size)
{
	const char *p = uevent;
	size_t klen = strlen(key);

	out[0] = '\0';
	for (; *p; p += strcspn(p, "\n"), p += *p == '\n') {
		if (strncmp(p, key, klen) == 0) {
			snprintf(out, size, "%.*s", (int)strcspn(p + klen, "\n"), p + klen);
			return;
		}
	}
}

/* Whether block device name (a partition) sits on a non-removable disk:
 * its parent directory in sysfs is the disk. */
static int on_fixed_disk(const char *name)
{
	char path[PATH_MAX], removable[8];

	snprintf(path, sizeof(path), "/sys/class/block/%s/..", name);
	return sysfs_read(path, "removable", removable, sizeof(removable)) == 0 &&
	       strcmp(removable, "0") == 0;
}

/* /dev/NAME of the first (in name order) partition named fathom-data on
 * a non-removable disk: 1, or 0 if there is none. */
static int data_partition_find(char *dev, size_t size)
{
	struct dirent **names = NULL;
	int i, n = scandir("/sys/class/block", &names, NULL, alphasort), found = 0;
	char path[PATH_MAX], uevent[1024], value[128];

	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/sys/class/block/%s/uevent", names[i]->d_name);
		if (!found && file_read(path, uevent, sizeof(uevent)) >= 0) {
			uevent_value(uevent, "PARTNAME=", value, sizeof(value));
			if (strcmp(value, "fathom-data") == 0 && on_fixed_disk(names[i]->d_name)) {
				uevent_value(uevent, "DEVNAME=", value, sizeof(value));
				snprintf(dev, size, "/dev/%s", value);
				found = 1;
			}
		}
		free(names[i]);
	}
	free(names);
	return found;
}

/* Whether an NVMe controller has no namespace yet (see STATE_NVME_WAIT_MS). */
static int nvme_pending(void)
{
	DIR *d = opendir("/sys/class/nvme");
	struct dirent *e;
	char path[PATH_MAX];
	int pending = 0;

	while (d && !pending && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/class/block/%sn1", e->d_name);
		pending = access(path, F_OK) < 0;
	}
	if (d)
		closedir(d);
	return pending;
}

/* e2fsck, a child of init run through the child table (so that the loop,
 * and the watchdog it feeds, keep going while it works). */
static struct {
	const char *dev;
	struct child child;
	int status, done;
} fsck;

static pid_t fsck_spawn(struct child *c)
{
	pid_t pid = fork();

	(void)c;
	if (pid == 0) {
		char *argv[] = { "/sbin/e2fsck", "-p", (char *)fsck.dev, NULL };
		char *envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		child_close_fds();
		execve(argv[0], argv, envp);
		_exit(127);
	}
	if (pid < 0)
		log_err("state: e2fsck: fork: %s", strerror(errno));
	return pid;
}

static long fsck_exited(struct child *c, int status, long now_ms)
{
	(void)c;
	(void)now_ms;
	fsck.status = status;
	fsck.done = 1;
	return 0;
}

/* e2fsck -p dev: its exit status (>= 4: errors left; 127: not run), or
 * -1 if it could not be started or ran too long. */
static int fsck_run(const char *dev)
{
	long deadline = monotonic_ms() + E2FSCK_WAIT_MS;

	fsck.dev = dev;
	fsck.child = (struct child){ "e2fsck", fsck_spawn, fsck_exited, NULL, 0, 0 };
	if (child_register(&fsck.child) < 0 || child_start(&fsck.child) < 0)
		return -1;
	while (!fsck.done && monotonic_ms() < deadline) {
		watch_poll(100);
		children_reap(monotonic_ms);
	}
	if (!fsck.done) {
		kill(fsck.child.pid, SIGKILL);
		return -1;
	}
	return WIFEXITED(fsck.status) ? WEXITSTATUS(fsck.status) : -1;
}

static void state_in_ram(const char *why)
{
	data_dir[0] = '\0';
	log_info("state: %s: state is in RAM and lost at reboot", why);
}

/* Check and mount dev on /data (read-only when e2fsck left errors). */
static void data_mount(const char *dev)
{
	unsigned long flags = DATA_MOUNT_FLAGS;
	char why[PATH_MAX + 64];
	int rc;

	modules_load_list(STATE_MODULES_LIST);	/* ext4; logged if one fails */
	rc = fsck_run(dev);

	/* 0: clean, 1: errors corrected, 2: corrected, reboot wanted (for a
	 * mounted root; this one is not mounted yet). */
	if (rc < 0 || rc >= 4) {
		log_err("state: e2fsck -p %s: %s; mounting it read-only (state is not saved: "
			"repair it from the shell with e2fsck -f %s, or reformat it)", dev,
			rc == 127 ? "cannot run /sbin/e2fsck" : rc < 0 ? "failed or timed out" :
			"errors left uncorrected", dev);
		flags |= MS_RDONLY;
	}
	mkdir("/data", 0755);
	if (mount(dev, "/data", "ext4", flags, NULL) < 0) {
		snprintf(why, sizeof(why), "%s (fathom-data): cannot mount on /data: %s",
			 dev, strerror(errno));
		state_in_ram(why);
		return;
	}
	snprintf(data_dir, sizeof(data_dir), "/data/state");
	data_mounted = !(flags & MS_RDONLY);
	if (!(flags & MS_RDONLY) && mkdir(data_dir, 0755) < 0 && errno != EEXIST)
		log_err("state: cannot create %s: %s", data_dir, strerror(errno));
	log_info("state: %s (fathom-data) mounted on /data%s", dev,
		 flags & MS_RDONLY ? " read-only" : "");
}

/* Booted from a medium (a stick, or an installed disk: media.cpio.zst is
 * the second initrd, image/mkmedia): its drivers (AHCI, NVMe, SCSI disks)
 * are what shows a fathom-data partition on a disk that is not virtio.
 * netcfg needs them next anyway, to read fathom.conf from the medium, so
 * they are loaded here first, bounded as the board's are. A netboot has
 * no such list: its disk drivers are the board's COLDPLUG_MODULES. */
static void media_drivers_load(void)
{
	if (access(MEDIA_MODULES_LIST, F_OK) == 0 && modules_load_start(MEDIA_MODULES_LIST, NULL) == 0)
		modules_load_wait(NULL);
}

void state_setup(const char *test_root)
{
	char dev[PATH_MAX];
	long nvme_deadline;
	const char *test_data = getenv("FATHOM_TEST_DATA");

	if (test_root) {
		/* pidns tests: a directory stands in for the partition. */
		if (test_data && test_data[0] == '/') {
			snprintf(data_dir, sizeof(data_dir), "%s/state", test_data);
			mkdir(data_dir, 0755);
			log_info("state: %s (test) mounted on /data", test_data);
		} else {
			state_in_ram("no fathom-data partition");
		}
		return;
	}
	media_drivers_load();
	nvme_deadline = monotonic_ms() + STATE_NVME_WAIT_MS;
	while (!data_partition_find(dev, sizeof(dev))) {
		if (!nvme_pending() || monotonic_ms() >= nvme_deadline) {
			state_in_ram("no fathom-data partition");
			return;
		}
		watch_poll(50);
	}
	data_mount(dev);
}

void state_shutdown(void)
{
	/* The bind mounts share /data's filesystem: read-only, it is clean
	 * (journal flushed) whatever else stays mounted. */
	if (data_mounted && mount(NULL, "/data", NULL, MS_REMOUNT | MS_RDONLY | DATA_MOUNT_FLAGS,
				  NULL) < 0)
		log_err("shutdown: /data: cannot remount read-only: %s (e2fsck replays its "
			"journal at the next boot)", strerror(errno));
}

/* mkdir -p of path's parents (root's, 0755). */
static void make_parents(char *path)
{
	char *s;

	for (s = strchr(path + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(path, 0755);
		*s = '/';
	}
}

/* dir exists with owner and mode. 0, or -1 with errno. */
static int dir_make(char *dir, uid_t uid, gid_t gid, mode_t mode)
{
	make_parents(dir);
	if (mkdir(dir, mode) < 0 && errno != EEXIST)
		return -1;
	if (chown(dir, uid, gid) < 0 || chmod(dir, mode) < 0)
		return -1;
	return 0;
}

/* Whether target already is the bind mount of src (a restart). */
static int same_dir(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

int state_dir_prepare(const char *svc, const char *test_root, const char *dir,
		      uid_t uid, gid_t gid, mode_t mode)
{
	char target[PATH_MAX], src[PATH_MAX];

	snprintf(target, sizeof(target), "%s%s", test_root ? test_root : "", dir);
	if (data_dir[0]) {
		snprintf(src, sizeof(src), "%s%s", data_dir, dir);
		if (dir_make(src, uid, gid, mode) < 0 && !(errno == EROFS && access(src, F_OK) == 0)) {
			log_err("service %s: state %s: %s: %s; this directory is in RAM", svc,
				dir, src, strerror(errno));
		} else if (same_dir(src, target)) {
			return 0;
		} else if (dir_make(target, 0, 0, 0755) < 0 ||
			   mount(src, target, NULL, MS_BIND, NULL) < 0) {
			log_err("service %s: state %s: cannot bind %s on it: %s; this directory "
				"is in RAM", svc, dir, src, strerror(errno));
		} else {
			return 0;
		}
	}
	if (dir_make(target, uid, gid, mode) < 0) {
		log_err("service %s: state %s: %s (the service may fail without it)", svc, dir,
			strerror(errno));
		return -1;
	}
	return 0;
}
