/* The network parameters of the kernel command line (fathom.*, epoxy.*,
 * ip=, BOOTIF=): the table, taking one token, and the messages. */
#include "lib/bootcfg/net_parse.h"
#include "lib/bootcfg/settings.h"

#include <string.h>

#include "lib/strbuf.h"

#define PATH_SHOWN_MAX 128

#define ADDR_USAGE "ADDR/PLEN[,GW[,DNS1[,DNS2]]]"
#define IFACE_USAGE "NAME|MAC|auto"

static const struct param_def param_defs[] = {
	{ "fathom.ipv4", NETCFG_SRC_FATHOM, 0, 1, ADDR_USAGE, parse_ipv4 },
	{ "fathom.ipv6", NETCFG_SRC_FATHOM, 0, 1, ADDR_USAGE, parse_ipv6 },
	{ "fathom.iface", NETCFG_SRC_FATHOM, 0, 1, IFACE_USAGE, parse_iface },
	{ "fathom.hostname", NETCFG_SRC_FATHOM, 0, 1, "FQDN", parse_hostname },
	{ "fathom.link_timeout", NETCFG_SRC_FATHOM, 0, 1, "SECONDS",
	  parse_link_timeout },
	{ "fathom.mtu", NETCFG_SRC_FATHOM, 0, 1, "BYTES", parse_mtu },
	{ "fathom.nodad", NETCFG_SRC_FATHOM, 1, 1, "1|on|0|off", parse_nodad },
	{ "fathom.drac.usbnic", NETCFG_SRC_FATHOM, 1, 1, "1|on|0|off", parse_drac_usbnic },
	{ "epoxy.ipv4", NETCFG_SRC_EPOXY, 0, 1, ADDR_USAGE, parse_ipv4 },
	{ "epoxy.ipv6", NETCFG_SRC_EPOXY, 0, 1, ADDR_USAGE, parse_ipv6 },
	{ "epoxy.interface", NETCFG_SRC_EPOXY, 0, 1, IFACE_USAGE,
	  parse_iface },
	{ "epoxy.hostname", NETCFG_SRC_EPOXY, 0, 1, "FQDN", parse_hostname },
	{ "epoxy.ip", NETCFG_SRC_KERNEL_IP, 0, 1, KIP_FORM, parse_kernel_ip },
	{ "ip", NETCFG_SRC_KERNEL_IP, 0, 1, KIP_FORM, parse_kernel_ip },
	/* Only a boot loader knows which NIC it booted from. */
	{ "BOOTIF", NETCFG_SRC_BOOTIF, 0, 0, "01-aa-bb-cc-dd-ee-ff",
	  parse_bootif },
};

#define PARAM_DEFS_COUNT (sizeof(param_defs) / sizeof(param_defs[0]))

const struct param_def *param_def_find(struct span key)
{
	size_t i;

	for (i = 0; i < PARAM_DEFS_COUNT; i++) {
		if (cmdline_name_equals(key, param_defs[i].name))
			return &param_defs[i];
	}
	return NULL;
}

/* In the file, fathom.* keys may drop their prefix. */
const struct param_def *file_def_find(struct span key)
{
	static const char prefix[] = "fathom.";
	size_t i;

	for (i = 0; i < PARAM_DEFS_COUNT; i++) {
		const char *name = param_defs[i].name;

		if (!param_defs[i].in_file)
			continue;
		if (cmdline_name_equals(key, name))
			return &param_defs[i];
		if (strncmp(name, prefix, sizeof(prefix) - 1) == 0 &&
		    cmdline_name_equals(key, name + sizeof(prefix) - 1))
			return &param_defs[i];
	}
	return NULL;
}

/* Build "[PATH:LINE: ]KEY: "VALUE": PROBLEM" (or a missing-value message)
 * and pass it to err. def is NULL for an unknown key. */
void report_error(const struct parse_state *st,
			 const struct param_def *def,
			 const struct cmdline_token *tok, const char *problem)
{
	char msg[2 * ERROR_MSG_SIZE];
	struct strbuf t;

	if (!st->err)
		return;
	strbuf_init(&t, msg, sizeof(msg));
	if (st->in_file && st->path)
		strbuf_addf(&t, "%.*s:%u: ", PATH_SHOWN_MAX, st->path, st->line);
	else if (st->in_file)
		strbuf_addf(&t, "line %u: ", st->line);
	strbuf_add_escaped(&t, tok->key, ERROR_VALUE_MAX);
	strbuf_addf(&t, ": ");
	if (!def) {
		strbuf_addf(&t, "%s", problem);
	} else if (tok->has_value) {
		strbuf_add_quoted(&t, tok->value, ERROR_VALUE_MAX);
		strbuf_addf(&t, ": %s", problem);
	} else {
		strbuf_addf(&t, "missing value, expected ");
		strbuf_add_escaped(&t, tok->key, ERROR_VALUE_MAX);
		strbuf_addf(&t, "=%s", def->usage);
	}
	/* Keep the promise of one bounded line even for absurd input. */
	msg[ERROR_MSG_SIZE - 1] = '\0';
	st->err(st->ctx, msg);
}

/* Two ip= of different families naming different devices. */
static const char *kernel_ip_conflict(struct parse_state *st,
				      const struct param_value *pv)
{
	int family = pv->fields & FIELD_BIT(NETCFG_FIELD_IPV6) ? 1 : 0;

	if (!(pv->fields & FIELD_BIT(NETCFG_FIELD_IFACE)) ||
	    !(pv->fields & (FIELD_BIT(NETCFG_FIELD_IPV4) |
			    FIELD_BIT(NETCFG_FIELD_IPV6))))
		return NULL;
	if (st->ip_has_device[!family] &&
	    !field_equal(&st->ip_device[!family], &pv->cfg,
			 NETCFG_FIELD_IFACE))
		return family ? "device (6th field) differs from the IPv4 ip=:"
				" Fathom configures one uplink"
			      : "device (6th field) differs from the IPv6 ip=:"
				" Fathom configures one uplink";
	st->ip_has_device[family] = 1;
	field_copy(&st->ip_device[family], &pv->cfg, NETCFG_FIELD_IFACE);
	return NULL;
}

/* Parse one token of ours and take what it sets. Returns -1 if it was
 * reported as an error (and then changes nothing). */
int apply_param(struct parse_state *st, const struct param_def *def,
		       const struct cmdline_token *tok)
{
	struct span value = tok->value;
	const char *problem = "missing value";
	struct param_value pv;

	memset(&pv, 0, sizeof(pv));
	if (!tok->has_value && def->is_flag)
		value = span_of("1");
	if (tok->has_value || def->is_flag)
		problem = def->parse(&pv, value);
	if (!problem && def->parse == parse_kernel_ip)
		problem = kernel_ip_conflict(st, &pv);
	if (!problem && st->in_file)
		problem = file_conflict(st, &pv);
	if (problem) {
		report_error(st, def, tok, problem);
		return -1;
	}
	config_take(st->cfg, &pv, st->in_file ? NETCFG_SRC_FILE : def->source);
	return 0;
}

void parse_state_init(struct parse_state *st, struct netcfg_config *cfg,
			     netcfg_error_fn err, void *ctx)
{
	memset(st, 0, sizeof(*st));
	st->cfg = cfg;
	st->err = err;
	st->ctx = ctx;
}

/* Every parameter in order, stopping at "--", after which the kernel hands
 * the rest to init as arguments, not parameters. */
int netcfg_parse_cmdline(struct netcfg_config *cfg, const char *cmdline,
			 netcfg_error_fn err, void *ctx)
{
	struct cmdline_token tok;
	struct parse_state st;
	const char *p = cmdline;

	if (!cmdline)
		return 0;
	parse_state_init(&st, cfg, err, ctx);
	while ((p = cmdline_next(p, &tok)) != NULL) {
		const struct param_def *def = param_def_find(tok.key);

		if (!tok.has_value && span_equals(tok.key, "--"))
			break;
		if (def) {
			st.errors += apply_param(&st, def, &tok) < 0;
		} else if (settings_key_is_secret(tok.key.s, tok.key.len)) {
			/* Named, never its value: the console is not for secrets. */
			report_error(&st, NULL, &tok, SETTINGS_SECRET_ON_CMDLINE);
			st.errors++;
		}
	}
	return st.errors;
}

int netcfg_parse_param(struct netcfg_config *cfg, const char *key,
		       const char *value, netcfg_error_fn err, void *ctx)
{
	struct cmdline_token tok;
	const struct param_def *def;
	struct parse_state st;

	if (!key)
		return 0;
	tok.key = span_of(key);
	tok.value = span_of(value);
	tok.has_value = value != NULL;
	def = param_def_find(tok.key);
	if (!def)
		return 0;
	parse_state_init(&st, cfg, err, ctx);
	return apply_param(&st, def, &tok);
}
