/* Files of a verified bundle: copying them (fsync, then rename into place),
 * staging a bundle under the state directory, and writing the inactive slot
 * of the ESP (/fathom/A|B/) with the one-shot boot (grubenv fathom_try) and
 * its commit (fathom_slot). stage.c and slot.c; every failure is one line
 * in err naming the file. */
#ifndef FATHOM_UPDATE_STAGE_H
#define FATHOM_UPDATE_STAGE_H

#include <stddef.h>

#include "bundle.h"
#include "grubenv.h"

/* dir/name into out: 0, or -1 (ENAMETOOLONG) when it does not fit. */
int path_join(char *out, size_t size, const char *dir, const char *name);

/* Copy src to dst through dst.tmp (fsync, rename): 0 or -1. */
int copy_file(const char *src, const char *dst, char *err, size_t errlen);
/* Remove dir and the plain files in it (a staging directory): 0 or -1. */
int remove_flat_dir(const char *dir);

/* Stage the bundle in src (checked with verify_bundle_dir before): copy it
 * to root/incoming, check the copy again (pubkey, running), then make it
 * root/staged, replacing what was there. 0 or -1 (root/staged untouched). */
int stage_bundle(const char *root, const char *src, const char *pubkey,
		 const struct bundle_version *running, struct bundle_version *v,
		 char *err, size_t errlen);

/* The other slot: 'A' <-> 'B'; 0 for anything else. */
char slot_other(char slot);
/* Read esp/boot/grub/grubenv: 0 or -1. */
int slot_env_read(const char *esp, struct grubenv *e, char *err, size_t errlen);
int slot_env_write(const char *esp, const struct grubenv *e, char *err, size_t errlen);

/* Write the bundle in src (verified, listed in sums) to esp/fathom/SLOT/,
 * checking each written file, carry over esp/fathom/RUNNING/fathom.conf,
 * then arm the one-shot boot: fathom_try=SLOT. SLOT must not be running.
 * A pending try of SLOT is cleared before anything is written. */
int slot_write(const char *esp, char slot, char running, const char *src,
	       const struct bundle_sums *sums, char *err, size_t errlen);

/* The running slot becomes the default: fathom_slot=SLOT, fathom_try
 * cleared. 1 if it already was, 0 committed, -1 error. */
int slot_commit(const char *esp, char slot, char *err, size_t errlen);

#endif
