/* Copying a verified bundle and staging it under the state directory
 * (contract: stage.h). Files are written to NAME.tmp, fsync'ed and renamed,
 * so a power cut leaves the old file or the new one. */
#include "stage.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "verify.h"

int path_join(char *out, size_t size, const char *dir, const char *name)
{
	int n = snprintf(out, size, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* fsync a directory, so a rename in it survives a power cut. */
static int sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	/* vfat and some others refuse fsync on a directory: not an error. */
	if (rc < 0 && (errno == EINVAL || errno == EROFS))
		rc = 0;
	close(fd);
	return rc;
}

static int copy_fd(int in, int out)
{
	char buf[65536];
	ssize_t r;

	while ((r = read(in, buf, sizeof(buf))) > 0) {
		char *p = buf;

		while (r > 0) {
			ssize_t w = write(out, p, (size_t)r);

			if (w < 0)
				return -1;
			p += w;
			r -= w;
		}
	}
	return r < 0 ? -1 : fsync(out);
}

int copy_file(const char *src, const char *dst, char *err, size_t errlen)
{
	char tmp[4096], dir[4096], *slash;
	int in, out, rc;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", dst) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", dst);
		return -1;
	}
	in = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (in < 0) {
		snprintf(err, errlen, "%s: %s", src, strerror(errno));
		return -1;
	}
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (out < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		close(in);
		return -1;
	}
	rc = copy_fd(in, out);
	if (close(out) < 0)
		rc = -1;
	close(in);
	if (rc == 0)
		rc = rename(tmp, dst);
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s (disk full?)", dst, strerror(errno));
		unlink(tmp);
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s", dst);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	if (slash && sync_dir(dir[0] ? dir : "/") < 0) {
		snprintf(err, errlen, "%s: fsync: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

int remove_flat_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[4096];

	if (!d)
		return errno == ENOENT ? 0 : -1;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (path_join(path, sizeof(path), dir, de->d_name) == 0)
			unlink(path);
	}
	closedir(d);
	return rmdir(dir);
}

/* The files a bundle consists of: the listed ones and the signed list. */
static int copy_bundle(const char *src, const char *dst, const struct bundle_sums *s,
		       char *err, size_t errlen)
{
	char from[4096], to[4096];
	size_t i;

	for (i = 0; i < s->count + 2; i++) {
		const char *name = i < s->count ? s->file[i].name :
			i == s->count ? BUNDLE_SUMS : BUNDLE_SIG;

		if (path_join(from, sizeof(from), src, name) < 0 ||
		    path_join(to, sizeof(to), dst, name) < 0) {
			snprintf(err, errlen, "%s: path too long", dst);
			return -1;
		}
		if (copy_file(from, to, err, errlen) < 0)
			return -1;
	}
	return 0;
}

int stage_bundle(const char *root, const char *src, const char *pubkey,
		 const struct bundle_version *running, struct bundle_version *v,
		 char *err, size_t errlen)
{
	char incoming[4096], staged[4096], old[4096];
	struct bundle_sums sums;

	if (verify_bundle_dir(src, pubkey, running, &sums, v, err, errlen) < 0)
		return -1;
	if (path_join(incoming, sizeof(incoming), root, "incoming") < 0 ||
	    path_join(staged, sizeof(staged), root, "staged") < 0 ||
	    path_join(old, sizeof(old), root, "staged.old") < 0) {
		snprintf(err, errlen, "%s: path too long", root);
		return -1;
	}
	if (mkdir(root, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", root, strerror(errno));
		return -1;
	}
	if (strcmp(src, incoming) != 0) {
		remove_flat_dir(incoming);
		if (mkdir(incoming, 0700) < 0) {
			snprintf(err, errlen, "%s: %s", incoming, strerror(errno));
			return -1;
		}
		if (copy_bundle(src, incoming, &sums, err, errlen) < 0 ||
		    /* The copy is what gets written to the ESP: check it too. */
		    verify_bundle_dir(incoming, pubkey, running, &sums, v, err, errlen) < 0) {
			remove_flat_dir(incoming);
			return -1;
		}
	}
	remove_flat_dir(old);
	if ((rename(staged, old) < 0 && errno != ENOENT) || rename(incoming, staged) < 0) {
		snprintf(err, errlen, "%s: %s", staged, strerror(errno));
		return -1;
	}
	remove_flat_dir(old);
	sync_dir(root);
	return 0;
}
