/* A machine's network.conf from its parsed configuration, and the proof
 * that it parses back to the same configuration (contract: inventory.h). */
#include "inventory.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/bootcfg/settings.h"
#include "lib/strbuf.h"

static void add_addr_value(struct strbuf *t, const struct netcfg_addr *a)
{
	char s[INET6_ADDRSTRLEN];
	int i;

	inet_ntop(a->family, a->addr, s, sizeof(s));
	strbuf_addf(t, "%s/%u", s, a->prefixlen);
	if (!a->has_gateway && a->ndns == 0)
		return;
	s[0] = '\0';
	if (a->has_gateway)
		inet_ntop(a->family, a->gateway, s, sizeof(s));
	strbuf_addf(t, ",%s", s);
	for (i = 0; i < a->ndns && i < NETCFG_MAX_DNS; i++) {
		inet_ntop(a->family, a->dns[i], s, sizeof(s));
		strbuf_addf(t, ",%s", s);
	}
}

static void conf_add_addr(struct strbuf *t, const char *key,
			  const struct netcfg_config *cfg, int field,
			  const struct netcfg_addr *a)
{
	if (cfg->source[field] == NETCFG_SRC_DEFAULT)
		return;
	strbuf_addf(t, "%s=", key);
	if (a->family)
		add_addr_value(t, a);
	strbuf_addf(t, "\n");
}

static void conf_add_iface(struct strbuf *t, const struct netcfg_config *cfg)
{
	const unsigned char *mac = cfg->iface_mac;

	if (cfg->source[NETCFG_FIELD_IFACE] == NETCFG_SRC_DEFAULT)
		return;
	if (cfg->iface_kind == NETCFG_IFACE_MAC)
		strbuf_addf(t, "iface=%02x:%02x:%02x:%02x:%02x:%02x\n", mac[0],
			 mac[1], mac[2], mac[3], mac[4], mac[5]);
	else if (cfg->iface_kind == NETCFG_IFACE_NAME)
		strbuf_addf(t, "iface=%s\n", cfg->iface_name);
	else
		strbuf_addf(t, "iface=auto\n");
}

int inv_network_conf(const struct netcfg_config *cfg, char *buf, size_t len)
{
	const unsigned char *src = cfg->source;
	struct strbuf t;

	strbuf_init(&t, buf, len);
	strbuf_addf(&t, "# Written by mkmachines from the inventory; the kernel"
		 " command line overrides it.\n");
	if (src[NETCFG_FIELD_HOSTNAME] != NETCFG_SRC_DEFAULT)
		strbuf_addf(&t, "hostname=%s\n", cfg->hostname);
	conf_add_iface(&t, cfg);
	conf_add_addr(&t, "ipv4", cfg, NETCFG_FIELD_IPV4, &cfg->ipv4);
	conf_add_addr(&t, "ipv6", cfg, NETCFG_FIELD_IPV6, &cfg->ipv6);
	if (src[NETCFG_FIELD_LINK_TIMEOUT] != NETCFG_SRC_DEFAULT)
		strbuf_addf(&t, "link_timeout=%u\n", cfg->link_timeout);
	if (src[NETCFG_FIELD_MTU] != NETCFG_SRC_DEFAULT)
		strbuf_addf(&t, "mtu=%u\n", cfg->mtu);
	if (src[NETCFG_FIELD_NODAD] != NETCFG_SRC_DEFAULT)
		strbuf_addf(&t, "nodad=%d\n", cfg->nodad ? 1 : 0);
	return strbuf_finish(&t);
}

int inv_machine_conf(const struct inv_machine *m, char *buf, size_t len)
{
	int n = inv_network_conf(&m->cfg, buf, len);
	size_t extra = strlen(m->settings);

	if (n < 0 || (size_t)n + extra >= len)
		return -1;
	memcpy(buf + n, m->settings, extra + 1);
	return n + (int)extra;
}

/* Collects the settings parser's first problem. */
struct secrets_log {
	int count;
	char first[INV_MSG_MAX];
};

static void secrets_problem(void *ctx, const char *msg)
{
	struct secrets_log *log = ctx;

	if (log->count++ == 0)
		snprintf(log->first, sizeof(log->first), "%s", msg);
}

const char *inv_secrets_check(const char *text, char *msg, size_t len)
{
	static struct settings s;
	struct secrets_log log = { 0 };
	const char *p = text;
	unsigned line = 0;

	/* Every line is platform's: a stray line (a network key, a typo) would
	 * be silently ignored on the appliance. */
	while (p && *p) {
		const char *eol = strchr(p, '\n'), *k = p;
		size_t n = eol ? (size_t)(eol - p) : strlen(p), key_len = 0;

		line++;
		while (k < p + n && (*k == ' ' || *k == '\t'))
			k++;
		while (k + key_len < p + n && k[key_len] != '=' && k[key_len] != ' ' &&
		       k[key_len] != '\t' && k[key_len] != '\r')
			key_len++;
		if (k < p + n && *k != '#' && *k != '\r' &&
		    !((key_len > 9 && memcmp(k, "platform.", 9) == 0) ||
		      (key_len > 16 && memcmp(k, "fathom.platform.", 16) == 0))) {
			snprintf(msg, len, "line %u: expected platform.OPTION=VALUE lines only"
				 " (such as platform.api-key=...)", line);
			return msg;
		}
		p = eol ? eol + 1 : p + n;
	}
	settings_init(&s, "platform", NULL, secrets_problem, &log);
	settings_add_file(&s, text, "line");
	if (log.count) {
		snprintf(msg, len, "%s", log.first);
		return msg;
	}
	return NULL;
}

/* What the file can carry: everything but where it came from and BOOTIF. */
static void config_comparable(struct netcfg_config *cfg)
{
	memset(cfg->source, 0, sizeof(cfg->source));
	cfg->has_bootif = 0;
	memset(cfg->bootif_mac, 0, sizeof(cfg->bootif_mac));
}

int inv_network_conf_check(const struct netcfg_config *cfg, const char *conf,
			   char *msg, size_t len)
{
	struct netcfg_config want = *cfg, got;
	struct inv_first_error fe = { 0 };

	netcfg_config_init(&got);
	netcfg_parse_file(&got, conf, "network.conf", inv_keep_first_error, &fe);
	if (fe.count > 0) {
		snprintf(msg, len, "network.conf does not parse back: %s", fe.msg);
		return -1;
	}
	config_comparable(&want);
	config_comparable(&got);
	if (memcmp(&want, &got, sizeof(want)) != 0) {
		snprintf(msg, len, "network.conf parses back to a different"
			 " configuration than the command line");
		return -1;
	}
	return 0;
}
