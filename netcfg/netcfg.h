/* netcfg: configure the uplink of the appliance over netlink (libnl-route).
 * /init runs it as `netcfg run --appliance`; the pure parts live in
 * lib/bootcfg/network.h and select.h. */
#ifndef FATHOM_NETCFG_H
#define FATHOM_NETCFG_H

#include <stddef.h>

#include "lib/bootcfg/network.h"

/* What netcfg_apply may touch besides the links. */
struct netcfg_options {
	const char *resolv_conf;	/* write resolv.conf here; NULL = don't */
	int set_hostname;		/* sethostname() from cfg */
	int allow_virtual;		/* tests: veth links count as NICs */
};

/* The appliance's: /etc/resolv.conf and the hostname. */
extern const struct netcfg_options netcfg_appliance_options;

/* Choose the uplink, bring it up, wait for carrier (cfg->link_timeout),
 * then set the addresses, default routes, hostname and resolv.conf that
 * cfg asks for. Every failure is logged with its subject. Returns 0 when
 * everything asked for is in place, -1 otherwise. */
int netcfg_apply(const struct netcfg_config *cfg, const struct netcfg_options *opt);

/* As netcfg_apply, but never gives up: after the carrier deadline's error
 * it keeps waiting, and once configured it writes "ready\n" to ready_fd (if
 * >= 0) and then watches the uplink forever, restoring addresses and
 * routes that disappear (link flaps, someone's `ip addr flush`). Returns
 * only on a setup failure (-1). */
int netcfg_run(const struct netcfg_config *cfg, const struct netcfg_options *opt, int ready_fd);

/* media.c: find the boot medium with /boot/fathom-ID (waiting up to
 * timeout_s for its drivers) and read its fathom.conf into conf; where
 * names it for messages. Returns 1 if the medium was found. */
int media_read_conf(const char *id, unsigned timeout_s, char *conf, size_t size,
		    char *where, size_t where_size);

#endif
