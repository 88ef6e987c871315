/* Unit tests for the network parameters of lib/bootcfg: tables of good and
 * bad command lines, then resolv.conf and config_format rendering. */
#include <string.h>
#include <sys/socket.h>

#include "lib/bootcfg/network.h"
#include "tap.h"

#define MSG_SIZE 512
#define TEXT_SIZE 4096
#define CONF "/etc/fathom/network.conf"
#define STATIC_ONLY "Fathom configures static addresses only: use" \
	" fathom.ipv4=ADDR/PLEN,GW or fathom.ipv6=ADDR/PLEN,GW"

#define GOOD_LINES 4

/* A good command line and up to four lines its config_format must hold. */
struct good_case {
	const char *cmdline;
	const char *lines[GOOD_LINES];
};

/* A bad command line and the single error it must cause: a piece of it in
 * bad_cases, all of it in exact_bad_cases. */
struct bad_case {
	const char *cmdline;
	const char *message;
};

/* Collects what the parser reports. */
struct error_log {
	int count;
	char last[MSG_SIZE];
	char all[TEXT_SIZE];	/* every message, one per line */
};

/* M-Lab's command line, from DESIGN.md section 4. */
static const char mlab_cmdline[] =
	"epoxy.ipv4=4.14.159.86/26,4.14.159.65,8.8.8.8,8.8.4.4 "
	"epoxy.ipv6=2001:1900:2100:2d::86/64,2001:1900:2100:2d::1,"
	"2001:4860:4860::8888,2001:4860:4860::8844 epoxy.interface=eth0 "
	"epoxy.hostname=mlab1-lga0t.mlab-oti.measurement-lab.org";

/* The legacy form M-Lab's stage1 scripts send alongside epoxy.ipv4. */
static const char mlab_epoxy_ip[] =
	"epoxy.ip=4.14.159.86::4.14.159.65:255.255.255.192:"
	"mlab1-lga0t.mlab-oti.measurement-lab.org:eth0:off:8.8.8.8:8.8.4.4";

/* Bad cases start from this, so we can see that nothing changed. */
static const char baseline_cmdline[] =
	"fathom.ipv4=198.51.100.7/24,198.51.100.1,198.51.100.53 "
	"fathom.ipv6=2001:db8:1::7/64,2001:db8:1::1 fathom.iface=eth9 "
	"fathom.hostname=base.example.net fathom.link_timeout=42";

static const struct good_case good_cases[] = {
	{ "", { "ipv4: none", "ipv6: none", "iface: auto" } },
	{ "  \t\n", { "hostname: unchanged", "link_timeout: 60s" } },
	{ "fathom.ipv4=192.0.2.10/28", { "ipv4: 192.0.2.10/28" } },
	{ "fathom.ipv4=192.0.2.10/28,192.0.2.1",
	  { "ipv4: 192.0.2.10/28 gateway 192.0.2.1" } },
	{ "fathom.ipv4=192.0.2.10/28,192.0.2.1,192.0.2.53",
	  { "ipv4: 192.0.2.10/28 gateway 192.0.2.1 dns 192.0.2.53" } },
	{ "fathom.ipv4=192.0.2.10/28,192.0.2.1,192.0.2.53,192.0.2.54",
	  { "ipv4: 192.0.2.10/28 gateway 192.0.2.1 dns 192.0.2.53 192.0.2.54" } },
	{ "fathom.ipv4=192.0.2.10/28,,192.0.2.53",
	  { "ipv4: 192.0.2.10/28 dns 192.0.2.53" } },
	{ "fathom.ipv4=192.0.2.10/28,", { "ipv4: 192.0.2.10/28" } },
	{ "fathom.ipv4=10.0.0.1/0", { "ipv4: 10.0.0.1/0" } },
	{ "fathom.ipv4=10.0.0.1/32", { "ipv4: 10.0.0.1/32" } },
	{ "fathom.ipv4=10.0.0.1/08", { "ipv4: 10.0.0.1/8" } },
	{ "fathom.ipv6=2001:db8::10/64,2001:db8::1,2001:db8::53,2001:db8::54",
	  { "ipv6: 2001:db8::10/64 gateway 2001:db8::1"
	    " dns 2001:db8::53 2001:db8::54" } },
	{ "fathom.ipv6=2001:DB8::A/128", { "ipv6: 2001:db8::a/128" } },
	{ "fathom.ipv6=2001:db8::10/64,fe80::1",
	  { "ipv6: 2001:db8::10/64 gateway fe80::1" } },
	{ "fathom.ipv6=2001:db8::10/0,,2001:db8::53",
	  { "ipv6: 2001:db8::10/0 dns 2001:db8::53" } },
	{ "fathom.ipv6=", { "ipv6: none" } },
	{ "fathom.ipv6=2001:db8::10/64 fathom.ipv6=", { "ipv6: none" } },
	{ "fathom.ipv6=::ffff:192.0.2.1/96", { "ipv6: ::ffff:192.0.2.1/96" } },
	{ "fathom.iface=auto", { "iface: auto (fathom.iface)" } },
	{ "fathom.iface=eth1", { "iface: name eth1 (fathom.iface)" } },
	{ "fathom.iface=enp3s0f1",
	  { "iface: name enp3s0f1 (fathom.iface)" } },
	{ "fathom.iface=abcdefghijklmno",
	  { "iface: name abcdefghijklmno (fathom.iface)" } },
	{ "fathom.iface=52:54:00:12:34:56",
	  { "iface: mac 52:54:00:12:34:56 (fathom.iface)" } },
	{ "fathom.iface=52-54-00-AB-CD-EF",
	  { "iface: mac 52:54:00:ab:cd:ef (fathom.iface)" } },
	{ "fathom.iface=eth1 fathom.iface=auto",
	  { "iface: auto (fathom.iface)" } },
	{ "fathom.hostname=node1", { "hostname: node1" } },
	{ "fathom.hostname=node1.example.org.",
	  { "hostname: node1.example.org" } },
	{ "fathom.hostname=1.2-3.EXAMPLE.org", { "hostname: 1.2-3.EXAMPLE.org" } },
	{ "fathom.hostname=a23456789012345678901234567890123456789012345678"
	  "901234567890123.org",
	  { "hostname: a23456789012345678901234567890123456789012345678"
	    "901234567890123.org" } },
	{ "fathom.link_timeout=1", { "link_timeout: 1s" } },
	{ "fathom.link_timeout=3600", { "link_timeout: 3600s" } },
	{ "fathom.link-timeout=90", { "link_timeout: 90s" } },
	{ mlab_cmdline,
	  { "ipv4: 4.14.159.86/26 gateway 4.14.159.65 dns 8.8.8.8 8.8.4.4",
	    "ipv6: 2001:1900:2100:2d::86/64 gateway 2001:1900:2100:2d::1"
	    " dns 2001:4860:4860::8888 2001:4860:4860::8844",
	    "hostname: mlab1-lga0t.mlab-oti.measurement-lab.org",
	    "iface: name eth0 (epoxy.interface)" } },
	{ "fathom.iface=eth1 epoxy.interface=eth0",
	  { "iface: name eth1 (fathom.iface)" } },
	{ "epoxy.interface=eth0 fathom.iface=eth1",
	  { "iface: name eth1 (fathom.iface)" } },
	{ "fathom.hostname=a.example epoxy.hostname=b.example",
	  { "hostname: a.example" } },
	{ "epoxy.ipv4=192.0.2.9/24 fathom.ipv4=192.0.2.10/24",
	  { "ipv4: 192.0.2.10/24" } },
	{ "fathom.ipv6=2001:db8::1/64 epoxy.ipv6=",
	  { "ipv6: 2001:db8::1/64" } },
	{ "fathom.hostname=one fathom.hostname=two", { "hostname: two" } },
	{ "epoxy.interface=eth0 epoxy.interface=eth5",
	  { "iface: name eth5 (epoxy.interface)" } },
	{ "fathom.hostname=\"node1.example.org\"",
	  { "hostname: node1.example.org" } },
	{ "\"fathom.iface=eth7\"", { "iface: name eth7 (fathom.iface)" } },
	{ "quiet\tfathom.iface=eth2\nsplash",
	  { "iface: name eth2 (fathom.iface)" } },
	{ "BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro console=ttyS0,115200n8 "
	  "fathom.iface=eth3 init=/sbin/init",
	  { "iface: name eth3 (fathom.iface)" } },
	{ "epoxy.stage1=https://epoxy.example/v1/stage1 epoxy.project=mlab "
	  "epoxy.ipv4x=junk epoxy.interfaces=eth0 epoxy.net_ipv4=1.2.3.4/8",
	  { "ipv4: none", "iface: auto" } },
	{ "epoxy.stage1=https://epoxy.example/v1/stage1 epoxy.project=mlab "
	  "epoxy.ip=1.2.3.4::1.2.3.1:255.255.255.0:x:eth0:off epoxy.ipv4x=junk",
	  { "ipv4: 1.2.3.4/24 gateway 1.2.3.1", "iface: name eth0 (ip=)",
	    "hostname: x" } },
	/* A service's words (lib/bootcfg/settings.h) are not netcfg's. */
	{ "fathom.ndt7.label=site=abc01 fathom.ndt7.verbose fathom.iface=eth4 "
	  "\"fathom.ndt7.label=a b\" fathom.platform.key=x fathom.ndt7.ipv4=junk",
	  { "iface: name eth4 (fathom.iface)", "ipv4: none" } },
	{ "xfathom.ipv4=junk fathom.ipv4x=junk fathom.IPV4=junk fathom.ipv4.x=1",
	  { "ipv4: none" } },
	{ "fathom.iface=eth1 -- fathom.iface=eth2",
	  { "iface: name eth1 (fathom.iface)" } },
	{ "fathom.ipv4=192.0.2.10/28 fathom.iface=52:54:00:12:34:56 "
	  "fathom.hostname=n.example fathom.link_timeout=5",
	  { "ipv4: 192.0.2.10/28",
	    "iface: mac 52:54:00:12:34:56 (fathom.iface)",
	    "link_timeout: 5s" } },
	/* ip= in the kernel's nfsroot syntax, and ePoxy's epoxy.ip= alias. */
	{ mlab_epoxy_ip,
	  { "ipv4: 4.14.159.86/26 gateway 4.14.159.65 dns 8.8.8.8 8.8.4.4",
	    "iface: name eth0 (ip=)",
	    "hostname: mlab1-lga0t.mlab-oti.measurement-lab.org",
	    "ipv6: none" } },
	{ "epoxy.ip=4.14.159.86::4.14.159.65:255.255.255.192:mlab1.lga0t:eth0:"
	  "false:8.8.8.8:8.8.4.4",
	  { "ipv4: 4.14.159.86/26 gateway 4.14.159.65 dns 8.8.8.8 8.8.4.4" } },
	{ "epoxy.ip=192.168.0.2::192.168.0.1:255.255.255.0:default-net:eth0::"
	  "8.8.8.8:",
	  { "ipv4: 192.168.0.2/24 gateway 192.168.0.1 dns 8.8.8.8",
	    "hostname: default-net" } },
	{ "ip=192.0.2.10::192.0.2.1:255.255.255.0:node1.example.org:eth1:off:"
	  "192.0.2.53:192.0.2.54",
	  { "ipv4: 192.0.2.10/24 gateway 192.0.2.1 dns 192.0.2.53 192.0.2.54",
	    "iface: name eth1 (ip=)", "hostname: node1.example.org" } },
	{ "ip=192.0.2.10:::24", { "ipv4: 192.0.2.10/24", "iface: auto",
				   "hostname: unchanged" } },
	{ "ip=192.0.2.10::0.0.0.0:255.255.255.255::eth0:none",
	  { "ipv4: 192.0.2.10/32" } },
	{ "ip=192.0.2.10:192.0.2.2:192.0.2.1:0.0.0.0:::static:::192.0.2.123",
	  { "ipv4: 192.0.2.10/0 gateway 192.0.2.1" } },
	{ "ip=192.0.2.10::192.0.2.1:255.255.255.192::eth0:off::192.0.2.54",
	  { "ipv4: 192.0.2.10/26 gateway 192.0.2.1 dns 192.0.2.54" } },
	{ "ip=192.0.2.10::192.0.2.1:255.255.128.0", { "ipv4: 192.0.2.10/17"
						      " gateway 192.0.2.1" } },
	{ "ip=[2001:db8::10]::[2001:db8::1]:64:host:eth0:off",
	  { "ipv6: 2001:db8::10/64 gateway 2001:db8::1", "ipv4: none",
	    "iface: name eth0 (ip=)", "hostname: host" } },
	{ "ip=[2001:db8::10]:[2001:db8::2]:[fe80::1]:128::eth0:off:"
	  "[2001:db8::53]:[2001:db8::54]:[2001:db8::123]",
	  { "ipv6: 2001:db8::10/128 gateway fe80::1 dns 2001:db8::53"
	    " 2001:db8::54" } },
	{ "ip=[2001:db8::10]::[::]:64", { "ipv6: 2001:db8::10/64" } },
	{ "ip=192.0.2.10::192.0.2.1:24::eth0:off "
	  "ip=[2001:db8::10]::[2001:db8::1]:64::eth0:off",
	  { "ipv4: 192.0.2.10/24 gateway 192.0.2.1",
	    "ipv6: 2001:db8::10/64 gateway 2001:db8::1",
	    "iface: name eth0 (ip=)" } },
	{ "ip=192.0.2.10::192.0.2.1:24::eth0:off ip=[2001:db8::10]:::64",
	  { "ipv6: 2001:db8::10/64", "iface: name eth0 (ip=)" } },
	{ "ip=192.0.2.10:::24::eth0 ip=192.0.2.11:::24::eth1",
	  { "ipv4: 192.0.2.11/24", "iface: name eth1 (ip=)" } },
	{ "ip=192.0.2.10:::24 epoxy.ip=192.0.2.11:::24",
	  { "ipv4: 192.0.2.11/24" } },
	{ "epoxy.ip=192.0.2.11:::24 ip=192.0.2.10:::24",
	  { "ipv4: 192.0.2.10/24" } },
	{ "ip=off", { "ipv4: none", "ipv6: none", "iface: auto" } },
	{ "ip=none", { "ipv4: none", "iface: auto" } },
	{ "ip=::::::", { "ipv4: none", "iface: auto", "hostname: unchanged" } },
	{ "ip=:::::eth2:off", { "ipv4: none", "iface: name eth2 (ip=)" } },
	{ "ip=::::h.example::", { "hostname: h.example", "iface: auto" } },
	{ "ip=:192.0.2.2::::::::192.0.2.123", { "ipv4: none" } },
	{ "ip=192.0.2.10::192.0.2.1:24::52-54-00-12-34-56:off",
	  { "iface: mac 52:54:00:12:34:56 (ip=)" } },
	{ "ip=192.0.2.10::192.0.2.1:24::[52:54:00:12:34:56]:off",
	  { "iface: mac 52:54:00:12:34:56 (ip=)" } },
	{ "ip=192.0.2.10:::24 ip=off", { "ipv4: 192.0.2.10/24" } },
	/* BOOTIF picks the uplink by MAC when nothing above it does. */
	{ "BOOTIF=01-52-54-00-12-34-56",
	  { "iface: mac 52:54:00:12:34:56 (BOOTIF)",
	    "bootif: 52:54:00:12:34:56" } },
	{ "BOOTIF=52-54-00-AB-CD-EF",
	  { "iface: mac 52:54:00:ab:cd:ef (BOOTIF)" } },
	{ "BOOTIF=01-52-54-00-12-34-56 BOOTIF=01-52-54-00-12-34-57",
	  { "iface: mac 52:54:00:12:34:57 (BOOTIF)",
	    "bootif: 52:54:00:12:34:57" } },
	{ "BOOTIF=01-52-54-00-12-34-56 fathom.iface=eth1",
	  { "iface: name eth1 (fathom.iface)", "bootif: 52:54:00:12:34:56" } },
	{ "fathom.iface=auto BOOTIF=01-52-54-00-12-34-56",
	  { "iface: auto (fathom.iface)", "bootif: 52:54:00:12:34:56" } },
	{ "BOOTIF=01-52-54-00-12-34-56 ip=192.0.2.10:::24",
	  { "iface: mac 52:54:00:12:34:56 (BOOTIF)", "ipv4: 192.0.2.10/24" } },
	{ "BOOTIF=01-52-54-00-12-34-56 ip=192.0.2.10:::24::eth3",
	  { "iface: name eth3 (ip=)" } },
	/* MTU and duplicate address detection. */
	{ "fathom.mtu=9000", { "mtu: 9000", "nodad: no" } },
	{ "fathom.mtu=68", { "mtu: 68" } },
	{ "fathom.mtu=1500 fathom.mtu=9000", { "mtu: 9000" } },
	{ "fathom.nodad", { "nodad: yes", "mtu: unchanged" } },
	{ "fathom.nodad=1", { "nodad: yes" } },
	{ "fathom.nodad=on", { "nodad: yes" } },
	{ "fathom.nodad fathom.nodad=0", { "nodad: no" } },
	{ "fathom.nodad=on fathom.nodad=off", { "nodad: no" } },
	/* The BMC's USB NIC. */
	{ "fathom.drac.usbnic", { "drac.usbnic: up, link-local only", "nodad: no" } },
	{ "fathom.drac.usbnic=on", { "drac.usbnic: up, link-local only" } },
	{ "fathom.drac.usbnic=on fathom.drac.usbnic=0", { "drac.usbnic: left down" } },
	{ "epoxy.ipv6=", { "ipv6: none" } },
	{ "epoxy.ipv6= ip=[2001:db8::10]:::64", { "ipv6: none" } },
	{ "ipv4=192.0.2.10/24 iface=eth1 mtu=1500", { "ipv4: none",
						       "iface: auto",
						       "mtu: unchanged" } },
};

static const struct bad_case bad_cases[] = {
	{ "fathom.ipv4=192.0.2.10/33",
	  "fathom.ipv4: \"192.0.2.10/33\": prefix length must be 0-32" },
	{ "fathom.ipv4=192.0.2.x/28",
	  "fathom.ipv4: \"192.0.2.x/28\": expected ADDR/PLEN[,GW[,DNS1[,DNS2]]]"
	  " with an IPv4 address" },
	{ "fathom.ipv4=192.0.2.10", "missing /PLEN" },
	{ "fathom.ipv4=192.0.2.10/", "prefix length must be 0-32" },
	{ "fathom.ipv4=192.0.2.10/abc", "prefix length must be 0-32" },
	{ "fathom.ipv4=192.0.2.10/-1", "prefix length must be 0-32" },
	{ "fathom.ipv4=192.0.2.10/+24", "prefix length must be 0-32" },
	{ "fathom.ipv4=192.0.2.10/24x", "prefix length must be 0-32" },
	{ "fathom.ipv4=\"192.0.2.10/ 24\"", "prefix length must be 0-32" },
	{ "fathom.ipv4=192.0.2.10/4294967320", "prefix length must be 0-32" },
	{ "fathom.ipv4=192.0.2.10/24/8", "expected ADDR/PLEN" },
	{ "fathom.ipv4=", "fathom.ipv4: \"\": expected ADDR/PLEN" },
	{ "fathom.ipv4",
	  "fathom.ipv4: missing value, expected "
	  "fathom.ipv4=ADDR/PLEN[,GW[,DNS1[,DNS2]]]" },
	{ "fathom.ipv4=192.0.2.10/28,192.0.2.1,192.0.2.53,192.0.2.54,192.0.2.55",
	  "too many fields" },
	{ "fathom.ipv4=192.0.2.10/28,2001:db8::1",
	  "gateway must be an IPv4 address" },
	{ "fathom.ipv4=192.0.2.10/28,192.0.2.1x",
	  "gateway must be an IPv4 address" },
	{ "fathom.ipv4=192.0.2.10/28,192.0.2.10",
	  "gateway must differ from the address" },
	{ "fathom.ipv4=192.0.2.10/28,192.0.2.1,8.8.8.8.8",
	  "DNS server must be an IPv4 address" },
	{ "fathom.ipv4=192.0.2.10/28,192.0.2.1,",
	  "DNS server must be an IPv4 address" },
	{ "fathom.ipv4=192.0.2.10/28,192.0.2.1,2001:db8::53",
	  "DNS server must be an IPv4 address" },
	{ "fathom.ipv4=2001:db8::10/64", "with an IPv4 address" },
	{ "fathom.ipv4=192.0.2.010/28", "with an IPv4 address" },
	{ "fathom.ipv4= 192.0.2.10/28", "fathom.ipv4: \"\"" },
	{ "fathom.ipv6=2001:db8::10/129", "prefix length must be 0-128" },
	{ "fathom.ipv6=2001:db8::10", "missing /PLEN" },
	{ "fathom.ipv6=192.0.2.10/24", "with an IPv6 address" },
	{ "fathom.ipv6=fe80::1%eth0/64", "with an IPv6 address" },
	{ "fathom.ipv6=2001:db8::10/64,192.0.2.1",
	  "gateway must be an IPv6 address" },
	{ "fathom.ipv6=2001:db8::10/64,2001:DB8::10",
	  "gateway must differ from the address" },
	{ "fathom.ipv6=2001:db8::10/64,,8.8.8.8",
	  "DNS server must be an IPv6 address" },
	{ "fathom.ipv6", "missing value" },
	{ "fathom.iface=", "fathom.iface: \"\": expected auto, a MAC address" },
	{ "fathom.iface", "fathom.iface: missing value" },
	{ "fathom.iface=abcdefghijklmnop", "1-15 characters" },
	{ "fathom.iface=a/b", "fathom.iface: \"a/b\"" },
	{ "fathom.iface=.", "fathom.iface: \".\"" },
	{ "fathom.iface=..", "fathom.iface: \"..\"" },
	{ "fathom.iface=eth0:1", "fathom.iface: \"eth0:1\"" },
	{ "fathom.iface=\"eth 0\"", "fathom.iface: \"eth 0\"" },
	{ "fathom.iface=52:54:00:12:34", "expected auto, a MAC address" },
	{ "fathom.iface=52:54-00:12:34:56", "expected auto, a MAC address" },
	{ "fathom.iface=52:54:00:12:34:5g", "expected auto, a MAC address" },
	{ "fathom.iface=52:54:00:12:34:567", "expected auto, a MAC address" },
	{ "fathom.hostname=", "fathom.hostname: \"\": expected a host name" },
	{ "fathom.hostname=.", "expected a host name" },
	{ "fathom.hostname=-node", "must not start or end with '-'" },
	{ "fathom.hostname=node-.example", "must not start or end with '-'" },
	{ "fathom.hostname=a..b", "empty label" },
	{ "fathom.hostname=.a", "empty label" },
	{ "fathom.hostname=under_score", "only letters, digits" },
	{ "fathom.hostname=\"a b\"", "only letters, digits" },
	{ "fathom.hostname=a234567890123456789012345678901234567890123456789"
	  "012345678901234.org", "each label must be 1-63 characters" },
	{ "fathom.hostname=h\xc3\xb6st", "fathom.hostname: \"h\\xc3\\xb6st\"" },
	{ "fathom.hostname=\"a\nb\"", "fathom.hostname: \"a\\x0ab\"" },
	{ "fathom.hostname=a\"b", "fathom.hostname: \"a\\\"b\"" },
	{ "fathom.link_timeout=0",
	  "fathom.link_timeout: \"0\": expected a number of seconds 1-3600" },
	{ "fathom.link_timeout=3601", "seconds 1-3600" },
	{ "fathom.link_timeout=60s", "seconds 1-3600" },
	{ "fathom.link_timeout=-1", "seconds 1-3600" },
	{ "fathom.link_timeout=", "seconds 1-3600" },
	{ "fathom.link_timeout=99999999999999999999", "seconds 1-3600" },
	{ "fathom.link_timeout", "expected fathom.link_timeout=SECONDS" },
	{ "fathom.link-timeout=0", "fathom.link-timeout: \"0\"" },
	{ "epoxy.ipv4=1.2.3.4/40", "epoxy.ipv4: \"1.2.3.4/40\": prefix length" },
	{ "epoxy.ipv6=1.2.3.4/24", "epoxy.ipv6: \"1.2.3.4/24\"" },
	{ "epoxy.interface=a/b", "epoxy.interface: \"a/b\"" },
	{ "epoxy.hostname=a_b", "epoxy.hostname: \"a_b\"" },
	{ "epoxy.interface", "expected epoxy.interface=NAME|MAC|auto" },
};

/* Each with its whole message. */
static const struct bad_case exact_bad_cases[] = {
	{ "fathom.ipv4=192.0.2.10/33",
	  "fathom.ipv4: \"192.0.2.10/33\": prefix length must be 0-32" },
	{ "fathom.ipv4=192.0.2.10/24,,",
	  "fathom.ipv4: \"192.0.2.10/24,,\": DNS server must be an IPv4"
	  " address" },
	{ "fathom.ipv4=,192.0.2.10/24",
	  "fathom.ipv4: \",192.0.2.10/24\": expected"
	  " ADDR/PLEN[,GW[,DNS1[,DNS2]]] with an IPv4 address" },
	{ "fathom.ipv4=192.0.2.10/24,,,,",
	  "fathom.ipv4: \"192.0.2.10/24,,,,\": too many fields: expected"
	  " ADDR/PLEN[,GW[,DNS1[,DNS2]]]" },
	{ "fathom.ipv6=2001:db8::10/64,,,",
	  "fathom.ipv6: \"2001:db8::10/64,,,\": DNS server must be an IPv6"
	  " address" },
	{ "epoxy.ipv6=2001:db8::10/64,192.0.2.1",
	  "epoxy.ipv6: \"2001:db8::10/64,192.0.2.1\": gateway must be an"
	  " IPv6 address (or empty for none)" },
	{ "fathom.iface=abcdefghijklmnop",
	  "fathom.iface: \"abcdefghijklmnop\": expected auto, a MAC address"
	  " aa:bb:cc:dd:ee:ff or an interface name of 1-15 characters without"
	  " '/', ':' or spaces" },
	{ "ip=dhcp", "ip: \"dhcp\": " STATIC_ONLY },
	/* A secret is named, its value never shown. */
	{ "fathom.platform.api-key=s3cr3t-k3y",
	  "fathom.platform.api-key: the API key is a secret: put it in fathom.conf on the"
	  " stick, not on the kernel command line" },
	{ "fathom.platform.api_key=s3cr3t-k3y",
	  "fathom.platform.api_key: the API key is a secret: put it in fathom.conf on the"
	  " stick, not on the kernel command line" },
	{ "platform.api-key=\"s3cr3t k3y\"",
	  "platform.api-key: the API key is a secret: put it in fathom.conf on the"
	  " stick, not on the kernel command line" },
	{ "ip=on", "ip: \"on\": " STATIC_ONLY },
	{ "ip=any", "ip: \"any\": " STATIC_ONLY },
	{ "ip=bootp", "ip: \"bootp\": " STATIC_ONLY },
	{ "ip=rarp", "ip: \"rarp\": " STATIC_ONLY },
	{ "ip=both", "ip: \"both\": " STATIC_ONLY },
	{ "ip=dhcp6", "ip: \"dhcp6\": " STATIC_ONLY },
	{ "ip=auto6", "ip: \"auto6\": " STATIC_ONLY },
	{ "ip=either6", "ip: \"either6\": " STATIC_ONLY },
	{ "epoxy.ip=dhcp", "epoxy.ip: \"dhcp\": " STATIC_ONLY },
	{ "ip=eth0:dhcp", "ip: \"eth0:dhcp\": " STATIC_ONLY },
	{ "ip=192.0.2.10::192.0.2.1:24:h:eth0:dhcp",
	  "ip: \"192.0.2.10::192.0.2.1:24:h:eth0:dhcp\": " STATIC_ONLY },
	{ "ip=:::::eth0:bootp", "ip: \":::::eth0:bootp\": " STATIC_ONLY },
	{ "ip=192.0.2.10::192.0.2.1:24:h:eth0:ibft",
	  "ip: \"192.0.2.10::192.0.2.1:24:h:eth0:ibft\": autoconf (7th field)"
	  " must be off, none, static or empty: Fathom configures static"
	  " addresses only" },
	{ "ip=", "ip: \"\": expected CLIENT:SERVER:GW:NETMASK:HOSTNAME:DEVICE:"
		 "AUTOCONF:DNS0:DNS1:NTP0 or off" },
	{ "ip", "ip: missing value, expected ip=CLIENT:SERVER:GW:NETMASK:"
		"HOSTNAME:DEVICE:AUTOCONF:DNS0:DNS1:NTP0" },
	{ "ip=192.0.2.10",
	  "ip: \"192.0.2.10\": a netmask (4th field) is needed with a client"
	  " address, such as 255.255.255.0 or 24" },
	{ "ip=192.0.2.10::192.0.2.1::h:eth0:off",
	  "ip: \"192.0.2.10::192.0.2.1::h:eth0:off\": a netmask (4th field) is"
	  " needed with a client address, such as 255.255.255.0 or 24" },
	{ "ip=[2001:db8::10]::[2001:db8::1]:::eth0:off",
	  "ip: \"[2001:db8::10]::[2001:db8::1]:::eth0:off\": a netmask (4th"
	  " field) is needed with a client address: a prefix length such as"
	  " 64" },
	{ "ip=192.0.2.10::192.0.2.1:255.0.255.0::eth0:off",
	  "ip: \"192.0.2.10::192.0.2.1:255.0.255.0::eth0:off\": netmask (4th"
	  " field) must be contiguous, such as 255.255.255.192" },
	{ "ip=192.0.2.10::192.0.2.1:255.255.255.1",
	  "ip: \"192.0.2.10::192.0.2.1:255.255.255.1\": netmask (4th field)"
	  " must be contiguous, such as 255.255.255.192" },
	{ "ip=192.0.2.10::192.0.2.1:255.255.255.256",
	  "ip: \"192.0.2.10::192.0.2.1:255.255.255.256\": netmask (4th field)"
	  " must be a dotted quad such as 255.255.255.0 or a prefix length"
	  " 0-32" },
	{ "ip=192.0.2.10::192.0.2.1:33",
	  "ip: \"192.0.2.10::192.0.2.1:33\": netmask (4th field) must be a"
	  " dotted quad such as 255.255.255.0 or a prefix length 0-32" },
	{ "ip=192.0.2.10:::/24",
	  "ip: \"192.0.2.10:::/24\": netmask (4th field) must be a dotted quad"
	  " such as 255.255.255.0 or a prefix length 0-32" },
	{ "ip=[2001:db8::10]:::255.255.255.0",
	  "ip: \"[2001:db8::10]:::255.255.255.0\": netmask (4th field) must be"
	  " a prefix length 0-128 for an IPv6 client" },
	{ "ip=[2001:db8::10]:::129",
	  "ip: \"[2001:db8::10]:::129\": netmask (4th field) must be a prefix"
	  " length 0-128 for an IPv6 client" },
	{ "ip=192.0.2.10::[2001:db8::1]:24::eth0:off",
	  "ip: \"192.0.2.10::[2001:db8::1]:24::eth0:off\": gateway (3rd field)"
	  " must be an IPv4 address like the client's, or empty" },
	{ "ip=[2001:db8::10]::192.0.2.1:64",
	  "ip: \"[2001:db8::10]::192.0.2.1:64\": gateway (3rd field) must be"
	  " an IPv6 address in [brackets] like the client's, or empty" },
	{ "ip=192.0.2.10::192.0.2.10:24",
	  "ip: \"192.0.2.10::192.0.2.10:24\": gateway must differ from the"
	  " address" },
	{ "ip=192.0.2.10:192.0.2.300:192.0.2.1:24",
	  "ip: \"192.0.2.10:192.0.2.300:192.0.2.1:24\": server (2nd field)"
	  " must be an IPv4 address like the client's, or empty" },
	{ "ip=192.0.2.10:::24:::off:8.8.8.8:[2001:db8::53]",
	  "ip: \"192.0.2.10:::24:::off:8.8.8.8:[2001:db8::53]\": DNS servers"
	  " (8th and 9th fields) must be IPv4 addresses like the client's" },
	{ "ip=[2001:db8::10]:::64:::off:8.8.8.8",
	  "ip: \"[2001:db8::10]:::64:::off:8.8.8.8\": DNS servers (8th and"
	  " 9th fields) must be IPv6 addresses in [brackets] like the"
	  " client's" },
	{ "ip=192.0.2.10:::24:::off:::ntp.example",
	  "ip: \"192.0.2.10:::24:::off:::ntp.example\": NTP server (10th"
	  " field) must be an IPv4 address like the client's, or empty" },
	{ "ip=192.0.2.10:::24:::off:::192.0.2.123:",
	  "ip: \"192.0.2.10:::24:::off:::192.0.2.123:\": too many fields:"
	  " expected CLIENT:SERVER:GW:NETMASK:HOSTNAME:DEVICE:AUTOCONF:DNS0:"
	  "DNS1:NTP0 with IPv6 addresses in [brackets]" },
	{ "ip=2001:db8::10::2001:db8::1:64::eth0:off",
	  "ip: \"2001:db8::10::2001:db8::1:64::eth0:off\": too many fields:"
	  " expected CLIENT:SERVER:GW:NETMASK:HOSTNAME:DEVICE:AUTOCONF:DNS0:"
	  "DNS1:NTP0 with IPv6 addresses in [brackets]" },
	{ "ip=2001:db8::10/64",
	  "ip: \"2001:db8::10/64\": client address (1st field) must be an IPv4"
	  " address or an IPv6 address in [brackets]" },
	{ "ip=192.0.2.x:::24",
	  "ip: \"192.0.2.x:::24\": client address (1st field) must be an IPv4"
	  " address or an IPv6 address in [brackets]" },
	{ "ip=[2001:db8::10:::64",
	  "ip: \"[2001:db8::10:::64\": brackets must enclose a whole field, as"
	  " in [2001:db8::1]" },
	{ "ip=[2001:db8::10]x:::64",
	  "ip: \"[2001:db8::10]x:::64\": brackets must enclose a whole field,"
	  " as in [2001:db8::1]" },
	{ "ip=x[2001:db8::10]:::64",
	  "ip: \"x[2001:db8::10]:::64\": brackets must enclose a whole field,"
	  " as in [2001:db8::1]" },
	{ "ip=:::255.255.255.0::eth0:off",
	  "ip: \":::255.255.255.0::eth0:off\": a gateway, netmask or DNS"
	  " server needs a client address (1st field)" },
	{ "ip=:::::::8.8.8.8",
	  "ip: \":::::::8.8.8.8\": a gateway, netmask or DNS server needs a"
	  " client address (1st field)" },
	{ "ip=:nfs.example",
	  "ip: \":nfs.example\": server (2nd field) and NTP server (10th"
	  " field) must be addresses, or empty" },
	{ "ip=192.0.2.10:::24:bad_host:eth0:off",
	  "ip: \"192.0.2.10:::24:bad_host:eth0:off\": hostname (5th field):"
	  " only letters, digits, '-' and '.' are allowed" },
	{ "ip=192.0.2.10:::24:h:a/b:off",
	  "ip: \"192.0.2.10:::24:h:a/b:off\": device (6th field) must be an"
	  " interface name of 1-15 characters or a MAC address"
	  " aa-bb-cc-dd-ee-ff" },
	{ "ip=192.0.2.10:::24::eth0 ip=[2001:db8::10]:::64::eth1",
	  "ip: \"[2001:db8::10]:::64::eth1\": device (6th field) differs from"
	  " the IPv4 ip=: Fathom configures one uplink" },
	{ "ip=[2001:db8::10]:::64::eth1 epoxy.ip=192.0.2.10:::24::eth0",
	  "epoxy.ip: \"192.0.2.10:::24::eth0\": device (6th field) differs"
	  " from the IPv6 ip=: Fathom configures one uplink" },
	{ "epoxy.ip=4.14.159.86::4.14.159.65:255.255.255.192:"
	  "mlab1-lga0t.mlab-oti.measurement-lab.org:eth0:dhcp:8.8.8.8:8.8.4.4",
	  "epoxy.ip: \"4.14.159.86::4.14.159.65:255.255.255.192:mlab1-lga0t."
	  "mlab-oti.me...\": " STATIC_ONLY },
	{ "BOOTIF=01-52-54-00-12-34",
	  "BOOTIF: \"01-52-54-00-12-34\": expected 01-aa-bb-cc-dd-ee-ff (ARP"
	  " type 01, Ethernet, then the boot NIC's MAC address)" },
	{ "BOOTIF=06-52-54-00-12-34-56",
	  "BOOTIF: \"06-52-54-00-12-34-56\": expected 01-aa-bb-cc-dd-ee-ff (ARP"
	  " type 01, Ethernet, then the boot NIC's MAC address)" },
	{ "BOOTIF=01-52-54-00-12-34-5g",
	  "BOOTIF: \"01-52-54-00-12-34-5g\": expected 01-aa-bb-cc-dd-ee-ff (ARP"
	  " type 01, Ethernet, then the boot NIC's MAC address)" },
	{ "BOOTIF=",
	  "BOOTIF: \"\": expected 01-aa-bb-cc-dd-ee-ff (ARP type 01, Ethernet,"
	  " then the boot NIC's MAC address)" },
	{ "BOOTIF", "BOOTIF: missing value, expected BOOTIF=01-aa-bb-cc-dd-ee-ff" },
	{ "fathom.mtu=67", "fathom.mtu: \"67\": expected an MTU of 68-9000"
			   " bytes" },
	{ "fathom.mtu=9001", "fathom.mtu: \"9001\": expected an MTU of 68-9000"
			     " bytes" },
	{ "fathom.mtu=1500b", "fathom.mtu: \"1500b\": expected an MTU of"
			      " 68-9000 bytes" },
	{ "fathom.mtu=0", "fathom.mtu: \"0\": expected an MTU of 68-9000"
			  " bytes" },
	{ "fathom.mtu=", "fathom.mtu: \"\": expected an MTU of 68-9000 bytes" },
	{ "fathom.mtu", "fathom.mtu: missing value, expected fathom.mtu=BYTES" },
	{ "fathom.nodad=yes", "fathom.nodad: \"yes\": expected the flag alone,"
			      " or =1, =on, =0 or =off" },
	{ "fathom.nodad=", "fathom.nodad: \"\": expected the flag alone, or =1,"
			   " =on, =0 or =off" },
	{ "fathom.drac.usbnic=dhcp", "fathom.drac.usbnic: \"dhcp\": expected the flag alone,"
				     " or =1, =on, =0 or =off" },
};

static void collect_error(void *ctx, const char *msg)
{
	struct error_log *log = ctx;

	size_t used = strlen(log->all);

	log->count++;
	snprintf(log->last, sizeof(log->last), "%s", msg);
	snprintf(log->all + used, sizeof(log->all) - used, "%s\n", msg);
}

/* True if text has line as one whole line. */
static int has_line(const char *text, const char *line)
{
	size_t len = strlen(line);
	const char *p;

	for (p = text; (p = strstr(p, line)) != NULL; p++) {
		if ((p == text || p[-1] == '\n') && p[len] == '\n')
			return 1;
	}
	return 0;
}

static void format_config(const struct netcfg_config *cfg, char *text)
{
	if (netcfg_config_format(cfg, text, TEXT_SIZE) < 0)
		snprintf(text, TEXT_SIZE, "(format failed)");
}

static void test_good_case(const struct good_case *tc)
{
	struct error_log log = { 0 };
	struct netcfg_config cfg;
	char text[TEXT_SIZE];
	int errors, i;

	netcfg_config_init(&cfg);
	errors = netcfg_parse_cmdline(&cfg, tc->cmdline, collect_error, &log);
	CHECK(errors == 0 && log.count == 0, "good \"%s\": no errors (%s)",
	      tc->cmdline, log.last);
	format_config(&cfg, text);
	for (i = 0; i < GOOD_LINES && tc->lines[i]; i++)
		CHECK(has_line(text, tc->lines[i]), "good \"%s\": has \"%s\"",
		      tc->cmdline, tc->lines[i]);
}

static void test_bad_case(const struct bad_case *tc, int exact)
{
	struct netcfg_config cfg, before;
	struct error_log log = { 0 };
	int errors;

	netcfg_config_init(&cfg);
	netcfg_parse_cmdline(&cfg, baseline_cmdline, NULL, NULL);
	before = cfg;
	errors = netcfg_parse_cmdline(&cfg, tc->cmdline, collect_error, &log);
	CHECK(errors == 1 && log.count == 1, "bad \"%s\": one error (%d)",
	      tc->cmdline, errors);
	if (exact) {
		int same = strcmp(log.last, tc->message) == 0;

		CHECK(same, "bad \"%s\": exact message", tc->cmdline);
		if (!same)
			printf("#   got  %s\n#   want %s\n", log.last,
			       tc->message);
	} else {
		CHECK(strstr(log.last, tc->message) != NULL,
		      "bad \"%s\": message \"%s\" has \"%s\"", tc->cmdline,
		      log.last, tc->message);
	}
	CHECK(strchr(log.last, '\n') == NULL, "bad \"%s\": one line",
	      tc->cmdline);
	CHECK(memcmp(&cfg, &before, sizeof(cfg)) == 0,
	      "bad \"%s\": config unchanged", tc->cmdline);
}

static void test_tables(void)
{
	size_t i;

	for (i = 0; i < sizeof(good_cases) / sizeof(good_cases[0]); i++)
		test_good_case(&good_cases[i]);
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++)
		test_bad_case(&bad_cases[i], 0);
	for (i = 0; i < sizeof(exact_bad_cases) / sizeof(exact_bad_cases[0]); i++)
		test_bad_case(&exact_bad_cases[i], 1);
	printf("# %zu good cases, %zu bad cases, %zu exact bad cases\n",
	       sizeof(good_cases) / sizeof(good_cases[0]),
	       sizeof(bad_cases) / sizeof(bad_cases[0]),
	       sizeof(exact_bad_cases) / sizeof(exact_bad_cases[0]));
}

/* One key as each source would set it, highest rank first, and the line
 * config_format must show when that source wins. A NULL text: the source
 * cannot set this key. */
struct precedence_case {
	const char *name;
	const char *cmdline[4];		/* fathom.*, epoxy.*, ip=, BOOTIF */
	const char *file;
	const char *expect[4];
	const char *expect_file;
	const char *expect_default;
};

static const struct precedence_case precedence_cases[] = {
	{ "iface",
	  { "fathom.iface=eth1", "epoxy.interface=eth2", "ip=:::::eth3:off",
	    "BOOTIF=01-52-54-00-00-00-04" },
	  "iface=eth5\n",
	  { "iface: name eth1 (fathom.iface)",
	    "iface: name eth2 (epoxy.interface)", "iface: name eth3 (ip=)",
	    "iface: mac 52:54:00:00:00:04 (BOOTIF)" },
	  "iface: name eth5 (network.conf)", "iface: auto" },
	{ "ipv4",
	  { "fathom.ipv4=10.0.0.1/8", "epoxy.ipv4=10.0.0.2/8",
	    "epoxy.ip=10.0.0.3:::8", NULL },
	  "fathom.ipv4=10.0.0.5/8\n",
	  { "ipv4: 10.0.0.1/8", "ipv4: 10.0.0.2/8", "ipv4: 10.0.0.3/8", NULL },
	  "ipv4: 10.0.0.5/8", "ipv4: none" },
	{ "ipv6",
	  { "fathom.ipv6=2001:db8::1/64", "epoxy.ipv6=2001:db8::2/64",
	    "ip=[2001:db8::3]:::64", NULL },
	  "ipv6=2001:db8::5/64\n",
	  { "ipv6: 2001:db8::1/64", "ipv6: 2001:db8::2/64",
	    "ipv6: 2001:db8::3/64", NULL },
	  "ipv6: 2001:db8::5/64", "ipv6: none" },
	{ "hostname",
	  { "fathom.hostname=h1", "epoxy.hostname=h2", "ip=::::h3", NULL },
	  "hostname=h5\n",
	  { "hostname: h1", "hostname: h2", "hostname: h3", NULL },
	  "hostname: h5", "hostname: unchanged" },
	{ "mtu", { "fathom.mtu=9000", NULL, NULL, NULL }, "mtu=1500\n",
	  { "mtu: 9000", NULL, NULL, NULL }, "mtu: 1500", "mtu: unchanged" },
	{ "nodad", { "fathom.nodad=0", NULL, NULL, NULL }, "nodad\n",
	  { "nodad: no", NULL, NULL, NULL }, "nodad: yes", "nodad: no" },
	{ "link_timeout", { "fathom.link_timeout=5", NULL, NULL, NULL },
	  "link-timeout=7\n", { "link_timeout: 5s", NULL, NULL, NULL },
	  "link_timeout: 7s", "link_timeout: 60s" },
};

/* The 24 orders of four sources. */
static void permutations(int perms[24][4])
{
	int n = 0, a, b, c, d;

	for (a = 0; a < 4; a++)
		for (b = 0; b < 4; b++)
			for (c = 0; c < 4; c++)
				for (d = 0; d < 4; d++) {
					if (a == b || a == c || a == d ||
					    b == c || b == d || c == d)
						continue;
					perms[n][0] = a;
					perms[n][1] = b;
					perms[n][2] = c;
					perms[n][3] = d;
					n++;
				}
}

/* Every subset of the command-line sources in every order, with the file
 * absent, parsed first or parsed last: the highest-ranked source present
 * must win. Returns the number of runs; counts failures in *failed. */
static int precedence_run(const struct precedence_case *pc, int *failed,
			  char *first_failure, size_t size)
{
	int perms[24][4], p, mask, file_mode, i, runs = 0;

	permutations(perms);
	for (p = 0; p < 24; p++)
	for (mask = 0; mask < 16; mask++)
	for (file_mode = 0; file_mode < 3; file_mode++) {
		struct netcfg_config cfg;
		char cmdline[512] = "", text[TEXT_SIZE];
		const char *expect = file_mode ? pc->expect_file
					       : pc->expect_default;
		int best = 4, errors = 0;

		for (i = 0; i < 4; i++) {
			int src = perms[p][i];

			if (!(mask & (1 << src)) || !pc->cmdline[src])
				continue;
			strcat(cmdline, pc->cmdline[src]);
			strcat(cmdline, " ");
			if (src < best)
				best = src;
		}
		if (best < 4)
			expect = pc->expect[best];
		netcfg_config_init(&cfg);
		if (file_mode == 1)
			errors += netcfg_parse_file(&cfg, pc->file, CONF, NULL,
						    NULL);
		errors += netcfg_parse_cmdline(&cfg, cmdline, NULL, NULL);
		if (file_mode == 2)
			errors += netcfg_parse_file(&cfg, pc->file, CONF, NULL,
						    NULL);
		format_config(&cfg, text);
		runs++;
		if (errors == 0 && has_line(text, expect))
			continue;
		if ((*failed)++ == 0)
			snprintf(first_failure, size, "\"%s\" file %s: want %s",
				 cmdline, file_mode == 0 ? "absent" :
				 file_mode == 1 ? "first" : "last", expect);
	}
	return runs;
}

static void test_precedence_orders(void)
{
	size_t i;

	for (i = 0; i < sizeof(precedence_cases) / sizeof(precedence_cases[0]);
	     i++) {
		const struct precedence_case *pc = &precedence_cases[i];
		char first_failure[MSG_SIZE] = "";
		int failed = 0, runs;

		runs = precedence_run(pc, &failed, first_failure,
				      sizeof(first_failure));
		CHECK(failed == 0, "precedence %s: %d orders, %d wrong %s",
		      pc->name, runs, failed, first_failure);
	}
}

/* Precedence by field: a higher-ranked source wins only the fields it
 * sets, and an empty epoxy.ipv6= is an explicit "no IPv6". */
static void test_precedence_fields(void)
{
	struct netcfg_config cfg, other;
	char text[TEXT_SIZE];

	netcfg_config_init(&cfg);
	netcfg_parse_cmdline(&cfg, "BOOTIF=01-52-54-00-00-00-04 "
			     "fathom.ipv4=10.0.0.1/8", NULL, NULL);
	netcfg_parse_cmdline(&cfg, mlab_epoxy_ip, NULL, NULL);
	format_config(&cfg, text);
	CHECK(has_line(text, "ipv4: 10.0.0.1/8") &&
	      has_line(text, "iface: name eth0 (ip=)") &&
	      has_line(text, "hostname: mlab1-lga0t.mlab-oti."
			     "measurement-lab.org"),
	      "precedence: ip= loses ipv4 to fathom, wins iface and hostname\n%s",
	      text);

	netcfg_config_init(&cfg);
	netcfg_parse_file(&cfg, "ipv6=2001:db8::5/64\n", CONF, NULL, NULL);
	netcfg_parse_cmdline(&cfg, "epoxy.ipv6=", NULL, NULL);
	format_config(&cfg, text);
	CHECK(has_line(text, "ipv6: none"),
	      "precedence: empty epoxy.ipv6= overrides the file's ipv6");

	/* The file before or after the command line: the same result. */
	netcfg_config_init(&cfg);
	netcfg_parse_file(&cfg, "ipv4=10.9.9.9/8\niface=eth9\nhostname=f\n"
			  "mtu=1500\nnodad\nlink_timeout=9\n", CONF, NULL, NULL);
	netcfg_parse_cmdline(&cfg, mlab_cmdline, NULL, NULL);
	netcfg_parse_cmdline(&cfg, "BOOTIF=01-52-54-00-00-00-04", NULL, NULL);
	netcfg_config_init(&other);
	netcfg_parse_cmdline(&other, mlab_cmdline, NULL, NULL);
	netcfg_parse_cmdline(&other, "BOOTIF=01-52-54-00-00-00-04", NULL, NULL);
	netcfg_parse_file(&other, "ipv4=10.9.9.9/8\niface=eth9\nhostname=f\n"
			  "mtu=1500\nnodad\nlink_timeout=9\n", CONF, NULL, NULL);
	CHECK(memcmp(&cfg, &other, sizeof(cfg)) == 0,
	      "precedence: file first or last gives the same config");
	format_config(&cfg, text);
	CHECK(has_line(text, "iface: name eth0 (epoxy.interface)") &&
	      has_line(text, "mtu: 1500") && has_line(text, "nodad: yes") &&
	      has_line(text, "link_timeout: 9s") &&
	      has_line(text, "bootif: 52:54:00:00:00:04"),
	      "precedence: the file fills what the command line leaves\n%s",
	      text);
}

/* A good file, every syntax at once, checked through config_format. */
static void test_file_good(void)
{
	static const char file[] =
		"# Fathom network configuration\n"
		"\n"
		"ipv4 = 192.0.2.10/24,192.0.2.1,192.0.2.53\n"
		"   # indented comment\n"
		"fathom.ipv6=\"2001:db8::10/64,2001:db8::1\"\r\n"
		"\t iface=eth1 \t\r\n"
		"hostname=node1.example.org\n"
		"link-timeout=30\n"
		"fathom.mtu=9000\n"
		"nodad\n"
		"ndt7.label=site=abc01\n"
		"fathom.ndt7.verbose\n"
		"ndt7.max_tests_per_addr = \"4\"\n"
		"ipv4=192.0.2.10/24,192.0.2.1,192.0.2.53\n"
		"epoxy.hostname=node1.example.org";
	struct error_log log = { 0 };
	struct netcfg_config cfg;
	char text[TEXT_SIZE];
	int errors;

	netcfg_config_init(&cfg);
	errors = netcfg_parse_file(&cfg, file, CONF, collect_error, &log);
	CHECK(errors == 0 && log.count == 0, "file: good, no errors (%s)",
	      log.last);
	format_config(&cfg, text);
	CHECK(strcmp(text, "ipv4: 192.0.2.10/24 gateway 192.0.2.1"
		     " dns 192.0.2.53\n"
		     "ipv6: 2001:db8::10/64 gateway 2001:db8::1\n"
		     "iface: name eth1 (network.conf)\n"
		     "hostname: node1.example.org\n"
		     "link_timeout: 30s\nmtu: 9000\nnodad: yes\n" "drac.usbnic: left down\n") == 0,
	      "file: every syntax\n%s", text);

	netcfg_config_init(&cfg);
	errors = netcfg_parse_file(&cfg, "ip=192.0.2.10::192.0.2.1:24::eth0:off\n"
				   "ip=[2001:db8::10]:::64::eth0:off\n"
				   "iface=eth0\n", CONF, NULL, NULL);
	format_config(&cfg, text);
	CHECK(errors == 0 && has_line(text, "ipv6: 2001:db8::10/64") &&
	      has_line(text, "ipv4: 192.0.2.10/24 gateway 192.0.2.1") &&
	      has_line(text, "iface: name eth0 (network.conf)"),
	      "file: ip= of each family, same device\n%s", text);

	netcfg_config_init(&cfg);
	CHECK(netcfg_parse_file(&cfg, "", CONF, NULL, NULL) == 0 &&
	      netcfg_parse_file(&cfg, NULL, CONF, NULL, NULL) == 0 &&
	      netcfg_parse_file(&cfg, "\n\n# x\n  \n", CONF, NULL, NULL) == 0,
	      "file: empty, NULL and comments only");
	format_config(&cfg, text);
	CHECK(strcmp(text, "ipv4: none\nipv6: none\niface: auto\n"
		     "hostname: unchanged\nlink_timeout: 60s\n"
		     "mtu: unchanged\nnodad: no\ndrac.usbnic: left down\n") == 0,
	      "file: empty leaves the defaults");
}

#define UNKNOWN_KEY "unknown key: expected ipv4, ipv6, iface, hostname," \
	" link_timeout, mtu, nodad or drac.usbnic (each also as fathom.KEY), ip," \
	" epoxy.ipv4, epoxy.ipv6, epoxy.interface, epoxy.hostname or" \
	" epoxy.ip; or a service's ndt7.OPTION (also platform.*, upload.*)"

/* A bad file and every message it must cause, one per line. */
struct file_case {
	const char *text;
	const char *messages;
};

static const struct file_case bad_files[] = {
	{ "# network\n\nfathom.ipv4=10.0.0.1/33\n",
	  CONF ":3: fathom.ipv4: \"10.0.0.1/33\": prefix length must be"
	  " 0-32\n" },
	{ "ipv4=10.0.0.1/33\n",
	  CONF ":1: ipv4: \"10.0.0.1/33\": prefix length must be 0-32\n" },
	{ "ipv5=10.0.0.1/8\n",
	  CONF ":1: ipv5: " UNKNOWN_KEY "\n" },
	{ "\n\nepoxy.stage1=https://x\nBOOTIF=01-52-54-00-12-34-56\n"
	  "fathom.watchdog=off\n",
	  CONF ":3: epoxy.stage1: " UNKNOWN_KEY "\n"
	  CONF ":4: BOOTIF: " UNKNOWN_KEY "\n"
	  CONF ":5: fathom.watchdog: " UNKNOWN_KEY "\n" },
	/* A service's keys are the service's; near misses are still typos. */
	{ "ndt7=x\nndt7.label=site=a\nfathom.ndt7.verbose\nplatform.key=k\n"
	  "upload.url=\"https://x\"\nndt7label=y\nndt8.label=z\nfathom.ndt7x.a=1\n",
	  CONF ":1: ndt7: " UNKNOWN_KEY "\n"
	  CONF ":6: ndt7label: " UNKNOWN_KEY "\n"
	  CONF ":7: ndt8.label: " UNKNOWN_KEY "\n"
	  CONF ":8: fathom.ndt7x.a: " UNKNOWN_KEY "\n" },
	{ "ndt7.\n", CONF ":1: ndt7.: " UNKNOWN_KEY "\n" },
	{ "=10.0.0.1/8\n",
	  CONF ":1: =10.0.0.1/8: expected KEY=VALUE\n" },
	{ "ipv4\n",
	  CONF ":1: ipv4: missing value, expected"
	  " ipv4=ADDR/PLEN[,GW[,DNS1[,DNS2]]]\n" },
	{ "ipv4=10.0.0.1/8\nfathom.ipv4=10.0.0.2/8\n",
	  CONF ":2: fathom.ipv4: \"10.0.0.2/8\": ipv4 already set on line 1\n" },
	{ "hostname=a\r\nip=::::b\r\n",
	  CONF ":2: ip: \"::::b\": hostname already set on line 1\n" },
	{ "nodad\nmtu=1500\nnodad=0\nmtu=1500\n",
	  CONF ":3: nodad: \"0\": nodad already set on line 1\n" },
	{ "epoxy.interface=eth0\niface=eth1\n",
	  CONF ":2: iface: \"eth1\": iface already set on line 1\n" },
	{ "nodad=maybe\n",
	  CONF ":1: nodad: \"maybe\": expected the flag alone, or =1, =on, =0"
	  " or =off\n" },
	{ "hostname=\"node1\n",
	  CONF ":1: hostname: \"\\\"node1\": only letters, digits, '-' and '.'"
	  " are allowed\n" },
	{ "mtu=\"\"\n",
	  CONF ":1: mtu: \"\": expected an MTU of 68-9000 bytes\n" },
	{ "ip=dhcp\n", CONF ":1: ip: \"dhcp\": " STATIC_ONLY "\n" },
	{ "ip=192.0.2.10:::24::eth0\nip=[2001:db8::10]:::64::eth1\n",
	  CONF ":2: ip: \"[2001:db8::10]:::64::eth1\": device (6th field)"
	  " differs from the IPv4 ip=: Fathom configures one uplink\n" },
	{ "iface=a/b\nmtu=20\nipv6=2001:db8::1\n",
	  CONF ":1: iface: \"a/b\": expected auto, a MAC address"
	  " aa:bb:cc:dd:ee:ff or an interface name of 1-15 characters without"
	  " '/', ':' or spaces\n"
	  CONF ":2: mtu: \"20\": expected an MTU of 68-9000 bytes\n"
	  CONF ":3: ipv6: \"2001:db8::1\": missing /PLEN prefix length after"
	  " the address\n" },
	{ "ho\001st=x\n",
	  CONF ":1: ho\\x01st: " UNKNOWN_KEY "\n" },
};

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void test_file_bad(void)
{
	size_t i;

	for (i = 0; i < sizeof(bad_files) / sizeof(bad_files[0]); i++) {
		const struct file_case *fc = &bad_files[i];
		struct error_log log = { 0 };
		struct netcfg_config cfg;
		int errors, same;

		netcfg_config_init(&cfg);
		errors = netcfg_parse_file(&cfg, fc->text, CONF, collect_error,
					   &log);
		same = strcmp(log.all, fc->messages) == 0;
		CHECK(same && errors == count_lines(fc->messages) &&
		      errors == log.count, "bad file %zu: %d errors, messages",
		      i, errors);
		if (!same)
			printf("#   got  %s#   want %s", log.all, fc->messages);
	}
	printf("# %zu bad files\n", sizeof(bad_files) / sizeof(bad_files[0]));
}

/* What a bad file line does not change, and what the rest still sets. */
static void test_file_partial(void)
{
	struct error_log log = { 0 };
	struct netcfg_config cfg;
	char text[TEXT_SIZE];
	int errors;

	netcfg_config_init(&cfg);
	errors = netcfg_parse_file(&cfg, "ipv4=10.0.0.1/8\nipv4=10.0.0.2/8\n"
				   "bogus\nhostname=h\n", NULL, collect_error,
				   &log);
	format_config(&cfg, text);
	CHECK(errors == 2 && has_line(text, "ipv4: 10.0.0.1/8") &&
	      has_line(text, "hostname: h"),
	      "file: first of a repeated key stays, the rest applies");
	CHECK(strncmp(log.all, "line 2: ipv4: ", 14) == 0,
	      "file: without a path, messages say the line: %s", log.last);
	netcfg_config_init(&cfg);
	CHECK(netcfg_parse_file(&cfg, "ipv4=10.0.0.1/33\n", CONF, NULL, NULL)
	      == 1, "file: errors counted without a callback");
}

/* The M-Lab example, checked field by field rather than through format. */
static void test_mlab_struct(void)
{
	static const unsigned char addr4[4] = { 4, 14, 159, 86 };
	static const unsigned char gw4[4] = { 4, 14, 159, 65 };
	static const unsigned char dns4[4] = { 8, 8, 4, 4 };
	struct netcfg_config cfg;

	netcfg_config_init(&cfg);
	CHECK(netcfg_parse_cmdline(&cfg, mlab_cmdline, NULL, NULL) == 0,
	      "mlab: parses");
	CHECK(cfg.ipv4.family == AF_INET && cfg.ipv4.prefixlen == 26 &&
	      memcmp(cfg.ipv4.addr, addr4, 4) == 0, "mlab: ipv4 address");
	CHECK(cfg.ipv4.has_gateway && memcmp(cfg.ipv4.gateway, gw4, 4) == 0,
	      "mlab: ipv4 gateway");
	CHECK(cfg.ipv4.ndns == 2 && memcmp(cfg.ipv4.dns[1], dns4, 4) == 0,
	      "mlab: ipv4 dns");
	CHECK(cfg.ipv6.family == AF_INET6 && cfg.ipv6.prefixlen == 64 &&
	      cfg.ipv6.has_gateway && cfg.ipv6.ndns == 2, "mlab: ipv6");
	CHECK(cfg.iface_kind == NETCFG_IFACE_NAME &&
	      strcmp(cfg.iface_name, "eth0") == 0, "mlab: iface eth0");
	CHECK(strcmp(cfg.hostname, "mlab1-lga0t.mlab-oti.measurement-lab.org")
	      == 0, "mlab: hostname");
	CHECK(cfg.link_timeout == NETCFG_DEFAULT_LINK_TIMEOUT,
	      "mlab: default link timeout");
}

/* A bad parameter is reported, the rest of the line still applies, and
 * an invalid fathom.* leaves a valid alias in place. */
static void test_partial_errors(void)
{
	struct error_log log = { 0 };
	struct netcfg_config cfg;
	int errors;

	/* Parsing has effects, so each result is taken once, outside CHECK
	 * (which evaluates its condition twice). */
	netcfg_config_init(&cfg);
	errors = netcfg_parse_cmdline(&cfg, "fathom.ipv4=bad fathom.iface=eth1 "
				      "fathom.link_timeout=0 fathom.hostname=h",
				      collect_error, &log);
	CHECK(errors == 2 && log.count == 2, "partial: two errors");
	CHECK(cfg.ipv4.family == 0 && cfg.iface_kind == NETCFG_IFACE_NAME &&
	      strcmp(cfg.hostname, "h") == 0 && cfg.link_timeout == 60,
	      "partial: good parameters applied");
	netcfg_config_init(&cfg);
	CHECK(netcfg_parse_cmdline(&cfg, "fathom.iface=a/b epoxy.interface=eth0",
				   NULL, NULL) == 1,
	      "partial: error counted without a callback");
	CHECK(strcmp(cfg.iface_name, "eth0") == 0,
	      "partial: alias kept when fathom.iface is bad");
	CHECK(netcfg_parse_cmdline(&cfg, NULL, NULL, NULL) == 0,
	      "partial: NULL command line is empty");
}

/* Values longer than the message limit are cut and marked. */
static void test_long_value(void)
{
	char cmdline[400], expect[100];
	struct error_log log = { 0 };
	struct netcfg_config cfg;

	memset(cmdline, 'a', sizeof(cmdline) - 1);
	cmdline[sizeof(cmdline) - 1] = '\0';
	memcpy(cmdline, "fathom.hostname=", 16);
	snprintf(expect, sizeof(expect), "fathom.hostname: \"%.64s...\": ",
		 cmdline + 16);
	netcfg_config_init(&cfg);
	netcfg_parse_cmdline(&cfg, cmdline, collect_error, &log);
	CHECK(strncmp(log.last, expect, strlen(expect)) == 0,
	      "long value truncated: %s", log.last);
	CHECK(strstr(log.last, "at most 253 characters") != NULL,
	      "long value: says the limit");
}

static void test_parse_param(void)
{
	struct error_log log = { 0 };
	struct netcfg_config cfg;
	int r;

	netcfg_config_init(&cfg);
	r = netcfg_parse_param(&cfg, "root", "/dev/sda1", collect_error, &log);
	CHECK(r == 0 && log.count == 0, "param: not ours is ignored");
	r = netcfg_parse_param(&cfg, "fathom.iface", "eth4", collect_error, &log);
	CHECK(r == 0 && strcmp(cfg.iface_name, "eth4") == 0,
	      "param: valid applies");
	r = netcfg_parse_param(&cfg, "fathom.iface", "a/b", collect_error, &log);
	CHECK(r == -1 && log.count == 1 && strcmp(cfg.iface_name, "eth4") == 0,
	      "param: invalid reported, config kept");
	r = netcfg_parse_param(&cfg, "fathom.iface", NULL, NULL, NULL);
	CHECK(r == -1, "param: missing value is an error");
	r = netcfg_parse_param(&cfg, "fathom.ipv6", "", NULL, NULL);
	CHECK(r == 0 && cfg.ipv6.family == 0, "param: empty ipv6 means none");
	r = netcfg_parse_param(&cfg, "fathom.hostname", "\"q\"", NULL, NULL);
	CHECK(r == -1, "param: values are taken literally, no quote removal");
	r = netcfg_parse_param(&cfg, "fathom.nodad", NULL, NULL, NULL);
	CHECK(r == 0 && cfg.nodad == 1, "param: a flag needs no value");
	r = netcfg_parse_param(&cfg, "BOOTIF", "01-52-54-00-12-34-56", NULL,
			       NULL);
	CHECK(r == 0 && cfg.has_bootif && cfg.iface_kind == NETCFG_IFACE_NAME &&
	      cfg.source[NETCFG_FIELD_IFACE] == NETCFG_SRC_FATHOM,
	      "param: BOOTIF recorded, the fathom.iface above it kept");
	r = netcfg_parse_param(&cfg, "ip", "192.0.2.10:::24::eth0", NULL, NULL);
	CHECK(r == 0 && cfg.ipv4.family == AF_INET &&
	      cfg.source[NETCFG_FIELD_IPV4] == NETCFG_SRC_KERNEL_IP &&
	      strcmp(cfg.iface_name, "eth4") == 0,
	      "param: ip= takes what no higher source set");
}

static void test_resolv_conf(void)
{
	struct netcfg_config cfg;
	char text[TEXT_SIZE];
	int n;

	netcfg_config_init(&cfg);
	netcfg_parse_cmdline(&cfg, mlab_cmdline, NULL, NULL);
	n = netcfg_resolv_conf(&cfg, text, sizeof(text));
	CHECK(n > 0 && strcmp(text, "# written by fathom netcfg\n"
			      "nameserver 8.8.8.8\n"
			      "nameserver 8.8.4.4\n"
			      "nameserver 2001:4860:4860::8888\n"
			      "nameserver 2001:4860:4860::8844\n"
			      "search mlab-oti.measurement-lab.org\n") == 0,
	      "resolv: mlab\n%s", text);
	CHECK(n == (int)strlen(text), "resolv: returns the length");
	CHECK(netcfg_resolv_conf(&cfg, text, (size_t)n) == -1,
	      "resolv: one byte short is too small");
	CHECK(netcfg_resolv_conf(&cfg, text, (size_t)n + 1) == n,
	      "resolv: exact size fits");
	CHECK(netcfg_resolv_conf(&cfg, text, 0) == -1, "resolv: zero size");

	netcfg_config_init(&cfg);
	netcfg_parse_cmdline(&cfg, "fathom.ipv4=192.0.2.10/24,,192.0.2.53,"
			     "192.0.2.53 fathom.hostname=node1.", NULL, NULL);
	netcfg_resolv_conf(&cfg, text, sizeof(text));
	CHECK(strcmp(text, "# written by fathom netcfg\n"
		     "nameserver 192.0.2.53\n") == 0,
	      "resolv: dedupe, no search without a domain\n%s", text);

	netcfg_config_init(&cfg);
	netcfg_resolv_conf(&cfg, text, sizeof(text));
	CHECK(strcmp(text, "# written by fathom netcfg\n") == 0,
	      "resolv: defaults give the header only");
}

#define CONFIG_FORMAT_IP \
	"ip=192.0.2.10::192.0.2.1:255.255.255.192:node7.example.org::off:" \
	"192.0.2.53 ip=[2001:db8::10]::[2001:db8::1]:64"

static void test_config_format(void)
{
	struct netcfg_config cfg;
	char text[TEXT_SIZE];
	int n;

	netcfg_config_init(&cfg);
	n = netcfg_config_format(&cfg, text, sizeof(text));
	CHECK(strcmp(text, "ipv4: none\nipv6: none\niface: auto\n"
		     "hostname: unchanged\nlink_timeout: 60s\n"
		     "mtu: unchanged\nnodad: no\ndrac.usbnic: left down\n") == 0,
	      "format: defaults\n%s", text);
	CHECK(n == (int)strlen(text), "format: returns the length");
	CHECK(netcfg_config_format(&cfg, text, (size_t)n) == -1,
	      "format: one byte short is too small");
	CHECK(netcfg_config_format(&cfg, text, 10) == -1 &&
	      strlen(text) < 10, "format: small buffer stays terminated");

	netcfg_parse_cmdline(&cfg, baseline_cmdline, NULL, NULL);
	netcfg_config_format(&cfg, text, sizeof(text));
	CHECK(strcmp(text, "ipv4: 198.51.100.7/24 gateway 198.51.100.1"
		     " dns 198.51.100.53\n"
		     "ipv6: 2001:db8:1::7/64 gateway 2001:db8:1::1\n"
		     "iface: name eth9 (fathom.iface)\n"
		     "hostname: base.example.net\n"
		     "link_timeout: 42s\nmtu: unchanged\nnodad: no\n" "drac.usbnic: left down\n") == 0,
	      "format: full\n%s", text);

	netcfg_config_init(&cfg);
	netcfg_parse_cmdline(&cfg, "BOOTIF=01-52-54-00-12-34-56 fathom.mtu=9000 "
			     "fathom.nodad " CONFIG_FORMAT_IP, NULL, NULL);
	netcfg_config_format(&cfg, text, sizeof(text));
	CHECK(strcmp(text, "ipv4: 192.0.2.10/26 gateway 192.0.2.1"
		     " dns 192.0.2.53\n"
		     "ipv6: 2001:db8::10/64 gateway 2001:db8::1\n"
		     "iface: mac 52:54:00:12:34:56 (BOOTIF)\n"
		     "bootif: 52:54:00:12:34:56\n"
		     "hostname: node7.example.org\n"
		     "link_timeout: 60s\nmtu: 9000\nnodad: yes\n" "drac.usbnic: left down\n") == 0,
	      "format: BOOTIF, ip=, mtu, nodad\n%s", text);
}

int main(void)
{
	test_tables();
	test_precedence_orders();
	test_precedence_fields();
	test_file_good();
	test_file_bad();
	test_file_partial();
	test_mlab_struct();
	test_partial_errors();
	test_long_value();
	test_parse_param();
	test_resolv_conf();
	test_config_format();
	return tap_done();
}
