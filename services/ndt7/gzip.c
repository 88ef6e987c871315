/* gzip of a whole record in memory with zlib (gzip.h). */
#include "gzip.h"

#include <stdint.h>
#include <stdlib.h>
#include <zlib.h>

char *ndt7_gzip(const char *data, size_t len, size_t *out_len)
{
	z_stream z = { 0 };
	char *out = NULL;
	uLong cap;

	/* windowBits 15 + 16: a gzip header and trailer, not zlib's. */
	if (len > 0xffffffffu ||
	    deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return NULL;
	cap = deflateBound(&z, (uLong)len);
	out = malloc(cap);
	if (out) {
		z.next_in = (Bytef *)(uintptr_t)data;
		z.avail_in = (uInt)len;
		z.next_out = (Bytef *)out;
		z.avail_out = (uInt)cap;
		if (deflate(&z, Z_FINISH) == Z_STREAM_END) {
			*out_len = z.total_out;
		} else {
			free(out);
			out = NULL;
		}
	}
	deflateEnd(&z);
	return out;
}
