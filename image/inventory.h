/*
 * The machine inventory: a CSV file, one machine per row, turned into what
 * each machine boots with (its kernel command line, network.conf and iPXE
 * script). Pure: no file system, no global state; mkmachines.c writes.
 * csv.c reads the records, inventory.c checks the rows, render_conf.c and
 * render_ipxe.c write each machine's files.
 *
 * CSV (csv.h): the first record names the columns, in any order. Columns:
 *
 *   hostname      required: FQDN, unique (case-insensitive)
 *   ipv4          required: ADDR/PLEN (iPXE fetches the kernel over it)
 *   ipv4_gateway  optional: ADDR
 *   ipv4_dns      optional: up to 2 ADDRs separated by blanks or ';'
 *   ipv6          optional: ADDR/PLEN
 *   ipv6_gateway  optional, ipv6_dns optional (as for IPv4)
 *   mac           optional: MAC of the uplink NIC (fathom.iface=MAC)
 *   drac_ipv4     optional: ADDR/PLEN,GW for the iDRAC (fathom.drac.ipv4=)
 *   extra         optional: more kernel parameters, appended verbatim
 *   iata          optional: the site's airport code, 3 letters (platform.iata)
 *   uplink        optional: the uplink's speed, 1g, 10g, 25g, 40g, 100g ...
 *                 (1-999 then "g": platform.uplink)
 *   probability   optional: the share of Locate's users sent here, 0 to 1
 *                 (platform.probability)
 *   install_disk  optional: the disk an installer stick installs onto
 *                 (install=): serial, WWN, /dev/disk/by-id name or auto
 *   install_wipe  optional: install_disk repeated, to let the installer
 *                 erase that disk's old contents (install.wipe=)
 *
 * The platform columns are settings for the platform agent, not kernel
 * parameters: they go into network.conf as "platform.iata=lga" lines
 * (lowercased). The installer columns go only into an installer stick's
 * fathom.conf (mkmachines -i), never into network.conf: a netbooted or
 * live machine does not install. Secrets (the API key) are never inventory columns:
 * mkmachines reads each machine's from a file beside the inventory.
 *
 * No value may hold what iPXE or the kernel would read as more than text
 * (inv_ipxe_unsafe): boot.ipxe carries the command line.
 *
 * Each row becomes "fathom.hostname=H fathom.ipv4=A/P,GW,DNS1,DNS2
 * fathom.ipv6=... fathom.iface=MAC fathom.drac.ipv4=... EXTRA" and is
 * checked with netcfg_parse_cmdline, the appliance's own parser.
 */
#ifndef FATHOM_INVENTORY_H
#define FATHOM_INVENTORY_H

#include <stddef.h>

#include "csv.h"
#include "lib/bootcfg/network.h"
#include "lib/span.h"

#define INV_CMDLINE_MAX 2048	/* x86 COMMAND_LINE_SIZE, with the NUL */
#define INV_MSG_MAX 512
#define INV_TEXT_MAX 8192	/* a rendered network.conf or boot.ipxe */
#define INV_SETTINGS_MAX 256	/* the platform.* lines of network.conf */
#define INV_INSTALL_MAX 320	/* the install lines of an installer's fathom.conf */

enum inv_column {
	INV_COL_HOSTNAME,
	INV_COL_MAC,
	INV_COL_IPV4,
	INV_COL_IPV4_GATEWAY,
	INV_COL_IPV4_DNS,
	INV_COL_IPV6,
	INV_COL_IPV6_GATEWAY,
	INV_COL_IPV6_DNS,
	INV_COL_DRAC_IPV4,
	INV_COL_EXTRA,
	INV_COL_IATA,
	INV_COL_UPLINK,
	INV_COL_PROBABILITY,
	INV_COL_INSTALL_DISK,
	INV_COL_INSTALL_WIPE,
	INV_COL_COUNT
};

/* For each column, its index in the record, or -1 if absent. */
struct inv_columns {
	int index[INV_COL_COUNT];
	size_t count;		/* fields a row must have */
};

struct inv_machine {
	char cmdline[INV_CMDLINE_MAX];	/* ours: fathom.* and extra */
	struct netcfg_config cfg;	/* what the appliance will parse */
	char settings[INV_SETTINGS_MAX];	/* "platform.iata=lga\n"..., or "" */
	char install[INV_INSTALL_MAX];	/* "install=ID\n[install.wipe=ID\n]", or "" */
	unsigned line;
};

struct inv_options {
	const char *path;		/* for messages */
	const char *board_cmdline;	/* appended after ours; may be NULL */
};

struct inv_handler {
	/* Each good row in input order; a nonzero return counts as an error
	 * (the handler reports it). */
	int (*machine)(void *ctx, const struct inv_machine *m);
	/* One line, no newline: "PATH:LINE: problem". */
	void (*error)(void *ctx, const char *msg);
	void *ctx;
};

const char *inv_column_name(enum inv_column col);

/* Map the header record to columns. Returns 0, or -1 with msg. */
int inv_columns_parse(struct inv_columns *cols, const struct csv_record *rec,
		      char *msg, size_t len);

/* Build and check one machine from a row. Returns 0, or -1 with the first
 * problem in msg (without "PATH:LINE: "). */
int inv_machine_build(struct inv_machine *m, const struct inv_columns *cols,
		      const struct csv_record *rec, const char *board_cmdline,
		      char *msg, size_t len);

/* Read a whole inventory: every good, unique machine to h->machine, every
 * problem to h->error. A bad header stops the reading. Returns the number
 * of problems. */
int inv_parse(const char *text, size_t len, const struct inv_options *opt,
	      const struct inv_handler *h);

/* An error callback of the bootcfg parsers (ctx: a struct inv_first_error)
 * that counts the messages and keeps the first. */
struct inv_first_error {
	int count;
	char msg[INV_MSG_MAX];
};
void inv_keep_first_error(void *ctx, const char *msg);

/* cfg as /etc/fathom/network.conf (keys without "fathom."). Returns the
 * length, or -1 if buf is too small. */
int inv_network_conf(const struct netcfg_config *cfg, char *buf, size_t len);

/* inventory_platform.c: the platform columns' values (empty: absent).
 * inv_platform_check: why they are refused (in msg), or NULL.
 * inv_platform_settings: the checked values as "platform.iata=lga\n"...
 * lines (the IATA code lowercased) in out, "" for none. */
const char *inv_platform_check(struct span iata, struct span uplink, struct span probability,
			       char *msg, size_t len);
void inv_platform_settings(struct span iata, struct span uplink, struct span probability,
			   char *out, size_t size);

/* inventory_install.c: the installer columns' values (empty: absent).
 * inv_install_check: why they are refused (in msg), or NULL: install_disk
 * is auto, a serial, a WWN or a /dev/disk/by-id name (never /dev/sdX);
 * install_wipe is empty or repeats install_disk (not auto).
 * inv_install_settings: "install=ID\n" and "install.wipe=ID\n" lines, or "". */
const char *inv_install_check(struct span disk, struct span wipe, char *msg, size_t len);
void inv_install_settings(struct span disk, struct span wipe, char *out, size_t size);

/* The machine's network.conf: inv_network_conf, then m->settings. */
int inv_machine_conf(const struct inv_machine *m, char *buf, size_t len);

/* Why the text of a per-machine secrets file (SECRETS_DIR/HOSTNAME.conf,
 * which becomes /etc/fathom/secrets/platform.conf) is refused, or NULL:
 * every line is blank, a comment, or platform.OPTION=VALUE that the
 * appliance's settings parser takes. The message names the line and key,
 * never a value. */
const char *inv_secrets_check(const char *text, char *msg, size_t len);

/* Whether conf parses back (netcfg_parse_file) to what cfg says. Returns 0,
 * or -1 with msg. */
int inv_network_conf_check(const struct netcfg_config *cfg, const char *conf,
			   char *msg, size_t len);

/* Why len bytes at s cannot go into boot.ipxe as they are (a line break,
 * '$', '#', '&', '|', ';', '\\', a quote, a non-ASCII byte: what iPXE's
 * script parser or the kernel's would read as more than text), or NULL if
 * they can. Every inventory value, BASE_URL and the board's CMDLINE are
 * checked with it. */
const char *inv_ipxe_unsafe(const char *s, size_t len);

/* The machine's iPXE script. base_url without a trailing '/'. Returns the
 * length, or -1 if buf is too small or a value fails inv_ipxe_unsafe
 * (nothing is written then). */
int inv_boot_ipxe(const struct inv_machine *m, const char *base_url,
		  const char *board_cmdline, char *buf, size_t len);

#endif
