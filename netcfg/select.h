/* Uplink selection: pure logic over a snapshot of the links. */
#ifndef FATHOM_NETCFG_SELECT_H
#define FATHOM_NETCFG_SELECT_H

#include "lib/bootcfg/network.h"

struct netcfg_link {
	int ifindex;
	char name[NETCFG_IFNAMSIZ];
	unsigned char mac[6];
	int is_ether;		/* ARPHRD_ETHER */
	int is_loopback;
	int has_device;		/* backed by hardware (sysfs device/ exists) */
	char driver[32];	/* kernel driver of the device, "" if none */
	int carrier;		/* IFF_LOWER_UP and not dormant */
	int has_perm_mac;
	unsigned char perm_mac[6];	/* burnt-in (ethtool), if the driver says */
	unsigned usb_vendor, usb_product;	/* a USB device's IDs, else 0 */
};

/* Why a link may never be chosen automatically, or NULL if it may. */
const char *uplink_ineligible_reason(const struct netcfg_link *link);

/* Whether a link is the USB NIC a BMC exposes to the host (by driver, or by
 * Dell's USB vendor ID for an iDRAC). */
int link_is_bmc_usb(const struct netcfg_link *link);

#define USB_VENDOR_DELL 0x413c

/* Whether cfg names this link explicitly (by name, or by MAC: the permanent
 * one when the driver reports it, since bonding or an operator may have
 * changed the current one). */
int uplink_is_named(const struct netcfg_config *cfg, const struct netcfg_link *link);

/* Whether the link is a candidate for cfg: named explicitly, or eligible
 * when cfg says auto. */
int uplink_is_candidate(const struct netcfg_config *cfg, const struct netcfg_link *link);

/* Index into links[] of the uplink to use now: the first candidate with
 * carrier, in the order given. -1 if none has carrier yet. */
int uplink_choose(const struct netcfg_config *cfg, const struct netcfg_link *links, int n);

/* Whether gw lies inside addr's prefix (else the route needs "onlink"). */
int netcfg_gateway_in_prefix(const struct netcfg_addr *addr);

#endif
