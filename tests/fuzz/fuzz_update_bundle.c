/* libFuzzer target for services/update/bundle.c: the input (up to 64 KiB
 * and more) as VERSION, as SHA256SUMS (whole, and cut to the 4 KiB a
 * bundle's list may have) and as a signature. Checks bundle.h's promises:
 * a refusal says why; an accepted list names each required file once. */
#include <stdlib.h>
#include <string.h>

#include "bundle.h"

static void check_sums(const char *p, size_t n)
{
	struct bundle_sums s;
	char why[256] = "";
	size_t i, j;

	if (bundle_sums_parse(p, n, &s, why, sizeof(why)) < 0) {
		if (!why[0])
			abort();
		return;
	}
	if (s.count < 3 || s.count > BUNDLE_FILES_MAX || !bundle_sums_find(&s, "vmlinuz") ||
	    !bundle_sums_find(&s, "initramfs.cpio.zst") || !bundle_sums_find(&s, "VERSION"))
		abort();
	for (i = 0; i < s.count; i++)
		for (j = i + 1; j < s.count; j++)
			if (strcmp(s.file[i].name, s.file[j].name) == 0)
				abort();
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	const char *p = (const char *)data;
	struct bundle_version v;
	unsigned char sig[BUNDLE_SIG_LEN];
	char why[256] = "";

	if (bundle_version_parse(p, size, &v, why, sizeof(why)) < 0) {
		if (!why[0])
			abort();
	} else if (v.number == 0 || strlen(v.describe) >= BUNDLE_DESCRIBE_MAX ||
		   strchr(v.describe, ' ')) {
		abort();
	}
	check_sums(p, size);
	check_sums(p, size < BUNDLE_SUMS_MAX ? size : BUNDLE_SUMS_MAX);
	why[0] = '\0';
	if (bundle_sig_parse(data, size, sig, why, sizeof(why)) < 0 ? !why[0] : size != BUNDLE_SIG_LEN)
		abort();
	return 0;
}
