/* Internal to the network part of the bootcfg library (lib/bootcfg/net_*.c):
 * what one parameter says, the table of parameters and the parsing state.
 *
 *   net_model.c      defaults, the fields and their ranks (config_take)
 *   net_fields.c     the value parsers: addresses, iface, hostname, flags
 *   net_kernel_ip.c  the kernel's ip= syntax
 *   net_params.c     the parameter table, fathom.* and epoxy.*, messages
 *   net_file.c       network.conf / fathom.conf files
 *   net_format.c     resolv.conf and the human-readable summary */
#ifndef FATHOM_LIB_BOOTCFG_NET_PARSE_H
#define FATHOM_LIB_BOOTCFG_NET_PARSE_H

#include "lib/bootcfg/network.h"
#include "lib/cmdline.h"
#include "lib/span.h"

/* Longest part of a value quoted back in an error message. */
#define ERROR_VALUE_MAX 64
#define ERROR_MSG_SIZE 512

/* What one parameter says: the fields it sets (FIELD_BIT of enum
 * netcfg_field, plus PV_BOOTIF) with their new values in cfg, and room for
 * a problem message that has to be composed. */
struct param_value {
	struct netcfg_config cfg;
	unsigned fields;
	char why[ERROR_MSG_SIZE / 2];
};

#define FIELD_BIT(f) (1u << (f))
/* BOOTIF's own record (has_bootif, bootif_mac): not ranked. */
#define PV_BOOTIF (1u << NETCFG_FIELD_COUNT)

/* Parses value into pv; returns NULL on success or what is wrong. */
typedef const char *(*param_parse_fn)(struct param_value *pv,
				      struct span value);

/* One parameter we understand, and the rank of what it sets. */
struct param_def {
	const char *name;
	enum netcfg_source source;
	int is_flag;			/* "name" alone means "name=1" */
	int in_file;			/* accepted in network.conf */
	const char *usage;
	param_parse_fn parse;
};

/* The state of one netcfg_parse_cmdline, _param or _file call. */
struct parse_state {
	struct netcfg_config *cfg;
	netcfg_error_fn err;
	void *ctx;
	int in_file;
	const char *path;
	unsigned line;
	int errors;
	/* The device each address family's ip= named: two ip= naming
	 * different devices cannot both hold, Fathom configures one uplink. */
	int ip_has_device[2];
	struct netcfg_config ip_device[2];
	/* In a file: the line that set each field, and its value. */
	unsigned file_line[NETCFG_FIELD_COUNT];
	struct netcfg_config file_values;
};

/* Address syntax rules and messages for one family; kip_* are for the
 * fields of the kernel's ip= syntax. */
struct family_rules {
	int family;
	size_t addr_len;
	unsigned max_prefixlen;
	const char *bad_form;
	const char *bad_prefix;
	const char *bad_gateway;
	const char *bad_dns;
	const char *kip_bad_server;
	const char *kip_bad_gateway;
	const char *kip_no_netmask;
	const char *kip_bad_netmask;
	const char *kip_bad_dns;
	const char *kip_bad_ntp;
};

extern const struct family_rules ipv4_rules, ipv6_rules;

/* net_model.c: how each field is named in messages; copying and comparing
 * one field; taking what pv sets unless a higher-ranked source set it. */
extern const char *const field_names[NETCFG_FIELD_COUNT];
void field_copy(struct netcfg_config *to, const struct netcfg_config *from, int field);
int field_equal(const struct netcfg_config *a, const struct netcfg_config *b, int field);
void config_take(struct netcfg_config *cfg, const struct param_value *pv,
		 enum netcfg_source src);

/* net_fields.c: one address of the family (network byte order); the iface
 * (NAME, MAC or auto) and hostname fields of out; the table's parsers. */
int parse_ip(int family, struct span sp, unsigned char *out);
const char *iface_parse(struct netcfg_config *out, struct span value);
const char *hostname_parse(struct netcfg_config *out, struct span value);
const char *parse_ipv4(struct param_value *pv, struct span value);
const char *parse_ipv6(struct param_value *pv, struct span value);
const char *parse_iface(struct param_value *pv, struct span value);
const char *parse_hostname(struct param_value *pv, struct span value);
const char *parse_link_timeout(struct param_value *pv, struct span value);
const char *parse_mtu(struct param_value *pv, struct span value);
const char *parse_nodad(struct param_value *pv, struct span value);
const char *parse_drac_usbnic(struct param_value *pv, struct span value);
const char *parse_bootif(struct param_value *pv, struct span value);

/* net_kernel_ip.c: ip= and epoxy.ip= */
#define KIP_FORM "CLIENT:SERVER:GW:NETMASK:HOSTNAME:DEVICE:AUTOCONF" \
		 ":DNS0:DNS1:NTP0"
const char *parse_kernel_ip(struct param_value *pv, struct span value);

/* net_params.c: the parameter table (file_def_find: the keys a file may
 * use, fathom.* also without the prefix), one parse's state, and taking
 * one token: -1 if it was reported as an error (it then changes nothing). */
const struct param_def *param_def_find(struct span key);
const struct param_def *file_def_find(struct span key);
void parse_state_init(struct parse_state *st, struct netcfg_config *cfg,
		      netcfg_error_fn err, void *ctx);
int apply_param(struct parse_state *st, const struct param_def *def,
		const struct cmdline_token *tok);
/* "[PATH:LINE: ]KEY: "VALUE": PROBLEM" (or a missing-value message) to
 * st->err; def is NULL for an unknown key. */
void report_error(const struct parse_state *st, const struct param_def *def,
		  const struct cmdline_token *tok, const char *problem);

/* net_file.c: in a file each field is set once (or again to the same
 * value): NULL, or why not (in pv->why). */
const char *file_conflict(struct parse_state *st, struct param_value *pv);

#endif
