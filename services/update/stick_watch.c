/* fathom-update's look at the sticks every update.stick-interval (contract:
 * stick.h): a stick is reported once when it comes, with its bundle's
 * version, and again only when it is removed and comes back, or holds
 * another version. */
#define _GNU_SOURCE
#include "stick.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "esp.h"
#include "verify.h"

/* The entry of name in w->seen, or NULL. */
static struct stick_seen *seen_of(struct stick_watch *w, const char *name)
{
	int i;

	for (i = 0; i < w->nseen; i++)
		if (strcmp(w->seen[i].name, name) == 0)
			return &w->seen[i];
	return NULL;
}

/* Forget the devices that are gone (a stick pulled out). */
static void forget_gone(struct stick_watch *w, const struct stick *found, int n)
{
	int i, j, keep = 0;

	for (i = 0; i < w->nseen; i++) {
		for (j = 0; j < n && strcmp(found[j].name, w->seen[i].name) != 0; j++)
			;
		if (j < n)
			w->seen[keep++] = w->seen[i];
	}
	w->nseen = keep;
}

/* Remember what name shows now: 1 when it is news (to report). */
static int news(struct stick_watch *w, const char *name, const char *what)
{
	struct stick_seen *s = seen_of(w, name);

	if (s && strcmp(s->what, what) == 0)
		return 0;
	if (!s) {
		if (w->nseen >= STICK_MAX)
			return 1;
		s = &w->seen[w->nseen++];
		snprintf(s->name, sizeof(s->name), "%s", name);
	}
	snprintf(s->what, sizeof(s->what), "%s", what);
	return 1;
}

/* One stick, mounted on w->mount_dir with a bundle directory on it. */
static int bundle_on(struct stick_watch *w, const char *dev, const char *name,
		     const struct bundle_version *running,
		     int (*take)(void *ctx, const char *dir), void *ctx)
{
	char dir[4096], path[4200], err[1024], what[1100];
	struct bundle_version v;

	snprintf(dir, sizeof(dir), "%s/" STICK_BUNDLE_DIR, w->mount_dir);
	snprintf(path, sizeof(path), "%s/VERSION", dir);
	if (verify_read_version(path, &v, err, sizeof(err)) < 0) {
		snprintf(what, sizeof(what), "!%s", err);
		if (news(w, name, what))
			fprintf(stderr, "update: %s: refused: %s; copy the whole update/ directory "
				"to /" STICK_BUNDLE_DIR "/ on the stick; nothing written\n", dev, err);
		return 0;
	}
	snprintf(what, sizeof(what), "%" PRIu64 " %s", v.number, v.describe);
	if (!news(w, name, what))
		return 0;
	if (v.number <= running->number) {
		fprintf(stderr, "update: %s: bundle version %" PRIu64 " (%s) found on the stick is "
			"%s this image's %" PRIu64 " (%s): nothing to take, nothing written; the stick "
			"may stay in\n", dev, v.number, v.describe,
			v.number == running->number ? "the same as" : "older than",
			running->number, running->describe);
		return 0;
	}
	fprintf(stderr, "update: %s: bundle version %" PRIu64 " (%s) found on the stick\n", dev,
		v.number, v.describe);
	return take(ctx, dir);
}

int stick_round(struct stick_watch *w, const struct bundle_version *running,
		int (*take)(void *ctx, const char *dir), void *ctx)
{
	struct stick found[STICK_MAX];
	char esp[64], dev[4096], err[1024], what[1100];
	int n, i, rc = 0;

	n = stick_scan(w->sysroot, w->devroot,
		       esp_find(w->sysroot, esp, sizeof(esp)) == 0 ? esp : NULL, found, STICK_MAX);
	if (n < 0)
		n = 0;
	forget_gone(w, found, n);
	for (i = 0; i < n; i++) {
		int m, r;

		snprintf(dev, sizeof(dev), "%s/%s", w->devroot, found[i].name);
		m = stick_mount(w->devroot, &found[i], w->mount_dir, err, sizeof(err));
		if (m < 0) {
			snprintf(what, sizeof(what), "!%s", err);
			if (news(w, found[i].name, what))
				fprintf(stderr, "update: %s: %s; no update taken from it\n", dev, err);
			continue;
		}
		if (m == 0) {
			news(w, found[i].name, "");	/* a stick without a bundle: quiet */
			continue;
		}
		r = bundle_on(w, dev, found[i].name, running, take, ctx);
		stick_umount(w->mount_dir);
		if (r)
			rc = r;
	}
	return rc;
}
