/* The kernel's ip= syntax (Documentation/admin-guide/nfs/nfsroot), also
 * ePoxy's epoxy.ip=: static configurations only; its addresses go to
 * their family, its hostname and device to theirs. */
#include "lib/bootcfg/net_parse.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* The fields of ip=CLIENT:SERVER:GW:NETMASK:HOSTNAME:DEVICE:AUTOCONF:
 * DNS0:DNS1:NTP0 (the kernel's Documentation/admin-guide/nfs/nfsroot). */
enum kernel_ip_field {
	KIP_CLIENT, KIP_SERVER, KIP_GATEWAY, KIP_NETMASK, KIP_HOSTNAME,
	KIP_DEVICE, KIP_AUTOCONF, KIP_DNS0, KIP_DNS1, KIP_NTP0, KIP_FIELDS
};

static const char static_only[] =
	"Fathom configures static addresses only:"
	" use fathom.ipv4=ADDR/PLEN,GW or fathom.ipv6=ADDR/PLEN,GW";

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
const char *parse_kernel_ip(struct param_value *pv, struct span value)
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
