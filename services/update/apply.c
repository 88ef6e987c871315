/* fathom-update: taking a checked bundle into the inactive slot of the
 * installed disk's ESP (staged first), one-shot boot armed, and the
 * reboot into it as update.reboot says; a round of update.url. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/file.h"
#include "lib/net/https.h"
#include "esp.h"
#include "fetch.h"
#include "stage.h"
#include "update.h"
#include "verify.h"

#define FSCK_FAT "/sbin/fsck.fat"

/* The running slot: --slot, else fathom.slot= on the kernel command line,
 * else the ESP's default. 0 when none is known. */
char running_slot(const struct options *o, const struct grubenv *e)
{
	char cmdline[4096], *p;
	const char *def;

	if (o->slot)
		return o->slot;
	if (file_read(o->cmdline, cmdline, sizeof(cmdline)) >= 0) {
		for (p = strstr(cmdline, "fathom.slot="); p; p = strstr(p + 1, "fathom.slot="))
			if ((p == cmdline || p[-1] == ' ') && slot_other(p[12]) &&
			    (p[13] == ' ' || p[13] == '\n' || p[13] == '\0'))
				return p[12];
	}
	def = e ? grubenv_get(e, "fathom_slot") : NULL;
	return def && strlen(def) == 1 && slot_other(def[0]) ? def[0] : (e ? 'A' : 0);
}

/* The ESP to write: o->esp, or for "auto" the installed disk's, mounted
 * (*mounted set). NULL with *rc set when there is none to write. */
#define ESP_WAIT_S 60
/* The update and commit services are both fathom-update: one at a time on
 * the ESP (a file lock in /run, released when the process ends). */
#define ESP_LOCK "/run/fathom/esp.lock"
static int esp_lock_fd = -1;

static void esp_lock(void)
{
	if (esp_lock_fd >= 0)
		return;
	mkdir("/run/fathom", 0755);
	esp_lock_fd = open(ESP_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (esp_lock_fd >= 0 && flock(esp_lock_fd, LOCK_EX) < 0) {
		close(esp_lock_fd);
		esp_lock_fd = -1;
	}
}

static void esp_unlock(void)
{
	if (esp_lock_fd >= 0)
		close(esp_lock_fd);
	esp_lock_fd = -1;
}

/* Before a write: Debian's fsck.fat -a on the unmounted ESP. A power cut
 * while a slot was written can leave the FAT behind its directories (a
 * file's clusters marked free); writing over that could cross-link
 * grubenv. Said only when it repaired something. */
static void esp_check(const char *name)
{
	char dev[300], line[512], kept[4096] = "";
	int fds[2], status = 0;
	size_t k = 0;
	pid_t pid;
	FILE *out;

	snprintf(dev, sizeof(dev), "/dev/%s", name);
	if (access(FSCK_FAT, X_OK) < 0 || pipe2(fds, O_CLOEXEC) < 0)
		return;
	pid = fork();
	if (pid == 0) {
		const char *argv[] = { FSCK_FAT, "-a", "-w", dev, NULL };

		dup2(fds[1], 1);
		dup2(fds[1], 2);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	out = pid > 0 ? fdopen(fds[0], "r") : NULL;
	if (!out) {
		close(fds[0]);
		return;
	}
	/* Its lines go to the console only when it repaired something. */
	while (fgets(line, sizeof(line), out))
		if (k + strlen(line) < sizeof(kept)) {
			memcpy(kept + k, line, strlen(line) + 1);
			k += strlen(line);
		}
	fclose(out);
	waitpid(pid, &status, 0);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return;
	fprintf(stderr, "update: %s (%s): fsck.fat -a exit %d (1: repaired) after an unclean stop:\n%s",
		dev, ESP_PARTNAME, WIFEXITED(status) ? WEXITSTATUS(status) : -1, kept);
}

const char *esp_open(const struct options *o, int rdonly, int *mounted, int *rc)
{
	char name[256], err[1024];
	time_t start = time(NULL);
	int checked = 0;

	*mounted = 0;
	if (strcmp(o->esp, "auto") != 0)
		return o->esp;
	*rc = 0;
	if (!running_slot(o, NULL)) {
		fprintf(stderr, "update: not booted from an installed disk (no fathom.slot=): "
			"no slot to write\n");
		return NULL;
	}
	*rc = 2;
	/* The commit service starts early in the boot: the disk's partitions
	 * or vfat (a module) may come a little later. Bounded. */
	esp_lock();
	for (;;) {
		int found = esp_find("/sys", name, sizeof(name)) == 0;

		if (found && !rdonly && !checked++)
			esp_check(name);
		if (found && esp_mount(name, ESP_MOUNT_DIR, rdonly, err, sizeof(err)) == 0)
			break;
		if (o->commit && time(NULL) - start < ESP_WAIT_S) {
			sleep(1);
			continue;
		}
		if (!found)
			fprintf(stderr, "update: no %s partition on a non-removable disk: no slot to "
				"write; reinstall from a stick\n", ESP_PARTNAME);
		else
			fprintf(stderr, "update: %s\n", err);
		esp_unlock();
		return NULL;
	}
	*mounted = 1;
	return ESP_MOUNT_DIR;
}

void esp_close(const char *esp, int mounted)
{
	if (esp && mounted) {
		esp_umount(esp);
		esp_unlock();
	}
}

int slot_version(const char *esp, char slot, struct bundle_version *v, char *err, size_t errlen)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/fathom/%c/" BUNDLE_VERSION, esp, slot);
	return verify_read_version(path, v, err, errlen);
}

int running_version(const struct options *o, struct bundle_version *v, char *err, size_t errlen)
{
	char run = o->esp ? running_slot(o, NULL) : 0;

	if (run && !o->version_given) {
		int mounted, rc = 0;
		const char *esp = esp_open(o, 1, &mounted, &rc);

		rc = esp ? slot_version(esp, run, v, err, errlen) : -1;
		esp_close(esp, mounted);
		if (rc == 0)
			return 0;
	}
	return verify_read_version(o->version_file, v, err, errlen);
}

/* Ask init for a reboot (SIGTERM, as busybox reboot does), only on the
 * appliance: PID 1 is Fathom's init (its /etc/fathom/version exists), or
 * --init-pid names the process standing in for it (tests). */
void reboot_machine(const struct options *o)
{
	pid_t pid = o->init_pid ? o->init_pid : 1;

	if (!o->init_pid && access(UPDATE_VERSION_DEFAULT, F_OK) < 0) {
		fprintf(stderr, "update: not on a Fathom appliance (no " UPDATE_VERSION_DEFAULT "): "
			"not rebooting; reboot it yourself\n");
		return;
	}
	sync();
	if (kill(pid, SIGTERM) < 0)
		fprintf(stderr, "update: reboot (signal to pid %ld): %s; reboot it yourself\n",
			(long)pid, strerror(errno));
}

/* After slot target was written and armed: reboot into it as the policy
 * says. A window waits (sleeping) until a random moment inside it. */
/* A reboot waiting for its window: when, and into which slot. */
static time_t reboot_at;
static char reboot_slot;

time_t reboot_pending(char *slot)
{
	if (slot)
		*slot = reboot_slot;
	return reboot_at;
}

int reboot_due(const struct options *o)
{
	char when[16];

	if (!reboot_at || time(NULL) < reboot_at)
		return 0;
	reboot_policy_format(&o->reboot, when, sizeof(when));
	fprintf(stderr, "update: rebooting now to try slot %c (update.reboot=%s)\n", reboot_slot, when);
	reboot_at = 0;
	reboot_machine(o);
	return 1;
}

static void reboot_into(const struct options *o, char target)
{
	char when[16];
	long delay;

	reboot_policy_format(&o->reboot, when, sizeof(when));
	delay = reboot_delay(&o->reboot, time(NULL), (unsigned long)random());
	if (delay < 0) {
		fprintf(stderr, "update: slot %c is tried at the next reboot (update.reboot=never)\n",
			target);
		return;
	}
	if (delay > 0) {
		time_t at = time(NULL) + delay;
		struct tm tm;

		gmtime_r(&at, &tm);
		fprintf(stderr, "update: rebooting to try slot %c at %02d:%02d UTC (update.reboot=%s)\n",
			target, tm.tm_hour, tm.tm_min, when);
	}
	reboot_at = time(NULL) + delay;	/* the caller's loop: reboot_due() */
	reboot_slot = target;
	reboot_due(o);
}

/* Whether v is the version a tried slot last failed with (grubenv
 * fathom_failed, set by the commit service): taking it again would only
 * repeat the try and the reboot, for ever with a stick left in. */
static int failed_before(const struct grubenv *e, const struct bundle_version *v)
{
	const char *f = grubenv_get(e, "fathom_failed");
	char n[32];

	snprintf(n, sizeof(n), "%" PRIu64, v->number);
	return f && strcmp(f, n) == 0;
}

/* Whether slot target holds v and is armed for its one-shot boot: written
 * before, the reboot not yet come (update.reboot never or a window). */
static int armed_with(const char *esp, const struct grubenv *e, char target,
		      const struct bundle_version *v)
{
	const char *t = grubenv_get(e, "fathom_try");
	struct bundle_version in;
	char err[256];

	return t && t[0] == target && !t[1] && slot_version(esp, target, &in, err, sizeof(err)) == 0 &&
	       in.number == v->number;
}

/* The staged bundle in o->stage/staged goes to the inactive slot. */
static int write_slot_to(const struct options *o, const char *esp, const struct bundle_version *v,
			 char *written)
{
	char dir[4096], err[1024];
	struct bundle_sums sums;
	struct bundle_version again;
	struct grubenv e;
	char run, target;

	snprintf(dir, sizeof(dir), "%s/staged", o->stage);
	if (slot_env_read(esp, &e, err, sizeof(err)) < 0 ||
	    verify_bundle_dir(dir, o->pubkey, NULL, &sums, &again, err, sizeof(err)) < 0) {
		fprintf(stderr, "update: %s; slot not written\n", err);
		return 2;
	}
	run = running_slot(o, &e);
	target = slot_other(run);
	if (failed_before(&e, v)) {
		fprintf(stderr, "update: refused: version %" PRIu64 " (%s) failed its health check in a "
			"tried slot before (fathom_failed in grubenv): not tried again; publish a newer "
			"build; nothing written\n", v->number, v->describe);
		return 1;
	}
	if (armed_with(esp, &e, target, v)) {
		fprintf(stderr, "update: version %" PRIu64 " (%s) is in slot %c already, armed "
			"(fathom_try=%c)\n", v->number, v->describe, target, target);
		*written = target;
		return 0;
	}
	if (slot_write(esp, target, run, dir, &sums, err, sizeof(err)) < 0) {
		fprintf(stderr, "update: %s; slot %c not armed, the next boot is slot %c as before\n",
			err, target, run);
		return 2;
	}
	fprintf(stderr, "update: version %" PRIu64 " (%s) written to slot %c of %s; the next boot "
		"tries it once (fathom_try=%c), slot %c stays the default until it reports healthy\n",
		v->number, v->describe, target, esp, target, run);
	*written = target;
	return 0;
}

static int write_slot(const struct options *o, const struct bundle_version *v)
{
	int mounted, rc = 0;
	char target = 0;
	const char *esp = esp_open(o, 0, &mounted, &rc);

	if (!esp)
		return rc;
	rc = write_slot_to(o, esp, v, &target);
	esp_close(esp, mounted);
	if (rc == 0)
		reboot_into(o, target);
	return rc;
}

/* Check, stage, and write the slot: the exit status. */
int take_bundle(const struct options *o, const char *src,
		       const struct bundle_version *running)
{
	struct bundle_version v;
	char err[1024];

	if (stage_bundle(o->stage, src, o->pubkey, running, &v, err, sizeof(err)) < 0) {
		fprintf(stderr, "update: refused: %s; nothing written\n", err);
		return 1;
	}
	fprintf(stderr, "update: version %" PRIu64 " (%s) checked and staged in %s/staged\n",
		v.number, v.describe, o->stage);
	return o->esp ? write_slot(o, &v) : 0;
}

int fetch_once(const struct options *o, const struct bundle_version *running)
{
	struct fetch_opts fo = { .url = o->url, .ca_file = o->ca_file, .pubkey = o->pubkey,
				 .allow_http = o->allow_http, .timeout_ms = 300000 };
	struct bundle_version staged, v;
	char incoming[4096], path[4096], err[1024];
	int have_staged, got, rc;

	snprintf(path, sizeof(path), "%s/staged/%s", o->stage, BUNDLE_VERSION);
	have_staged = verify_read_version(path, &staged, err, sizeof(err)) == 0;
	snprintf(incoming, sizeof(incoming), "%s/incoming", o->stage);
	remove_flat_dir(incoming);
	if ((mkdir(o->stage, 0700) < 0 && errno != EEXIST) || mkdir(incoming, 0700) < 0) {
		fprintf(stderr, "update: %s: %s\n", incoming, strerror(errno));
		return 2;
	}
	got = fetch_bundle(&fo, incoming, running, have_staged ? &staged : NULL, &v, err, sizeof(err));
	if (got == 0) {
		rc = take_bundle(o, incoming, running);
	} else if (got == 1 && v.number < running->number) {
		fprintf(stderr, "update: refused: %s offers version %" PRIu64 " (%s), older than this "
			"image's %" PRIu64 ": refusing a rollback; nothing written\n", o->url, v.number,
			v.describe, running->number);
		rc = 1;
	} else if (got == 1 && v.number > running->number) {
		/* Staged before: written too, unless a power cut came between. */
		fprintf(stderr, "update: %s offers version %" PRIu64 " (%s), staged already\n",
			o->url, v.number, v.describe);
		rc = o->esp ? write_slot(o, &v) : 0;
	} else if (got == 1) {
		fprintf(stderr, "update: %s offers version %" PRIu64 " (%s): nothing newer to take\n",
			o->url, v.number, v.describe);
		rc = 0;
	} else if (got == -2) {
		fprintf(stderr, "update: %s; nothing written, next try in %u s\n", err, o->interval);
		rc = 2;
	} else {
		fprintf(stderr, "update: refused: %s; nothing written\n", err);
		rc = 1;
	}
	remove_flat_dir(incoming);
	return rc;
}
