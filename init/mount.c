/* The early mounts of PID 1: proc, sys, dev (devtmpfs, devpts, shm), run
 * and tmp; a failure is logged and the boot goes on. */
#define _GNU_SOURCE
#include "init.h"

#include <errno.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "log.h"

struct early_mount {
	const char *source, *target, *type;
	unsigned long flags;
	const char *data;
};

/* The kernel's CONFIG_DEVTMPFS_MOUNT is off in Debian: /dev is ours too. */
static const struct early_mount early_mounts[] = {
	{ "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL },
	{ "sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL },
	{ "devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755" },
	{ "devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "gid=5,mode=620,ptmxmode=000" },
	{ "tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777" },
	{ "tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755" },
	{ "tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777" },
};

void mount_early(void)
{
	size_t i;

	for (i = 0; i < sizeof(early_mounts) / sizeof(early_mounts[0]); i++) {
		const struct early_mount *m = &early_mounts[i];

		mkdir(m->target, 0755);
		if (mount(m->source, m->target, m->type, m->flags, m->data) < 0 && errno != EBUSY)
			log_err("mount %s on %s: %s", m->type, m->target, strerror(errno));
	}
}
