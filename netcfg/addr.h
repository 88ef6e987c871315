/* Addresses and default routes over netlink. */
#ifndef FATHOM_NETCFG_ADDR_H
#define FATHOM_NETCFG_ADDR_H

#include <netlink/netlink.h>

#include "config.h"

/* Add (or replace) the static address a on the link. Returns 0 or a
 * negative libnl error. */
int addr_apply(struct nl_sock *sk, int ifindex, const struct netcfg_addr *a);

/* Add (or replace) the default route via a's gateway on the link, "onlink"
 * when the gateway lies outside the prefix. Returns 0 or a negative libnl
 * error. */
int route_apply_default(struct nl_sock *sk, int ifindex, const struct netcfg_addr *a);

/* Turn off router advertisements and SLAAC on a link (before it goes up,
 * so no address nobody asked for appears). Returns 0 or -1 with errno. */
int ipv6_disable_autoconf(const char *ifname);

#endif
