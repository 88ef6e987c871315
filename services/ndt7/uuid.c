/* Socket UUIDs as M-Lab makes them (uuid.h): host name, boot time from
 * /proc/stat, and the kernel's socket cookie. */
#include "uuid.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef SO_COOKIE
#define SO_COOKIE 57	/* include/uapi/asm-generic/socket.h, Linux 4.13 */
#endif

long long ndt7_btime_parse(const char *stat, size_t n)
{
	size_t i = 0;

	while (i < n) {
		const char *line = stat + i, *nl = memchr(line, '\n', n - i);
		size_t len = nl ? (size_t)(nl - line) : n - i;

		if (len > 6 && len < 32 && memcmp(line, "btime ", 6) == 0) {
			char num[32], *end;
			long long v;

			memcpy(num, line + 6, len - 6);
			num[len - 6] = '\0';
			errno = 0;
			v = strtoll(num, &end, 10);
			if (num[0] >= '0' && num[0] <= '9' && !errno && *end == '\0')
				return v;
			return -1;
		}
		i += len + 1;
	}
	return -1;
}

long long ndt7_btime(void)
{
	static char buf[64 << 10];	/* /proc/stat grows with the CPUs */
	size_t len = 0;
	ssize_t r;
	int fd = open("/proc/stat", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while (len < sizeof(buf) && (r = read(fd, buf + len, sizeof(buf) - len)) > 0)
		len += (size_t)r;
	close(fd);
	return ndt7_btime_parse(buf, len);
}

void ndt7_uuid_prefix(char *out, size_t cap, const char *host, long long btime)
{
	char safe[65];
	size_t i;

	for (i = 0; host[i] && i < sizeof(safe) - 1; i++) {
		char ch = host[i];

		safe[i] = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			(ch >= '0' && ch <= '9') || ch == '.' || ch == '-' ? ch : '-';
	}
	safe[i] = '\0';
	if (btime < 0)
		snprintf(out, cap, "%s_BADBOOTTIME", i ? safe : "localhost");
	else
		snprintf(out, cap, "%s_%lld", i ? safe : "localhost", btime);
}

void ndt7_uuid_format(char *out, size_t cap, const char *prefix, uint64_t cookie)
{
	snprintf(out, cap, "%s_%016llX", prefix, (unsigned long long)cookie);
}

int ndt7_socket_cookie(int fd, uint64_t *cookie)
{
	socklen_t len = sizeof(*cookie);

	*cookie = 0;
	if (getsockopt(fd, SOL_SOCKET, SO_COOKIE, cookie, &len) < 0)
		return -1;
	if (len != sizeof(*cookie)) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int ndt7_uuid(char *out, size_t cap, const char *prefix, int fd, unsigned long n)
{
	uint64_t cookie;
	char unsafe[NDT7_UUID_MAX];

	if (ndt7_socket_cookie(fd, &cookie) == 0) {
		ndt7_uuid_format(out, cap, prefix, cookie);
		return 0;
	}
	snprintf(unsafe, sizeof(unsafe), "%s_unsafe", prefix);
	ndt7_uuid_format(out, cap, unsafe, (uint64_t)getpid() << 32 | (n & 0xffffffffu));
	return -1;
}
