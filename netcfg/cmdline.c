/* Parse Fathom's kernel command-line parameters (DESIGN.md section 4) into
 * a struct netcfg_config, and render the result. Pure: no system calls. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "config.h"

/* Longest part of a value quoted back in an error message. */
#define ERROR_VALUE_MAX 64
#define ERROR_MSG_SIZE 512
#define ADDR_FIELDS_MAX 4
#define LINK_TIMEOUT_MAX 3600
#define HOST_LABEL_MAX 63

/* A piece of the command line: not NUL-terminated, never modified. */
struct span {
	const char *s;
	size_t len;
};

/* One "key=value" or "flag" token, quotes already stripped. */
struct param_token {
	struct span key;
	struct span value;
	int has_value;
};

/* A bounded text buffer that remembers whether anything did not fit. */
struct text_buf {
	char *s;
	size_t size;
	size_t len;
	int overflow;
};

/* Address syntax rules and messages for one family. */
struct family_rules {
	int family;
	size_t addr_len;
	unsigned max_prefixlen;
	const char *bad_form;
	const char *bad_prefix;
	const char *bad_gateway;
	const char *bad_dns;
};

/* Parses value into cfg; returns NULL on success or what is wrong. */
typedef const char *(*param_parse_fn)(struct netcfg_config *cfg,
				      struct span value);

/* One parameter we understand. Aliases are ePoxy's names for ours. */
struct param_def {
	const char *name;
	int is_alias;
	const char *usage;
	param_parse_fn parse;
};

static const struct family_rules ipv4_rules = {
	.family = AF_INET,
	.addr_len = 4,
	.max_prefixlen = 32,
	.bad_form = "expected ADDR/PLEN[,GW[,DNS1[,DNS2]]] with an IPv4 address",
	.bad_prefix = "prefix length must be 0-32",
	.bad_gateway = "gateway must be an IPv4 address (or empty for none)",
	.bad_dns = "DNS server must be an IPv4 address",
};

static const struct family_rules ipv6_rules = {
	.family = AF_INET6,
	.addr_len = 16,
	.max_prefixlen = 128,
	.bad_form = "expected ADDR/PLEN[,GW[,DNS1[,DNS2]]] with an IPv6 address"
		    " (or an empty value for none)",
	.bad_prefix = "prefix length must be 0-128",
	.bad_gateway = "gateway must be an IPv6 address (or empty for none)",
	.bad_dns = "DNS server must be an IPv6 address",
};

static struct span span_of(const char *s)
{
	struct span sp = { s, s ? strlen(s) : 0 };

	return sp;
}

static int is_cmdline_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	       c == '\v' || c == '\f';
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int hex_value(char c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int span_equals(struct span sp, const char *s)
{
	return sp.len == strlen(s) && memcmp(sp.s, s, sp.len) == 0;
}

/* The kernel treats '-' and '_' in parameter names as the same (parameq),
 * so fathom.link-timeout is fathom.link_timeout; we do the same. */
static int param_name_equals(struct span key, const char *name)
{
	size_t i;

	if (key.len != strlen(name))
		return 0;
	for (i = 0; i < key.len; i++) {
		char a = key.s[i] == '-' ? '_' : key.s[i];
		char b = name[i] == '-' ? '_' : name[i];

		if (a != b)
			return 0;
	}
	return 1;
}

/* Copy sp into a C string; fails if it does not fit. */
static int span_to_cstr(struct span sp, char *buf, size_t size)
{
	if (sp.len >= size)
		return 0;
	memcpy(buf, sp.s, sp.len);
	buf[sp.len] = '\0';
	return 1;
}

/* Digits only (no sign, no spaces), at most max. */
static int span_to_uint(struct span sp, unsigned max, unsigned *out)
{
	unsigned long n = 0;
	size_t i;

	if (sp.len == 0)
		return 0;
	for (i = 0; i < sp.len; i++) {
		if (!is_digit(sp.s[i]))
			return 0;
		n = n * 10 + (unsigned long)(sp.s[i] - '0');
		if (n > max)
			return 0;
	}
	*out = (unsigned)n;
	return 1;
}

/* Split sp at each sep into at most max fields; returns how many fields
 * there are in total, which may be more than max. */
static size_t span_split(struct span sp, char sep, struct span *fields,
			 size_t max)
{
	size_t count = 0, start = 0, i;

	for (i = 0; i <= sp.len; i++) {
		if (i < sp.len && sp.s[i] != sep)
			continue;
		if (count < max) {
			fields[count].s = sp.s + start;
			fields[count].len = i - start;
		}
		count++;
		start = i + 1;
	}
	return count;
}

static void text_init(struct text_buf *t, char *s, size_t size)
{
	t->s = s;
	t->size = size;
	t->len = 0;
	t->overflow = size == 0;
	if (size)
		s[0] = '\0';
}

__attribute__((format(printf, 2, 3)))
static void text_add(struct text_buf *t, const char *fmt, ...)
{
	size_t avail = t->size - t->len;
	va_list ap;
	int n;

	if (t->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->s + t->len, avail, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= avail) {
		t->overflow = 1;
		t->s[t->len] = '\0';
		return;
	}
	t->len += (size_t)n;
}

static int text_result(const struct text_buf *t)
{
	return t->overflow ? -1 : (int)t->len;
}

/* Quote a user value for a one-line message: control and non-ASCII bytes
 * are escaped so a stray newline cannot split the console line. */
static void text_add_quoted(struct text_buf *t, struct span value)
{
	size_t shown = value.len > ERROR_VALUE_MAX ? ERROR_VALUE_MAX : value.len;
	size_t i;

	text_add(t, "\"");
	for (i = 0; i < shown; i++) {
		unsigned char c = (unsigned char)value.s[i];

		if (c == '"' || c == '\\')
			text_add(t, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			text_add(t, "\\x%02x", c);
		else
			text_add(t, "%c", c);
	}
	text_add(t, "%s\"", shown < value.len ? "..." : "");
}

static void text_add_addr(struct text_buf *t, int family,
			  const unsigned char *addr)
{
	char str[INET6_ADDRSTRLEN];

	if (inet_ntop(family, addr, str, sizeof(str)))
		text_add(t, "%s", str);
	else
		text_add(t, "?");
}

/* Parse one address of the family into out (network byte order). */
static int parse_ip(int family, struct span sp, unsigned char *out)
{
	char str[INET6_ADDRSTRLEN];

	if (!span_to_cstr(sp, str, sizeof(str)))
		return 0;
	return inet_pton(family, str, out) == 1;
}

/* "ADDR/PLEN" into out->addr and out->prefixlen. */
static const char *parse_addr_prefix(struct netcfg_addr *out, struct span sp,
				     const struct family_rules *rules)
{
	struct span parts[2];

	if (span_split(sp, '/', parts, 2) != 2) {
		if (parse_ip(rules->family, sp, out->addr))
			return "missing /PLEN prefix length after the address";
		return rules->bad_form;
	}
	if (!parse_ip(rules->family, parts[0], out->addr))
		return rules->bad_form;
	if (!span_to_uint(parts[1], rules->max_prefixlen, &out->prefixlen))
		return rules->bad_prefix;
	return NULL;
}

/* "ADDR/PLEN[,GW[,DNS1[,DNS2]]]" (the ePoxy syntax) into out. */
static const char *parse_addr_config(struct netcfg_addr *out, struct span value,
				     const struct family_rules *rules)
{
	struct span fields[ADDR_FIELDS_MAX];
	size_t nfields = span_split(value, ',', fields, ADDR_FIELDS_MAX);
	const char *problem;
	size_t i;

	if (nfields > ADDR_FIELDS_MAX)
		return "too many fields: expected ADDR/PLEN[,GW[,DNS1[,DNS2]]]";
	memset(out, 0, sizeof(*out));
	problem = parse_addr_prefix(out, fields[0], rules);
	if (problem)
		return problem;
	out->family = rules->family;
	/* An empty gateway field means none, so DNS can follow ("A/P,,DNS"). */
	if (nfields > 1 && fields[1].len > 0) {
		if (!parse_ip(rules->family, fields[1], out->gateway))
			return rules->bad_gateway;
		if (memcmp(out->gateway, out->addr, rules->addr_len) == 0)
			return "gateway must differ from the address";
		out->has_gateway = 1;
	}
	for (i = 2; i < nfields; i++) {
		if (!parse_ip(rules->family, fields[i], out->dns[out->ndns]))
			return rules->bad_dns;
		out->ndns++;
	}
	return NULL;
}

static const char *parse_ipv4(struct netcfg_config *cfg, struct span value)
{
	struct netcfg_addr parsed;
	const char *problem = parse_addr_config(&parsed, value, &ipv4_rules);

	if (!problem)
		cfg->ipv4 = parsed;
	return problem;
}

static const char *parse_ipv6(struct netcfg_config *cfg, struct span value)
{
	struct netcfg_addr parsed;
	const char *problem;

	/* ePoxy sends "epoxy.ipv6=" for sites without IPv6. */
	if (value.len == 0) {
		memset(&cfg->ipv6, 0, sizeof(cfg->ipv6));
		return NULL;
	}
	problem = parse_addr_config(&parsed, value, &ipv6_rules);
	if (!problem)
		cfg->ipv6 = parsed;
	return problem;
}

/* aa:bb:cc:dd:ee:ff or aa-bb-cc-dd-ee-ff, either case, one separator. */
static int parse_mac(struct span sp, unsigned char mac[6])
{
	char sep;
	size_t i;

	if (sp.len != 17 || (sp.s[2] != ':' && sp.s[2] != '-'))
		return 0;
	sep = sp.s[2];
	for (i = 0; i < 6; i++) {
		int hi = hex_value(sp.s[i * 3]);
		int lo = hex_value(sp.s[i * 3 + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && sp.s[i * 3 + 2] != sep))
			return 0;
		mac[i] = (unsigned char)(hi << 4 | lo);
	}
	return 1;
}

/* The rules of the kernel's dev_valid_name(), plus no control bytes so
 * the name can be logged safely. */
static int is_valid_ifname(struct span sp)
{
	size_t i;

	if (sp.len == 0 || sp.len >= NETCFG_IFNAMSIZ)
		return 0;
	if (span_equals(sp, ".") || span_equals(sp, ".."))
		return 0;
	for (i = 0; i < sp.len; i++) {
		unsigned char c = (unsigned char)sp.s[i];

		if (c == '/' || c == ':' || c <= ' ' || c == 0x7f)
			return 0;
	}
	return 1;
}

static const char *parse_iface(struct netcfg_config *cfg, struct span value)
{
	unsigned char mac[6];

	if (span_equals(value, "auto")) {
		cfg->iface_kind = NETCFG_IFACE_AUTO;
		cfg->iface_name[0] = '\0';
	} else if (parse_mac(value, mac)) {
		cfg->iface_kind = NETCFG_IFACE_MAC;
		memcpy(cfg->iface_mac, mac, sizeof(mac));
		cfg->iface_name[0] = '\0';
	} else if (is_valid_ifname(value)) {
		cfg->iface_kind = NETCFG_IFACE_NAME;
		span_to_cstr(value, cfg->iface_name, sizeof(cfg->iface_name));
	} else {
		return "expected auto, a MAC address aa:bb:cc:dd:ee:ff or an"
		       " interface name of 1-15 characters without '/', ':'"
		       " or spaces";
	}
	return NULL;
}

/* One RFC 1123 label: letters, digits, inner hyphens, 1-63 characters. */
static const char *check_host_label(struct span label)
{
	size_t i;

	if (label.len == 0)
		return "empty label: expected a host name such as"
		       " node1.example.org";
	if (label.len > HOST_LABEL_MAX)
		return "each label must be 1-63 characters";
	for (i = 0; i < label.len; i++) {
		char c = label.s[i];

		if (!is_alpha(c) && !is_digit(c) && c != '-')
			return "only letters, digits, '-' and '.' are allowed";
	}
	if (label.s[0] == '-' || label.s[label.len - 1] == '-')
		return "a label must not start or end with '-'";
	return NULL;
}

static const char *parse_hostname(struct netcfg_config *cfg, struct span value)
{
	const char *problem;
	size_t start = 0, i;

	/* A fully qualified name may end in a dot; the hostname never does. */
	if (value.len > 0 && value.s[value.len - 1] == '.')
		value.len--;
	if (value.len == 0)
		return "expected a host name such as node1.example.org";
	if (value.len > NETCFG_HOSTNAME_MAX)
		return "host name must be at most 253 characters";
	for (i = 0; i <= value.len; i++) {
		struct span label = { value.s + start, i - start };

		if (i < value.len && value.s[i] != '.')
			continue;
		problem = check_host_label(label);
		if (problem)
			return problem;
		start = i + 1;
	}
	span_to_cstr(value, cfg->hostname, sizeof(cfg->hostname));
	return NULL;
}

static const char *parse_link_timeout(struct netcfg_config *cfg,
				      struct span value)
{
	unsigned seconds;

	if (!span_to_uint(value, LINK_TIMEOUT_MAX, &seconds) || seconds == 0)
		return "expected a number of seconds 1-3600";
	cfg->link_timeout = seconds;
	return NULL;
}

#define ADDR_USAGE "ADDR/PLEN[,GW[,DNS1[,DNS2]]]"

static const struct param_def param_defs[] = {
	{ "fathom.ipv4", 0, ADDR_USAGE, parse_ipv4 },
	{ "fathom.ipv6", 0, ADDR_USAGE, parse_ipv6 },
	{ "fathom.iface", 0, "NAME|MAC|auto", parse_iface },
	{ "fathom.hostname", 0, "FQDN", parse_hostname },
	{ "fathom.link_timeout", 0, "SECONDS", parse_link_timeout },
	{ "epoxy.ipv4", 1, ADDR_USAGE, parse_ipv4 },
	{ "epoxy.ipv6", 1, ADDR_USAGE, parse_ipv6 },
	{ "epoxy.interface", 1, "NAME|MAC|auto", parse_iface },
	{ "epoxy.hostname", 1, "FQDN", parse_hostname },
};

static const struct param_def *param_def_find(struct span key)
{
	size_t i;

	for (i = 0; i < sizeof(param_defs) / sizeof(param_defs[0]); i++) {
		if (param_name_equals(key, param_defs[i].name))
			return &param_defs[i];
	}
	return NULL;
}

/* Build "KEY: "VALUE": PROBLEM" (or a missing-value message) and pass
 * it to err. */
static void report_error(netcfg_error_fn err, void *ctx,
			 const struct param_def *def,
			 const struct param_token *tok, const char *problem)
{
	char msg[ERROR_MSG_SIZE];
	struct text_buf t;

	if (!err)
		return;
	text_init(&t, msg, sizeof(msg));
	text_add(&t, "%.*s: ", (int)tok->key.len, tok->key.s);
	if (tok->has_value) {
		text_add_quoted(&t, tok->value);
		text_add(&t, ": %s", problem);
	} else {
		text_add(&t, "missing value, expected %.*s=%s",
			 (int)tok->key.len, tok->key.s, def->usage);
	}
	err(ctx, msg);
}

/* Apply one token of ours. Returns -1 if it was reported as an error. */
static int apply_param(struct netcfg_config *cfg, const struct param_def *def,
		       const struct param_token *tok, netcfg_error_fn err,
		       void *ctx)
{
	const char *problem = "missing value";

	if (tok->has_value)
		problem = def->parse(cfg, tok->value);
	if (!problem)
		return 0;
	report_error(err, ctx, def, tok, problem);
	return -1;
}

/* Drop a closing quote from the end of sp, if there is one. */
static void span_strip_closing_quote(struct span *sp)
{
	if (sp->len > 0 && sp->s[sp->len - 1] == '"')
		sp->len--;
}

/* Cut the next parameter from p the way the kernel's next_arg() does:
 * spaces separate, double quotes protect spaces, and either the whole
 * token or just its value may be quoted. Returns where to continue, or
 * NULL at the end of the line. */
static const char *next_param(const char *p, struct param_token *tok)
{
	const char *start, *eq = NULL;
	int in_quote, quoted;

	while (is_cmdline_space(*p))
		p++;
	if (*p == '\0')
		return NULL;
	quoted = *p == '"';
	in_quote = quoted;
	if (quoted)
		p++;
	start = p;
	for (; *p && (in_quote || !is_cmdline_space(*p)); p++) {
		if (!eq && *p == '=')
			eq = p;
		if (*p == '"')
			in_quote = !in_quote;
	}
	tok->has_value = eq != NULL;
	tok->key.s = start;
	tok->key.len = (size_t)((eq ? eq : p) - start);
	tok->value.s = eq ? eq + 1 : p;
	tok->value.len = (size_t)(p - tok->value.s);
	if (tok->has_value && tok->value.len > 0 && tok->value.s[0] == '"') {
		tok->value.s++;
		tok->value.len--;
		span_strip_closing_quote(&tok->value);
	} else if (quoted) {
		span_strip_closing_quote(tok->has_value ? &tok->value : &tok->key);
	}
	return p;
}

void netcfg_config_init(struct netcfg_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->iface_kind = NETCFG_IFACE_AUTO;
	cfg->link_timeout = NETCFG_DEFAULT_LINK_TIMEOUT;
}

/* Apply every parameter of one kind (aliases or our own) in order, so the
 * last of a repeated key wins, like the kernel. Stops at "--", after which
 * the kernel hands the rest to init as arguments, not parameters. */
static int parse_cmdline_pass(struct netcfg_config *cfg, const char *cmdline,
			      int aliases, netcfg_error_fn err, void *ctx)
{
	struct param_token tok;
	const char *p = cmdline;
	int errors = 0;

	while ((p = next_param(p, &tok)) != NULL) {
		const struct param_def *def = param_def_find(tok.key);

		if (!tok.has_value && span_equals(tok.key, "--"))
			break;
		if (def && def->is_alias == aliases)
			errors += apply_param(cfg, def, &tok, err, ctx) < 0;
	}
	return errors;
}

/* The epoxy.* aliases are applied first and fathom.* second, so a fathom.*
 * parameter wins over its alias wherever each appears on the line: an
 * operator's explicit override beats what the ePoxy server generated. */
int netcfg_parse_cmdline(struct netcfg_config *cfg, const char *cmdline,
			 netcfg_error_fn err, void *ctx)
{
	int errors;

	if (!cmdline)
		return 0;
	errors = parse_cmdline_pass(cfg, cmdline, 1, err, ctx);
	errors += parse_cmdline_pass(cfg, cmdline, 0, err, ctx);
	return errors;
}

int netcfg_parse_param(struct netcfg_config *cfg, const char *key,
		       const char *value, netcfg_error_fn err, void *ctx)
{
	struct param_token tok;
	const struct param_def *def;

	if (!key)
		return 0;
	tok.key = span_of(key);
	tok.value = span_of(value);
	tok.has_value = value != NULL;
	def = param_def_find(tok.key);
	if (!def)
		return 0;
	return apply_param(cfg, def, &tok, err, ctx);
}

/* Add "nameserver X" for each DNS of a, skipping any already written. */
static void resolv_add_nameservers(struct text_buf *t,
				   const struct netcfg_addr *a,
				   char seen[][INET6_ADDRSTRLEN], int *nseen)
{
	char str[INET6_ADDRSTRLEN];
	int i, j;

	if (a->family == 0)
		return;
	for (i = 0; i < a->ndns && i < NETCFG_MAX_DNS; i++) {
		if (!inet_ntop(a->family, a->dns[i], str, sizeof(str)))
			continue;
		for (j = 0; j < *nseen && strcmp(seen[j], str) != 0; j++)
			;
		if (j < *nseen)
			continue;
		memcpy(seen[(*nseen)++], str, strlen(str) + 1);
		text_add(t, "nameserver %s\n", str);
	}
}

int netcfg_resolv_conf(const struct netcfg_config *cfg, char *buf, size_t len)
{
	char seen[2 * NETCFG_MAX_DNS][INET6_ADDRSTRLEN];
	const char *domain = strchr(cfg->hostname, '.');
	struct text_buf t;
	int nseen = 0;

	text_init(&t, buf, len);
	text_add(&t, "# written by fathom netcfg\n");
	resolv_add_nameservers(&t, &cfg->ipv4, seen, &nseen);
	resolv_add_nameservers(&t, &cfg->ipv6, seen, &nseen);
	if (domain && domain[1] != '\0')
		text_add(&t, "search %s\n", domain + 1);
	return text_result(&t);
}

/* "ipv4: ADDR/PLEN gateway GW dns DNS1 DNS2" or "ipv4: none". */
static void format_addr_line(struct text_buf *t, const char *label,
			     const struct netcfg_addr *a)
{
	int i;

	text_add(t, "%s: ", label);
	if (a->family == 0) {
		text_add(t, "none\n");
		return;
	}
	text_add_addr(t, a->family, a->addr);
	text_add(t, "/%u", a->prefixlen);
	if (a->has_gateway) {
		text_add(t, " gateway ");
		text_add_addr(t, a->family, a->gateway);
	}
	if (a->ndns > 0)
		text_add(t, " dns");
	for (i = 0; i < a->ndns && i < NETCFG_MAX_DNS; i++) {
		text_add(t, " ");
		text_add_addr(t, a->family, a->dns[i]);
	}
	text_add(t, "\n");
}

static void format_iface_line(struct text_buf *t,
			      const struct netcfg_config *cfg)
{
	const unsigned char *m = cfg->iface_mac;

	switch (cfg->iface_kind) {
	case NETCFG_IFACE_NAME:
		text_add(t, "iface: name %.*s\n", NETCFG_IFNAMSIZ - 1,
			 cfg->iface_name);
		break;
	case NETCFG_IFACE_MAC:
		text_add(t, "iface: mac %02x:%02x:%02x:%02x:%02x:%02x\n",
			 m[0], m[1], m[2], m[3], m[4], m[5]);
		break;
	default:
		text_add(t, "iface: auto\n");
		break;
	}
}

int netcfg_config_format(const struct netcfg_config *cfg, char *buf, size_t len)
{
	struct text_buf t;

	text_init(&t, buf, len);
	format_addr_line(&t, "ipv4", &cfg->ipv4);
	format_addr_line(&t, "ipv6", &cfg->ipv6);
	format_iface_line(&t, cfg);
	if (cfg->hostname[0])
		text_add(&t, "hostname: %.*s\n", NETCFG_HOSTNAME_MAX,
			 cfg->hostname);
	else
		text_add(&t, "hostname: unchanged\n");
	text_add(&t, "link_timeout: %us\n", cfg->link_timeout);
	return text_result(&t);
}

int cmdline_get(const char *cmdline, const char *key, char *value, size_t len)
{
	struct param_token tok;
	const char *p = cmdline;
	int found = 0;

	while (p && (p = next_param(p, &tok)) != NULL) {
		if (!tok.has_value && span_equals(tok.key, "--"))
			break;
		if (!param_name_equals(tok.key, key))
			continue;
		found = 1;
		if (len > 0) {
			size_t n = tok.value.len < len - 1 ? tok.value.len : len - 1;

			memcpy(value, tok.value.s, n);
			value[n] = '\0';
		}
	}
	return found;
}
