/* Rendering a network configuration: /etc/resolv.conf and the
 * human-readable summary of `netcfg check` and the logs. */
#include "lib/bootcfg/net_parse.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/strbuf.h"

static const char *const iface_source_names[] = {
	[NETCFG_SRC_DEFAULT] = NULL,
	[NETCFG_SRC_FILE] = "network.conf",
	[NETCFG_SRC_BOOTIF] = "BOOTIF",
	[NETCFG_SRC_KERNEL_IP] = "ip=",
	[NETCFG_SRC_EPOXY] = "epoxy.interface",
	[NETCFG_SRC_FATHOM] = "fathom.iface",
};

static void text_add_addr(struct strbuf *t, int family,
			  const unsigned char *addr)
{
	char str[INET6_ADDRSTRLEN];

	if (inet_ntop(family, addr, str, sizeof(str)))
		strbuf_addf(t, "%s", str);
	else
		strbuf_addf(t, "?");
}

/* Add "nameserver X" for each DNS of a, skipping any already written. */
static void resolv_add_nameservers(struct strbuf *t,
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
		strbuf_addf(t, "nameserver %s\n", str);
	}
}

int netcfg_resolv_conf(const struct netcfg_config *cfg, char *buf, size_t len)
{
	char seen[2 * NETCFG_MAX_DNS][INET6_ADDRSTRLEN];
	const char *domain = strchr(cfg->hostname, '.');
	struct strbuf t;
	int nseen = 0;

	strbuf_init(&t, buf, len);
	strbuf_addf(&t, "# written by fathom netcfg\n");
	resolv_add_nameservers(&t, &cfg->ipv4, seen, &nseen);
	resolv_add_nameservers(&t, &cfg->ipv6, seen, &nseen);
	if (domain && domain[1] != '\0')
		strbuf_addf(&t, "search %s\n", domain + 1);
	return strbuf_result(&t);
}

/* "ipv4: ADDR/PLEN gateway GW dns DNS1 DNS2" or "ipv4: none". */
static void format_addr_line(struct strbuf *t, const char *label,
			     const struct netcfg_addr *a)
{
	int i;

	strbuf_addf(t, "%s: ", label);
	if (a->family == 0) {
		strbuf_addf(t, "none\n");
		return;
	}
	text_add_addr(t, a->family, a->addr);
	strbuf_addf(t, "/%u", a->prefixlen);
	if (a->has_gateway) {
		strbuf_addf(t, " gateway ");
		text_add_addr(t, a->family, a->gateway);
	}
	if (a->ndns > 0)
		strbuf_addf(t, " dns");
	for (i = 0; i < a->ndns && i < NETCFG_MAX_DNS; i++) {
		strbuf_addf(t, " ");
		text_add_addr(t, a->family, a->dns[i]);
	}
	strbuf_addf(t, "\n");
}

static void format_iface_line(struct strbuf *t,
			      const struct netcfg_config *cfg)
{
	const unsigned char *m = cfg->iface_mac;
	unsigned src = cfg->source[NETCFG_FIELD_IFACE];

	switch (cfg->iface_kind) {
	case NETCFG_IFACE_NAME:
		strbuf_addf(t, "iface: name %.*s", NETCFG_IFNAMSIZ - 1,
			 cfg->iface_name);
		break;
	case NETCFG_IFACE_MAC:
		strbuf_addf(t, "iface: mac %02x:%02x:%02x:%02x:%02x:%02x",
			 m[0], m[1], m[2], m[3], m[4], m[5]);
		break;
	default:
		strbuf_addf(t, "iface: auto");
		break;
	}
	if (src < sizeof(iface_source_names) / sizeof(iface_source_names[0]) &&
	    iface_source_names[src])
		strbuf_addf(t, " (%s)", iface_source_names[src]);
	strbuf_addf(t, "\n");
	m = cfg->bootif_mac;
	if (cfg->has_bootif)
		strbuf_addf(t, "bootif: %02x:%02x:%02x:%02x:%02x:%02x\n",
			 m[0], m[1], m[2], m[3], m[4], m[5]);
}

int netcfg_config_format(const struct netcfg_config *cfg, char *buf, size_t len)
{
	struct strbuf t;

	strbuf_init(&t, buf, len);
	format_addr_line(&t, "ipv4", &cfg->ipv4);
	format_addr_line(&t, "ipv6", &cfg->ipv6);
	format_iface_line(&t, cfg);
	if (cfg->hostname[0])
		strbuf_addf(&t, "hostname: %.*s\n", NETCFG_HOSTNAME_MAX,
			 cfg->hostname);
	else
		strbuf_addf(&t, "hostname: unchanged\n");
	strbuf_addf(&t, "link_timeout: %us\n", cfg->link_timeout);
	if (cfg->mtu)
		strbuf_addf(&t, "mtu: %u\n", cfg->mtu);
	else
		strbuf_addf(&t, "mtu: unchanged\n");
	strbuf_addf(&t, "nodad: %s\n", cfg->nodad ? "yes" : "no");
	strbuf_addf(&t, "drac.usbnic: %s\n", cfg->drac_usbnic ? "up, link-local only" : "left down");
	return strbuf_result(&t);
}
