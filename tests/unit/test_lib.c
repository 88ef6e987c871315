/* The shared layer lib/: spans, bounded text, the command-line tokenizer,
 * SOURCE_DATE_EPOCH, the BMC address syntax, files, clock and log. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/bootcfg/drac.h"
#include "lib/clock.h"
#include "lib/cmdline.h"
#include "lib/epoch.h"
#include "lib/file.h"
#include "lib/log.h"
#include "lib/span.h"
#include "lib/strbuf.h"
#include "tap.h"

static void test_span(void)
{
	struct span f[3];
	unsigned n = 7;
	char buf[4];

	CHECK(span_equals(span_trim(span_of(" \tab c\r ")), "ab c"), "span_trim: blanks and CR");
	CHECK(span_split(span_of("a,,b,c"), ',', f, 3) == 4 && span_equals(f[0], "a") &&
	      f[1].len == 0 && span_equals(f[2], "b"), "span_split counts past max");
	CHECK(span_to_uint(span_of("3600"), 3600, &n) && n == 3600, "span_to_uint: max itself");
	CHECK(!span_to_uint(span_of("3601"), 3600, &n) && !span_to_uint(span_of("-1"), 9, &n) &&
	      !span_to_uint(span_of(""), 9, &n) && n == 3600, "span_to_uint: over, sign, empty");
	CHECK(!span_to_uint(span_of("99999999999999999999"), ~0u, &n), "span_to_uint: no overflow");
	CHECK(span_to_cstr(span_of("abc"), buf, sizeof(buf)) && strcmp(buf, "abc") == 0 &&
	      !span_to_cstr(span_of("abcd"), buf, sizeof(buf)), "span_to_cstr fits or fails");
	CHECK(hex_value('0') == 0 && hex_value('a') == 10 && hex_value('F') == 15 &&
	      hex_value('g') == -1 && hex_value(':') == -1, "hex_value");
}

static void test_strbuf(void)
{
	char small[8], buf[64];
	struct strbuf sb;

	strbuf_init(&sb, small, sizeof(small));
	strbuf_addf(&sb, "%s", "abc");
	strbuf_addf(&sb, "%s", "defgh");
	strbuf_addf(&sb, "x");
	CHECK(strbuf_result(&sb) == -1 && strcmp(small, "abc") == 0,
	      "strbuf: overflow sticks, text ends after the last complete append");
	strbuf_init(&sb, buf, sizeof(buf));
	strbuf_add_quoted(&sb, (struct span){ "a\"\n\x80" "bcdef", 9 }, 6);
	CHECK(strbuf_result(&sb) > 0 && strcmp(buf, "\"a\\\"\\x0a\\x80bc...\"") == 0,
	      "strbuf_add_quoted escapes and cuts: %s", buf);
	strbuf_init(&sb, small, sizeof(small));
	strbuf_addf(&sb, "abcdefgh");
	CHECK(strbuf_finish(&sb) == -1 && small[0] == '\0', "strbuf_finish empties an overflowed file");
	strbuf_init(&sb, buf, 0);
	CHECK(strbuf_result(&sb) == -1, "strbuf: no room at all is an overflow");
}

static void test_cmdline(void)
{
	const char *line = " a=1 \"b=x y\" c=\"p q\" fathom.link-timeout=5 -- a=2";
	struct cmdline_token tok;
	const char *p = line;
	char v[16];
	int n = 0;

	while ((p = cmdline_next(p, &tok)) != NULL && !cmdline_is_end(&tok))
		n++;
	CHECK(n == 4 && p != NULL, "cmdline_next: 4 parameters before --");
	CHECK(cmdline_get(line, "b", v, sizeof(v)) && strcmp(v, "x y") == 0, "quoted token");
	CHECK(cmdline_get(line, "c", v, sizeof(v)) && strcmp(v, "p q") == 0, "quoted value");
	CHECK(cmdline_get(line, "a", v, sizeof(v)) && strcmp(v, "1") == 0, "nothing after --");
	CHECK(cmdline_get(line, "fathom.link_timeout", v, sizeof(v)) && strcmp(v, "5") == 0,
	      "'-' and '_' are the same in names");
	CHECK(!cmdline_get(line, "d", v, sizeof(v)), "absent key");
}

static void test_epoch(void)
{
	uint32_t s = 1;

	CHECK(epoch_parse(NULL, &s) == 0 && s == 0, "epoch: unset is 0");
	CHECK(epoch_parse("4294967295", &s) == 0 && s == 4294967295u, "epoch: 32-bit max");
	CHECK(epoch_parse("4294967296", &s) < 0 && epoch_parse("", &s) < 0 &&
	      epoch_parse("12a", &s) < 0 && epoch_parse("-1", &s) < 0 &&
	      epoch_parse("99999999999999999999999", &s) < 0, "epoch: malformed values");
}

static void test_drac(void)
{
	struct drac_ipv4 d = { 0 };

	CHECK(!drac_ipv4_parse(span_of("192.0.2.3/28,192.0.2.1"), &d) && d.set &&
	      d.prefixlen == 28 && d.addr[3] == 3 && d.gateway[3] == 1, "drac: a good address");
	d.set = 0;
	CHECK(strcmp(drac_ipv4_parse(span_of("192.0.2.3/0,192.0.2.1"), &d),
		     "prefix length must be 1-32") == 0 && !d.set, "drac: /0 is no subnet");
	CHECK(drac_ipv4_parse(span_of("192.0.2.3/32,192.0.2.1"), &d) != NULL,
	      "drac: /32 has no gateway inside");
	CHECK(drac_ipv4_parse(span_of("192.0.2.3/28"), &d) != NULL &&
	      drac_ipv4_parse(span_of("2001:db8::3/64,2001:db8::1"), &d) != NULL,
	      "drac: shape and family");
}

/* Entries in dir other than . and .. (-1 if it cannot be read). */
static int count_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

static void test_files(void)
{
	char dir[] = "/tmp/test_lib.XXXXXX", path[64], buf[8], *all = NULL;
	size_t len = 0;
	struct stat st;

	if (!mkdtemp(dir)) {
		CHECK(0, "mkdtemp: %s", strerror(errno));
		return;
	}
	snprintf(path, sizeof(path), "%s/attr", dir);
	CHECK(file_write_atomic(path, "0x8086\n", 7, 0640) == 0 && stat(path, &st) == 0 &&
	      (st.st_mode & 0777) == 0640, "file_write_atomic: content and mode");
	CHECK(sysfs_read(dir, "attr", buf, sizeof(buf)) == 0 && strcmp(buf, "0x8086") == 0,
	      "sysfs_read drops the newline");
	CHECK(file_read(path, buf, sizeof(buf)) == -1 && errno == EFBIG, "file_read: EFBIG");
	CHECK(file_read_all(path, &all, &len) == 0 && len == 7 && strcmp(all, "0x8086\n") == 0,
	      "file_read_all");
	free(all);
	all = NULL;
	CHECK(file_write_atomic(path, "new", 3, 0600) == 0 && stat(path, &st) == 0 &&
	      (st.st_mode & 0777) == 0600 && file_read_all(path, &all, &len) == 0 &&
	      len == 3 && strcmp(all, "new") == 0, "file_write_atomic: replaces the old file");
	free(all);
	CHECK(count_entries(dir) == 1, "file_write_atomic: no temporary file left behind");
	unlink(path);
	CHECK(file_read_all(path, &all, &len) == -1 && errno == ENOENT && !all,
	      "file_read_all: a missing file is ENOENT");
	snprintf(path, sizeof(path), "%s/no-such-dir/f", dir);
	CHECK(file_write_atomic(path, "x", 1, 0600) == -1 && errno == ENOENT,
	      "file_write_atomic: a missing directory is ENOENT");
	CHECK(file_write_atomic("/dev/null/x", "x", 1, 0600) == -1 && errno == ENOTDIR,
	      "file_write_atomic: a parent that is not a directory is ENOTDIR");
	CHECK(count_entries(dir) == 0, "file_write_atomic: failures leave nothing behind");
	rmdir(dir);
}

static enum log_level sunk_level;
static char sunk[64];

/* This program's own sink: the archive's default stays out. */
void log_sink(enum log_level level, const char *line)
{
	sunk_level = level;
	snprintf(sunk, sizeof(sunk), "%s", line);
}

static void test_clock_and_log(void)
{
	long t0 = monotonic_ms();

	sleep_ms(20);
	CHECK(monotonic_ms() - t0 >= 20, "sleep_ms sleeps, monotonic_ms counts");
	log_warn("x=%d", 5);
	CHECK(sunk_level == LOG_WARN && strcmp(sunk, "x=5") == 0, "log: formatted once, to the sink");
	sunk[0] = '\0';
	log_debug("hidden");
	CHECK(sunk[0] == '\0' && LOG_ERR == 3 && LOG_DEBUG == 7,
	      "log: debug is above the default threshold; syslog levels");
}

int main(void)
{
	test_span();
	test_strbuf();
	test_cmdline();
	test_epoch();
	test_drac();
	test_files();
	test_clock_and_log();
	return tap_done();
}
