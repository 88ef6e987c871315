/* Writing the inactive slot of the ESP and the one-shot boot (contract:
 * stage.h; layout: docs/operators-guide.md "Updating installed machines").
 * Order matters for a power cut at any point: a pending try of the slot is
 * cleared first, files are written and checked, and only then
 * fathom_try=SLOT is set; the default slot changes only at commit. */
#include "stage.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/file.h"
#include "verify.h"

#define GRUBENV_PATH "boot/grub/grubenv"

char slot_other(char slot)
{
	return slot == 'A' ? 'B' : slot == 'B' ? 'A' : 0;
}

int slot_env_read(const char *esp, struct grubenv *e, char *err, size_t errlen)
{
	char path[4096], buf[GRUBENV_SIZE + 2], why[200];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", esp, GRUBENV_PATH);
	n = file_read(path, buf, sizeof(buf));
	if (n < 0) {
		snprintf(err, errlen, "%s: %s: not an installed Fathom ESP (see \"Install to disk "
			 "from a stick\")", path, strerror(errno));
		return -1;
	}
	if (grubenv_parse(buf, (size_t)n, e, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "%s: %s; restore it with grub-editenv %s create", path, why, path);
		return -1;
	}
	return 0;
}

int slot_env_write(const char *esp, const struct grubenv *e, char *err, size_t errlen)
{
	char path[4096], buf[GRUBENV_SIZE];

	snprintf(path, sizeof(path), "%s/%s", esp, GRUBENV_PATH);
	if (grubenv_format(e, buf) < 0) {
		snprintf(err, errlen, "%s: the variables do not fit in %d bytes", path, GRUBENV_SIZE);
		return -1;
	}
	if (file_write_atomic(path, buf, sizeof(buf), 0644) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int env_set(struct grubenv *e, const char *name, const char *value,
		   const char *esp, char *err, size_t errlen)
{
	if (grubenv_set(e, name, value) < 0) {
		snprintf(err, errlen, "%s/%s: no room for %s", esp, GRUBENV_PATH, name);
		return -1;
	}
	return slot_env_write(esp, e, err, errlen);
}

int slot_write(const char *esp, char slot, char running, const char *src,
	       const struct bundle_sums *sums, char *err, size_t errlen)
{
	char dir[4096], from[4096], to[4096], run_conf[32], name[2] = { slot, 0 };
	const char *const *names = bundle_names();
	const char *try;
	struct grubenv e;
	size_t i;

	if (!slot_other(slot) || slot == running) {
		snprintf(err, errlen, "slot %c: not the inactive slot (running: %c)", slot ? slot : '?',
			 running ? running : '?');
		return -1;
	}
	if (slot_env_read(esp, &e, err, errlen) < 0)
		return -1;
	try = grubenv_get(&e, "fathom_try");
	if (try && strcmp(try, name) == 0 && env_set(&e, "fathom_try", "", esp, err, errlen) < 0)
		return -1;
	snprintf(run_conf, sizeof(run_conf), "fathom/%c", slot);
	if (path_join(dir, sizeof(dir), esp, run_conf) < 0)
		goto too_long;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	for (i = 0; i < sums->count; i++) {
		if (path_join(from, sizeof(from), src, sums->file[i].name) < 0 ||
		    path_join(to, sizeof(to), dir, sums->file[i].name) < 0)
			goto too_long;
		if (copy_file(from, to, err, errlen) < 0 ||
		    verify_file_sha256(to, sums->file[i].sha256, err, errlen) < 0)
			return -1;
	}
	/* An optional file the bundle lacks must not stay from an older image. */
	for (i = 0; names[i]; i++) {
		if (bundle_sums_find(sums, names[i]))
			continue;
		if (path_join(to, sizeof(to), dir, names[i]) < 0)
			goto too_long;
		if (unlink(to) < 0 && errno != ENOENT) {
			snprintf(err, errlen, "%s: %s", to, strerror(errno));
			return -1;
		}
	}
	/* The machine's settings go with it from slot to slot. */
	snprintf(run_conf, sizeof(run_conf), "fathom/%c/fathom.conf", running);
	if (path_join(from, sizeof(from), esp, run_conf) < 0 ||
	    path_join(to, sizeof(to), dir, "fathom.conf") < 0)
		goto too_long;
	if (access(from, F_OK) == 0 && copy_file(from, to, err, errlen) < 0)
		return -1;
	return env_set(&e, "fathom_try", name, esp, err, errlen);
too_long:
	snprintf(err, errlen, "%s: path too long", esp);
	return -1;
}

int slot_commit(const char *esp, char slot, char *err, size_t errlen)
{
	char name[2] = { slot, 0 };
	const char *cur;
	struct grubenv e;

	if (!slot_other(slot)) {
		snprintf(err, errlen, "slot %c: not A or B", slot ? slot : '?');
		return -1;
	}
	if (slot_env_read(esp, &e, err, errlen) < 0)
		return -1;
	cur = grubenv_get(&e, "fathom_slot");
	if (cur && strcmp(cur, name) == 0)
		return 1;
	if (grubenv_set(&e, "fathom_slot", name) < 0 || grubenv_set(&e, "fathom_try", "") < 0) {
		snprintf(err, errlen, "%s/%s: no room for fathom_slot", esp, GRUBENV_PATH);
		return -1;
	}
	return slot_env_write(esp, &e, err, errlen) < 0 ? -1 : 0;
}
