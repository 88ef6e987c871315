/* netcfg's apply and run: choose the uplink, wait for carrier, set
 * addresses, routes, DNS and hostname, then keep them in place. */
#define _GNU_SOURCE
#include "netcfg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "addr.h"
#include "lib/clock.h"
#include "lib/file.h"
#include "link.h"
#include "log.h"
#include "select.h"

const struct netcfg_options netcfg_appliance_options = {
	.resolv_conf = "/etc/resolv.conf",
	.set_hostname = 1,
};

/* DAD takes about a second (RFC 4862 defaults); allow for slow links. */
#define NETCFG_DAD_TIMEOUT_MS 5000
/* Even without events, re-check the configuration this often. */
#define NETCFG_RECHECK_MS 30000

struct netcfg_run {
	const struct netcfg_options *opt;
	const struct netcfg_config *cfg;
	int seen[NETCFG_MAX_LINKS];	/* ifindexes already logged */
	int nseen;
	struct nl_sock *sk;	/* requests */
	struct nl_sock *ev;	/* RTNLGRP_LINK events */
	struct netcfg_link links[NETCFG_MAX_LINKS];
	int nlinks;
};

static struct nl_sock *socket_open(void)
{
	struct nl_sock *sk = nl_socket_alloc();

	if (sk && nl_connect(sk, NETLINK_ROUTE) == 0)
		return sk;
	nl_socket_free(sk);
	return NULL;
}

/* Subscribe to link events before the first dump, so a carrier change
 * between the dump and the wait cannot be missed. */
static int run_open(struct netcfg_run *run)
{
	run->sk = socket_open();
	run->ev = socket_open();
	if (!run->sk || !run->ev)
		return -1;
	nl_socket_disable_seq_check(run->ev);
	/* Links for carrier; addresses and routes to notice them removed. */
	if (nl_socket_add_memberships(run->ev, RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR,
				      RTNLGRP_IPV6_IFADDR, RTNLGRP_IPV4_ROUTE,
				      RTNLGRP_IPV6_ROUTE, 0) < 0 ||
	    nl_socket_set_nonblocking(run->ev) < 0)
		return -1;
	return 0;
}

static void run_close(struct netcfg_run *run)
{
	nl_socket_free(run->sk);
	nl_socket_free(run->ev);
}

static void mac_format(const unsigned char *mac, char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x",
		 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

/* Log every link and whether it is a candidate, then bring candidates up
 * (with IPv6 autoconfiguration off first). Returns the candidate count. */
/* Log a link seen for the first time and whether it is a candidate; bring
 * candidates up (IPv6 autoconfiguration off first). Returns 1 for a
 * candidate. */
/* fathom.drac.usbnic=on: the BMC's USB NIC comes up with its IPv6
 * link-local address only (no SLAAC, no IPv4): enough to reach the BMC
 * from the host, never a route anywhere. */
static void bmc_usb_up(struct netcfg_run *run, const struct netcfg_link *l)
{
	if (ipv6_disable_autoconf(l->name) < 0 || link_set_up(run->sk, l->ifindex) < 0) {
		nc_log(NC_ERR, "%s: BMC USB NIC: cannot bring it up (fathom.drac.usbnic=on): %s",
		       l->name, strerror(errno));
		return;
	}
	if (l->usb_vendor)
		nc_log(NC_INFO, "%s: BMC USB NIC (usb %04x:%04x) up, IPv6 link-local only "
		       "(fathom.drac.usbnic=on)", l->name, l->usb_vendor, l->usb_product);
	else
		nc_log(NC_INFO, "%s: BMC USB NIC up, IPv6 link-local only (fathom.drac.usbnic=on)",
		       l->name);
}

static int link_consider(struct netcfg_run *run, const struct netcfg_link *l)
{
	const struct netcfg_config *cfg = run->cfg;
	const char *why = uplink_ineligible_reason(l);
	char mac[18];

	mac_format(l->mac, mac, sizeof(mac));
	if (l->is_loopback)
		link_set_up(run->sk, l->ifindex);
	if (!uplink_is_candidate(cfg, l)) {
		nc_log(NC_INFO, "%s (%s, %s): not a candidate: %s", l->name,
		       l->driver[0] ? l->driver : "no driver", mac,
		       cfg->iface_kind == NETCFG_IFACE_AUTO ? why : "not the one fathom.iface names");
		if (cfg->drac_usbnic && link_is_bmc_usb(l))
			bmc_usb_up(run, l);
		return 0;
	}
	nc_log(NC_INFO, "%s (%s, %s): candidate", l->name, l->driver, mac);
	if (ipv6_disable_autoconf(l->name) < 0)
		nc_log(NC_WARN, "%s: cannot turn off IPv6 autoconf: %s", l->name, strerror(errno));
	if (link_set_up(run->sk, l->ifindex) < 0)
		nc_log(NC_ERR, "%s: cannot bring the link up", l->name);
	return 1;
}

/* Consider every link not seen before (a driver may load late); returns
 * how many of them are candidates. */
static int links_consider_new(struct netcfg_run *run)
{
	int i, j, count = 0;

	for (i = 0; i < run->nlinks; i++) {
		for (j = 0; j < run->nseen && run->seen[j] != run->links[i].ifindex; j++)
			;
		if (j < run->nseen || run->nseen == NETCFG_MAX_LINKS)
			continue;
		run->seen[run->nseen++] = run->links[i].ifindex;
		count += link_consider(run, &run->links[i]);
	}
	return count;
}

/* Read the links; with allow_virtual (tests), veth links count as NICs. */
static void run_snapshot(struct netcfg_run *run)
{
	int i;

	run->nlinks = links_snapshot(run->sk, run->links, NETCFG_MAX_LINKS);
	for (i = 0; run->opt->allow_virtual && i < run->nlinks; i++)
		run->links[i].has_device = 1;
	if (run->cfg)
		links_consider_new(run);
}

/* Wait until a candidate has carrier, at most timeout_ms (< 0: forever);
 * returns its index or -1. */
static int uplink_wait(struct netcfg_run *run, const struct netcfg_config *cfg, long timeout_ms)
{
	long deadline = monotonic_ms() + timeout_ms;
	long left;
	int chosen;

	for (;;) {
		run_snapshot(run);
		chosen = uplink_choose(cfg, run->links, run->nlinks);
		left = timeout_ms < 0 ? 1000 : deadline - monotonic_ms();
		if (chosen >= 0 || left <= 0)
			return chosen;
		links_wait_event(run->ev, left > 1000 ? 1000 : (int)left);
	}
}

/* The candidates' names, comma-separated, into buf; returns how many. */
static int candidates_named(const struct netcfg_run *run, char *buf, size_t len)
{
	size_t used = 0;
	int i, n = 0;

	for (i = 0; i < run->nlinks; i++) {
		if (!uplink_is_candidate(run->cfg, &run->links[i]))
			continue;
		if (buf && used < len)
			used += (size_t)snprintf(buf + used, len - used, "%s%s", n ? ", " : "",
						 run->links[i].name);
		n++;
	}
	return n;
}

static void report_no_carrier(const struct netcfg_run *run, const struct netcfg_config *cfg)
{
	char names[256] = "";

	if (candidates_named(run, names, sizeof(names)) == 0)
		nc_log(NC_ERR, "no candidate uplink after %us; check the NIC and its driver "
		       "(netcfg show), or fathom.iface=", cfg->link_timeout);
	else
		nc_log(NC_ERR, "%s: no carrier after %us; check the cable and switch port, "
		       "or choose the uplink with fathom.iface=NAME|MAC", names, cfg->link_timeout);
}

static const char *family_name(int family)
{
	return family == AF_INET ? "ipv4" : "ipv6";
}

/* IPv6: the address is usable only once DAD is over; report ready then. */
static int dad_wait(struct netcfg_run *run, const struct netcfg_link *up,
		    const struct netcfg_addr *a, const char *addr)
{
	int rc = addr_wait_dad(run->sk, up->ifindex, a, NETCFG_DAD_TIMEOUT_MS);

	if (rc < 0)
		nc_log(NC_ERR, "%s: ipv6 %s: duplicate address detection failed: another host "
		       "on the link has it; check the site's address plan", up->name, addr);
	else if (rc > 0)
		nc_log(NC_WARN, "%s: ipv6 %s: still tentative after %ds; going on",
		       up->name, addr, NETCFG_DAD_TIMEOUT_MS / 1000);
	return rc < 0 ? -1 : 0;
}

/* Address and default route of one family. Returns 0 or -1. */
static int family_apply(struct netcfg_run *run, const struct netcfg_link *up,
			const struct netcfg_addr *a)
{
	char addr[INET6_ADDRSTRLEN], gw[INET6_ADDRSTRLEN];
	int err;

	inet_ntop(a->family, a->addr, addr, sizeof(addr));
	err = addr_apply(run->sk, up->ifindex, a, 0, run->cfg->nodad);
	if (err < 0) {
		nc_log(NC_ERR, "%s: %s: cannot add %s/%u: %s", up->name, family_name(a->family),
		       addr, a->prefixlen, nl_geterror(err));
		return -1;
	}
	if (a->family == AF_INET6 && !run->cfg->nodad && dad_wait(run, up, a, addr) < 0)
		return -1;
	if (!a->has_gateway) {
		nc_log(NC_INFO, "%s: %s %s/%u (no gateway)", up->name, family_name(a->family),
		       addr, a->prefixlen);
		return 0;
	}
	inet_ntop(a->family, a->gateway, gw, sizeof(gw));
	err = route_apply_default(run->sk, up->ifindex, a, 0);
	if (err < 0) {
		nc_log(NC_ERR, "%s: %s: cannot add default route via %s: %s", up->name,
		       family_name(a->family), gw, nl_geterror(err));
		return -1;
	}
	nc_log(NC_INFO, "%s: %s %s/%u via %s", up->name, family_name(a->family), addr,
	       a->prefixlen, gw);
	return 0;
}

static int system_apply(const struct netcfg_config *cfg, const struct netcfg_options *opt)
{
	char resolv[1024];
	int rc = 0;

	if (opt->set_hostname && cfg->hostname[0] &&
	    sethostname(cfg->hostname, strlen(cfg->hostname)) < 0) {
		nc_log(NC_ERR, "hostname %s: %s", cfg->hostname, strerror(errno));
		rc = -1;
	}
	if (opt->resolv_conf && (netcfg_resolv_conf(cfg, resolv, sizeof(resolv)) < 0 ||
				 file_write_atomic(opt->resolv_conf, resolv, strlen(resolv), 0644) < 0)) {
		nc_log(NC_ERR, "%s: cannot write: %s", opt->resolv_conf, strerror(errno));
		rc = -1;
	}
	return rc;
}

/* Open the sockets, read the links, bring the candidates up. */
static int run_setup(struct netcfg_run *run, const struct netcfg_config *cfg)
{
	if (run_open(run) < 0) {
		nc_log(NC_ERR, "cannot open a netlink socket: %s", strerror(errno));
		return -1;
	}
	run->cfg = cfg;
	run_snapshot(run);
	if (!candidates_named(run, NULL, 0))
		nc_log(NC_WARN, "no candidate uplink yet; waiting for one (a NIC whose driver "
		       "loads late, or the one fathom.iface names)");
	return 0;
}

/* Addresses, routes, hostname, resolv.conf on the chosen link. */
static int run_configure(struct netcfg_run *run, const struct netcfg_config *cfg,
			 const struct netcfg_link *up, long waited)
{
	int rc = 0;

	nc_log(NC_INFO, "%s: chosen as uplink (%s, carrier after %ld ms)", up->name, up->driver, waited);
	if (cfg->mtu && link_set_mtu(run->sk, up->ifindex, cfg->mtu) < 0) {
		nc_log(NC_ERR, "%s: cannot set the MTU to %u (fathom.mtu); check what the NIC supports",
		       up->name, cfg->mtu);
		rc = -1;
	}
	if (cfg->ipv4.family && family_apply(run, up, &cfg->ipv4) < 0)
		rc = -1;
	if (cfg->ipv6.family && family_apply(run, up, &cfg->ipv6) < 0)
		rc = -1;
	if (system_apply(cfg, run->opt) < 0)
		rc = -1;
	return rc;
}

int netcfg_apply(const struct netcfg_config *cfg, const struct netcfg_options *opt)
{
	struct netcfg_run run = { .opt = opt ? opt : &netcfg_appliance_options };
	long waited = monotonic_ms();
	int chosen, rc = -1;

	if (run_setup(&run, cfg) == 0) {
		chosen = uplink_wait(&run, cfg, (long)cfg->link_timeout * 1000L);
		if (chosen < 0)
			report_no_carrier(&run, cfg);
		else
			rc = run_configure(&run, cfg, &run.links[chosen], monotonic_ms() - waited);
	}
	run_close(&run);
	return rc;
}

/* Put back what is missing of one family's address and route (removed by
 * someone, or lost with the link); quiet when everything is in place. */
static void family_restore(struct netcfg_run *run, const struct netcfg_link *up,
			   const struct netcfg_addr *a)
{
	char addr[INET6_ADDRSTRLEN];
	int err;

	inet_ntop(a->family, a->addr, addr, sizeof(addr));
	err = addr_apply(run->sk, up->ifindex, a, 1, run->cfg->nodad);
	if (err == 0) {
		nc_log(NC_WARN, "%s: %s %s/%u was missing: restored", up->name,
		       family_name(a->family), addr, a->prefixlen);
		if (a->family == AF_INET6 && !run->cfg->nodad)
			dad_wait(run, up, a, addr);
	} else if (err != -NLE_EXIST) {
		nc_log(NC_ERR, "%s: %s: cannot restore %s: %s", up->name, family_name(a->family),
		       addr, nl_geterror(err));
	}
	if (!a->has_gateway)
		return;
	err = route_apply_default(run->sk, up->ifindex, a, 1);
	if (err == 0)
		nc_log(NC_WARN, "%s: %s default route was missing: restored", up->name,
		       family_name(a->family));
}

static const struct netcfg_link *link_by_index(const struct netcfg_run *run, int ifindex)
{
	int i;

	for (i = 0; i < run->nlinks; i++)
		if (run->links[i].ifindex == ifindex)
			return &run->links[i];
	return NULL;
}

/* Watch the uplink forever: log carrier changes, and whenever it has
 * carrier make sure the configuration is still all there. */
static void uplink_monitor(struct netcfg_run *run, const struct netcfg_config *cfg, int ifindex)
{
	const struct netcfg_link *up;
	int had_carrier = 1;

	for (;;) {
		links_wait_event(run->ev, NETCFG_RECHECK_MS);
		run_snapshot(run);
		up = link_by_index(run, ifindex);
		if (!up) {
			nc_log(NC_ERR, "uplink (index %d) is gone; waiting for it", ifindex);
			continue;
		}
		if (up->carrier != had_carrier)
			nc_log(up->carrier ? NC_INFO : NC_WARN, "%s: carrier %s", up->name,
			       up->carrier ? "back" : "lost");
		had_carrier = up->carrier;
		if (!up->carrier)
			continue;
		if (cfg->ipv4.family)
			family_restore(run, up, &cfg->ipv4);
		if (cfg->ipv6.family)
			family_restore(run, up, &cfg->ipv6);
	}
}

int netcfg_run(const struct netcfg_config *cfg, const struct netcfg_options *opt, int ready_fd)
{
	struct netcfg_run run = { .opt = opt ? opt : &netcfg_appliance_options };
	long started = monotonic_ms();
	int chosen;

	if (run_setup(&run, cfg) < 0) {
		run_close(&run);
		return -1;
	}
	chosen = uplink_wait(&run, cfg, (long)cfg->link_timeout * 1000L);
	if (chosen < 0) {
		report_no_carrier(&run, cfg);
		nc_log(NC_INFO, "still listening: the uplink is configured when carrier comes");
		chosen = uplink_wait(&run, cfg, -1);
	}
	if (run_configure(&run, cfg, &run.links[chosen], monotonic_ms() - started) == 0)
		nc_log(NC_INFO, "ready");
	/* Services waiting for the network start even if part of it failed:
	 * the errors are on the console, and a measurement may still work. */
	if (ready_fd >= 0 && write(ready_fd, "ready\n", 6) != 6)
		nc_log(NC_WARN, "cannot report readiness: %s", strerror(errno));
	uplink_monitor(&run, cfg, run.links[chosen].ifindex);
	return 0;
}
