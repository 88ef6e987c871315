/*
 * Manifest-driven writer of newc ("070701") cpio archives for the initramfs,
 * in the spirit of the kernel's usr/gen_init_cpio.c: no root needed, owners
 * and device nodes come from the manifest, output is bit-identical for
 * identical inputs.
 *
 * Manifest format: one entry per line, fields separated by blanks
 * (space, tab, CR); blank lines and lines whose first field starts with '#'
 * are ignored (no comments after an entry).
 *
 *   file  <name> <hostpath> <mode> <uid> <gid>
 *   dir   <name> <mode> <uid> <gid>
 *   nod   <name> <mode> <uid> <gid> <b|c> <major> <minor>
 *   slink <name> <target> <mode> <uid> <gid>
 *
 * name      absolute path inside the archive ("/bin/busybox"); repeated
 *           slashes and a trailing slash are folded; "." and ".." components,
 *           "/" itself and names longer than 4095 bytes are rejected; each
 *           name may appear once. Stored without the leading slash.
 * parents   every parent of a name must itself be declared by a "dir" line
 *           (top-level names such as "/init" need none), so owners and modes
 *           of directories are always explicit.
 * hostpath  file to copy; relative paths are resolved against the writer's
 *           base directory. Only the writer touches the file system.
 * target    symlink target, stored verbatim (up to 4095 bytes).
 * mode      octal permission bits, at most 07777; the type bits are implied.
 * uid, gid  decimal, 0..4294967295.
 * major     decimal, 0..4095; minor decimal, 0..1048575.
 *
 * Paths containing blanks are not supported.
 *
 * Archive: entries sorted by strcmp() of the stored name (so a directory
 * precedes its contents), inode numbers CPIO_FIRST_INO, +1, ... in output
 * order, nlink 2 for directories and 1 otherwise, mtime from the caller,
 * devmajor/devminor 0, check 0, then a "TRAILER!!!" entry and zero padding
 * up to a multiple of 512 bytes.
 */
#ifndef FATHOM_CPIO_H
#define FATHOM_CPIO_H

#include <stddef.h>
#include <stdint.h>

#define CPIO_NAME_MAX 4095
#define CPIO_FIRST_INO 721

enum cpio_type { CPIO_FILE, CPIO_DIR, CPIO_NOD, CPIO_SLINK };

struct cpio_entry {
	enum cpio_type type;
	char *name;		/* normalized, without the leading slash */
	char *source;		/* file: host path; slink: target; else NULL */
	uint32_t mode;		/* permission bits only */
	uint32_t uid, gid;
	char dev_kind;		/* nod: 'b' or 'c' */
	uint32_t rdev_major, rdev_minor;
	unsigned line;		/* manifest line, for error messages */
};

struct cpio_manifest {
	struct cpio_entry *entries;
	size_t count, capacity;
};

/* line is the manifest line the error is about, 0 if none. */
struct cpio_error {
	unsigned line;
	char msg[512];
};

/* Receives archive bytes; returns 0, or -1 to abort the write. */
typedef int (*cpio_sink_fn)(void *ctx, const void *data, size_t len);

struct cpio_write_options {
	uint32_t mtime;
	const char *basedir;	/* for relative host paths; NULL = as given */
};

/* A growable in-memory archive, for tests and fuzzing. */
struct cpio_membuf {
	unsigned char *data;
	size_t len, capacity;
};

/*
 * Parse len bytes of manifest text (need not be NUL-terminated), then sort
 * and validate the whole set. Returns 0, or -1 with err filled and m empty.
 */
int cpio_manifest_parse(struct cpio_manifest *m, const char *text, size_t len,
			struct cpio_error *err);
void cpio_manifest_free(struct cpio_manifest *m);

/* Write a parsed manifest as a newc archive. Returns 0 or -1 with err. */
int cpio_write(const struct cpio_manifest *m,
	       const struct cpio_write_options *opt,
	       cpio_sink_fn sink, void *sink_ctx, struct cpio_error *err);

int cpio_sink_stdio(void *file, const void *data, size_t len);
int cpio_sink_membuf(void *membuf, const void *data, size_t len);

#endif
