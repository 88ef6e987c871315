/* Small-file and sysfs reading, whole-input reading and atomic writes
 * (contract: file.h). */
#include "lib/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

ssize_t file_read(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n, len = 0;

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf + len, size - 1 - (size_t)len)) > 0)
		len += n;
	close(fd);
	if (n < 0)
		return -1;
	if ((size_t)len == size - 1) {
		errno = EFBIG;
		return -1;
	}
	buf[len] = '\0';
	return len;
}

int sysfs_read(const char *dir, const char *attr, char *buf, size_t size)
{
	char path[512];
	ssize_t n;
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s", dir, attr) >= (int)sizeof(path))
		return errno = ENAMETOOLONG, -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* Read fd to its end, doubling the buffer as needed. */
static int read_fd_all(int fd, char **text, size_t *len)
{
	size_t capacity = 4096, used = 0;
	char *buf = malloc(capacity + 1), *grown;
	ssize_t n = 1;

	while (buf && n != 0) {
		n = read(fd, buf + used, capacity - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		used += (size_t)n;
		if (used < capacity)
			continue;
		capacity *= 2;
		grown = realloc(buf, capacity + 1);
		if (!grown)
			free(buf);
		buf = grown;
	}
	if (!buf || n < 0) {
		int saved = buf ? errno : ENOMEM;

		free(buf);
		errno = saved;
		return -1;
	}
	buf[used] = '\0';
	*text = buf;
	*len = used;
	return 0;
}

int file_read_all(const char *path, char **text, size_t *len)
{
	int stdin_wanted = strcmp(path, "-") == 0;
	int fd = stdin_wanted ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	int rc, saved;

	*text = NULL;
	*len = 0;
	if (fd < 0)
		return -1;
	rc = read_fd_all(fd, text, len);
	saved = errno;
	if (!stdin_wanted)
		close(fd);
	errno = saved;
	return rc;
}

/* All of data to fd, across short writes and signals. */
static int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 ? (errno = ENOSPC, -1) : -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The directory holding path, synced so that a rename in it survives a
 * power cut. */
static int sync_parent(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	int fd, rc;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	/* Some filesystems (tmpfs long ago, some FUSE) cannot sync a
	 * directory: nothing to make durable there. */
	return rc < 0 && errno != EINVAL && errno != ENOTSUP ? -1 : 0;
}

int file_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	char temp[4096];
	int fd, rc = 0, saved;

	if (snprintf(temp, sizeof(temp), "%s.XXXXXX", path) >= (int)sizeof(temp))
		return errno = ENAMETOOLONG, -1;
	fd = mkstemp(temp);
	if (fd < 0)
		return -1;
	/* mkstemp's O_CLOEXEC is not portable: a child forked meanwhile
	 * must not keep the file. */
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	if (fchmod(fd, mode) < 0 || write_all(fd, data, len) < 0 || fsync(fd) < 0)
		rc = -1;
	saved = errno;
	if (close(fd) < 0 && rc == 0)
		rc = -1, saved = errno;
	if (rc == 0 && rename(temp, path) == 0)
		return sync_parent(path);
	if (rc == 0)
		saved = errno;
	unlink(temp);
	errno = saved;
	return -1;
}
