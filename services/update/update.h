/* fathom-update's parts (services/update): its options, and what main.c,
 * apply.c (taking a bundle into the inactive slot) and commit.c (making a
 * tried slot the default) share. */
#ifndef FATHOM_UPDATE_UPDATE_H
#define FATHOM_UPDATE_UPDATE_H

#include <sys/types.h>
#include <time.h>

#include "bundle.h"
#include "grubenv.h"
#include "reboot.h"

struct options {
	const char *from, *url, *pubkey, *version_file, *stage, *esp, *ca_file;
	const char *cmdline, *health_url, *settings, *stick_root, *status_file;
	char slot;
	unsigned interval, health_deadline, stick_interval;	/* stick_interval 0: off */
	int once, commit, allow_http, version_given;
	struct reboot_policy reboot;
	pid_t init_pid;		/* the init to ask for the reboot (tests: another process) */
	unsigned given;		/* GIVEN_*: options the command line set */
};

/* main.c: the machine's settings (prefix o->settings) below the command
 * line's options; extra: one more file of the lowest rank, or NULL. */
void apply_settings(struct options *o, const char *extra);

/* apply.c */
/* The running slot: --slot, else fathom.slot= of o->cmdline, else e's
 * fathom_slot (with e) or 0. */
char running_slot(const struct options *o, const struct grubenv *e);
/* The ESP: o->esp, or for "auto" the installed disk's, mounted (read-only
 * when rdonly; *mounted set). NULL with *rc set when there is none. */
const char *esp_open(const struct options *o, int rdonly, int *mounted, int *rc);
void esp_close(const char *esp, int mounted);
/* The version of slot's bundle (ESP/fathom/SLOT/VERSION): 0, or -1 (err). */
int slot_version(const char *esp, char slot, struct bundle_version *v, char *err, size_t errlen);
/* The running version: on an installed disk the running slot's VERSION
 * (what was installed or taken), else (or with --version-file) the image's
 * /etc/fathom/version. 0, or -1 (err). */
int running_version(const struct options *o, struct bundle_version *v, char *err, size_t errlen);
/* Ask init for a reboot (only on the appliance, or o->init_pid). */
void reboot_machine(const struct options *o);
/* A reboot into a written slot that waits for update.reboot's window: its
 * time (0: none) and slot. reboot_due() reboots once it has come: 1. */
time_t reboot_pending(char *slot);
int reboot_due(const struct options *o);
/* Check, stage, write the inactive slot, reboot per o->reboot (at once,
 * or pending: reboot_due): exit status. */
int take_bundle(const struct options *o, const char *src, const struct bundle_version *running);
/* One round of update.url: exit status. */
int fetch_once(const struct options *o, const struct bundle_version *running);

/* commit.c: --commit: exit status. */
int commit(struct options *o);

#endif
