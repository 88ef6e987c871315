/* Unit tests for netcfg/cmdline.c: tables of good and bad command lines,
 * then resolv.conf and config_format rendering. */
#include <string.h>
#include <sys/socket.h>

#include "config.h"
#include "tap.h"

#define MSG_SIZE 512
#define TEXT_SIZE 2048

/* A good command line and up to three lines its config_format must hold. */
struct good_case {
	const char *cmdline;
	const char *lines[3];
};

/* A bad command line and a piece of the single error it must cause. */
struct bad_case {
	const char *cmdline;
	const char *message;
};

/* Collects what the parser reports. */
struct error_log {
	int count;
	char last[MSG_SIZE];
};

static const char mlab_cmdline[] =
	"epoxy.ipv4=4.14.159.86/26,4.14.159.65,8.8.8.8,8.8.4.4 "
	"epoxy.ipv6=2001:1900:2100:2d::86/64,2001:1900:2100:2d::1,"
	"2001:4860:4860::8888,2001:4860:4860::8844 epoxy.interface=eth0 "
	"epoxy.hostname=mlab1-lga0t.mlab-oti.measurement-lab.org";

/* Bad cases start from this, so we can see that nothing changed. */
static const char baseline_cmdline[] =
	"fathom.ipv4=198.51.100.7/24,198.51.100.1,198.51.100.53 "
	"fathom.ipv6=2001:db8:1::7/64,2001:db8:1::1 fathom.iface=eth9 "
	"fathom.hostname=base.example.net fathom.link_timeout=42";

static const struct good_case good_cases[] = {
	{ "", { "ipv4: none", "ipv6: none", "iface: auto" } },
	{ "  \t\n", { "hostname: unchanged", "link_timeout: 60s" } },
	{ "fathom.ipv4=192.0.2.10/28", { "ipv4: 192.0.2.10/28" } },
	{ "fathom.ipv4=192.0.2.10/28,192.0.2.1",
	  { "ipv4: 192.0.2.10/28 gateway 192.0.2.1" } },
	{ "fathom.ipv4=192.0.2.10/28,192.0.2.1,192.0.2.53",
	  { "ipv4: 192.0.2.10/28 gateway 192.0.2.1 dns 192.0.2.53" } },
	{ "fathom.ipv4=192.0.2.10/28,192.0.2.1,192.0.2.53,192.0.2.54",
	  { "ipv4: 192.0.2.10/28 gateway 192.0.2.1 dns 192.0.2.53 192.0.2.54" } },
	{ "fathom.ipv4=192.0.2.10/28,,192.0.2.53",
	  { "ipv4: 192.0.2.10/28 dns 192.0.2.53" } },
	{ "fathom.ipv4=192.0.2.10/28,", { "ipv4: 192.0.2.10/28" } },
	{ "fathom.ipv4=10.0.0.1/0", { "ipv4: 10.0.0.1/0" } },
	{ "fathom.ipv4=10.0.0.1/32", { "ipv4: 10.0.0.1/32" } },
	{ "fathom.ipv4=10.0.0.1/08", { "ipv4: 10.0.0.1/8" } },
	{ "fathom.ipv6=2001:db8::10/64,2001:db8::1,2001:db8::53,2001:db8::54",
	  { "ipv6: 2001:db8::10/64 gateway 2001:db8::1"
	    " dns 2001:db8::53 2001:db8::54" } },
	{ "fathom.ipv6=2001:DB8::A/128", { "ipv6: 2001:db8::a/128" } },
	{ "fathom.ipv6=2001:db8::10/64,fe80::1",
	  { "ipv6: 2001:db8::10/64 gateway fe80::1" } },
	{ "fathom.ipv6=2001:db8::10/0,,2001:db8::53",
	  { "ipv6: 2001:db8::10/0 dns 2001:db8::53" } },
	{ "fathom.ipv6=", { "ipv6: none" } },
	{ "fathom.ipv6=2001:db8::10/64 fathom.ipv6=", { "ipv6: none" } },
	{ "fathom.ipv6=::ffff:192.0.2.1/96", { "ipv6: ::ffff:192.0.2.1/96" } },
	{ "fathom.iface=auto", { "iface: auto" } },
	{ "fathom.iface=eth1", { "iface: name eth1" } },
	{ "fathom.iface=enp3s0f1", { "iface: name enp3s0f1" } },
	{ "fathom.iface=abcdefghijklmno", { "iface: name abcdefghijklmno" } },
	{ "fathom.iface=52:54:00:12:34:56", { "iface: mac 52:54:00:12:34:56" } },
	{ "fathom.iface=52-54-00-AB-CD-EF", { "iface: mac 52:54:00:ab:cd:ef" } },
	{ "fathom.iface=eth1 fathom.iface=auto", { "iface: auto" } },
	{ "fathom.hostname=node1", { "hostname: node1" } },
	{ "fathom.hostname=node1.example.org.",
	  { "hostname: node1.example.org" } },
	{ "fathom.hostname=1.2-3.EXAMPLE.org", { "hostname: 1.2-3.EXAMPLE.org" } },
	{ "fathom.hostname=a23456789012345678901234567890123456789012345678"
	  "901234567890123.org",
	  { "hostname: a23456789012345678901234567890123456789012345678"
	    "901234567890123.org" } },
	{ "fathom.link_timeout=1", { "link_timeout: 1s" } },
	{ "fathom.link_timeout=3600", { "link_timeout: 3600s" } },
	{ "fathom.link-timeout=90", { "link_timeout: 90s" } },
	{ mlab_cmdline,
	  { "ipv4: 4.14.159.86/26 gateway 4.14.159.65 dns 8.8.8.8 8.8.4.4",
	    "ipv6: 2001:1900:2100:2d::86/64 gateway 2001:1900:2100:2d::1"
	    " dns 2001:4860:4860::8888 2001:4860:4860::8844",
	    "hostname: mlab1-lga0t.mlab-oti.measurement-lab.org" } },
	{ "fathom.iface=eth1 epoxy.interface=eth0", { "iface: name eth1" } },
	{ "epoxy.interface=eth0 fathom.iface=eth1", { "iface: name eth1" } },
	{ "fathom.hostname=a.example epoxy.hostname=b.example",
	  { "hostname: a.example" } },
	{ "epoxy.ipv4=192.0.2.9/24 fathom.ipv4=192.0.2.10/24",
	  { "ipv4: 192.0.2.10/24" } },
	{ "fathom.ipv6=2001:db8::1/64 epoxy.ipv6=",
	  { "ipv6: 2001:db8::1/64" } },
	{ "fathom.hostname=one fathom.hostname=two", { "hostname: two" } },
	{ "epoxy.interface=eth0 epoxy.interface=eth5", { "iface: name eth5" } },
	{ "fathom.hostname=\"node1.example.org\"",
	  { "hostname: node1.example.org" } },
	{ "\"fathom.iface=eth7\"", { "iface: name eth7" } },
	{ "quiet\tfathom.iface=eth2\nsplash", { "iface: name eth2" } },
	{ "BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro console=ttyS0,115200n8 "
	  "fathom.iface=eth3 init=/sbin/init",
	  { "iface: name eth3" } },
	{ "epoxy.stage1=https://epoxy.example/v1/stage1 epoxy.project=mlab "
	  "epoxy.ip=1.2.3.4::1.2.3.1:255.255.255.0:x:eth0:off epoxy.ipv4x=junk",
	  { "ipv4: none", "iface: auto" } },
	{ "xfathom.ipv4=junk fathom.ipv4x=junk fathom.IPV4=junk fathom.ipv4.x=1",
	  { "ipv4: none" } },
	{ "fathom.iface=eth1 -- fathom.iface=eth2", { "iface: name eth1" } },
	{ "fathom.ipv4=192.0.2.10/28 fathom.iface=52:54:00:12:34:56 "
	  "fathom.hostname=n.example fathom.link_timeout=5",
	  { "ipv4: 192.0.2.10/28", "iface: mac 52:54:00:12:34:56",
	    "link_timeout: 5s" } },
};

static const struct bad_case bad_cases[] = {
	{ "fathom.ipv4=192.0.2.10/33",
	  "fathom.ipv4: \"192.0.2.10/33\": prefix length must be 0-32" },
	{ "fathom.ipv4=192.0.2.x/28",
	  "fathom.ipv4: \"192.0.2.x/28\": expected ADDR/PLEN[,GW[,DNS1[,DNS2]]]"
	  " with an IPv4 address" },
	{ "fathom.ipv4=192.0.2.10", "missing /PLEN" },
	{ "fathom.ipv4=192.0.2.10/", "prefix length must be 0-32" },
	{ "fathom.ipv4=192.0.2.10/abc", "prefix length must be 0-32" },
	{ "fathom.ipv4=192.0.2.10/-1", "prefix length must be 0-32" },
	{ "fathom.ipv4=192.0.2.10/+24", "prefix length must be 0-32" },
	{ "fathom.ipv4=192.0.2.10/24x", "prefix length must be 0-32" },
	{ "fathom.ipv4=\"192.0.2.10/ 24\"", "prefix length must be 0-32" },
	{ "fathom.ipv4=192.0.2.10/4294967320", "prefix length must be 0-32" },
	{ "fathom.ipv4=192.0.2.10/24/8", "expected ADDR/PLEN" },
	{ "fathom.ipv4=", "fathom.ipv4: \"\": expected ADDR/PLEN" },
	{ "fathom.ipv4",
	  "fathom.ipv4: missing value, expected "
	  "fathom.ipv4=ADDR/PLEN[,GW[,DNS1[,DNS2]]]" },
	{ "fathom.ipv4=192.0.2.10/28,192.0.2.1,192.0.2.53,192.0.2.54,192.0.2.55",
	  "too many fields" },
	{ "fathom.ipv4=192.0.2.10/28,2001:db8::1",
	  "gateway must be an IPv4 address" },
	{ "fathom.ipv4=192.0.2.10/28,192.0.2.1x",
	  "gateway must be an IPv4 address" },
	{ "fathom.ipv4=192.0.2.10/28,192.0.2.10",
	  "gateway must differ from the address" },
	{ "fathom.ipv4=192.0.2.10/28,192.0.2.1,8.8.8.8.8",
	  "DNS server must be an IPv4 address" },
	{ "fathom.ipv4=192.0.2.10/28,192.0.2.1,",
	  "DNS server must be an IPv4 address" },
	{ "fathom.ipv4=192.0.2.10/28,192.0.2.1,2001:db8::53",
	  "DNS server must be an IPv4 address" },
	{ "fathom.ipv4=2001:db8::10/64", "with an IPv4 address" },
	{ "fathom.ipv4=192.0.2.010/28", "with an IPv4 address" },
	{ "fathom.ipv4= 192.0.2.10/28", "fathom.ipv4: \"\"" },
	{ "fathom.ipv6=2001:db8::10/129", "prefix length must be 0-128" },
	{ "fathom.ipv6=2001:db8::10", "missing /PLEN" },
	{ "fathom.ipv6=192.0.2.10/24", "with an IPv6 address" },
	{ "fathom.ipv6=fe80::1%eth0/64", "with an IPv6 address" },
	{ "fathom.ipv6=2001:db8::10/64,192.0.2.1",
	  "gateway must be an IPv6 address" },
	{ "fathom.ipv6=2001:db8::10/64,2001:DB8::10",
	  "gateway must differ from the address" },
	{ "fathom.ipv6=2001:db8::10/64,,8.8.8.8",
	  "DNS server must be an IPv6 address" },
	{ "fathom.ipv6", "missing value" },
	{ "fathom.iface=", "fathom.iface: \"\": expected auto, a MAC address" },
	{ "fathom.iface", "fathom.iface: missing value" },
	{ "fathom.iface=abcdefghijklmnop", "1-15 characters" },
	{ "fathom.iface=a/b", "fathom.iface: \"a/b\"" },
	{ "fathom.iface=.", "fathom.iface: \".\"" },
	{ "fathom.iface=..", "fathom.iface: \"..\"" },
	{ "fathom.iface=eth0:1", "fathom.iface: \"eth0:1\"" },
	{ "fathom.iface=\"eth 0\"", "fathom.iface: \"eth 0\"" },
	{ "fathom.iface=52:54:00:12:34", "expected auto, a MAC address" },
	{ "fathom.iface=52:54-00:12:34:56", "expected auto, a MAC address" },
	{ "fathom.iface=52:54:00:12:34:5g", "expected auto, a MAC address" },
	{ "fathom.iface=52:54:00:12:34:567", "expected auto, a MAC address" },
	{ "fathom.hostname=", "fathom.hostname: \"\": expected a host name" },
	{ "fathom.hostname=.", "expected a host name" },
	{ "fathom.hostname=-node", "must not start or end with '-'" },
	{ "fathom.hostname=node-.example", "must not start or end with '-'" },
	{ "fathom.hostname=a..b", "empty label" },
	{ "fathom.hostname=.a", "empty label" },
	{ "fathom.hostname=under_score", "only letters, digits" },
	{ "fathom.hostname=\"a b\"", "only letters, digits" },
	{ "fathom.hostname=a234567890123456789012345678901234567890123456789"
	  "012345678901234.org", "each label must be 1-63 characters" },
	{ "fathom.hostname=h\xc3\xb6st", "fathom.hostname: \"h\\xc3\\xb6st\"" },
	{ "fathom.hostname=\"a\nb\"", "fathom.hostname: \"a\\x0ab\"" },
	{ "fathom.hostname=a\"b", "fathom.hostname: \"a\\\"b\"" },
	{ "fathom.link_timeout=0",
	  "fathom.link_timeout: \"0\": expected a number of seconds 1-3600" },
	{ "fathom.link_timeout=3601", "seconds 1-3600" },
	{ "fathom.link_timeout=60s", "seconds 1-3600" },
	{ "fathom.link_timeout=-1", "seconds 1-3600" },
	{ "fathom.link_timeout=", "seconds 1-3600" },
	{ "fathom.link_timeout=99999999999999999999", "seconds 1-3600" },
	{ "fathom.link_timeout", "expected fathom.link_timeout=SECONDS" },
	{ "fathom.link-timeout=0", "fathom.link-timeout: \"0\"" },
	{ "epoxy.ipv4=1.2.3.4/40", "epoxy.ipv4: \"1.2.3.4/40\": prefix length" },
	{ "epoxy.ipv6=1.2.3.4/24", "epoxy.ipv6: \"1.2.3.4/24\"" },
	{ "epoxy.interface=a/b", "epoxy.interface: \"a/b\"" },
	{ "epoxy.hostname=a_b", "epoxy.hostname: \"a_b\"" },
	{ "epoxy.interface", "expected epoxy.interface=NAME|MAC|auto" },
};

static void collect_error(void *ctx, const char *msg)
{
	struct error_log *log = ctx;

	log->count++;
	snprintf(log->last, sizeof(log->last), "%s", msg);
}

/* True if text has line as one whole line. */
static int has_line(const char *text, const char *line)
{
	size_t len = strlen(line);
	const char *p;

	for (p = text; (p = strstr(p, line)) != NULL; p++) {
		if ((p == text || p[-1] == '\n') && p[len] == '\n')
			return 1;
	}
	return 0;
}

static void format_config(const struct netcfg_config *cfg, char *text)
{
	if (netcfg_config_format(cfg, text, TEXT_SIZE) < 0)
		snprintf(text, TEXT_SIZE, "(format failed)");
}

static void test_good_case(const struct good_case *tc)
{
	struct error_log log = { 0 };
	struct netcfg_config cfg;
	char text[TEXT_SIZE];
	int errors, i;

	netcfg_config_init(&cfg);
	errors = netcfg_parse_cmdline(&cfg, tc->cmdline, collect_error, &log);
	CHECK(errors == 0 && log.count == 0, "good \"%s\": no errors (%s)",
	      tc->cmdline, log.last);
	format_config(&cfg, text);
	for (i = 0; i < 3 && tc->lines[i]; i++)
		CHECK(has_line(text, tc->lines[i]), "good \"%s\": has \"%s\"",
		      tc->cmdline, tc->lines[i]);
}

static void test_bad_case(const struct bad_case *tc)
{
	struct netcfg_config cfg, before;
	struct error_log log = { 0 };
	int errors;

	netcfg_config_init(&cfg);
	netcfg_parse_cmdline(&cfg, baseline_cmdline, NULL, NULL);
	before = cfg;
	errors = netcfg_parse_cmdline(&cfg, tc->cmdline, collect_error, &log);
	CHECK(errors == 1 && log.count == 1, "bad \"%s\": one error (%d)",
	      tc->cmdline, errors);
	CHECK(strstr(log.last, tc->message) != NULL,
	      "bad \"%s\": message \"%s\" has \"%s\"", tc->cmdline, log.last,
	      tc->message);
	CHECK(strchr(log.last, '\n') == NULL, "bad \"%s\": one line",
	      tc->cmdline);
	CHECK(memcmp(&cfg, &before, sizeof(cfg)) == 0,
	      "bad \"%s\": config unchanged", tc->cmdline);
}

static void test_tables(void)
{
	size_t i;

	for (i = 0; i < sizeof(good_cases) / sizeof(good_cases[0]); i++)
		test_good_case(&good_cases[i]);
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++)
		test_bad_case(&bad_cases[i]);
	printf("# %zu good cases, %zu bad cases\n",
	       sizeof(good_cases) / sizeof(good_cases[0]),
	       sizeof(bad_cases) / sizeof(bad_cases[0]));
}

/* The M-Lab example, checked field by field rather than through format. */
static void test_mlab_struct(void)
{
	static const unsigned char addr4[4] = { 4, 14, 159, 86 };
	static const unsigned char gw4[4] = { 4, 14, 159, 65 };
	static const unsigned char dns4[4] = { 8, 8, 4, 4 };
	struct netcfg_config cfg;

	netcfg_config_init(&cfg);
	CHECK(netcfg_parse_cmdline(&cfg, mlab_cmdline, NULL, NULL) == 0,
	      "mlab: parses");
	CHECK(cfg.ipv4.family == AF_INET && cfg.ipv4.prefixlen == 26 &&
	      memcmp(cfg.ipv4.addr, addr4, 4) == 0, "mlab: ipv4 address");
	CHECK(cfg.ipv4.has_gateway && memcmp(cfg.ipv4.gateway, gw4, 4) == 0,
	      "mlab: ipv4 gateway");
	CHECK(cfg.ipv4.ndns == 2 && memcmp(cfg.ipv4.dns[1], dns4, 4) == 0,
	      "mlab: ipv4 dns");
	CHECK(cfg.ipv6.family == AF_INET6 && cfg.ipv6.prefixlen == 64 &&
	      cfg.ipv6.has_gateway && cfg.ipv6.ndns == 2, "mlab: ipv6");
	CHECK(cfg.iface_kind == NETCFG_IFACE_NAME &&
	      strcmp(cfg.iface_name, "eth0") == 0, "mlab: iface eth0");
	CHECK(strcmp(cfg.hostname, "mlab1-lga0t.mlab-oti.measurement-lab.org")
	      == 0, "mlab: hostname");
	CHECK(cfg.link_timeout == NETCFG_DEFAULT_LINK_TIMEOUT,
	      "mlab: default link timeout");
}

/* A bad parameter is reported, the rest of the line still applies, and
 * an invalid fathom.* leaves a valid alias in place. */
static void test_partial_errors(void)
{
	struct error_log log = { 0 };
	struct netcfg_config cfg;

	netcfg_config_init(&cfg);
	CHECK(netcfg_parse_cmdline(&cfg, "fathom.ipv4=bad fathom.iface=eth1 "
				   "fathom.link_timeout=0 fathom.hostname=h",
				   collect_error, &log) == 2 && log.count == 2,
	      "partial: two errors");
	CHECK(cfg.ipv4.family == 0 && cfg.iface_kind == NETCFG_IFACE_NAME &&
	      strcmp(cfg.hostname, "h") == 0 && cfg.link_timeout == 60,
	      "partial: good parameters applied");
	netcfg_config_init(&cfg);
	CHECK(netcfg_parse_cmdline(&cfg, "fathom.iface=a/b epoxy.interface=eth0",
				   NULL, NULL) == 1,
	      "partial: error counted without a callback");
	CHECK(strcmp(cfg.iface_name, "eth0") == 0,
	      "partial: alias kept when fathom.iface is bad");
	CHECK(netcfg_parse_cmdline(&cfg, NULL, NULL, NULL) == 0,
	      "partial: NULL command line is empty");
}

/* Values longer than the message limit are cut and marked. */
static void test_long_value(void)
{
	char cmdline[400], expect[100];
	struct error_log log = { 0 };
	struct netcfg_config cfg;

	memset(cmdline, 'a', sizeof(cmdline) - 1);
	cmdline[sizeof(cmdline) - 1] = '\0';
	memcpy(cmdline, "fathom.hostname=", 16);
	snprintf(expect, sizeof(expect), "fathom.hostname: \"%.64s...\": ",
		 cmdline + 16);
	netcfg_config_init(&cfg);
	netcfg_parse_cmdline(&cfg, cmdline, collect_error, &log);
	CHECK(strncmp(log.last, expect, strlen(expect)) == 0,
	      "long value truncated: %s", log.last);
	CHECK(strstr(log.last, "at most 253 characters") != NULL,
	      "long value: says the limit");
}

static void test_parse_param(void)
{
	struct error_log log = { 0 };
	struct netcfg_config cfg;

	netcfg_config_init(&cfg);
	CHECK(netcfg_parse_param(&cfg, "root", "/dev/sda1", collect_error,
				 &log) == 0 && log.count == 0,
	      "param: not ours is ignored");
	CHECK(netcfg_parse_param(&cfg, "fathom.iface", "eth4", collect_error,
				 &log) == 0 && strcmp(cfg.iface_name, "eth4") == 0,
	      "param: valid applies");
	CHECK(netcfg_parse_param(&cfg, "fathom.iface", "a/b", collect_error,
				 &log) == -1 && log.count == 1 &&
	      strcmp(cfg.iface_name, "eth4") == 0,
	      "param: invalid reported, config kept");
	CHECK(netcfg_parse_param(&cfg, "fathom.iface", NULL, NULL, NULL) == -1,
	      "param: missing value is an error");
	CHECK(netcfg_parse_param(&cfg, "fathom.ipv6", "", NULL, NULL) == 0 &&
	      cfg.ipv6.family == 0, "param: empty ipv6 means none");
	CHECK(netcfg_parse_param(&cfg, "fathom.hostname", "\"q\"", NULL, NULL)
	      == -1, "param: values are taken literally, no quote removal");
}

static void test_resolv_conf(void)
{
	struct netcfg_config cfg;
	char text[TEXT_SIZE];
	int n;

	netcfg_config_init(&cfg);
	netcfg_parse_cmdline(&cfg, mlab_cmdline, NULL, NULL);
	n = netcfg_resolv_conf(&cfg, text, sizeof(text));
	CHECK(n > 0 && strcmp(text, "# written by fathom netcfg\n"
			      "nameserver 8.8.8.8\n"
			      "nameserver 8.8.4.4\n"
			      "nameserver 2001:4860:4860::8888\n"
			      "nameserver 2001:4860:4860::8844\n"
			      "search mlab-oti.measurement-lab.org\n") == 0,
	      "resolv: mlab\n%s", text);
	CHECK(n == (int)strlen(text), "resolv: returns the length");
	CHECK(netcfg_resolv_conf(&cfg, text, (size_t)n) == -1,
	      "resolv: one byte short is too small");
	CHECK(netcfg_resolv_conf(&cfg, text, (size_t)n + 1) == n,
	      "resolv: exact size fits");
	CHECK(netcfg_resolv_conf(&cfg, text, 0) == -1, "resolv: zero size");

	netcfg_config_init(&cfg);
	netcfg_parse_cmdline(&cfg, "fathom.ipv4=192.0.2.10/24,,192.0.2.53,"
			     "192.0.2.53 fathom.hostname=node1.", NULL, NULL);
	netcfg_resolv_conf(&cfg, text, sizeof(text));
	CHECK(strcmp(text, "# written by fathom netcfg\n"
		     "nameserver 192.0.2.53\n") == 0,
	      "resolv: dedupe, no search without a domain\n%s", text);

	netcfg_config_init(&cfg);
	netcfg_resolv_conf(&cfg, text, sizeof(text));
	CHECK(strcmp(text, "# written by fathom netcfg\n") == 0,
	      "resolv: defaults give the header only");
}

static void test_config_format(void)
{
	struct netcfg_config cfg;
	char text[TEXT_SIZE];
	int n;

	netcfg_config_init(&cfg);
	n = netcfg_config_format(&cfg, text, sizeof(text));
	CHECK(strcmp(text, "ipv4: none\nipv6: none\niface: auto\n"
		     "hostname: unchanged\nlink_timeout: 60s\n") == 0,
	      "format: defaults\n%s", text);
	CHECK(n == (int)strlen(text), "format: returns the length");
	CHECK(netcfg_config_format(&cfg, text, (size_t)n) == -1,
	      "format: one byte short is too small");
	CHECK(netcfg_config_format(&cfg, text, 10) == -1 &&
	      strlen(text) < 10, "format: small buffer stays terminated");

	netcfg_parse_cmdline(&cfg, baseline_cmdline, NULL, NULL);
	netcfg_config_format(&cfg, text, sizeof(text));
	CHECK(strcmp(text, "ipv4: 198.51.100.7/24 gateway 198.51.100.1"
		     " dns 198.51.100.53\n"
		     "ipv6: 2001:db8:1::7/64 gateway 2001:db8:1::1\n"
		     "iface: name eth9\nhostname: base.example.net\n"
		     "link_timeout: 42s\n") == 0, "format: full\n%s", text);
}

int main(void)
{
	test_tables();
	test_mlab_struct();
	test_partial_errors();
	test_long_value();
	test_parse_param();
	test_resolv_conf();
	test_config_format();
	return tap_done();
}
