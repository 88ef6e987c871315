/* fathom-update: takes a signed update bundle from a directory, from a
 * stick it finds (/fathom-update/ on it) or from update.url over HTTPS, checks it (signature with the
 * image's key, checksums, newer version), stages it under the state
 * directory and, given the ESP of an installed disk, writes the inactive
 * slot and arms a one-shot boot of it; --commit makes the running slot the
 * default once the machine is healthy. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/bootcfg/settings.h"
#include "lib/clock.h"
#include "lib/file.h"
#include "lib/net/https.h"
#include "esp.h"
#include "fetch.h"
#include "reboot.h"
#include "stage.h"
#include "stick.h"
#include "verify.h"

struct options {
	const char *from, *url, *pubkey, *version_file, *stage, *esp, *ca_file;
	const char *cmdline, *health_url, *settings, *stick_root;
	char slot;
	unsigned interval, health_deadline, stick_interval;	/* stick_interval 0: off */
	int once, commit, allow_http;
	struct reboot_policy reboot;
	pid_t init_pid;		/* the init to ask for the reboot (tests: another process) */
	unsigned given;		/* GIVEN_*: options the command line set */
};

static const char usage[] =
	"Usage: fathom-update [OPTIONS]\n"
	"  --from DIR            take the bundle from DIR (a stick) once\n"
	"  --url URL             fetch it from URL (the published out/BOARD/update/) every\n"
	"                        --interval SECONDS (default 21600); --once: one try\n"
	"  --stick-interval S|off  with --esp: look for a stick or virtual media with\n"
	"                        /fathom-update/ every S seconds (default 10)\n"
	"  --settings PREFIX     also take update.url, update.interval, update.ca-file,\n"
	"                        update.health-deadline, update.reboot, update.stick-interval\n"
	"                        from the machine's settings\n"
	"  --pubkey FILE         the key bundles must be signed with (" UPDATE_PUBKEY_DEFAULT ")\n"
	"  --version-file FILE   the running image's version (" UPDATE_VERSION_DEFAULT ")\n"
	"  --stage DIR           where the checked bundle is kept (/var/lib/update)\n"
	"  --esp DIR|auto        the mounted ESP (auto: find the fathom-esp partition and mount\n"
	"                        it): write the inactive slot, arm a one-shot boot\n"
	"  --slot A|B            the running slot (default: fathom.slot= of --cmdline FILE,\n"
	"                        /proc/cmdline; else the ESP's fathom_slot)\n"
	"  --commit              with --esp: make the running slot the default once\n"
	"                        --health-url URL answers 200 within --health-deadline SECONDS (300)\n"
	"  --reboot WHEN         after writing a slot, reboot to try it: now (default), never,\n"
	"                        or HH:MM-HH:MM (UTC, a random moment inside); with --commit:\n"
	"                        a tried slot still unhealthy at the deadline reboots unless never\n"
	"  --ca-file FILE        CA bundle for HTTPS (" HTTPS_CA_DEFAULT ")\n"
	"Exit: 0 done or nothing to do, 1 bundle refused (nothing written), 2 other errors.\n";

static const struct option longopts[] = {
	{ "from", required_argument, NULL, 'f' }, { "url", required_argument, NULL, 'u' },
	{ "interval", required_argument, NULL, 'i' }, { "once", no_argument, NULL, 'o' },
	{ "settings", required_argument, NULL, 'S' }, { "pubkey", required_argument, NULL, 'k' },
	{ "version-file", required_argument, NULL, 'V' }, { "stage", required_argument, NULL, 's' },
	{ "esp", required_argument, NULL, 'e' }, { "slot", required_argument, NULL, 'l' },
	{ "commit", no_argument, NULL, 'c' }, { "health-url", required_argument, NULL, 'H' },
	{ "health-deadline", required_argument, NULL, 'D' }, { "cmdline", required_argument, NULL, 'C' },
	{ "ca-file", required_argument, NULL, 'a' }, { "allow-http", no_argument, NULL, 'P' },
	{ "reboot", required_argument, NULL, 'R' }, { "init-pid", required_argument, NULL, 'I' },
	{ "stick-interval", required_argument, NULL, 'T' }, { "stick-root", required_argument, NULL, 'Y' },
	{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 }
};

static int seconds(const char *v, unsigned *out)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || end == v || *end || v[0] == '-' || n < 1 || n > 30 * 86400)
		return -1;
	*out = (unsigned)n;
	return 0;
}

static void settings_problem(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "update: settings: %s; ignored\n", msg);
}

/* update.url, update.interval, update.ca-file and update.health-deadline,
 * below the command line's options (o->given: a bit per option); extra: one
 * more file of the lowest rank, or NULL. */
enum { GIVEN_URL = 1, GIVEN_INTERVAL = 2, GIVEN_CA = 4, GIVEN_DEADLINE = 8, GIVEN_REBOOT = 16,
       GIVEN_STICK = 32 };

/* update.stick-interval / --stick-interval: seconds, or "off" (0). */
static int stick_seconds(const char *v, unsigned *out)
{
	if (strcmp(v, "off") == 0) {
		*out = 0;
		return 0;
	}
	return seconds(v, out);
}
static struct settings machine;
static void apply_settings(struct options *o, const char *extra)
{
	static struct settings_files files;
	const char *list[6];
	const char *const *def = settings_default_files(&files, o->settings);
	unsigned given = o->given;
	size_t i, n = 0;

	while (def[n] && n < 4) {
		list[n] = def[n];
		n++;
	}
	if (extra)
		list[n++] = extra;
	list[n] = NULL;
	settings_init(&machine, o->settings, NULL, settings_problem, NULL);
	settings_read(&machine, o->cmdline, list);
	for (i = 0; i < machine.count; i++) {
		const struct setting *x = &machine.item[i];
		const char *k = x->option;

		if (strcmp(k, "url") == 0 || strcmp(k, "ca-file") == 0) {
			if (!x->has_value || !x->value[0])
				fprintf(stderr, "update: settings: %s: %s.%s: empty; ignored\n",
					x->where, o->settings, k);
			else if (k[0] == 'u' && !(given & GIVEN_URL))
				o->url = x->value;
			else if (k[0] == 'c' && !(given & GIVEN_CA))
				o->ca_file = x->value;
		} else if (strcmp(k, "interval") == 0 || strcmp(k, "health-deadline") == 0) {
			int iv = k[0] == 'i';

			if (given & (iv ? GIVEN_INTERVAL : GIVEN_DEADLINE))
				continue;
			if (!x->has_value ||
			    seconds(x->value, iv ? &o->interval : &o->health_deadline) < 0)
				fprintf(stderr, "update: settings: %s: %s.%s: not 1-2592000 seconds; "
					"ignored\n", x->where, o->settings, k);
		} else if (strcmp(k, "reboot") == 0) {
			if (!(given & GIVEN_REBOOT) &&
			    (!x->has_value || reboot_policy_parse(x->value, &o->reboot) < 0))
				fprintf(stderr, "update: settings: %s: %s.reboot: not now, never or "
					"HH:MM-HH:MM (UTC); ignored\n", x->where, o->settings);
		} else if (strcmp(k, "stick-interval") == 0) {
			if (!(given & GIVEN_STICK) &&
			    (!x->has_value || stick_seconds(x->value, &o->stick_interval) < 0))
				fprintf(stderr, "update: settings: %s: %s.%s: not off or 1-2592000 "
					"seconds; ignored\n", x->where, o->settings, k);
		} else {
			fprintf(stderr, "update: settings: %s: %s.%s: not a setting (url, interval, "
				"ca-file, health-deadline, reboot, stick-interval); ignored\n", x->where,
				o->settings, k);
		}
	}
}

static int parse_args(int argc, char **argv, struct options *o)
{
	int c, idx = 0;
	unsigned given = 0;

	*o = (struct options){ .pubkey = UPDATE_PUBKEY_DEFAULT, .version_file = UPDATE_VERSION_DEFAULT,
			       .stage = "/var/lib/update", .cmdline = "/proc/cmdline",
			       .interval = 21600, .health_deadline = 300, .stick_interval = 10 };
	while ((c = getopt_long(argc, argv, "h", longopts, &idx)) != -1) {
		switch (c) {
		case 'f': o->from = optarg; break;
		case 'u': o->url = optarg; given |= GIVEN_URL; break;
		case 'i':
			if (seconds(optarg, &o->interval) < 0)
				goto bad;
			given |= GIVEN_INTERVAL;
			break;
		case 'o': o->once = 1; break;
		case 'S': o->settings = optarg; break;
		case 'k': o->pubkey = optarg; break;
		case 'V': o->version_file = optarg; break;
		case 's': o->stage = optarg; break;
		case 'e': o->esp = optarg; break;
		case 'l':
			if (strlen(optarg) != 1 || !slot_other(optarg[0]))
				goto bad;
			o->slot = optarg[0];
			break;
		case 'c': o->commit = 1; break;
		case 'H': o->health_url = optarg; break;
		case 'D':
			if (seconds(optarg, &o->health_deadline) < 0)
				goto bad;
			given |= GIVEN_DEADLINE;
			break;
		case 'C': o->cmdline = optarg; break;
		case 'a': o->ca_file = optarg; given |= GIVEN_CA; break;
		case 'P': o->allow_http = 1; break;
		case 'R':
			if (reboot_policy_parse(optarg, &o->reboot) < 0)
				goto bad;
			given |= GIVEN_REBOOT;
			break;
		case 'I': {
			char *end;
			long n = strtol(optarg, &end, 10);

			if (*end || n < 1)
				goto bad;
			o->init_pid = (pid_t)n;
			break;
		}
		case 'T':
			if (stick_seconds(optarg, &o->stick_interval) < 0)
				goto bad;
			given |= GIVEN_STICK;
			break;
		case 'Y': o->stick_root = optarg; break;	/* tests: fake sys/, dev/, mnt/ */
		case 'h': fputs(usage, stdout); exit(0);
		default: fputs(usage, stderr); return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "update: %s: unexpected argument\n%s", argv[optind], usage);
		return -1;
	}
	o->given = given;
	/* --commit reads them once the ESP is mounted (commit()). */
	if (o->settings && !o->commit)
		apply_settings(o, NULL);
	if (o->commit && !o->esp) {
		fprintf(stderr, "update: --commit needs --esp DIR\n");
		return -1;
	}
	return 0;
bad:
	fprintf(stderr, "update: --%s %s: not a valid value\n%s", longopts[idx].name, optarg, usage);
	return -1;
}

/* The running slot: --slot, else fathom.slot= on the kernel command line,
 * else the ESP's default. 0 when none is known. */
static char running_slot(const struct options *o, const struct grubenv *e)
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
static const char *esp_open(const struct options *o, int rdonly, int *mounted, int *rc)
{
	char name[256], err[1024];
	time_t start = time(NULL);

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
	for (;;) {
		int found = esp_find("/sys", name, sizeof(name)) == 0;

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
		return NULL;
	}
	*mounted = 1;
	return ESP_MOUNT_DIR;
}

static void esp_close(const char *esp, int mounted)
{
	if (esp && mounted)
		esp_umount(esp);
}

/* Ask init for a reboot (SIGTERM, as busybox reboot does), only on the
 * appliance: PID 1 is Fathom's init (its /etc/fathom/version exists), or
 * --init-pid names the process standing in for it (tests). */
static void reboot_machine(const struct options *o)
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
		while (time(NULL) < at)
			sleep((unsigned)(at - time(NULL) > 60 ? 60 : at - time(NULL)));
	}
	fprintf(stderr, "update: rebooting now to try slot %c (update.reboot=%s)\n", target, when);
	reboot_machine(o);
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

/* The running version, unhealthy in its tried slot, as fathom_failed. */
static void mark_failed(const struct options *o)
{
	struct bundle_version v;
	struct grubenv e;
	char err[1024] = "", n[32];
	const char *esp;
	int mounted, rc = 0;

	if (verify_read_version(o->version_file, &v, err, sizeof(err)) < 0) {
		fprintf(stderr, "update: %s: the failed version is not recorded\n", err);
		return;
	}
	esp = esp_open(o, 0, &mounted, &rc);
	if (!esp)
		return;
	snprintf(n, sizeof(n), "%" PRIu64, v.number);
	if (slot_env_read(esp, &e, err, sizeof(err)) < 0 || grubenv_set(&e, "fathom_failed", n) < 0 ||
	    slot_env_write(esp, &e, err, sizeof(err)) < 0)
		fprintf(stderr, "update: %s: the failed version %s is not recorded\n",
			err[0] ? err : "grubenv full", n);
	esp_close(esp, mounted);
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
static int take_bundle(const struct options *o, const char *src,
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

static int fetch_once(const struct options *o, const struct bundle_version *running)
{
	struct fetch_opts fo = { .url = o->url, .ca_file = o->ca_file, .pubkey = o->pubkey,
				 .allow_http = o->allow_http, .timeout_ms = 300000 };
	struct bundle_version staged, v;
	char incoming[4096], path[4096], err[1024];
	int have_staged, rc;

	snprintf(path, sizeof(path), "%s/staged/%s", o->stage, BUNDLE_VERSION);
	have_staged = verify_read_version(path, &staged, err, sizeof(err)) == 0;
	snprintf(incoming, sizeof(incoming), "%s/incoming", o->stage);
	remove_flat_dir(incoming);
	if ((mkdir(o->stage, 0700) < 0 && errno != EEXIST) || mkdir(incoming, 0700) < 0) {
		fprintf(stderr, "update: %s: %s\n", incoming, strerror(errno));
		return 2;
	}
	rc = fetch_bundle(&fo, incoming, running, have_staged ? &staged : NULL, &v, err, sizeof(err));
	if (rc == 0)
		rc = take_bundle(o, incoming, running);
	else if (rc == 1 && v.number < running->number) {
		fprintf(stderr, "update: refused: %s offers version %" PRIu64 " (%s), older than this "
			"image's %" PRIu64 ": refusing a rollback; nothing written\n", o->url, v.number,
			v.describe, running->number);
		rc = -1;
	} else if (rc == 1)
		fprintf(stderr, "update: %s offers version %" PRIu64 " (%s): nothing newer to take\n",
			o->url, v.number, v.describe);
	else
		fprintf(stderr, "update: refused: %s; nothing written\n", err);
	remove_flat_dir(incoming);
	return rc < 0 ? 1 : rc == 1 ? 0 : rc;
}

/* 1 when url answered 200 within deadline seconds. */
static int healthy(const char *url, unsigned deadline, const char *ca_file)
{
	struct https_opts ho = { .ca_file = ca_file, .timeout_ms = 5000, .allow_plain = 1 };
	time_t end = time(NULL) + (time_t)deadline;

	do {
		struct https_response r = { 0 };
		char why[256];

		if (https_request("GET", url, NULL, NULL, 0, NULL, &ho, &r, why, sizeof(why)) == 0) {
			int ok = r.status == 200;

			https_response_free(&r);
			if (ok)
				return 1;
		}
		sleep(2);
	} while (time(NULL) < end);
	return 0;
}

/* The tried slot run committed on the ESP (mounted read-write only for
 * this moment). */
static int commit_write(const struct options *o, char run)
{
	char err[1024];
	const char *esp;
	int mounted, rc = 0;

	esp = esp_open(o, 0, &mounted, &rc);
	if (!esp)
		return rc;
	rc = slot_commit(esp, run, err, sizeof(err));
	esp_close(esp, mounted);
	if (rc < 0)
		fprintf(stderr, "update: %s; slot %c not committed\n", err, run);
	else if (rc == 0)
		fprintf(stderr, "update: slot %c healthy: committed, it is the default boot now\n", run);
	return rc < 0 ? 2 : 0;
}

/* Early in the boot: the ESP is mounted read-only just long enough to read
 * grubenv and the running slot's fathom.conf, and unmounted while the
 * health check waits (netcfg reads the same ESP as its boot medium). */
static int commit(struct options *o)
{
	char run = running_slot(o, NULL), def[2] = "", err[1024];
	struct grubenv e;
	const char *esp, *d;
	int mounted, rc = 0;

	if (!run)
		return 0;	/* not booted from an installed disk: nothing to commit */
	esp = esp_open(o, 1, &mounted, &rc);
	if (!esp)
		return rc;
	if (o->settings) {
		/* Early in the boot the medium's settings may not be copied yet:
		 * the running slot's fathom.conf is their source. */
		char conf[4096];

		snprintf(conf, sizeof(conf), "%s/fathom/%c/fathom.conf", esp, run);
		apply_settings(o, conf);
	}
	rc = slot_env_read(esp, &e, err, sizeof(err));
	esp_close(esp, mounted);
	if (rc < 0) {
		fprintf(stderr, "update: %s\n", err);
		return 2;
	}
	d = grubenv_get(&e, "fathom_slot");
	if (d && strlen(d) == 1)
		def[0] = d[0];
	if (def[0] == run)
		return 0;	/* nothing to commit: no update was tried */
	if (o->health_url && !healthy(o->health_url, o->health_deadline, o->ca_file)) {
		int reboot = o->reboot.kind != REBOOT_NEVER;

		fprintf(stderr, "update: slot %c: %s did not answer 200 within %u s: not committed; "
			"the next boot is slot %s again%s\n", run, o->health_url, o->health_deadline,
			def[0] ? def : "A", reboot ? ": rebooting now" : " (update.reboot=never)");
		mark_failed(o);
		if (reboot)
			reboot_machine(o);
		return 1;
	}
	return commit_write(o, run);
}

/* Sticks (stick.h): their bundles take the same path as --from. */
struct stick_ctx {
	const struct options *o;
	const struct bundle_version *running;
};

static int take_from_stick(void *ctx, const char *dir)
{
	const struct stick_ctx *c = ctx;

	return take_bundle(c->o, dir, c->running);
}

/* Sticks are looked for only where a slot can be written. */
static int sticks_on(const struct options *o)
{
	return o->esp && o->stick_interval &&
	       (strcmp(o->esp, "auto") != 0 || running_slot(o, NULL));
}

/* The service: the URL every o->interval, sticks every o->stick_interval;
 * --once: one round of each. */
static int serve(const struct options *o, const struct bundle_version *running)
{
	static char sys[4096], dev[4096], mnt[4096];
	static struct stick_watch w = { "/sys", "/dev", STICK_MOUNT_DIR, { { "", "" } }, 0 };
	struct stick_ctx c = { o, running };
	long next_url = 0, next_stick = 0, now, wake;
	int sticks = sticks_on(o), rc = 0;

	if (o->stick_root) {
		snprintf(sys, sizeof(sys), "%s/sys", o->stick_root);
		snprintf(dev, sizeof(dev), "%s/dev", o->stick_root);
		snprintf(mnt, sizeof(mnt), "%s/mnt", o->stick_root);
		w.sysroot = sys, w.devroot = dev, w.mount_dir = mnt;
	}
	if (sticks && !o->once)
		fprintf(stderr, "update: looking for a stick with /" STICK_BUNDLE_DIR "/ every %u s\n",
			o->stick_interval);
	for (;;) {
		now = monotonic_ms();
		if (o->url && now >= next_url) {
			rc = fetch_once(o, running);
			next_url = monotonic_ms() + (long)o->interval * 1000;
		}
		if (sticks && now >= next_stick) {
			int r = stick_round(&w, running, take_from_stick, &c);

			rc = r ? r : rc;
			next_stick = monotonic_ms() + (long)o->stick_interval * 1000;
		}
		if (o->once)
			return rc;
		wake = o->url ? next_url : next_stick;
		if (sticks && next_stick < wake)
			wake = next_stick;
		now = monotonic_ms();
		if (wake > now)
			sleep_ms(wake - now);
	}
}

int main(int argc, char **argv)
{
	struct options o;
	struct bundle_version running;
	char err[1024];

	signal(SIGPIPE, SIG_IGN);
	srandom((unsigned)time(NULL) ^ (unsigned)getpid());
	if (parse_args(argc, argv, &o) < 0)
		return 2;
	if (o.commit)
		return commit(&o);
	if (!o.from && !o.url && !sticks_on(&o)) {
		fprintf(stderr, "update: no update.url set and no --from DIR: nothing to do\n");
		return 0;
	}
	if (verify_read_version(o.version_file, &running, err, sizeof(err)) < 0) {
		fprintf(stderr, "update: %s: the running version is unknown; rebuild the image with "
			"make\n", err);
		return 2;
	}
	if (o.from)
		return take_bundle(&o, o.from, &running);
	return serve(&o, &running);
}
