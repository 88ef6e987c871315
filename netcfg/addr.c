/* Addresses and default routes on the uplink over netlink (libnl-route),
 * created or replaced, waiting for the kernel's ACK. */
#define _GNU_SOURCE
#include "addr.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/rtnetlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/route.h>

#include "select.h"

static unsigned family_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

int addr_apply(struct nl_sock *sk, int ifindex, const struct netcfg_addr *a, int only_if_missing,
	       int nodad)
{
	struct rtnl_addr *ra = rtnl_addr_alloc();
	struct nl_addr *local = nl_addr_build(a->family, a->addr, family_len(a->family));
	int err = -NLE_NOMEM;

	if (ra && local) {
		nl_addr_set_prefixlen(local, (int)a->prefixlen);
		rtnl_addr_set_ifindex(ra, ifindex);
		rtnl_addr_set_family(ra, a->family);
		rtnl_addr_set_prefixlen(ra, (int)a->prefixlen);
		if (nodad && a->family == AF_INET6)
			rtnl_addr_set_flags(ra, IFA_F_NODAD);
		err = rtnl_addr_set_local(ra, local);
		/* REPLACE makes re-applying the same address a no-op; EXCL
		 * tells whether it was there at all. */
		if (err == 0)
			err = rtnl_addr_add(sk, ra, only_if_missing ? NLM_F_EXCL : NLM_F_REPLACE);
	}
	nl_addr_put(local);
	rtnl_addr_put(ra);
	return err;
}

static struct rtnl_nexthop *nexthop_build(int ifindex, const struct netcfg_addr *a)
{
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *gw = nl_addr_build(a->family, a->gateway, family_len(a->family));

	if (!nh || !gw) {
		if (nh)
			rtnl_route_nh_free(nh);
		nl_addr_put(gw);
		return NULL;
	}
	rtnl_route_nh_set_ifindex(nh, ifindex);
	rtnl_route_nh_set_gateway(nh, gw);
	if (!netcfg_gateway_in_prefix(a))
		rtnl_route_nh_set_flags(nh, RTNH_F_ONLINK);
	nl_addr_put(gw);
	return nh;
}

int route_apply_default(struct nl_sock *sk, int ifindex, const struct netcfg_addr *a,
			int only_if_missing)
{
	static const unsigned char any[16];
	struct rtnl_route *r = rtnl_route_alloc();
	struct nl_addr *dst = nl_addr_build(a->family, any, family_len(a->family));
	struct rtnl_nexthop *nh = nexthop_build(ifindex, a);
	int err = -NLE_NOMEM;

	if (r && dst && nh) {
		nl_addr_set_prefixlen(dst, 0);
		rtnl_route_set_family(r, (uint8_t)a->family);
		rtnl_route_set_table(r, RT_TABLE_MAIN);
		rtnl_route_set_protocol(r, RTPROT_STATIC);
		rtnl_route_set_scope(r, RT_SCOPE_UNIVERSE);
		err = rtnl_route_set_dst(r, dst);
		rtnl_route_add_nexthop(r, nh);
		nh = NULL;	/* owned by the route now */
		if (err == 0)
			err = rtnl_route_add(sk, r, only_if_missing ? NLM_F_EXCL : NLM_F_REPLACE);
	}
	if (nh)
		rtnl_route_nh_free(nh);
	nl_addr_put(dst);
	rtnl_route_put(r);
	return err;
}

static int write_sysctl(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, value, strlen(value));
	close(fd);
	return n < 0 ? -1 : 0;
}

int ipv6_disable_autoconf(const char *ifname)
{
	static const char *const keys[] = { "accept_ra", "autoconf" };
	char path[PATH_MAX];
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/%s", ifname, keys[i]);
		if (write_sysctl(path, "0") < 0)
			return -1;
	}
	return 0;
}

/* The flags of address a on the link, or -1 if it is not there. */
static int addr_flags(struct nl_sock *sk, int ifindex, const struct netcfg_addr *a)
{
	struct nl_cache *cache;
	struct nl_object *obj;
	int flags = -1;

	if (rtnl_addr_alloc_cache(sk, &cache) < 0)
		return -1;
	for (obj = nl_cache_get_first(cache); obj; obj = nl_cache_get_next(obj)) {
		struct rtnl_addr *ra = (struct rtnl_addr *)obj;
		struct nl_addr *local = rtnl_addr_get_local(ra);

		if (rtnl_addr_get_ifindex(ra) == ifindex && local &&
		    rtnl_addr_get_family(ra) == a->family &&
		    memcmp(nl_addr_get_binary_addr(local), a->addr, family_len(a->family)) == 0)
			flags = (int)rtnl_addr_get_flags(ra);
	}
	nl_cache_free(cache);
	return flags;
}

int addr_wait_dad(struct nl_sock *sk, int ifindex, const struct netcfg_addr *a, int timeout_ms)
{
	int waited, flags = -1;

	for (waited = 0; waited <= timeout_ms; waited += 100) {
		flags = addr_flags(sk, ifindex, a);
		if (flags < 0 || (flags & IFA_F_DADFAILED))
			return -1;
		if (!(flags & IFA_F_TENTATIVE))
			return 0;
		poll(NULL, 0, 100);
	}
	return 1;
}
