/* The value parsers of the network parameters: ADDR/PLEN[,GW[,DNS...]],
 * MAC addresses and interface names, host names, numbers, flags, BOOTIF.
 * Each fills a struct param_value and returns NULL or what is wrong. */
#include "lib/bootcfg/net_parse.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#define ADDR_FIELDS_MAX 4
#define LINK_TIMEOUT_MAX 3600
#define HOST_LABEL_MAX 63

const struct family_rules ipv4_rules = {
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

const struct family_rules ipv6_rules = {
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

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}


/* Parse one address of the family into out (network byte order). */
int parse_ip(int family, struct span sp, unsigned char *out)
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

const char *parse_ipv4(struct param_value *pv, struct span value)
{
	const char *problem = parse_addr_config(&pv->cfg.ipv4, value,
						&ipv4_rules);

	pv->fields |= FIELD_BIT(NETCFG_FIELD_IPV4);
	return problem;
}

const char *parse_ipv6(struct param_value *pv, struct span value)
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
const char *iface_parse(struct netcfg_config *out, struct span value)
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

const char *parse_iface(struct param_value *pv, struct span value)
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

const char *hostname_parse(struct netcfg_config *out, struct span value)
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

const char *parse_hostname(struct param_value *pv, struct span value)
{
	pv->fields |= FIELD_BIT(NETCFG_FIELD_HOSTNAME);
	return hostname_parse(&pv->cfg, value);
}

const char *parse_link_timeout(struct param_value *pv,
				      struct span value)
{
	pv->fields |= FIELD_BIT(NETCFG_FIELD_LINK_TIMEOUT);
	if (!span_to_uint(value, LINK_TIMEOUT_MAX, &pv->cfg.link_timeout) ||
	    pv->cfg.link_timeout == 0)
		return "expected a number of seconds 1-3600";
	return NULL;
}

const char *parse_mtu(struct param_value *pv, struct span value)
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

const char *parse_nodad(struct param_value *pv, struct span value)
{
	pv->fields |= FIELD_BIT(NETCFG_FIELD_NODAD);
	return parse_flag(value, &pv->cfg.nodad);
}

const char *parse_drac_usbnic(struct param_value *pv, struct span value)
{
	pv->fields |= FIELD_BIT(NETCFG_FIELD_DRAC_USBNIC);
	return parse_flag(value, &pv->cfg.drac_usbnic);
}

/* PXELINUX's IPAPPEND 2 and iPXE send BOOTIF=01-aa-bb-cc-dd-ee-ff: ARP
 * hardware type 01 (Ethernet), then the MAC of the NIC that booted. */
const char *parse_bootif(struct param_value *pv, struct span value)
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
