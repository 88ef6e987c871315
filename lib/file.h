/* Reading small files and sysfs attributes, reading whole inputs, and
 * replacing files atomically. Thin wrappers over the system calls: every
 * failure is returned as -1 with errno; callers name the file in their
 * message. */
#ifndef FATHOM_LIB_FILE_H
#define FATHOM_LIB_FILE_H

#include <stddef.h>
#include <sys/types.h>

/* A whole small file into buf, NUL-terminated: its length, or -1 with
 * errno (EFBIG when it does not fit in size - 1 bytes). */
ssize_t file_read(const char *path, char *buf, size_t size);

/* A sysfs attribute dir/attr into buf without its trailing newline (cut
 * to size - 1 bytes): 0, or -1 with errno. */
int sysfs_read(const char *dir, const char *attr, char *buf, size_t size);

/* A whole file of any size ("-" is standard input) into a malloc'ed,
 * NUL-terminated *text of *len bytes: 0, or -1 with errno. */
int file_read_all(const char *path, char **text, size_t *len);

/* Write data to path through a temporary file next to it (PATH.XXXXXX,
 * mode), fsync, rename, fsync of the directory: readers, and a reboot after
 * a power cut, see the old file or the new one, whole. 0, or -1 with errno
 * (ENOSPC when the disk is full; the temporary file is removed). */
int file_write_atomic(const char *path, const void *data, size_t len, mode_t mode);

#endif
