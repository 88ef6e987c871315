/* Addresses and default routes over netlink. */
#ifndef FATHOM_NETCFG_ADDR_H
#define FATHOM_NETCFG_ADDR_H

#include <netlink/netlink.h>

#include "lib/bootcfg/network.h"

/* Add (or replace) the static address a on the link (IPv6 without duplicate
 * address detection if nodad). With only_if_missing,
 * an address already there is left alone and -NLE_EXIST returned.
 * Returns 0 or a negative libnl error. */
int addr_apply(struct nl_sock *sk, int ifindex, const struct netcfg_addr *a, int only_if_missing,
	       int nodad);

/* Add (or replace) the default route via a's gateway on the link, "onlink"
 * when the gateway lies outside the prefix. Returns 0 or a negative libnl
 * error. */
int route_apply_default(struct nl_sock *sk, int ifindex, const struct netcfg_addr *a,
			int only_if_missing);

/* Wait until duplicate address detection is over for address a: 0 when it
 * is usable, -1 if DAD failed (a duplicate on the link) or it vanished, 1
 * if still tentative after timeout_ms. */
int addr_wait_dad(struct nl_sock *sk, int ifindex, const struct netcfg_addr *a, int timeout_ms);

/* Turn off router advertisements and SLAAC on a link (before it goes up,
 * so no address nobody asked for appears). Returns 0 or -1 with errno. */
int ipv6_disable_autoconf(const char *ifname);

#endif
