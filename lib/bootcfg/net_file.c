/* network.conf and fathom.conf: one key=value per line, ranked below the
 * whole command line; unknown and conflicting keys are errors here, but a
 * service's keys (ndt7.*: lib/bootcfg/settings.h) are that service's. */
#include "lib/bootcfg/net_parse.h"
#include "lib/bootcfg/settings.h"

#include <stdio.h>
#include <string.h>

static const char unknown_file_key[] =
	"unknown key: expected ipv4, ipv6, iface, hostname, link_timeout, mtu,"
	" nodad or drac.usbnic (each also as fathom.KEY), ip, epoxy.ipv4, epoxy.ipv6,"
	" epoxy.interface, epoxy.hostname or epoxy.ip; or a service's"
	" ndt7.OPTION (also platform.*, upload.*)";


/* In a file each field is set once (or again to the same value). */
const char *file_conflict(struct parse_state *st,
				 struct param_value *pv)
{
	int f;

	for (f = 0; f < NETCFG_FIELD_COUNT; f++) {
		if (!(pv->fields & FIELD_BIT(f)) || !st->file_line[f] ||
		    field_equal(&st->file_values, &pv->cfg, f))
			continue;
		snprintf(pv->why, sizeof(pv->why), "%s already set on line %u",
			 field_names[f], st->file_line[f]);
		return pv->why;
	}
	for (f = 0; f < NETCFG_FIELD_COUNT; f++) {
		if (!(pv->fields & FIELD_BIT(f)))
			continue;
		st->file_line[f] = st->line;
		field_copy(&st->file_values, &pv->cfg, f);
	}
	return NULL;
}

/* One line of the file: blank, a comment, "key=value" or a flag. */
static void file_parse_line(struct parse_state *st, struct span line)
{
	const char *eq;
	struct cmdline_token tok;
	const struct param_def *def;

	line = span_trim(line);
	if (line.len == 0 || line.s[0] == '#')
		return;
	eq = memchr(line.s, '=', line.len);
	tok.has_value = eq != NULL;
	tok.key.s = line.s;
	tok.key.len = eq ? (size_t)(eq - line.s) : line.len;
	tok.key = span_trim(tok.key);
	tok.value.s = eq ? eq + 1 : line.s + line.len;
	tok.value.len = (size_t)(line.s + line.len - tok.value.s);
	tok.value = span_trim(tok.value);
	if (tok.value.len >= 2 && tok.value.s[0] == '"' &&
	    tok.value.s[tok.value.len - 1] == '"') {
		tok.value.s++;
		tok.value.len -= 2;
	}
	def = file_def_find(tok.key);
	if (!def && settings_key_is_service(tok.key.s, tok.key.len))
		return;
	if (!def) {
		if (tok.key.len == 0)
			tok.key = line;
		report_error(st, NULL, &tok, tok.key.s == line.s &&
			     tok.key.len == line.len && eq ?
			     "expected KEY=VALUE" : unknown_file_key);
		st->errors++;
		return;
	}
	st->errors += apply_param(st, def, &tok) < 0;
}

int netcfg_parse_file(struct netcfg_config *cfg, const char *text,
		      const char *path, netcfg_error_fn err, void *ctx)
{
	struct parse_state st;
	const char *p = text;

	if (!text)
		return 0;
	parse_state_init(&st, cfg, err, ctx);
	st.in_file = 1;
	st.path = path;
	while (*p) {
		const char *eol = strchr(p, '\n');
		struct span line = { p, eol ? (size_t)(eol - p) : strlen(p) };

		st.line++;
		file_parse_line(&st, line);
		p = line.s + line.len + (eol != NULL);
	}
	return st.errors;
}
