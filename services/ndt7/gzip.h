/* Result records compressed as upstream's --compress-results does: one
 * gzip member (RFC 1952) at zlib's fastest level (Go's gzip.BestSpeed). */
#ifndef NDT7_GZIP_H
#define NDT7_GZIP_H

#include <stddef.h>

/* data[0..len) gzipped into a new buffer (free it) of *out_len bytes;
 * NULL if out of memory. */
char *ndt7_gzip(const char *data, size_t len, size_t *out_len);

#endif
