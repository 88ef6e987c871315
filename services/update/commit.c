/* fathom-update --commit: early in the boot of a tried slot, makes it the
 * default once the machine is healthy; otherwise records the version as
 * failed (grubenv fathom_failed) and reboots into the default slot. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/file.h"
#include "lib/net/https.h"
#include "esp.h"
#include "fetch.h"
#include "stage.h"
#include "update.h"
#include "verify.h"

/* The running slot's version, unhealthy in its try, as fathom_failed. */
static void mark_failed(const struct options *o, char run)
{
	struct bundle_version v;
	struct grubenv e;
	char err[1024] = "", n[32];
	const char *esp;
	int mounted, rc = 0;

	esp = esp_open(o, 0, &mounted, &rc);
	if (!esp)
		return;
	if (slot_version(esp, run, &v, err, sizeof(err)) < 0 &&
	    verify_read_version(o->version_file, &v, err, sizeof(err)) < 0) {
		fprintf(stderr, "update: %s: the failed version is not recorded\n", err);
		esp_close(esp, mounted);
		return;
	}
	snprintf(n, sizeof(n), "%" PRIu64, v.number);
	if (slot_env_read(esp, &e, err, sizeof(err)) < 0 || grubenv_set(&e, "fathom_failed", n) < 0 ||
	    slot_env_write(esp, &e, err, sizeof(err)) < 0)
		fprintf(stderr, "update: %s: the failed version %s is not recorded\n",
			err[0] ? err : "grubenv full", n);
	esp_close(esp, mounted);
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
int commit(struct options *o)
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
		mark_failed(o, run);
		if (reboot)
			reboot_machine(o);
		return 1;
	}
	return commit_write(o, run);
}
