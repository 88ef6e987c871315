/* Choosing the uplink among the links present (by name, MAC, BOOTIF or
 * carrier), never a BMC's USB NIC; pure, table-tested. */
#include "select.h"

#include <string.h>
#include <sys/socket.h>

/* USB NICs that BMCs (Dell iDRAC and others) expose to the host: they have
 * carrier as soon as they are up but lead nowhere. */
static const char *const bmc_usb_drivers[] = { "cdc_ether", "rndis_host", "cdc_ncm" };

int link_is_bmc_usb(const struct netcfg_link *link)
{
	size_t i;

	if (link->usb_vendor == USB_VENDOR_DELL)
		return 1;
	for (i = 0; i < sizeof(bmc_usb_drivers) / sizeof(bmc_usb_drivers[0]); i++)
		if (strcmp(link->driver, bmc_usb_drivers[i]) == 0)
			return 1;
	return 0;
}

const char *uplink_ineligible_reason(const struct netcfg_link *link)
{
	if (link->is_loopback)
		return "loopback";
	if (!link->is_ether)
		return "not Ethernet";
	if (!link->has_device)
		return "virtual link";
	if (link->usb_vendor == USB_VENDOR_DELL)
		return "USB NIC of a BMC (Dell iDRAC)";
	if (link_is_bmc_usb(link))
		return "USB NIC of a BMC";
	return NULL;
}

int uplink_is_named(const struct netcfg_config *cfg, const struct netcfg_link *link)
{
	switch (cfg->iface_kind) {
	case NETCFG_IFACE_NAME:
		return strcmp(cfg->iface_name, link->name) == 0;
	case NETCFG_IFACE_MAC:
		return memcmp(cfg->iface_mac, link->has_perm_mac ? link->perm_mac : link->mac, 6) == 0;
	default:
		return 0;
	}
}

int uplink_is_candidate(const struct netcfg_config *cfg, const struct netcfg_link *link)
{
	if (cfg->iface_kind != NETCFG_IFACE_AUTO)
		return uplink_is_named(cfg, link);
	return uplink_ineligible_reason(link) == NULL;
}

int uplink_choose(const struct netcfg_config *cfg, const struct netcfg_link *links, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (uplink_is_candidate(cfg, &links[i]) && links[i].carrier)
			return i;
	return -1;
}

int netcfg_gateway_in_prefix(const struct netcfg_addr *addr)
{
	unsigned len = addr->family == AF_INET ? 4 : 16;
	unsigned bits = addr->prefixlen, i;

	for (i = 0; i < len && bits > 0; i++) {
		unsigned char mask = bits >= 8 ? 0xff : (unsigned char)(0xff << (8 - bits));

		if ((addr->addr[i] & mask) != (addr->gateway[i] & mask))
			return 0;
		bits = bits >= 8 ? bits - 8 : 0;
	}
	return 1;
}
