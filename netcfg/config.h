/* The network configuration of the appliance, as parsed from the kernel
 * command line (and, later, config files). Plain data: no system calls. */
#ifndef FATHOM_NETCFG_CONFIG_H
#define FATHOM_NETCFG_CONFIG_H

#include <stddef.h>

#define NETCFG_MAX_DNS 2
#define NETCFG_IFNAMSIZ 16
#define NETCFG_HOSTNAME_MAX 253
#define NETCFG_DEFAULT_LINK_TIMEOUT 60

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

struct netcfg_config {
	struct netcfg_addr ipv4;
	struct netcfg_addr ipv6;
	enum netcfg_iface_kind iface_kind;
	char iface_name[NETCFG_IFNAMSIZ];
	unsigned char iface_mac[6];
	char hostname[NETCFG_HOSTNAME_MAX + 1];	/* empty = leave unchanged */
	unsigned link_timeout;		/* seconds to wait for carrier */
};

/* Called once per problem with a complete one-line message (no newline),
 * e.g. `fathom.ipv4: "10.0.0.1/33": prefix length must be 0-32`. */
typedef void (*netcfg_error_fn)(void *ctx, const char *msg);

/* Set every field to its default (no addresses, iface auto, timeout 60). */
void netcfg_config_init(struct netcfg_config *cfg);

/* Parse a kernel command line into cfg. Parameters that are not ours are
 * ignored; a malformed parameter is reported through err (may be NULL) and
 * leaves the corresponding part of cfg untouched, the rest still applies.
 * Returns the number of errors reported. */
int netcfg_parse_cmdline(struct netcfg_config *cfg, const char *cmdline,
			 netcfg_error_fn err, void *ctx);

/* Parse one "key=value" parameter (same rules as above). Returns 0 if it
 * was ours and valid or not ours at all, -1 if it was reported as an error. */
int netcfg_parse_param(struct netcfg_config *cfg, const char *key,
		       const char *value, netcfg_error_fn err, void *ctx);

/* Render the contents of /etc/resolv.conf for cfg into buf (NUL-terminated).
 * Returns the length written, or -1 if buf is too small. */
int netcfg_resolv_conf(const struct netcfg_config *cfg, char *buf, size_t len);

/* Render cfg as human-readable "key: value" lines (for logs and
 * `netcfg check`). Returns the length written, or -1 if buf is too small. */
int netcfg_config_format(const struct netcfg_config *cfg, char *buf, size_t len);

/* The value of the last `key=value` on a kernel command line (a bare `key`
 * has the value ""), tokenized as netcfg_parse_cmdline does, stopping at
 * "--". Copies it into value (cut to len - 1 bytes). Returns 1 if the key
 * is there, 0 if not. For init's own parameters. */
int cmdline_get(const char *cmdline, const char *key, char *value, size_t len);

#endif
