/* init's own kernel command line parameters (the network's are in
 * network.h): the watchdog, the rescue shell, the boot medium, the BMC's
 * address. Pure: no system calls, no global state. */
#ifndef FATHOM_LIB_BOOTCFG_INIT_PARAMS_H
#define FATHOM_LIB_BOOTCFG_INIT_PARAMS_H

#include <stddef.h>

#include "lib/bootcfg/drac.h"

#define WATCHDOG_DEFAULT_TIMEOUT 60
#define WATCHDOG_DEFAULT_MAX_FAILURES 20
#define MEDIA_DEFAULT_TIMEOUT 30
#define MEDIA_ID_MAX 64

struct init_config {
	char watchdog_dev[64];		/* "" = /dev/watchdog if present */
	int watchdog_off;		/* fathom.watchdog=off */
	int watchdog_ipmi;		/* fathom.watchdog=ipmi: the BMC's watchdog */
	unsigned watchdog_timeout;	/* seconds, fathom.watchdog_timeout= */
	unsigned watchdog_max_failures;	/* fathom.watchdog_max_failures= */
	unsigned test_watchdog_stop;	/* fathom.test.watchdog_stop=S: stop feeding after S s */
	int shell;			/* fathom.shell: rescue shell on the console */
	char media_id[MEDIA_ID_MAX + 1];	/* fathom.media=ID: read fathom.conf from
					 * the boot medium holding /boot/fathom-ID */
	unsigned media_timeout;		/* seconds, fathom.media_timeout= */
	struct drac_ipv4 drac;		/* fathom.drac.ipv4= or drac.ipv4= */
};

/* Called once per problem with a complete one-line message (no newline),
 * and the ctx given to init_config_parse. */
typedef void (*init_config_error_fn)(void *ctx, const char *msg);

/* Parse init's parameters from a kernel command line: defaults for what is
 * absent, one message through err (may be NULL) per malformed parameter
 * (which then keeps its default). Returns the number of errors. */
int init_config_parse(struct init_config *cfg, const char *cmdline,
		      init_config_error_fn err, void *ctx);

#endif
