/* fathom-update: takes a signed update bundle from a directory, from a
 * stick it finds (/fathom-update/ on it) or from update.url over HTTPS,
 * checks it (signature with the image's key, checksums, newer version),
 * stages it and, given the ESP of an installed disk, writes the inactive
 * slot, arms a one-shot boot of it and reboots into it (apply.c); --commit
 * makes the running slot the default once the machine is healthy
 * (commit.c). This file: options, settings, the service loop. */
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
#include "update.h"
#include "verify.h"

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
	"  --status-file FILE    the service's status line for fathom-status, every 60 s\n"
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
	{ "status-file", required_argument, NULL, 'F' },
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
void apply_settings(struct options *o, const char *extra)
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
		case 'V': o->version_file = optarg; o->version_given = 1; break;
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
		case 'F': o->status_file = optarg; break;
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

/* The status line fathom-status shows (--status-file), rewritten at least
 * every STATUS_EVERY_S: the running version and slot, the last look at
 * update.url and its outcome, the next one, sticks. */
#define STATUS_EVERY_S 60
static void write_status(const struct options *o, const struct bundle_version *running,
			 time_t checked, int rc, long next_in_s, int sticks)
{
	char line[1024], at[16] = "", next[16] = "", rb[16], sticks_s[128] = "", slot_to = 0;
	struct tm tm;
	time_t t;
	size_t n;
	char slot = running_slot(o, NULL);

	if (!o->status_file)
		return;
	snprintf(line, sizeof(line), "%s", o->status_file);
	if (strrchr(line, '/') && strrchr(line, '/') != line) {
		*strrchr(line, '/') = '\0';
		mkdir(line, 0755);	/* /run/fathom/update: ours */
	}
	if (checked) {
		gmtime_r(&checked, &tm);
		strftime(at, sizeof(at), "%H:%M", &tm);
		t = time(NULL) + next_in_s;
		gmtime_r(&t, &tm);
		strftime(next, sizeof(next), "%H:%M", &tm);
	}
	if (sticks)
		snprintf(sticks_s, sizeof(sticks_s), "; sticks looked for every %u s", o->stick_interval);
	t = reboot_pending(&slot_to);
	if (t) {
		gmtime_r(&t, &tm);
		strftime(rb, sizeof(rb), "%H:%M", &tm);
		snprintf(sticks_s + strlen(sticks_s), sizeof(sticks_s) - strlen(sticks_s),
			 "; slot %c written, rebooting at %s UTC", slot_to, rb);
	}
	n = (size_t)snprintf(line, sizeof(line), "update: version %" PRIu64 " (%s)", running->number,
			     running->describe);
	if (slot && n < sizeof(line))
		n += (size_t)snprintf(line + n, sizeof(line) - n, " in slot %c", slot);
	if (n < sizeof(line) && !o->url)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "; no update.url");
	else if (n < sizeof(line) && !checked)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "; update.url not checked yet");
	else if (n < sizeof(line))
		n += (size_t)snprintf(line + n, sizeof(line) - n, "; update.url checked %s UTC: %s, "
				      "next %s UTC", at, rc == 0 ? "ok" : rc == 1 ?
				      "refused (see the console)" : "failed (see the console)", next);
	if (n < sizeof(line))
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%s\n", sticks_s);
	if (n >= sizeof(line))
		n = sizeof(line) - 1;
	if (file_write_atomic(o->status_file, line, n, 0644) < 0)
		fprintf(stderr, "update: %s: %s; no status for fathom-status\n", o->status_file,
			strerror(errno));
}

/* The service: the URL every o->interval, sticks every o->stick_interval;
 * --once: one round of each. */
static int serve(const struct options *o, const struct bundle_version *running)
{
	static char sys[4096], dev[4096], mnt[4096];
	static struct stick_watch w = { "/sys", "/dev", STICK_MOUNT_DIR, { { "", "" } }, 0 };
	struct stick_ctx c = { o, running };
	long next_url = 0, next_stick = 0, next_status = 0, now, wake;
	int sticks = sticks_on(o), rc = 0, url_rc = 0;
	time_t checked = 0;

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
			rc = url_rc = fetch_once(o, running);
			checked = time(NULL);
			next_url = monotonic_ms() + (long)o->interval * 1000;
			next_status = 0;
		}
		if (sticks && now >= next_stick) {
			int r = stick_round(&w, running, take_from_stick, &c);

			rc = r ? r : rc;
			next_stick = monotonic_ms() + (long)o->stick_interval * 1000;
		}
		if (o->once) {
			while (reboot_pending(NULL) && !reboot_due(o))
				sleep(30);
			return rc;
		}
		reboot_due(o);
		now = monotonic_ms();
		if (now >= next_status) {
			write_status(o, running, checked, url_rc, (next_url - now) / 1000, sticks);
			next_status = now + STATUS_EVERY_S * 1000L;
		}
		wake = next_status;
		if (o->url && next_url < wake)
			wake = next_url;
		if (sticks && next_stick < wake)
			wake = next_stick;
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
	if (running_version(&o, &running, err, sizeof(err)) < 0) {
		fprintf(stderr, "update: %s: the running version is unknown; rebuild the image with "
			"make\n", err);
		return 2;
	}
	if (o.from) {
		int rc = take_bundle(&o, o.from, &running);

		while (reboot_pending(NULL) && !reboot_due(&o))
			sleep(30);
		return rc;
	}
	return serve(&o, &running);
}
