/* The network configuration of the appliance, as parsed from the kernel
 * command line and network.conf / fathom.conf files (the bootcfg library:
 * lib/bootcfg/net_*.c). Plain data and pure functions: no system calls,
 * no global state; errors go to the caller's callback with its context. */
#ifndef FATHOM_LIB_BOOTCFG_NETWORK_H
#define FATHOM_LIB_BOOTCFG_NETWORK_H

#include <stddef.h>

#define NETCFG_MAX_DNS 2
#define NETCFG_IFNAMSIZ 16
#define NETCFG_HOSTNAME_MAX 253
#define NETCFG_DEFAULT_LINK_TIMEOUT 60
#define NETCFG_MTU_MIN 68
#define NETCFG_MTU_MAX 9000
#define NETCFG_CONF_PATH "/etc/fathom/network.conf"

/* One static address of one family, with its optional gateway and DNS. */
struct netcfg_addr {
	int family;			/* AF_INET or AF_INET6; 0 = not configured */
	unsigned char addr[16];		/* network byte order; 4 bytes used for v4 */
	unsigned prefixlen;
	int has_gateway;
	unsigned char gateway[16];
	int ndns;
	unsigned char dns[NETCFG_MAX_DNS][16];
};

enum netcfg_iface_kind {
	NETCFG_IFACE_AUTO = 0,		/* pick the first Ethernet link with carrier */
	NETCFG_IFACE_NAME,
	NETCFG_IFACE_MAC,
};

/* Where a field's value came from, lowest rank first. A source never
 * overwrites a field set by a higher-ranked one, whatever the order of
 * parsing; within one rank the last occurrence wins:
 *   fathom.* > epoxy.* > ip=/epoxy.ip= > BOOTIF > network.conf > default. */
enum netcfg_source {
	NETCFG_SRC_DEFAULT = 0,
	NETCFG_SRC_FILE,		/* /etc/fathom/network.conf, any key */
	NETCFG_SRC_BOOTIF,		/* BOOTIF= from PXELINUX/iPXE */
	NETCFG_SRC_KERNEL_IP,		/* ip= and epoxy.ip= */
	NETCFG_SRC_EPOXY,		/* epoxy.ipv4= and the other aliases */
	NETCFG_SRC_FATHOM,		/* fathom.* */
};

/* The fields that are ranked separately. An address family (address,
 * gateway and DNS) is one field. */
enum netcfg_field {
	NETCFG_FIELD_IPV4 = 0,
	NETCFG_FIELD_IPV6,
	NETCFG_FIELD_IFACE,
	NETCFG_FIELD_HOSTNAME,
	NETCFG_FIELD_LINK_TIMEOUT,
	NETCFG_FIELD_MTU,
	NETCFG_FIELD_NODAD,
	NETCFG_FIELD_DRAC_USBNIC,
	NETCFG_FIELD_COUNT
};

struct netcfg_config {
	struct netcfg_addr ipv4;
	struct netcfg_addr ipv6;
	/* The effective uplink, already resolved: BOOTIF's MAC is used only
	 * when nothing ranked above it (fathom.iface, epoxy.interface, an ip=
	 * device) chose the iface; an explicit `auto` there counts as a
	 * choice. source[NETCFG_FIELD_IFACE] says which source won. */
	enum netcfg_iface_kind iface_kind;
	char iface_name[NETCFG_IFNAMSIZ];
	unsigned char iface_mac[6];
	char hostname[NETCFG_HOSTNAME_MAX + 1];	/* empty = leave unchanged */
	unsigned link_timeout;		/* seconds to wait for carrier */
	unsigned mtu;			/* 0 = leave as is */
	int nodad;			/* add addresses without duplicate detection */
	int drac_usbnic;		/* bring a BMC's USB NIC up, IPv6 link-local only */
	int has_bootif;			/* what BOOTIF= said, whether used or not */
	unsigned char bootif_mac[6];
	unsigned char source[NETCFG_FIELD_COUNT];	/* enum netcfg_source */
};

/* Called once per problem with a complete one-line message (no newline),
 * e.g. `fathom.ipv4: "10.0.0.1/33": prefix length must be 0-32`. */
typedef void (*netcfg_error_fn)(void *ctx, const char *msg);

/* Set every field to its default (no addresses, iface auto, timeout 60,
 * MTU unchanged, DAD on), every source NETCFG_SRC_DEFAULT. */
void netcfg_config_init(struct netcfg_config *cfg);

/* Parse a kernel command line into cfg. Parameters that are not ours
 * (including unknown epoxy.* keys) are ignored; a malformed parameter is
 * reported through err (may be NULL) and leaves the corresponding part of
 * cfg untouched, the rest still applies. Fields already set by a
 * higher-ranked source are kept. Returns the number of errors reported. */
int netcfg_parse_cmdline(struct netcfg_config *cfg, const char *cmdline,
			 netcfg_error_fn err, void *ctx);

/* Parse one "key=value" parameter (same rules as above). Returns 0 if it
 * was ours and valid or not ours at all, -1 if it was reported as an error. */
int netcfg_parse_param(struct netcfg_config *cfg, const char *key,
		       const char *value, netcfg_error_fn err, void *ctx);

/* Parse the text of a config file (NETCFG_CONF_PATH): one key=value per
 * line, the command line's keys with or without "fathom." (ipv4=...,
 * fathom.ipv4=..., epoxy.ipv4=..., ip=...; not BOOTIF), whole-line '#'
 * comments, blank lines, whitespace around key and value ignored, the value
 * optionally in double quotes, a flag alone on its line. Every setting
 * ranks NETCFG_SRC_FILE, below the whole command line, so init may parse
 * the file before or after the command line. Unknown and repeated keys are
 * errors here. Messages start with "PATH:LINE: ". Returns the number of
 * errors reported. */
int netcfg_parse_file(struct netcfg_config *cfg, const char *text,
		      const char *path, netcfg_error_fn err, void *ctx);

/* Render the contents of /etc/resolv.conf for cfg into buf (NUL-terminated).
 * Returns the length written, or -1 if buf is too small. */
int netcfg_resolv_conf(const struct netcfg_config *cfg, char *buf, size_t len);

/* Render cfg as human-readable "key: value" lines (for logs and
 * `netcfg check`). Returns the length written, or -1 if buf is too small. */
int netcfg_config_format(const struct netcfg_config *cfg, char *buf, size_t len);

#endif
