/* Unit tests for netcfg/select.c: which links may be the uplink, which one
 * is chosen, and whether a gateway lies inside the address's prefix. */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/bootcfg/network.h"
#include "select.h"
#include "tap.h"

#define NLINKS(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Links as netcfg would snapshot them on a typical server. */
#define LO { 1, "lo", { 0 }, 0, 1, 0, "", 1, 0, { 0 }, 0, 0 }
#define ETH(idx, nm, last, drv, carrier) \
	{ idx, nm, { 0x52, 0x54, 0x00, 0x12, 0x34, last }, 1, 0, 1, drv, carrier, 0, { 0 }, 0, 0 }
/* A USB NIC with its vendor and product IDs. */
#define USB(idx, nm, last, drv, vendor, product) \
	{ idx, nm, { 0x52, 0x54, 0x00, 0x12, 0x34, last }, 1, 0, 1, drv, 1, 0, { 0 }, vendor, product }
#define VIRT(idx, nm, carrier) \
	{ idx, nm, { 0x02, 0, 0, 0, 0, idx }, 1, 0, 0, "", carrier, 0, { 0 }, 0, 0 }

/* One link and why it is not eligible for auto (NULL = eligible). */
struct reason_case {
	struct netcfg_link link;
	const char *reason;
};

static const struct netcfg_link usb_cdc = ETH(2, "usb0", 1, "cdc_ether", 1);
static const struct netcfg_link eth_igb = ETH(3, "eno1", 2, "igb", 1);

static const struct reason_case reason_cases[] = {
	{ LO, "loopback" },
	/* A loopback is reported as such even if it claims to be Ethernet. */
	{ { 1, "lo", { 0 }, 1, 1, 1, "", 1, 0, { 0 }, 0, 0 }, "loopback" },
	{ { 3, "wwan0", { 0 }, 0, 0, 1, "qmi_wwan", 1, 0, { 0 }, 0, 0 }, "not Ethernet" },
	{ { 4, "ib0", { 0 }, 0, 0, 1, "mlx5_core", 1, 0, { 0 }, 0, 0 }, "not Ethernet" },
	{ VIRT(5, "br0", 1), "virtual link" },
	{ VIRT(6, "veth1", 1), "virtual link" },
	{ { 7, "bond0", { 0 }, 1, 0, 0, "bonding", 1, 0, { 0 }, 0, 0 }, "virtual link" },
	{ ETH(8, "usb0", 8, "cdc_ether", 1), "USB NIC of a BMC" },
	{ ETH(9, "usb1", 9, "rndis_host", 1), "USB NIC of a BMC" },
	{ ETH(10, "usb2", 10, "cdc_ncm", 0), "USB NIC of a BMC" },
	{ ETH(11, "eth0", 11, "virtio_net", 1), NULL },
	{ ETH(12, "enp3s0f0", 12, "ixgbe", 0), NULL },
	{ ETH(13, "eno1", 13, "igb", 1), NULL },
	{ ETH(14, "eth1", 14, "", 1), NULL },
	/* Dell's iDRAC by its USB vendor ID, whatever the driver. */
	{ USB(17, "usb3", 17, "cdc_ether", 0x413c, 0xa102), "USB NIC of a BMC (Dell iDRAC)" },
	{ USB(18, "usb4", 18, "r8152", 0x413c, 0xa102), "USB NIC of a BMC (Dell iDRAC)" },
	/* Another vendor's USB NIC with an ordinary driver may be the uplink. */
	{ USB(19, "usb5", 19, "r8152", 0x0bda, 0x8153), NULL },
	/* Only exact driver names count. */
	{ ETH(15, "eth2", 15, "cdc_ether2", 1), NULL },
	{ ETH(16, "eth3", 16, "cdc", 1), NULL },
};

static void test_reasons(void)
{
	size_t i;
	static const struct netcfg_link idrac = USB(2, "usb0", 1, "r8152", 0x413c, 0xa102);
	static const struct netcfg_link realtek = USB(2, "usb0", 1, "r8152", 0x0bda, 0x8153);

	CHECK(link_is_bmc_usb(&idrac) && !link_is_bmc_usb(&realtek) && link_is_bmc_usb(&usb_cdc) &&
	      !link_is_bmc_usb(&eth_igb), "link_is_bmc_usb: Dell's vendor ID or a BMC driver");

	for (i = 0; i < sizeof(reason_cases) / sizeof(reason_cases[0]); i++) {
		const struct reason_case *tc = &reason_cases[i];
		const char *got = uplink_ineligible_reason(&tc->link);

		if (tc->reason)
			CHECK(got && strcmp(got, tc->reason) == 0,
			      "reason %s (%s): \"%s\" is \"%s\"", tc->link.name,
			      tc->link.driver, got ? got : "(null)", tc->reason);
		else
			CHECK(got == NULL, "reason %s (%s): eligible (%s)",
			      tc->link.name, tc->link.driver, got ? got : "");
	}
}

/* A config from a command line; the command line must be valid. */
static void config_from(struct netcfg_config *cfg, const char *cmdline)
{
	netcfg_config_init(cfg);
	CHECK(netcfg_parse_cmdline(cfg, cmdline, NULL, NULL) == 0,
	      "config \"%s\" parses", cmdline);
}

static const struct netcfg_link eth0 = ETH(2, "eth0", 0x56, "virtio_net", 1);
static const struct netcfg_link usb0 = ETH(3, "usb0", 0x57, "cdc_ether", 1);
static const struct netcfg_link br0 = VIRT(4, "br0", 1);
static const struct netcfg_link lo = LO;

/* A command line, a link, and whether the link is named / a candidate. */
struct named_case {
	const char *cmdline;
	const struct netcfg_link *link;
	int named;
	int candidate;
};

static const struct named_case named_cases[] = {
	{ "", &eth0, 0, 1 },
	{ "", &usb0, 0, 0 },
	{ "", &br0, 0, 0 },
	{ "", &lo, 0, 0 },
	{ "fathom.iface=auto", &eth0, 0, 1 },
	{ "fathom.iface=eth0", &eth0, 1, 1 },
	{ "fathom.iface=eth0", &usb0, 0, 0 },
	{ "fathom.iface=eth", &eth0, 0, 0 },
	{ "fathom.iface=eth00", &eth0, 0, 0 },
	{ "fathom.iface=ETH0", &eth0, 0, 0 },
	{ "fathom.iface=usb0", &usb0, 1, 1 },
	{ "fathom.iface=usb0", &eth0, 0, 0 },
	{ "fathom.iface=br0", &br0, 1, 1 },
	{ "fathom.iface=lo", &lo, 1, 1 },
	{ "fathom.iface=52:54:00:12:34:56", &eth0, 1, 1 },
	{ "fathom.iface=52-54-00-12-34-56", &eth0, 1, 1 },
	{ "fathom.iface=52:54:00:12:34:56", &usb0, 0, 0 },
	{ "fathom.iface=52:54:00:12:34:57", &usb0, 1, 1 },
	{ "fathom.iface=52:54:00:12:34:55", &eth0, 0, 0 },
	{ "fathom.iface=53:54:00:12:34:56", &eth0, 0, 0 },
	/* A MAC names any kind of link, even a virtual one. */
	{ "fathom.iface=02:00:00:00:00:04", &br0, 1, 1 },
	{ "fathom.iface=02:00:00:00:00:04", &eth0, 0, 0 },
};

static void test_named(void)
{
	struct netcfg_config cfg;
	size_t i;

	for (i = 0; i < sizeof(named_cases) / sizeof(named_cases[0]); i++) {
		const struct named_case *tc = &named_cases[i];

		config_from(&cfg, tc->cmdline);
		CHECK(!!uplink_is_named(&cfg, tc->link) == tc->named,
		      "named \"%s\" %s: %d", tc->cmdline, tc->link->name,
		      tc->named);
		CHECK(!!uplink_is_candidate(&cfg, tc->link) == tc->candidate,
		      "candidate \"%s\" %s: %d", tc->cmdline, tc->link->name,
		      tc->candidate);
	}
}

/* A set of links, a command line, and the index uplink_choose gives. */
struct choose_case {
	const char *what;
	const char *cmdline;
	const struct netcfg_link *links;
	int n;
	int expect;
};

/* An iDRAC USB NIC first, with carrier; the real NICs after it. */
static const struct netcfg_link dell[] = {
	LO,
	ETH(2, "idrac", 0x01, "cdc_ether", 1),
	ETH(3, "eno1", 0x02, "tg3", 0),
	ETH(4, "eno2", 0x03, "tg3", 1),
	ETH(5, "eno3", 0x04, "tg3", 1),
};

static const struct netcfg_link no_carrier[] = {
	LO,
	ETH(2, "usb0", 0x01, "rndis_host", 0),
	ETH(3, "eth0", 0x02, "virtio_net", 0),
	ETH(4, "eth1", 0x03, "ixgbe", 0),
};

static const struct netcfg_link only_ineligible[] = {
	LO,
	ETH(2, "usb0", 0x01, "cdc_ether", 1),
	ETH(3, "usb1", 0x02, "cdc_ncm", 1),
	VIRT(4, "docker0", 1),
	{ 5, "wwan0", { 0 }, 0, 0, 1, "qmi_wwan", 1, 0, { 0 }, 0, 0 },
};

static const struct netcfg_link two_up[] = {
	ETH(7, "eth1", 0x11, "ixgbe", 1),
	ETH(3, "eth0", 0x10, "ixgbe", 1),
};

static const struct choose_case choose_cases[] = {
	{ "auto skips BMC and no-carrier links", "", dell, NLINKS(dell), 3 },
	{ "auto, explicit", "fathom.iface=auto", dell, NLINKS(dell), 3 },
	{ "named cdc_ether is chosen", "fathom.iface=idrac", dell, NLINKS(dell), 1 },
	{ "named by MAC cdc_ether is chosen", "fathom.iface=52:54:00:12:34:01",
	  dell, NLINKS(dell), 1 },
	{ "named later link", "fathom.iface=eno3", dell, NLINKS(dell), 4 },
	{ "named link without carrier", "fathom.iface=eno1", dell, NLINKS(dell), -1 },
	{ "named link absent", "fathom.iface=eth9", dell, NLINKS(dell), -1 },
	{ "named lo", "fathom.iface=lo", dell, NLINKS(dell), 0 },
	{ "no carrier anywhere", "", no_carrier, NLINKS(no_carrier), -1 },
	{ "no carrier, named", "fathom.iface=eth0", no_carrier, NLINKS(no_carrier), -1 },
	{ "only ineligible links up", "", only_ineligible,
	  NLINKS(only_ineligible), -1 },
	{ "named virtual link", "fathom.iface=docker0", only_ineligible,
	  NLINKS(only_ineligible), 3 },
	{ "order given, not ifindex", "", two_up, NLINKS(two_up), 0 },
	{ "order given, second named", "fathom.iface=eth0", two_up,
	  NLINKS(two_up), 1 },
	{ "empty list", "", dell, 0, -1 },
	{ "n limits the search", "", dell, 3, -1 },
	{ "n limits the search, named", "fathom.iface=eno3", dell, 4, -1 },
};

static void test_choose(void)
{
	struct netcfg_config cfg;
	size_t i;

	for (i = 0; i < sizeof(choose_cases) / sizeof(choose_cases[0]); i++) {
		const struct choose_case *tc = &choose_cases[i];
		int got;

		config_from(&cfg, tc->cmdline);
		got = uplink_choose(&cfg, tc->links, tc->n);
		CHECK(got == tc->expect, "choose: %s: %d (want %d)", tc->what,
		      got, tc->expect);
	}
}

/* Carrier coming up on a real NIC changes the choice; losing it reverts. */
static void test_choose_carrier_change(void)
{
	struct netcfg_link links[NLINKS(no_carrier)];
	struct netcfg_config cfg;

	memcpy(links, no_carrier, sizeof(links));
	netcfg_config_init(&cfg);
	links[1].carrier = 1;
	CHECK(uplink_choose(&cfg, links, NLINKS(links)) == -1,
	      "carrier: BMC NIC up alone is not chosen");
	links[3].carrier = 1;
	CHECK(uplink_choose(&cfg, links, NLINKS(links)) == 3,
	      "carrier: eth1 up is chosen");
	links[2].carrier = 1;
	CHECK(uplink_choose(&cfg, links, NLINKS(links)) == 2,
	      "carrier: eth0 up too, first in order wins");
	links[2].carrier = 0;
	links[3].carrier = 0;
	CHECK(uplink_choose(&cfg, links, NLINKS(links)) == -1,
	      "carrier: all real NICs down again");
}

/* An address/prefix, a gateway, and whether the gateway is inside. */
struct prefix_case {
	int family;
	const char *addr;
	unsigned prefixlen;
	const char *gateway;
	int inside;
};

static const struct prefix_case prefix_cases[] = {
	/* M-Lab: 4.14.159.64/26 */
	{ AF_INET, "4.14.159.86", 26, "4.14.159.65", 1 },
	{ AF_INET, "4.14.159.86", 26, "4.14.159.64", 1 },
	{ AF_INET, "4.14.159.86", 26, "4.14.159.127", 1 },
	{ AF_INET, "4.14.159.86", 26, "4.14.159.128", 0 },
	{ AF_INET, "4.14.159.86", 26, "4.14.159.63", 0 },
	{ AF_INET, "4.14.159.86", 26, "4.14.158.65", 0 },
	{ AF_INET, "192.0.2.10", 28, "192.0.2.1", 1 },
	{ AF_INET, "192.0.2.10", 28, "192.0.2.15", 1 },
	{ AF_INET, "192.0.2.10", 28, "192.0.2.16", 0 },
	{ AF_INET, "192.0.2.20", 28, "192.0.2.1", 0 },
	{ AF_INET, "192.0.2.10", 29, "192.0.2.9", 1 },
	{ AF_INET, "192.0.2.10", 29, "192.0.2.15", 1 },
	{ AF_INET, "192.0.2.10", 29, "192.0.2.1", 0 },
	{ AF_INET, "192.0.2.10", 29, "192.0.2.7", 0 },
	{ AF_INET, "192.0.2.10", 32, "192.0.2.1", 0 },
	{ AF_INET, "192.0.2.10", 32, "192.0.2.11", 0 },
	{ AF_INET, "192.0.2.10", 32, "192.0.2.10", 1 },
	{ AF_INET, "192.0.2.10", 24, "192.0.2.254", 1 },
	{ AF_INET, "192.0.2.10", 24, "192.0.3.1", 0 },
	{ AF_INET, "10.1.2.3", 8, "10.255.0.1", 1 },
	{ AF_INET, "10.1.2.3", 8, "11.0.0.1", 0 },
	{ AF_INET, "10.1.2.3", 1, "127.0.0.1", 1 },
	{ AF_INET, "10.1.2.3", 1, "128.0.0.1", 0 },
	{ AF_INET, "10.1.2.3", 0, "203.0.113.1", 1 },
	{ AF_INET, "10.1.2.3", 0, "255.255.255.255", 1 },
	{ AF_INET6, "2001:db8:1::7", 64, "2001:db8:1::1", 1 },
	{ AF_INET6, "2001:db8:1::7", 64, "2001:db8:1:0:ffff:ffff:ffff:ffff", 1 },
	{ AF_INET6, "2001:db8:1::7", 64, "2001:db8:1:1::1", 0 },
	{ AF_INET6, "2001:db8:1::7", 64, "fe80::1", 0 },
	{ AF_INET6, "2001:1900:2100:2d::86", 64, "2001:1900:2100:2d::1", 1 },
	{ AF_INET6, "2001:db8:1:2::7", 48, "2001:db8:1:ffff::1", 1 },
	{ AF_INET6, "2001:db8:1:2::7", 48, "2001:db8:2::1", 0 },
	{ AF_INET6, "2001:db8:1::7", 128, "2001:db8:1::1", 0 },
	{ AF_INET6, "2001:db8:1::7", 128, "2001:db8:1::7", 1 },
	{ AF_INET6, "2001:db8:1::7", 127, "2001:db8:1::6", 1 },
	{ AF_INET6, "2001:db8:1::7", 127, "2001:db8:1::8", 0 },
	{ AF_INET6, "2001:db8:1::7", 0, "fe80::1", 1 },
	{ AF_INET6, "2001:db8::80", 121, "2001:db8::ff", 1 },
	{ AF_INET6, "2001:db8::80", 121, "2001:db8::7f", 0 },
};

static void test_gateway_in_prefix(void)
{
	struct netcfg_addr a;
	size_t i;

	for (i = 0; i < sizeof(prefix_cases) / sizeof(prefix_cases[0]); i++) {
		const struct prefix_case *tc = &prefix_cases[i];
		int ok;

		memset(&a, 0, sizeof(a));
		a.family = tc->family;
		a.prefixlen = tc->prefixlen;
		a.has_gateway = 1;
		ok = inet_pton(tc->family, tc->addr, a.addr) == 1 &&
		     inet_pton(tc->family, tc->gateway, a.gateway) == 1;
		CHECK(ok && !!netcfg_gateway_in_prefix(&a) == tc->inside,
		      "gateway %s in %s/%u: %s", tc->gateway, tc->addr,
		      tc->prefixlen, tc->inside ? "inside" : "outside");
	}

	/* IPv4 compares 4 bytes only: garbage after them does not matter. */
	memset(&a, 0, sizeof(a));
	a.family = AF_INET;
	a.prefixlen = 32;
	inet_pton(AF_INET, "192.0.2.10", a.addr);
	inet_pton(AF_INET, "192.0.2.10", a.gateway);
	memset(a.gateway + 4, 0xaa, 12);
	CHECK(netcfg_gateway_in_prefix(&a) == 1,
	      "gateway: IPv4 ignores bytes past the 4th");

	/* From the command line parser, as netcfg uses it. */
	{
		struct netcfg_config cfg;

		config_from(&cfg, "fathom.ipv4=4.14.159.86/26,4.14.159.65 "
			    "fathom.ipv6=2001:db8::10/64,fe80::1");
		CHECK(netcfg_gateway_in_prefix(&cfg.ipv4) == 1,
		      "gateway: parsed ipv4 gateway inside");
		CHECK(netcfg_gateway_in_prefix(&cfg.ipv6) == 0,
		      "gateway: parsed link-local ipv6 gateway needs onlink");
	}
}

/* A MAC names the burnt-in address when the driver reports one: a bond or
 * an operator may have changed the current address. */
static void test_perm_mac(void)
{
	struct netcfg_config cfg;
	struct netcfg_link l = eth0;

	memcpy(l.mac, "\x02\x00\x00\x00\x00\x99", 6);
	memcpy(l.perm_mac, "\x52\x54\x00\x00\x00\x01", 6);
	l.has_perm_mac = 1;
	config_from(&cfg, "fathom.iface=52:54:00:00:00:01");
	CHECK(uplink_is_named(&cfg, &l), "the permanent MAC names the link");
	config_from(&cfg, "fathom.iface=02:00:00:00:00:99");
	CHECK(!uplink_is_named(&cfg, &l), "the changed current MAC does not, when a permanent one exists");
	l.has_perm_mac = 0;
	CHECK(uplink_is_named(&cfg, &l), "without a permanent MAC the current one names the link");
	config_from(&cfg, "BOOTIF=01-52-54-00-00-00-01");
	l.has_perm_mac = 1;
	CHECK(uplink_is_named(&cfg, &l), "BOOTIF matches the permanent MAC too");
}

int main(void)
{
	test_perm_mac();
	test_reasons();
	test_named();
	test_choose();
	test_choose_carrier_change();
	test_gateway_in_prefix();
	return tap_done();
}
