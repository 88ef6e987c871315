/* Links over netlink: snapshot, bring up, wait for carrier. */
#ifndef FATHOM_NETCFG_LINK_H
#define FATHOM_NETCFG_LINK_H

#include <netlink/netlink.h>

#include "select.h"

#define NETCFG_MAX_LINKS 64

/* Fill links[] (up to max) from the kernel and sysfs. Returns the count,
 * or -1 on a netlink error. */
int links_snapshot(struct nl_sock *sk, struct netcfg_link *links, int max);

/* Set IFF_UP on a link. Returns 0 or a negative libnl error. */
int link_set_up(struct nl_sock *sk, int ifindex);

/* Set the link's MTU. Returns 0 or a negative libnl error. */
int link_set_mtu(struct nl_sock *sk, int ifindex, unsigned mtu);

/* Wait for link events on ev (subscribed to RTNLGRP_LINK) for at most
 * timeout_ms; returns when something arrived or the time is up. */
void links_wait_event(struct nl_sock *ev, int timeout_ms);

#endif
