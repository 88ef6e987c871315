/* The network configuration's model: defaults, the ranked fields, and the
 * one place precedence is decided (config_take). Order of precedence:
 *
 *   fathom.*  >  epoxy.*  >  ip= / epoxy.ip=  >  BOOTIF  >  network.conf
 *
 * An operator's explicit fathom.* beats what the ePoxy server generated,
 * which beats the kernel's generic ip=, which beats the NIC the firmware
 * happened to PXE-boot from; anything on the command line beats the file
 * baked into the image. Within one rank the last occurrence wins, as the
 * kernel does; in the file a field may be set only once. */
#include "lib/bootcfg/net_parse.h"

#include <string.h>

const char *const field_names[NETCFG_FIELD_COUNT] = {
	"ipv4", "ipv6", "iface", "hostname", "link_timeout", "mtu", "nodad",
	"drac.usbnic",
};

void netcfg_config_init(struct netcfg_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->iface_kind = NETCFG_IFACE_AUTO;
	cfg->link_timeout = NETCFG_DEFAULT_LINK_TIMEOUT;
}

void field_copy(struct netcfg_config *to,
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

int field_equal(const struct netcfg_config *a,
		       const struct netcfg_config *b, int field)
{
	struct netcfg_config copy = *a;

	field_copy(&copy, b, field);
	return memcmp(&copy, a, sizeof(copy)) == 0;
}

/* Copy the fields pv sets into cfg, each unless a source ranked above
 * src already set it. This is the one place precedence is decided. */
void config_take(struct netcfg_config *cfg,
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
