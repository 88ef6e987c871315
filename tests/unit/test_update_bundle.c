/* Unit tests: the parsers of an update bundle's VERSION, SHA256SUMS and
 * signature (services/update/bundle.c), by tables of inputs and outcomes. */
#include "bundle.h"

#include <string.h>

#include "tap.h"

#define H64 "aae27b9d21ab3114347e05ac1439b1f4cccd819c4384831d79ba377642f4b8cb"
#define H64B "0237d5086dcb70a0053343ec099e9b2a37237cf303fdff8e926bc1464abc74e1"
#define GOOD H64 "  vmlinuz\n" H64 "  initramfs.cpio.zst\n" H64B "  VERSION\n"

static void versions(void)
{
	static const struct {
		const char *in;
		int ok;
		unsigned long long number;
		const char *describe, *why;
	} t[] = {
		{ "1796652326 c7c8839-dirty\n", 1, 1796652326ULL, "c7c8839-dirty", NULL },
		{ "42\n", 1, 42, "", NULL },
		{ "18446744073709551606 x\n", 1, 18446744073709551606ULL, "x", NULL },
		{ "18446744073709551616\n", 0, 0, NULL, "too large" },
		{ "0 v1\n", 0, 0, NULL, "above 0" },
		{ "v1.2\n", 0, 0, NULL, "version number" },
		{ "", 0, 0, NULL, "newline" },
		{ "12", 0, 0, NULL, "newline" },
		{ "12 a b\n", 0, 0, NULL, "printable" },
		{ "12\n13\n", 0, 0, NULL, "one line" },
		{ "12 \n", 0, 0, NULL, NULL },	/* an empty description is allowed */
		{ "12x\n", 0, 0, NULL, "one line" },
		{ "-5\n", 0, 0, NULL, "version number" },
		{ "12 caf\xc3\xa9\n", 0, 0, NULL, "printable" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct bundle_version v;
		char why[256] = "";
		int rc = bundle_version_parse(t[i].in, strlen(t[i].in), &v, why, sizeof(why));

		if (i == 10) {
			CHECK(rc == 0 && v.number == 12 && v.describe[0] == '\0',
			      "VERSION \"12 \": number, empty description");
			continue;
		}
		if (t[i].ok)
			CHECK(rc == 0 && v.number == t[i].number && strcmp(v.describe, t[i].describe) == 0,
			      "VERSION %zu: %llu \"%s\"", i, t[i].number, t[i].describe);
		else
			CHECK(rc < 0 && strstr(why, t[i].why), "VERSION %zu refused: %s", i, why);
	}
}

static void sums(void)
{
	static const struct {
		const char *in, *why;	/* why NULL: accepted */
		size_t count;
	} t[] = {
		{ GOOD, NULL, 3 },
		{ GOOD H64 "  media.cpio.zst\n", NULL, 4 },
		{ H64 " *vmlinuz\n" H64 "  initramfs.cpio.zst\n" H64B "  VERSION\n", NULL, 3 },
		{ GOOD H64 "  vmlinuz\n", "line 4: vmlinuz listed twice", 0 },
		{ H64 "  vmlinuz\n" H64B "  VERSION\n", "initramfs.cpio.zst is not listed", 0 },
		{ H64 "  initramfs.cpio.zst\n" H64B "  VERSION\n", "vmlinuz is not listed", 0 },
		{ H64 "  vmlinuz\n" H64 "  initramfs.cpio.zst\n", "VERSION is not listed", 0 },
		{ GOOD H64 "  ../etc/passwd\n", "line 4: not", 0 },
		{ GOOD H64 "  /vmlinuz\n", "line 4: not", 0 },
		{ GOOD H64 "  manifest.json\n", "line 4: not", 0 },
		{ "AAE27B9D21AB3114347E05AC1439B1F4CCCD819C4384831D79BA377642F4B8CB  vmlinuz\n",
		  "line 1: not", 0 },
		{ H64 " vmlinuz\n", "line 1: not", 0 },
		{ "aae27b9d  vmlinuz\n", "line 1: not", 0 },
		{ GOOD "\n", "line 4: not", 0 },
		{ H64 "  vmlinuz", "last line has no newline", 0 },
		{ "", "empty", 0 },
		{ H64 "  vmlinuz \n", "line 1: not", 0 },
		{ H64 "  vmlinuz\r\n", "line 1: not", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct bundle_sums s;
		char why[256] = "";
		int rc = bundle_sums_parse(t[i].in, strlen(t[i].in), &s, why, sizeof(why));

		if (!t[i].why)
			CHECK(rc == 0 && s.count == t[i].count, "SHA256SUMS %zu: %zu files", i, t[i].count);
		else
			CHECK(rc < 0 && strstr(why, t[i].why), "SHA256SUMS %zu refused: %s", i, why);
	}
	{
		struct bundle_sums s;
		char why[256];
		const struct bundle_file *f;

		bundle_sums_parse(GOOD, strlen(GOOD), &s, why, sizeof(why));
		f = bundle_sums_find(&s, "VERSION");
		CHECK(f && f->sha256[0] == 0x02 && f->sha256[31] == 0xe1, "VERSION's digest decoded");
		CHECK(!bundle_sums_find(&s, "media.cpio.zst"), "media.cpio.zst absent");
	}
	{
		static char big[BUNDLE_SUMS_MAX + 2];
		struct bundle_sums s;
		char why[256];

		memset(big, '\n', sizeof(big));
		CHECK(bundle_sums_parse(big, sizeof(big), &s, why, sizeof(why)) < 0 &&
		      strstr(why, "over 4096 bytes"), "SHA256SUMS over 4096 bytes refused: %s", why);
	}
}

static void sigs(void)
{
	static const size_t lens[] = { 64, 0, 63, 65, 128 };
	unsigned char in[128], sig[BUNDLE_SIG_LEN];
	size_t i;

	memset(in, 0x5a, sizeof(in));
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		char why[256] = "";
		int rc = bundle_sig_parse(in, lens[i], sig, why, sizeof(why));

		if (lens[i] == 64)
			CHECK(rc == 0 && sig[63] == 0x5a, "signature of 64 bytes taken");
		else
			CHECK(rc < 0 && strstr(why, "not the 64 of an Ed25519 signature"),
			      "signature of %zu bytes refused: %s", lens[i], why);
	}
}

int main(void)
{
	versions();
	sums();
	sigs();
	CHECK(bundle_name_required("VERSION") && !bundle_name_required("media.cpio.zst") &&
	      !bundle_name_required("x"), "required names");
	return tap_done();
}
