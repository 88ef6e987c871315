/* The agent's files, written whole and durably (contract: state.h). */
#define _GNU_SOURCE
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int state_write(const char *dir, const char *name, const void *data, size_t len, mode_t mode,
		char *err, size_t errlen)
{
	char path[4096], tmp[4200];
	const char *p = data;
	int fd, dfd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s/.%s.new", dir, name);
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode & 0600);
	if (fd < 0)
		goto fail;
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail_fd;
		p += n;
		len -= (size_t)n;
	}
	/* The mode last, once the content is there (umask does not apply). */
	if (fchmod(fd, mode) < 0 || fsync(fd) < 0)
		goto fail_fd;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		goto fail;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
fail_fd:
	close(fd);
fail:
	snprintf(err, errlen, "write %s: %s", path, strerror(errno ? errno : EIO));
	unlink(tmp);
	return -1;
}

int state_mkdir(const char *dir, mode_t mode, char *err, size_t errlen)
{
	struct stat st;

	if (mkdir(dir, mode) == 0)
		return chmod(dir, mode) < 0 ? (snprintf(err, errlen, "chmod %s: %s", dir,
							 strerror(errno)), -1) : 0;
	if (errno == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	snprintf(err, errlen, "mkdir %s: %s (the image makes it for user platform)", dir,
		 strerror(errno));
	return -1;
}

void state_status(const char *run_dir, const char *state, const char *detail)
{
	char line[600], err[256];
	int n = snprintf(line, sizeof(line), "%s%s%s\n", state, detail && *detail ? " " : "",
			 detail ? detail : "");

	if (n > 0 && (size_t)n < sizeof(line))
		state_write(run_dir, "status", line, (size_t)n, 0644, err, sizeof(err));
}
