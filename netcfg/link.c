/* The links netcfg can choose from: netlink state plus what sysfs and
 * ethtool say about each NIC (driver, USB IDs, permanent MAC). */
#define _GNU_SOURCE
#include "link.h"

#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <netlink/route/link.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "lib/file.h"

/* musl's <net/if.h> has these, glibc's only <linux/if.h> (which clashes). */
#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000
#endif
#ifndef IFF_DORMANT
#define IFF_DORMANT 0x20000
#endif

/* The driver behind a link, from sysfs; "" for virtual links. */
static void link_read_driver(struct netcfg_link *l)
{
	char path[PATH_MAX], target[PATH_MAX];
	ssize_t n;
	const char *base;

	snprintf(path, sizeof(path), "/sys/class/net/%s/device", l->name);
	l->has_device = access(path, F_OK) == 0;
	snprintf(path, sizeof(path), "/sys/class/net/%s/device/driver", l->name);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0) {
		l->driver[0] = '\0';
		return;
	}
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	/* Driver names are short; a longer one is cut, which is harmless. */
	memcpy(l->driver, base, strnlen(base, sizeof(l->driver) - 1));
	l->driver[strnlen(base, sizeof(l->driver) - 1)] = '\0';
}

/* A USB NIC's device is a USB interface; its parent has the IDs. */
static unsigned usb_id_read(const char *ifname, const char *attr)
{
	char dir[PATH_MAX], buf[16];

	snprintf(dir, sizeof(dir), "/sys/class/net/%s/device/..", ifname);
	if (sysfs_read(dir, attr, buf, sizeof(buf)) < 0)
		return 0;
	return (unsigned)strtoul(buf, NULL, 16);
}

static void link_read_usb_ids(struct netcfg_link *l)
{
	char path[PATH_MAX], target[PATH_MAX];
	ssize_t n;

	l->usb_vendor = l->usb_product = 0;
	snprintf(path, sizeof(path), "/sys/class/net/%s/device/subsystem", l->name);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return;
	target[n] = '\0';
	if (strcmp(strrchr(target, '/') ? strrchr(target, '/') + 1 : target, "usb") != 0)
		return;
	l->usb_vendor = usb_id_read(l->name, "idVendor");
	l->usb_product = usb_id_read(l->name, "idProduct");
}

/* The permanent MAC from the driver (ETHTOOL_GPERMADDR), if it has one. */
static void link_read_perm_mac(struct netcfg_link *l)
{
	union {
		struct ethtool_perm_addr epa;
		unsigned char bytes[sizeof(struct ethtool_perm_addr) + 32];
	} u;
	static const unsigned char zero[6];
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return;
	memset(&u, 0, sizeof(u));
	memset(&ifr, 0, sizeof(ifr));
	u.epa.cmd = ETHTOOL_GPERMADDR;
	u.epa.size = 32;
	memcpy(ifr.ifr_name, l->name, strnlen(l->name, IFNAMSIZ - 1));
	ifr.ifr_data = (void *)&u;
	if (ioctl(fd, SIOCETHTOOL, &ifr) == 0 && u.epa.size == 6 &&
	    memcmp(u.epa.data, zero, 6) != 0) {
		memcpy(l->perm_mac, u.epa.data, 6);
		l->has_perm_mac = 1;
	}
	close(fd);
}

static void link_from_rtnl(struct rtnl_link *rl, struct netcfg_link *l)
{
	struct nl_addr *mac = rtnl_link_get_addr(rl);
	unsigned flags = rtnl_link_get_flags(rl);

	memset(l, 0, sizeof(*l));
	l->ifindex = rtnl_link_get_ifindex(rl);
	snprintf(l->name, sizeof(l->name), "%s", rtnl_link_get_name(rl));
	if (mac && nl_addr_get_len(mac) == 6)
		memcpy(l->mac, nl_addr_get_binary_addr(mac), 6);
	l->is_ether = rtnl_link_get_arptype(rl) == ARPHRD_ETHER;
	l->is_loopback = (flags & IFF_LOOPBACK) != 0;
	l->carrier = (flags & IFF_LOWER_UP) && !(flags & IFF_DORMANT);
	link_read_driver(l);
	link_read_usb_ids(l);
	if (l->is_ether)
		link_read_perm_mac(l);
}

int links_snapshot(struct nl_sock *sk, struct netcfg_link *links, int max)
{
	struct nl_cache *cache;
	struct nl_object *obj;
	int n = 0;

	if (rtnl_link_alloc_cache(sk, AF_UNSPEC, &cache) < 0)
		return -1;
	for (obj = nl_cache_get_first(cache); obj && n < max; obj = nl_cache_get_next(obj))
		link_from_rtnl((struct rtnl_link *)obj, &links[n++]);
	nl_cache_free(cache);
	return n;
}

static int link_change(struct nl_sock *sk, int ifindex, struct rtnl_link *change)
{
	struct rtnl_link *orig = rtnl_link_alloc();
	int err;

	if (!orig)
		return -NLE_NOMEM;
	rtnl_link_set_ifindex(orig, ifindex);
	err = rtnl_link_change(sk, orig, change, 0);
	rtnl_link_put(orig);
	return err;
}

int link_set_up(struct nl_sock *sk, int ifindex)
{
	struct rtnl_link *change = rtnl_link_alloc();
	int err;

	if (!change)
		return -NLE_NOMEM;
	rtnl_link_set_flags(change, IFF_UP);
	err = link_change(sk, ifindex, change);
	rtnl_link_put(change);
	return err;
}

int link_set_mtu(struct nl_sock *sk, int ifindex, unsigned mtu)
{
	struct rtnl_link *change = rtnl_link_alloc();
	int err;

	if (!change)
		return -NLE_NOMEM;
	rtnl_link_set_mtu(change, mtu);
	err = link_change(sk, ifindex, change);
	rtnl_link_put(change);
	return err;
}

static int ignore_message(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

void links_wait_event(struct nl_sock *ev, int timeout_ms)
{
	struct pollfd pfd = { .fd = nl_socket_get_fd(ev), .events = POLLIN };

	if (poll(&pfd, 1, timeout_ms) <= 0)
		return;
	/* The events only wake us; the caller re-reads the state. Drain
	 * everything queued so the next poll waits for new news. */
	nl_socket_modify_cb(ev, NL_CB_VALID, NL_CB_CUSTOM, ignore_message, NULL);
	while (nl_recvmsgs_default(ev) >= 0)
		;
}
