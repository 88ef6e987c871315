/* M-Lab's socket UUIDs (m-lab/uuid, DESIGN.md): "<hostname>_<boot time in
 * unix seconds>_<SO_COOKIE as %016X>", unique for every TCP socket on the
 * platform and the key M-Lab joins tcp-info and traceroute data on. */
#ifndef NDT7_UUID_H
#define NDT7_UUID_H

#include <stddef.h>
#include <stdint.h>

#define NDT7_UUID_MAX 128	/* a 64-byte host name, boot time, cookie, NUL */

/* The boot time from the text of /proc/stat ("btime N" line); -1 if none. */
long long ndt7_btime_parse(const char *stat, size_t n);

/* The boot time of this machine from /proc/stat; -1 if it cannot be read. */
long long ndt7_btime(void);

/* "<host>_<btime>" into out: the part shared by every socket of this boot.
 * Bytes of host other than letters, digits, '.', '-' become '-' (the UUID
 * names files); btime < 0 gives "<host>_BADBOOTTIME" as upstream does. */
void ndt7_uuid_prefix(char *out, size_t cap, const char *host, long long btime);

/* "<prefix>_<cookie as %016X>" */
void ndt7_uuid_format(char *out, size_t cap, const char *prefix, uint64_t cookie);

/* The socket's SO_COOKIE. 0, or -1 with errno (e.g. a kernel before 4.13,
 * or fd not a socket). */
int ndt7_socket_cookie(int fd, uint64_t *cookie);

/* The UUID of the connected socket fd. Without SO_COOKIE it is
 * "<prefix>_unsafe_<%016X of pid << 32 | n>" (upstream's mark of a UUID
 * not from a cookie; unique only among this server's connections, n being
 * its worker's connection count). Returns 0, or -1 for the fallback. */
int ndt7_uuid(char *out, size_t cap, const char *prefix, int fd, unsigned long n);

#endif
