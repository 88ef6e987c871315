/* Parse Fathom's network parameters (DESIGN.md section 4) from the kernel
 * command line and from /etc/fathom/network.conf into a struct
 * netcfg_config, and render the result. Pure: no system calls.
 *
 * Several dialects set the same fields. Each field remembers the rank of
 * the source that set it, and a source never overwrites a higher-ranked
 * one, so the result does not depend on the order of the line or on
 * whether the file is parsed before or after the command line:
 *
 *   fathom.*  >  epoxy.*  >  ip= / epoxy.ip=  >  BOOTIF  >  network.conf
 *
 * An operator's explicit fathom.* beats what the ePoxy server generated,
 * which beats the kernel's generic ip=, which beats the NIC the firmware
 * happened to PXE-boot from; anything on the command line beats the file
 * baked into the image. Within one rank the last occurrence wins, as the
 * kernel does; in the file a field may be set only once. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "config.h"

/* Longest part of a value quoted back in an error message. */
#define ERROR_VALUE_MAX 64
#define ERROR_MSG_SIZE 512
#define PATH_SHOWN_MAX 128
#define ADDR_FIELDS_MAX 4
#define LINK_TIMEOUT_MAX 3600
#define HOST_LABEL_MAX 63

/* A piece of the input: not NUL-terminated, never modified. */
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

/* Address syntax rules and messages for one family; kip_* are for the
 * fields of the kernel's ip= syntax. */
struct family_rules {
	int family;
	size_t addr_len;
	unsigned max_prefixlen;
	const char *bad_form;
	const char *bad_prefix;
	const char *bad_gateway;
	const char *bad_dns;
	const char *kip_bad_server;
	const char *kip_bad_gateway;
	const char *kip_no_netmask;
	const char *kip_bad_netmask;
	const char *kip_bad_dns;
	const char *kip_bad_ntp;
};

/* What one parameter says: the fields it sets (FIELD_BIT of enum
 * netcfg_field, plus PV_BOOTIF) with their new values in cfg, and room for
 * a problem message that has to be composed. */
struct param_value {
	struct netcfg_config cfg;
	unsigned fields;
	char why[ERROR_MSG_SIZE / 2];
};

#define FIELD_BIT(f) (1u << (f))
/* BOOTIF's own record (has_bootif, bootif_mac): not ranked. */
#define PV_BOOTIF (1u << NETCFG_FIELD_COUNT)

/* Parses value into pv; returns NULL on success or what is wrong. */
typedef const char *(*param_parse_fn)(struct param_value *pv,
				      struct span value);

/* One parameter we understand, and the rank of what it sets. */
struct param_def {
	const char *name;
	enum netcfg_source source;
	int is_flag;			/* "name" alone means "name=1" */
	int in_file;			/* accepted in network.conf */
	const char *usage;
	param_parse_fn parse;
};

/* The state of one netcfg_parse_cmdline, _param or _file call. */
struct parse_state {
	struct netcfg_config *cfg;
	netcfg_error_fn err;
	void *ctx;
	int in_file;
	const char *path;
	unsigned line;
	int errors;
	/* The device each address family's ip= named: two ip= naming
	 * different devices cannot both hold, Fathom configures one uplink. */
	int ip_has_device[2];
	struct netcfg_config ip_device[2];
	/* In a file: the line that set each field, and its value. */
	unsigned file_line[NETCFG_FIELD_COUNT];
	struct netcfg_config file_values;
};

/* The fields of ip=CLIENT:SERVER:GW:NETMASK:HOSTNAME:DEVICE:AUTOCONF:
 * DNS0:DNS1:NTP0 (the kernel's Documentation/admin-guide/nfs/nfsroot). */
enum kernel_ip_field {
	KIP_CLIENT, KIP_SERVER, KIP_GATEWAY, KIP_NETMASK, KIP_HOSTNAME,
	KIP_DEVICE, KIP_AUTOCONF, KIP_DNS0, KIP_DNS1, KIP_NTP0, KIP_FIELDS
};

#define KIP_FORM "CLIENT:SERVER:GW:NETMASK:HOSTNAME:DEVICE:AUTOCONF" \
		 ":DNS0:DNS1:NTP0"

static const char static_only[] =
	"Fathom configures static addresses only:"
	" use fathom.ipv4=ADDR/PLEN,GW or fathom.ipv6=ADDR/PLEN,GW";

static const struct family_rules ipv4_rules = {
	.family = AF_INET,
	.addr_len = 4,
	.max_prefixlen = 32,
	.bad_form = "expected ADDR/PLEN[,GW[,DNS1[,DNS2]]] with an IPv4 address",
	.bad_prefix = "prefix length must be 0-32",
	.bad_gateway = "gateway must be an IPv4 address (or empty for none)",
	.bad_dns = "DNS server must be an IPv4 address",
	.kip_bad_server = "server (2nd field) must be an IPv4 address like"
			  " the client's, or empty",
	.kip_bad_gateway = "gateway (3rd field) must be an IPv4 address like"
			   " the client's, or empty",
	.kip_no_netmask = "a netmask (4th field) is needed with a client"
			  " address, such as 255.255.255.0 or 24",
	.kip_bad_netmask = "netmask (4th field) must be a dotted quad such as"
			   " 255.255.255.0 or a prefix length 0-32",
	.kip_bad_dns = "DNS servers (8th and 9th fields) must be IPv4"
		       " addresses like the client's",
	.kip_bad_ntp = "NTP server (10th field) must be an IPv4 address like"
		       " the client's, or empty",
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
	.kip_bad_server = "server (2nd field) must be an IPv6 address in"
			  " [brackets] like the client's, or empty",
	.kip_bad_gateway = "gateway (3rd field) must be an IPv6 address in"
			   " [brackets] like the client's, or empty",
	.kip_no_netmask = "a netmask (4th field) is needed with a client"
			  " address: a prefix length such as 64",
	.kip_bad_netmask = "netmask (4th field) must be a prefix length 0-128"
			   " for an IPv6 client",
	.kip_bad_dns = "DNS servers (8th and 9th fields) must be IPv6"
		       " addresses in [brackets] like the client's",
	.kip_bad_ntp = "NTP server (10th field) must be an IPv6 address in"
		       " [brackets] like the client's, or empty",
};

/* How each field is named in messages, and the iface's sources in
 * config_format. */
static const char *const field_names[NETCFG_FIELD_COUNT] = {
	"ipv4", "ipv6", "iface", "hostname", "link_timeout", "mtu", "nodad",
	"drac.usbnic",
};

static const char *const iface_source_names[] = {
	[NETCFG_SRC_DEFAULT] = NULL,
	[NETCFG_SRC_FILE] = "network.conf",
	[NETCFG_SRC_BOOTIF] = "BOOTIF",
	[NETCFG_SRC_KERNEL_IP] = "ip=",
	[NETCFG_SRC_EPOXY] = "epoxy.interface",
	[NETCFG_SRC_FATHOM] = "fathom.iface",
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

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* sp without blanks (and CRs) at either end. */
static struct span span_trim(struct span sp)
{
	while (sp.len > 0 && is_blank(sp.s[0])) {
		sp.s++;
		sp.len--;
	}
	while (sp.len > 0 && is_blank(sp.s[sp.len - 1]))
		sp.len--;
	return sp;
}

/* A user's text for a one-line message: control and non-ASCII bytes are
 * escaped so a stray newline cannot split the console line; long text is
 * cut and marked. */
static void text_add_escaped(struct text_buf *t, struct span value)
{
	size_t shown = value.len > ERROR_VALUE_MAX ? ERROR_VALUE_MAX : value.len;
	size_t i;

	for (i = 0; i < shown; i++) {
		unsigned char c = (unsigned char)value.s[i];

		if (c == '"' || c == '\\')
			text_add(t, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			text_add(t, "\\x%02x", c);
		else
			text_add(t, "%c", c);
	}
	if (shown < value.len)
		text_add(t, "...");
}

static void text_add_quoted(struct text_buf *t, struct span value)
{
	text_add(t, "\"");
	text_add_escaped(t, value);
	text_add(t, "\"");
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

static const char *parse_ipv4(struct param_value *pv, struct span value)
{
	const char *problem = parse_addr_config(&pv->cfg.ipv4, value,
						&ipv4_rules);

	pv->fields |= FIELD_BIT(NETCFG_FIELD_IPV4);
	return problem;
}

static const char *parse_ipv6(struct param_value *pv, struct span value)
{
	pv->fields |= FIELD_BIT(NETCFG_FIELD_IPV6);
	/* ePoxy sends "epoxy.ipv6=" for sites without IPv6. */
	if (value.len == 0) {
		memset(&pv->cfg.ipv6, 0, sizeof(pv->cfg.ipv6));
		return NULL;
	}
	return parse_addr_config(&pv->cfg.ipv6, value, &ipv6_rules);
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

/* NAME, MAC or auto into out's iface fields, every byte of them set so
 * that equal choices compare equal. */
static const char *iface_parse(struct netcfg_config *out, struct span value)
{
	memset(out->iface_name, 0, sizeof(out->iface_name));
	memset(out->iface_mac, 0, sizeof(out->iface_mac));
	if (span_equals(value, "auto"))
		out->iface_kind = NETCFG_IFACE_AUTO;
	else if (parse_mac(value, out->iface_mac))
		out->iface_kind = NETCFG_IFACE_MAC;
	else if (is_valid_ifname(value) &&
		 span_to_cstr(value, out->iface_name, sizeof(out->iface_name)))
		out->iface_kind = NETCFG_IFACE_NAME;
	else
		return "expected auto, a MAC address aa:bb:cc:dd:ee:ff or an"
		       " interface name of 1-15 characters without '/', ':'"
		       " or spaces";
	return NULL;
}

static const char *parse_iface(struct param_value *pv, struct span value)
{
	pv->fields |= FIELD_BIT(NETCFG_FIELD_IFACE);
	return iface_parse(&pv->cfg, value);
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

static const char *hostname_parse(struct netcfg_config *out, struct span value)
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
	memset(out->hostname, 0, sizeof(out->hostname));
	span_to_cstr(value, out->hostname, sizeof(out->hostname));
	return NULL;
}

static const char *parse_hostname(struct param_value *pv, struct span value)
{
	pv->fields |= FIELD_BIT(NETCFG_FIELD_HOSTNAME);
	return hostname_parse(&pv->cfg, value);
}

static const char *parse_link_timeout(struct param_value *pv,
				      struct span value)
{
	pv->fields |= FIELD_BIT(NETCFG_FIELD_LINK_TIMEOUT);
	if (!span_to_uint(value, LINK_TIMEOUT_MAX, &pv->cfg.link_timeout) ||
	    pv->cfg.link_timeout == 0)
		return "expected a number of seconds 1-3600";
	return NULL;
}

static const char *parse_mtu(struct param_value *pv, struct span value)
{
	pv->fields |= FIELD_BIT(NETCFG_FIELD_MTU);
	if (!span_to_uint(value, NETCFG_MTU_MAX, &pv->cfg.mtu) ||
	    pv->cfg.mtu < NETCFG_MTU_MIN)
		return "expected an MTU of 68-9000 bytes";
	return NULL;
}

static const char *parse_flag(struct span value, int *flag)
{
	if (span_equals(value, "1") || span_equals(value, "on"))
		*flag = 1;
	else if (span_equals(value, "0") || span_equals(value, "off"))
		*flag = 0;
	else
		return "expected the flag alone, or =1, =on, =0 or =off";
	return NULL;
}

static const char *parse_nodad(struct param_value *pv, struct span value)
{
	pv->fields |= FIELD_BIT(NETCFG_FIELD_NODAD);
	return parse_flag(value, &pv->cfg.nodad);
}

static const char *parse_drac_usbnic(struct param_value *pv, struct span value)
{
	pv->fields |= FIELD_BIT(NETCFG_FIELD_DRAC_USBNIC);
	return parse_flag(value, &pv->cfg.drac_usbnic);
}

/* PXELINUX's IPAPPEND 2 and iPXE send BOOTIF=01-aa-bb-cc-dd-ee-ff: ARP
 * hardware type 01 (Ethernet), then the MAC of the NIC that booted. */
static const char *parse_bootif(struct param_value *pv, struct span value)
{
	struct span mac = value;

	if (value.len == 20 && memcmp(value.s, "01-", 3) == 0) {
		mac.s += 3;
		mac.len -= 3;
	}
	/* A NIC's own address is never multicast: that is a cut-off value
	 * whose type 01 was read as the first octet. */
	if (!parse_mac(mac, pv->cfg.bootif_mac) || (pv->cfg.bootif_mac[0] & 1))
		return "expected 01-aa-bb-cc-dd-ee-ff (ARP type 01, Ethernet,"
		       " then the boot NIC's MAC address)";
	pv->cfg.has_bootif = 1;
	pv->cfg.iface_kind = NETCFG_IFACE_MAC;
	memset(pv->cfg.iface_name, 0, sizeof(pv->cfg.iface_name));
	memcpy(pv->cfg.iface_mac, pv->cfg.bootif_mac, 6);
	pv->fields |= FIELD_BIT(NETCFG_FIELD_IFACE) | PV_BOOTIF;
	return NULL;
}

/* Autoconf methods that would need DHCP or SLAAC: ours is static only. */
static int is_dynamic_autoconf(struct span sp)
{
	static const char *const dynamic[] = {
		"dhcp", "on", "any", "bootp", "rarp", "both", "dhcp6", "auto6",
		"either6",
	};
	size_t i;

	for (i = 0; i < sizeof(dynamic) / sizeof(dynamic[0]); i++)
		if (span_equals(sp, dynamic[i]))
			return 1;
	return 0;
}

/* "false" is what M-Lab's stage1 scripts put in epoxy.ip=. */
static int is_static_autoconf(struct span sp)
{
	return sp.len == 0 || span_equals(sp, "off") ||
	       span_equals(sp, "none") || span_equals(sp, "static") ||
	       span_equals(sp, "false");
}

/* Split an ip= value at each ':' outside [brackets] into f (missing
 * trailing fields are empty); a bracketed field loses its brackets. */
static const char *kernel_ip_split(struct span value, struct span f[KIP_FIELDS])
{
	static const char bad_brackets[] =
		"brackets must enclose a whole field, as in [2001:db8::1]";
	const char *p = value.s, *end = value.s + value.len;
	size_t n;

	for (n = 0; n < KIP_FIELDS; n++)
		f[n] = (struct span){ end, 0 };
	for (n = 0;; n++) {
		const char *start = p;

		if (n == KIP_FIELDS)
			return "too many fields: expected " KIP_FORM
			       " with IPv6 addresses in [brackets]";
		if (p < end && *p == '[') {
			const char *close = memchr(p, ']', (size_t)(end - p));

			if (!close || (close + 1 < end && close[1] != ':'))
				return bad_brackets;
			start = p + 1;
			p = close;
		} else {
			while (p < end && *p != ':' && *p != '[' && *p != ']')
				p++;
			if (p < end && *p != ':')
				return bad_brackets;
		}
		f[n] = (struct span){ start, (size_t)(p - start) };
		if (p < end && *p == ']')
			p++;
		if (p == end)
			return NULL;
		p++;
	}
}

/* A netmask: a prefix length, or for IPv4 a contiguous dotted quad. */
static const char *kernel_ip_netmask(struct netcfg_addr *a, struct span mask,
				     const struct family_rules *rules)
{
	unsigned char m[4];
	uint32_t bits, inverse;

	if (mask.len == 0)
		return rules->kip_no_netmask;
	if (span_to_uint(mask, rules->max_prefixlen, &a->prefixlen))
		return NULL;
	if (rules->family != AF_INET || !parse_ip(AF_INET, mask, m))
		return rules->kip_bad_netmask;
	bits = (uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 |
	       (uint32_t)m[2] << 8 | m[3];
	inverse = ~bits;
	/* Contiguous: the zero bits, plus one, are a power of two (or 0). */
	if (inverse & (inverse + 1))
		return "netmask (4th field) must be contiguous, such as"
		       " 255.255.255.192";
	for (a->prefixlen = 0; bits; bits <<= 1)
		a->prefixlen++;
	return NULL;
}

/* An address field we check but do not use (server, NTP). */
static int kernel_ip_valid_unused(int family, struct span sp)
{
	unsigned char addr[16];

	if (sp.len == 0)
		return 1;
	if (family)
		return parse_ip(family, sp, addr);
	return parse_ip(AF_INET, sp, addr) || parse_ip(AF_INET6, sp, addr);
}

static int is_unspecified(const unsigned char *addr, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (addr[i])
			return 0;
	return 1;
}

/* The address fields of ip=: the client's family decides the family of
 * the rest. 0.0.0.0 or :: as the gateway means none, as in the kernel. */
static const char *kernel_ip_addresses(struct param_value *pv,
				       const struct span *f)
{
	const struct family_rules *rules = &ipv4_rules;
	struct netcfg_addr a;
	const char *problem;
	int i;

	memset(&a, 0, sizeof(a));
	if (f[KIP_CLIENT].len == 0) {
		if (f[KIP_GATEWAY].len || f[KIP_NETMASK].len ||
		    f[KIP_DNS0].len || f[KIP_DNS1].len)
			return "a gateway, netmask or DNS server needs a client"
			       " address (1st field)";
		if (!kernel_ip_valid_unused(0, f[KIP_SERVER]) ||
		    !kernel_ip_valid_unused(0, f[KIP_NTP0]))
			return "server (2nd field) and NTP server (10th field)"
			       " must be addresses, or empty";
		return NULL;
	}
	if (!parse_ip(AF_INET, f[KIP_CLIENT], a.addr)) {
		rules = &ipv6_rules;
		if (!parse_ip(AF_INET6, f[KIP_CLIENT], a.addr))
			return "client address (1st field) must be an IPv4"
			       " address or an IPv6 address in [brackets]";
	}
	a.family = rules->family;
	if (!kernel_ip_valid_unused(a.family, f[KIP_SERVER]))
		return rules->kip_bad_server;
	if (f[KIP_GATEWAY].len) {
		if (!parse_ip(a.family, f[KIP_GATEWAY], a.gateway))
			return rules->kip_bad_gateway;
		if (memcmp(a.gateway, a.addr, rules->addr_len) == 0)
			return "gateway must differ from the address";
		a.has_gateway = !is_unspecified(a.gateway, rules->addr_len);
	}
	problem = kernel_ip_netmask(&a, f[KIP_NETMASK], rules);
	if (problem)
		return problem;
	for (i = KIP_DNS0; i <= KIP_DNS1; i++) {
		if (f[i].len == 0)
			continue;
		if (!parse_ip(a.family, f[i], a.dns[a.ndns]))
			return rules->kip_bad_dns;
		a.ndns++;
	}
	if (!kernel_ip_valid_unused(a.family, f[KIP_NTP0]))
		return rules->kip_bad_ntp;
	if (a.family == AF_INET) {
		pv->cfg.ipv4 = a;
		pv->fields |= FIELD_BIT(NETCFG_FIELD_IPV4);
	} else {
		pv->cfg.ipv6 = a;
		pv->fields |= FIELD_BIT(NETCFG_FIELD_IPV6);
	}
	return NULL;
}

/* The kernel's ip= (and ePoxy's epoxy.ip=), static configurations only:
 * the addresses go to their family, the hostname and device to theirs. */
static const char *parse_kernel_ip(struct param_value *pv, struct span value)
{
	struct span f[KIP_FIELDS];
	const char *problem;

	if (span_equals(value, "off") || span_equals(value, "none"))
		return NULL;
	if (value.len == 0)
		return "expected " KIP_FORM " or off";
	if (is_dynamic_autoconf(value))
		return static_only;
	problem = kernel_ip_split(value, f);
	if (problem)
		return problem;
	/* dracut's ip=DEVICE:dhcp puts the method second. */
	if (is_dynamic_autoconf(f[KIP_AUTOCONF]) ||
	    is_dynamic_autoconf(f[KIP_SERVER]))
		return static_only;
	if (!is_static_autoconf(f[KIP_AUTOCONF]))
		return "autoconf (7th field) must be off, none, static or"
		       " empty: Fathom configures static addresses only";
	problem = kernel_ip_addresses(pv, f);
	if (problem)
		return problem;
	if (f[KIP_HOSTNAME].len) {
		pv->fields |= FIELD_BIT(NETCFG_FIELD_HOSTNAME);
		problem = hostname_parse(&pv->cfg, f[KIP_HOSTNAME]);
		if (problem) {
			snprintf(pv->why, sizeof(pv->why),
				 "hostname (5th field): %s", problem);
			return pv->why;
		}
	}
	if (f[KIP_DEVICE].len) {
		pv->fields |= FIELD_BIT(NETCFG_FIELD_IFACE);
		if (iface_parse(&pv->cfg, f[KIP_DEVICE]))
			return "device (6th field) must be an interface name of"
			       " 1-15 characters or a MAC address"
			       " aa-bb-cc-dd-ee-ff";
	}
	return NULL;
}

#define ADDR_USAGE "ADDR/PLEN[,GW[,DNS1[,DNS2]]]"
#define IFACE_USAGE "NAME|MAC|auto"

static const struct param_def param_defs[] = {
	{ "fathom.ipv4", NETCFG_SRC_FATHOM, 0, 1, ADDR_USAGE, parse_ipv4 },
	{ "fathom.ipv6", NETCFG_SRC_FATHOM, 0, 1, ADDR_USAGE, parse_ipv6 },
	{ "fathom.iface", NETCFG_SRC_FATHOM, 0, 1, IFACE_USAGE, parse_iface },
	{ "fathom.hostname", NETCFG_SRC_FATHOM, 0, 1, "FQDN", parse_hostname },
	{ "fathom.link_timeout", NETCFG_SRC_FATHOM, 0, 1, "SECONDS",
	  parse_link_timeout },
	{ "fathom.mtu", NETCFG_SRC_FATHOM, 0, 1, "BYTES", parse_mtu },
	{ "fathom.nodad", NETCFG_SRC_FATHOM, 1, 1, "1|on|0|off", parse_nodad },
	{ "fathom.drac.usbnic", NETCFG_SRC_FATHOM, 1, 1, "1|on|0|off", parse_drac_usbnic },
	{ "epoxy.ipv4", NETCFG_SRC_EPOXY, 0, 1, ADDR_USAGE, parse_ipv4 },
	{ "epoxy.ipv6", NETCFG_SRC_EPOXY, 0, 1, ADDR_USAGE, parse_ipv6 },
	{ "epoxy.interface", NETCFG_SRC_EPOXY, 0, 1, IFACE_USAGE,
	  parse_iface },
	{ "epoxy.hostname", NETCFG_SRC_EPOXY, 0, 1, "FQDN", parse_hostname },
	{ "epoxy.ip", NETCFG_SRC_KERNEL_IP, 0, 1, KIP_FORM, parse_kernel_ip },
	{ "ip", NETCFG_SRC_KERNEL_IP, 0, 1, KIP_FORM, parse_kernel_ip },
	/* Only a boot loader knows which NIC it booted from. */
	{ "BOOTIF", NETCFG_SRC_BOOTIF, 0, 0, "01-aa-bb-cc-dd-ee-ff",
	  parse_bootif },
};

#define PARAM_DEFS_COUNT (sizeof(param_defs) / sizeof(param_defs[0]))

static const char unknown_file_key[] =
	"unknown key: expected ipv4, ipv6, iface, hostname, link_timeout, mtu,"
	" nodad or drac.usbnic (each also as fathom.KEY), ip, epoxy.ipv4, epoxy.ipv6,"
	" epoxy.interface, epoxy.hostname or epoxy.ip";

static const struct param_def *param_def_find(struct span key)
{
	size_t i;

	for (i = 0; i < PARAM_DEFS_COUNT; i++) {
		if (param_name_equals(key, param_defs[i].name))
			return &param_defs[i];
	}
	return NULL;
}

/* In the file, fathom.* keys may drop their prefix. */
static const struct param_def *file_def_find(struct span key)
{
	static const char prefix[] = "fathom.";
	size_t i;

	for (i = 0; i < PARAM_DEFS_COUNT; i++) {
		const char *name = param_defs[i].name;

		if (!param_defs[i].in_file)
			continue;
		if (param_name_equals(key, name))
			return &param_defs[i];
		if (strncmp(name, prefix, sizeof(prefix) - 1) == 0 &&
		    param_name_equals(key, name + sizeof(prefix) - 1))
			return &param_defs[i];
	}
	return NULL;
}

static void field_copy(struct netcfg_config *to,
		       const struct netcfg_config *from, int field)
{
	switch (field) {
	case NETCFG_FIELD_IPV4:
		to->ipv4 = from->ipv4;
		break;
	case NETCFG_FIELD_IPV6:
		to->ipv6 = from->ipv6;
		break;
	case NETCFG_FIELD_IFACE:
		to->iface_kind = from->iface_kind;
		memcpy(to->iface_name, from->iface_name, sizeof(to->iface_name));
		memcpy(to->iface_mac, from->iface_mac, sizeof(to->iface_mac));
		break;
	case NETCFG_FIELD_HOSTNAME:
		memcpy(to->hostname, from->hostname, sizeof(to->hostname));
		break;
	case NETCFG_FIELD_LINK_TIMEOUT:
		to->link_timeout = from->link_timeout;
		break;
	case NETCFG_FIELD_MTU:
		to->mtu = from->mtu;
		break;
	case NETCFG_FIELD_NODAD:
		to->nodad = from->nodad;
		break;
	case NETCFG_FIELD_DRAC_USBNIC:
		to->drac_usbnic = from->drac_usbnic;
		break;
	default:
		break;
	}
}

static int field_equal(const struct netcfg_config *a,
		       const struct netcfg_config *b, int field)
{
	struct netcfg_config copy = *a;

	field_copy(&copy, b, field);
	return memcmp(&copy, a, sizeof(copy)) == 0;
}

/* Copy the fields pv sets into cfg, each unless a source ranked above
 * src already set it. This is the one place precedence is decided. */
static void config_take(struct netcfg_config *cfg,
			const struct param_value *pv, enum netcfg_source src)
{
	int f;

	if (pv->fields & PV_BOOTIF) {
		cfg->has_bootif = pv->cfg.has_bootif;
		memcpy(cfg->bootif_mac, pv->cfg.bootif_mac, 6);
	}
	for (f = 0; f < NETCFG_FIELD_COUNT; f++) {
		if (!(pv->fields & FIELD_BIT(f)) || src < cfg->source[f])
			continue;
		field_copy(cfg, &pv->cfg, f);
		cfg->source[f] = (unsigned char)src;
	}
}

/* Build "[PATH:LINE: ]KEY: "VALUE": PROBLEM" (or a missing-value message)
 * and pass it to err. def is NULL for an unknown key. */
static void report_error(const struct parse_state *st,
			 const struct param_def *def,
			 const struct param_token *tok, const char *problem)
{
	char msg[2 * ERROR_MSG_SIZE];
	struct text_buf t;

	if (!st->err)
		return;
	text_init(&t, msg, sizeof(msg));
	if (st->in_file && st->path)
		text_add(&t, "%.*s:%u: ", PATH_SHOWN_MAX, st->path, st->line);
	else if (st->in_file)
		text_add(&t, "line %u: ", st->line);
	text_add_escaped(&t, tok->key);
	text_add(&t, ": ");
	if (!def) {
		text_add(&t, "%s", problem);
	} else if (tok->has_value) {
		text_add_quoted(&t, tok->value);
		text_add(&t, ": %s", problem);
	} else {
		text_add(&t, "missing value, expected ");
		text_add_escaped(&t, tok->key);
		text_add(&t, "=%s", def->usage);
	}
	/* Keep the promise of one bounded line even for absurd input. */
	msg[ERROR_MSG_SIZE - 1] = '\0';
	st->err(st->ctx, msg);
}

/* Two ip= of different families naming different devices. */
static const char *kernel_ip_conflict(struct parse_state *st,
				      const struct param_value *pv)
{
	int family = pv->fields & FIELD_BIT(NETCFG_FIELD_IPV6) ? 1 : 0;

	if (!(pv->fields & FIELD_BIT(NETCFG_FIELD_IFACE)) ||
	    !(pv->fields & (FIELD_BIT(NETCFG_FIELD_IPV4) |
			    FIELD_BIT(NETCFG_FIELD_IPV6))))
		return NULL;
	if (st->ip_has_device[!family] &&
	    !field_equal(&st->ip_device[!family], &pv->cfg,
			 NETCFG_FIELD_IFACE))
		return family ? "device (6th field) differs from the IPv4 ip=:"
				" Fathom configures one uplink"
			      : "device (6th field) differs from the IPv6 ip=:"
				" Fathom configures one uplink";
	st->ip_has_device[family] = 1;
	field_copy(&st->ip_device[family], &pv->cfg, NETCFG_FIELD_IFACE);
	return NULL;
}

/* In a file each field is set once (or again to the same value). */
static const char *file_conflict(struct parse_state *st,
				 struct param_value *pv)
{
	int f;

	for (f = 0; f < NETCFG_FIELD_COUNT; f++) {
		if (!(pv->fields & FIELD_BIT(f)) || !st->file_line[f] ||
		    field_equal(&st->file_values, &pv->cfg, f))
			continue;
		snprintf(pv->why, sizeof(pv->why), "%s already set on line %u",
			 field_names[f], st->file_line[f]);
		return pv->why;
	}
	for (f = 0; f < NETCFG_FIELD_COUNT; f++) {
		if (!(pv->fields & FIELD_BIT(f)))
			continue;
		st->file_line[f] = st->line;
		field_copy(&st->file_values, &pv->cfg, f);
	}
	return NULL;
}

/* Parse one token of ours and take what it sets. Returns -1 if it was
 * reported as an error (and then changes nothing). */
static int apply_param(struct parse_state *st, const struct param_def *def,
		       const struct param_token *tok)
{
	struct span value = tok->value;
	const char *problem = "missing value";
	struct param_value pv;

	memset(&pv, 0, sizeof(pv));
	if (!tok->has_value && def->is_flag)
		value = span_of("1");
	if (tok->has_value || def->is_flag)
		problem = def->parse(&pv, value);
	if (!problem && def->parse == parse_kernel_ip)
		problem = kernel_ip_conflict(st, &pv);
	if (!problem && st->in_file)
		problem = file_conflict(st, &pv);
	if (problem) {
		report_error(st, def, tok, problem);
		return -1;
	}
	config_take(st->cfg, &pv, st->in_file ? NETCFG_SRC_FILE : def->source);
	return 0;
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

static void parse_state_init(struct parse_state *st, struct netcfg_config *cfg,
			     netcfg_error_fn err, void *ctx)
{
	memset(st, 0, sizeof(*st));
	st->cfg = cfg;
	st->err = err;
	st->ctx = ctx;
}

/* Every parameter in order, stopping at "--", after which the kernel hands
 * the rest to init as arguments, not parameters. */
int netcfg_parse_cmdline(struct netcfg_config *cfg, const char *cmdline,
			 netcfg_error_fn err, void *ctx)
{
	struct param_token tok;
	struct parse_state st;
	const char *p = cmdline;

	if (!cmdline)
		return 0;
	parse_state_init(&st, cfg, err, ctx);
	while ((p = next_param(p, &tok)) != NULL) {
		const struct param_def *def = param_def_find(tok.key);

		if (!tok.has_value && span_equals(tok.key, "--"))
			break;
		if (def)
			st.errors += apply_param(&st, def, &tok) < 0;
	}
	return st.errors;
}

int netcfg_parse_param(struct netcfg_config *cfg, const char *key,
		       const char *value, netcfg_error_fn err, void *ctx)
{
	struct param_token tok;
	const struct param_def *def;
	struct parse_state st;

	if (!key)
		return 0;
	tok.key = span_of(key);
	tok.value = span_of(value);
	tok.has_value = value != NULL;
	def = param_def_find(tok.key);
	if (!def)
		return 0;
	parse_state_init(&st, cfg, err, ctx);
	return apply_param(&st, def, &tok);
}

/* One line of the file: blank, a comment, "key=value" or a flag. */
static void file_parse_line(struct parse_state *st, struct span line)
{
	const char *eq;
	struct param_token tok;
	const struct param_def *def;

	line = span_trim(line);
	if (line.len == 0 || line.s[0] == '#')
		return;
	eq = memchr(line.s, '=', line.len);
	tok.has_value = eq != NULL;
	tok.key.s = line.s;
	tok.key.len = eq ? (size_t)(eq - line.s) : line.len;
	tok.key = span_trim(tok.key);
	tok.value.s = eq ? eq + 1 : line.s + line.len;
	tok.value.len = (size_t)(line.s + line.len - tok.value.s);
	tok.value = span_trim(tok.value);
	if (tok.value.len >= 2 && tok.value.s[0] == '"' &&
	    tok.value.s[tok.value.len - 1] == '"') {
		tok.value.s++;
		tok.value.len -= 2;
	}
	def = file_def_find(tok.key);
	if (!def) {
		if (tok.key.len == 0)
			tok.key = line;
		report_error(st, NULL, &tok, tok.key.s == line.s &&
			     tok.key.len == line.len && eq ?
			     "expected KEY=VALUE" : unknown_file_key);
		st->errors++;
		return;
	}
	st->errors += apply_param(st, def, &tok) < 0;
}

int netcfg_parse_file(struct netcfg_config *cfg, const char *text,
		      const char *path, netcfg_error_fn err, void *ctx)
{
	struct parse_state st;
	const char *p = text;

	if (!text)
		return 0;
	parse_state_init(&st, cfg, err, ctx);
	st.in_file = 1;
	st.path = path;
	while (*p) {
		const char *eol = strchr(p, '\n');
		struct span line = { p, eol ? (size_t)(eol - p) : strlen(p) };

		st.line++;
		file_parse_line(&st, line);
		p = line.s + line.len + (eol != NULL);
	}
	return st.errors;
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
	unsigned src = cfg->source[NETCFG_FIELD_IFACE];

	switch (cfg->iface_kind) {
	case NETCFG_IFACE_NAME:
		text_add(t, "iface: name %.*s", NETCFG_IFNAMSIZ - 1,
			 cfg->iface_name);
		break;
	case NETCFG_IFACE_MAC:
		text_add(t, "iface: mac %02x:%02x:%02x:%02x:%02x:%02x",
			 m[0], m[1], m[2], m[3], m[4], m[5]);
		break;
	default:
		text_add(t, "iface: auto");
		break;
	}
	if (src < sizeof(iface_source_names) / sizeof(iface_source_names[0]) &&
	    iface_source_names[src])
		text_add(t, " (%s)", iface_source_names[src]);
	text_add(t, "\n");
	m = cfg->bootif_mac;
	if (cfg->has_bootif)
		text_add(t, "bootif: %02x:%02x:%02x:%02x:%02x:%02x\n",
			 m[0], m[1], m[2], m[3], m[4], m[5]);
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
	if (cfg->mtu)
		text_add(&t, "mtu: %u\n", cfg->mtu);
	else
		text_add(&t, "mtu: unchanged\n");
	text_add(&t, "nodad: %s\n", cfg->nodad ? "yes" : "no");
	text_add(&t, "drac.usbnic: %s\n", cfg->drac_usbnic ? "up, link-local only" : "left down");
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
