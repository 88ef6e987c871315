/* The files the platform agent leaves for others: in --state-dir (0700)
 * registration.json and service-account.json (0600), in --run-dir (0755)
 * hostname (0644, the registered name, read by ndt7's
 * --token-machine-file) and status (0644, one line). Written to a
 * temporary file, fsync'ed and renamed: readers see old or new, whole. */
#ifndef PLATFORM_STATE_H
#define PLATFORM_STATE_H

#include <stddef.h>
#include <sys/types.h>

/* dir/name with data: 0, or -1 with err naming the file and the reason. */
int state_write(const char *dir, const char *name, const void *data, size_t len, mode_t mode,
		char *err, size_t errlen);

/* Make dir with mode if it is missing (its parent must exist): 0 or -1. */
int state_mkdir(const char *dir, mode_t mode, char *err, size_t errlen);

/* run_dir/status = "STATE detail\n" (errors ignored: only a display). */
void state_status(const char *run_dir, const char *state, const char *detail);

#endif
