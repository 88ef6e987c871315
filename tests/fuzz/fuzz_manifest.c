/* libFuzzer target: arbitrary bytes through the manifest parser and writer. */
#include "cpio.h"

#include <stdlib.h>

/* Counts bytes instead of keeping them: the fuzzer only needs the shape. */
static int counting_sink(void *total, const void *data, size_t len)
{
	(void)data;
	*(size_t *)total += len;
	return 0;
}

/* Host files are outside the input's control; write everything else. */
static void drop_file_entries(struct cpio_manifest *m)
{
	size_t i, kept = 0;

	for (i = 0; i < m->count; i++) {
		if (m->entries[i].type == CPIO_FILE) {
			free(m->entries[i].name);
			free(m->entries[i].source);
		} else {
			m->entries[kept++] = m->entries[i];
		}
	}
	m->count = kept;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct cpio_write_options opt = { .mtime = 1 };
	struct cpio_manifest m;
	struct cpio_error err;
	size_t total = 0;

	if (cpio_manifest_parse(&m, (const char *)data, size, &err) < 0) {
		/* Every parse error must name its line and say what is wrong. */
		if (err.line == 0 || err.msg[0] == '\0')
			abort();
		return 0;
	}
	drop_file_entries(&m);
	if (cpio_write(&m, &opt, counting_sink, &total, &err) < 0 ||
	    total % 512 != 0)
		abort();
	cpio_manifest_free(&m);
	return 0;
}
