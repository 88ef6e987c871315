/* The machine inventory's rows: the header's columns, each row's checks,
 * and the kernel command line each machine boots with, parsed as the
 * appliance will (format: inventory.h). */
#include "inventory.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/bootcfg/drac.h"
#include "lib/bootcfg/init_params.h"
#include "lib/strbuf.h"
#include "name_set.h"

#define DNS_MAX 2

static const char *const column_names[INV_COL_COUNT] = {
	[INV_COL_HOSTNAME] = "hostname",
	[INV_COL_MAC] = "mac",
	[INV_COL_IPV4] = "ipv4",
	[INV_COL_IPV4_GATEWAY] = "ipv4_gateway",
	[INV_COL_IPV4_DNS] = "ipv4_dns",
	[INV_COL_IPV6] = "ipv6",
	[INV_COL_IPV6_GATEWAY] = "ipv6_gateway",
	[INV_COL_IPV6_DNS] = "ipv6_dns",
	[INV_COL_DRAC_IPV4] = "drac_ipv4",
	[INV_COL_EXTRA] = "extra",
	[INV_COL_IATA] = "iata",
	[INV_COL_UPLINK] = "uplink",
	[INV_COL_PROBABILITY] = "probability",
	[INV_COL_INSTALL_DISK] = "install_disk",
	[INV_COL_INSTALL_WIPE] = "install_wipe",
};

const char *inv_column_name(enum inv_column col)
{
	return col < INV_COL_COUNT ? column_names[col] : "?";
}

/* Header ---------------------------------------------------------------- */

int inv_columns_parse(struct inv_columns *cols, const struct csv_record *rec,
		      char *msg, size_t len)
{
	size_t i;
	int c;

	for (c = 0; c < INV_COL_COUNT; c++)
		cols->index[c] = -1;
	cols->count = rec->nfields;
	for (i = 0; i < rec->nfields; i++) {
		struct span name = span_trim(span_of(rec->field[i]));

		for (c = 0; c < INV_COL_COUNT; c++) {
			if (strlen(column_names[c]) == name.len &&
			    memcmp(column_names[c], name.s, name.len) == 0)
				break;
		}
		if (c == INV_COL_COUNT) {
			snprintf(msg, len, "header: unknown column \"%.*s\": expected"
				 " hostname, ipv4, ipv4_gateway, ipv4_dns, ipv6,"
				 " ipv6_gateway, ipv6_dns, mac, drac_ipv4, extra, iata,"
				 " uplink, probability, install_disk or install_wipe",
				 (int)(name.len > 64 ? 64 : name.len), name.s);
			return -1;
		}
		if (cols->index[c] >= 0) {
			snprintf(msg, len, "header: column \"%s\" appears twice",
				 column_names[c]);
			return -1;
		}
		cols->index[c] = (int)i;
	}
	if (cols->index[INV_COL_HOSTNAME] < 0 || cols->index[INV_COL_IPV4] < 0) {
		snprintf(msg, len, "header: missing column \"%s\": a header names"
			 " the columns, e.g. hostname,ipv4,ipv4_gateway,ipv4_dns",
			 cols->index[INV_COL_HOSTNAME] < 0 ? "hostname" : "ipv4");
		return -1;
	}
	return 0;
}

/* Rows ------------------------------------------------------------------ */

/* A row's values, trimmed; absent columns are empty. */
struct row {
	struct span v[INV_COL_COUNT];
};

static int has_blank_or_quote(struct span sp, int blanks_ok)
{
	size_t i;

	for (i = 0; i < sp.len; i++) {
		if (sp.s[i] == '"' || (!blanks_ok && sp.s[i] == ' '))
			return 1;
	}
	return 0;
}

/* Whether the value can go into boot.ipxe; in a DNS column ';' separates
 * the servers and becomes ',' on the command line. */
static const char *value_ipxe_unsafe(int col, struct span v)
{
	const char *why;
	size_t i, start = 0;

	if (col != INV_COL_IPV4_DNS && col != INV_COL_IPV6_DNS)
		return inv_ipxe_unsafe(v.s, v.len);
	for (i = 0; i <= v.len; i++) {
		if (i < v.len && v.s[i] != ';')
			continue;
		why = inv_ipxe_unsafe(v.s + start, i - start);
		if (why)
			return why;
		start = i + 1;
	}
	return NULL;
}

/* The first thing wrong with the characters of any value, else NULL. */
static const char *row_check_chars(const struct row *row, char *msg,
				   size_t len)
{
	const char *why;
	int c;

	for (c = 0; c < INV_COL_COUNT; c++) {
		struct span v = row->v[c];
		int blanks_ok = c == INV_COL_IPV4_DNS || c == INV_COL_IPV6_DNS ||
				c == INV_COL_EXTRA;

		if (c != INV_COL_EXTRA && has_blank_or_quote(v, blanks_ok))
			why = blanks_ok ? "must not contain quotes" :
					  "must not contain blanks or quotes";
		else if ((why = value_ipxe_unsafe(c, v)) == NULL)
			continue;
		snprintf(msg, len, "%s: \"%.*s\": %s", column_names[c],
			 (int)(v.len > 200 ? 200 : v.len), v.s, why);
		return msg;
	}
	return NULL;
}

/* "A B" or "A;B" into ",A,B". Returns the number of servers. */
static int dns_list(struct span v, char *out, size_t size)
{
	struct strbuf t;
	size_t i = 0;
	int n = 0;

	strbuf_init(&t, out, size);
	while (i < v.len) {
		size_t start;

		while (i < v.len && (v.s[i] == ' ' || v.s[i] == ';'))
			i++;
		start = i;
		while (i < v.len && v.s[i] != ' ' && v.s[i] != ';')
			i++;
		if (i > start) {
			strbuf_addf(&t, ",%.*s", (int)(i - start), v.s + start);
			n++;
		}
	}
	return strbuf_result(&t) < 0 ? -1 : n;
}

/* " fathom.ipvN=ADDR/PLEN[,GW|,][,DNS...]" from the family's columns. */
static const char *add_family(struct strbuf *t, const struct row *row,
			      int addr, int gw, int dns, const char *key,
			      char *msg, size_t len)
{
	char servers[CSV_RECORD_MAX];
	struct span a = row->v[addr], g = row->v[gw], d = row->v[dns];
	int n = dns_list(d, servers, sizeof(servers));

	if (a.len == 0 && (g.len > 0 || n > 0)) {
		snprintf(msg, len, "%s: given without %s",
			 column_names[g.len > 0 ? gw : dns], column_names[addr]);
		return msg;
	}
	if (n > DNS_MAX || n < 0) {
		snprintf(msg, len, "%s: \"%.*s\": at most 2 servers, separated by"
			 " blanks or ';'", column_names[dns],
			 (int)(d.len > 200 ? 200 : d.len), d.s);
		return msg;
	}
	if (a.len == 0)
		return NULL;
	strbuf_addf(t, " %s=%.*s", key, (int)a.len, a.s);
	if (g.len > 0 || n > 0)
		strbuf_addf(t, ",%.*s%s", (int)g.len, g.s, servers);
	return NULL;
}

/* fathom.iface also takes a name; the mac column must be a MAC. */
static int mac_valid(struct span v)
{
	struct netcfg_config scratch;
	char value[64];

	if (v.len >= sizeof(value))
		return 0;
	memcpy(value, v.s, v.len);
	value[v.len] = '\0';
	netcfg_config_init(&scratch);
	return netcfg_parse_param(&scratch, "fathom.iface", value, NULL,
				  NULL) == 0 &&
	       scratch.iface_kind == NETCFG_IFACE_MAC;
}

/* The column checks netcfg's parser does not do. */
static const char *row_check_columns(const struct row *row, char *msg,
				     size_t len)
{
	struct span mac = row->v[INV_COL_MAC], drac = row->v[INV_COL_DRAC_IPV4];
	struct drac_ipv4 scratch;
	const char *why;

	if (row->v[INV_COL_HOSTNAME].len == 0)
		snprintf(msg, len, "hostname: missing: every row needs one");
	else if (row->v[INV_COL_IPV4].len == 0)
		snprintf(msg, len, "ipv4: missing: expected ADDR/PLEN (iPXE"
			 " fetches the kernel over IPv4)");
	else if (mac.len > 0 && !mac_valid(mac))
		snprintf(msg, len, "mac: \"%.*s\": expected a MAC address such as"
			 " 52:54:00:12:34:56", (int)(mac.len > 64 ? 64 : mac.len),
			 mac.s);
	else if (drac.len > 0 && (why = drac_ipv4_parse(drac, &scratch)) != NULL)
		snprintf(msg, len, "drac_ipv4: \"%.*s\": %s",
			 (int)(drac.len > 64 ? 64 : drac.len), drac.s, why);
	else
		return NULL;
	return msg;
}

static const char *row_cmdline(const struct row *row, char *cmdline,
			       char *msg, size_t len)
{
	const struct span *v = row->v;
	struct strbuf t;

	strbuf_init(&t, cmdline, INV_CMDLINE_MAX);
	strbuf_addf(&t, "fathom.hostname=%.*s", (int)v[INV_COL_HOSTNAME].len,
		 v[INV_COL_HOSTNAME].s);
	if (add_family(&t, row, INV_COL_IPV4, INV_COL_IPV4_GATEWAY,
		       INV_COL_IPV4_DNS, "fathom.ipv4", msg, len) ||
	    add_family(&t, row, INV_COL_IPV6, INV_COL_IPV6_GATEWAY,
		       INV_COL_IPV6_DNS, "fathom.ipv6", msg, len))
		return msg;
	if (v[INV_COL_MAC].len > 0)
		strbuf_addf(&t, " fathom.iface=%.*s", (int)v[INV_COL_MAC].len,
			 v[INV_COL_MAC].s);
	if (v[INV_COL_DRAC_IPV4].len > 0)
		strbuf_addf(&t, " fathom.drac.ipv4=%.*s",
			 (int)v[INV_COL_DRAC_IPV4].len, v[INV_COL_DRAC_IPV4].s);
	if (v[INV_COL_EXTRA].len > 0)
		strbuf_addf(&t, " %.*s", (int)v[INV_COL_EXTRA].len,
			 v[INV_COL_EXTRA].s);
	if (strbuf_result(&t) < 0) {
		snprintf(msg, len, "kernel command line longer than %d bytes",
			 INV_CMDLINE_MAX - 1);
		return msg;
	}
	return NULL;
}

void inv_keep_first_error(void *ctx, const char *msg)
{
	struct inv_first_error *fe = ctx;

	if (fe->count++ == 0)
		snprintf(fe->msg, sizeof(fe->msg), "%s", msg);
}

/* Parse the line the kernel will get (ours, then the board's), as the
 * appliance will: netcfg's parameters, then init's (fathom.drac.ipv4,
 * fathom.watchdog, ...). */
static const char *machine_parse(struct inv_machine *m,
				 const char *board_cmdline, char *msg,
				 size_t len)
{
	char full[INV_CMDLINE_MAX];
	struct inv_first_error fe = { 0 };
	int n;

	n = snprintf(full, sizeof(full), "%s%s%s", m->cmdline,
		     board_cmdline && *board_cmdline ? " " : "",
		     board_cmdline ? board_cmdline : "");
	if (n < 0 || (size_t)n >= sizeof(full)) {
		snprintf(msg, len, "kernel command line with the board's"
			 " CMDLINE longer than %d bytes", INV_CMDLINE_MAX - 1);
		return msg;
	}
	netcfg_config_init(&m->cfg);
	netcfg_parse_cmdline(&m->cfg, full, inv_keep_first_error, &fe);
	if (fe.count == 0) {
		struct init_config icfg;

		init_config_parse(&icfg, full, inv_keep_first_error, &fe);
	}
	if (fe.count > 0) {
		snprintf(msg, len, "%s", fe.msg);
		return msg;
	}
	return NULL;
}

int inv_machine_build(struct inv_machine *m, const struct inv_columns *cols,
		      const struct csv_record *rec, const char *board_cmdline,
		      char *msg, size_t len)
{
	struct row row;
	int c;

	memset(m, 0, sizeof(*m));
	m->line = rec->line;
	if (rec->nfields != cols->count) {
		snprintf(msg, len, "expected %zu fields (one per column), found %zu",
			 cols->count, rec->nfields);
		return -1;
	}
	for (c = 0; c < INV_COL_COUNT; c++)
		row.v[c] = cols->index[c] < 0 ? (struct span){ "", 0 } :
			   span_trim(span_of(rec->field[cols->index[c]]));
	if (row_check_chars(&row, msg, len) ||
	    row_check_columns(&row, msg, len) ||
	    inv_platform_check(row.v[INV_COL_IATA], row.v[INV_COL_UPLINK],
			       row.v[INV_COL_PROBABILITY], msg, len) ||
	    inv_install_check(row.v[INV_COL_INSTALL_DISK], row.v[INV_COL_INSTALL_WIPE], msg, len) ||
	    row_cmdline(&row, m->cmdline, msg, len) ||
	    machine_parse(m, board_cmdline, msg, len))
		return -1;
	inv_platform_settings(row.v[INV_COL_IATA], row.v[INV_COL_UPLINK],
			      row.v[INV_COL_PROBABILITY], m->settings, sizeof(m->settings));
	inv_install_settings(row.v[INV_COL_INSTALL_DISK], row.v[INV_COL_INSTALL_WIPE], m->install,
			     sizeof(m->install));
	return 0;
}

/* The whole inventory ------------------------------------------------------ */

static void report(const struct inv_options *opt, const struct inv_handler *h,
		   unsigned line, const char *problem)
{
	char msg[INV_MSG_MAX + 256], *p;

	if (!h->error)
		return;
	if (line)
		snprintf(msg, sizeof(msg), "%s:%u: %s", opt->path, line, problem);
	else
		snprintf(msg, sizeof(msg), "%s: %s", opt->path, problem);
	/* One line whatever the input: a header name may hold anything. */
	for (p = msg; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	}
	h->error(h->ctx, msg);
}

/* A record the CSV reader refused: "COLUMN: why", or "field N: why" past
 * the header's columns. */
static void report_csv_problem(const struct inv_options *opt,
			       const struct inv_handler *h,
			       const struct inv_columns *cols,
			       const struct csv_record *rec, const char *problem)
{
	char msg[INV_MSG_MAX];
	int c;

	for (c = 0; c < INV_COL_COUNT; c++) {
		if (cols->index[c] >= 0 &&
		    (size_t)cols->index[c] == rec->problem_field)
			break;
	}
	if (c < INV_COL_COUNT)
		snprintf(msg, sizeof(msg), "%s: %s", column_names[c], problem);
	else
		snprintf(msg, sizeof(msg), "field %zu: %s", rec->problem_field + 1,
			 problem);
	report(opt, h, rec->line, msg);
}

/* One data record: build, check uniqueness, hand over. Returns 0 or 1. */
static int take_row(const struct inv_options *opt,
		    const struct inv_handler *h, const struct inv_columns *cols,
		    const struct csv_record *rec, struct inv_machine *m,
		    struct name_set *names)
{
	char msg[INV_MSG_MAX];
	long first;

	if (inv_machine_build(m, cols, rec, opt->board_cmdline, msg,
			      sizeof(msg)) < 0) {
		report(opt, h, rec->line, msg);
		return 1;
	}
	first = name_set_add(names, m->cfg.hostname, rec->line);
	if (first != 0) {
		if (first < 0)
			snprintf(msg, sizeof(msg), "out of memory");
		else
			snprintf(msg, sizeof(msg), "hostname \"%s\": already on"
				 " line %ld; hostnames must be unique",
				 m->cfg.hostname, first);
		report(opt, h, rec->line, msg);
		return 1;
	}
	return h->machine && h->machine(h->ctx, m) != 0;
}

int inv_parse(const char *text, size_t len, const struct inv_options *opt,
	      const struct inv_handler *h)
{
	struct csv_record *rec = malloc(sizeof(*rec));
	struct inv_machine *m = malloc(sizeof(*m));
	struct name_set names = { 0 };
	struct inv_columns cols;
	struct csv_reader r;
	char msg[INV_MSG_MAX];
	const char *problem;
	int errors = 0, bad = 0, rc;

	if (!rec || !m) {
		report(opt, h, 0, "out of memory");
		free(rec);
		free(m);
		return 1;
	}
	csv_reader_init(&r, text, len);
	rc = csv_next(&r, rec, &problem);
	if (rc == 0) {
		report(opt, h, 0, "empty: expected a header line naming the"
		       " columns, e.g. hostname,ipv4,ipv4_gateway,ipv4_dns");
		errors = 1;
	} else if (rc < 0 || inv_columns_parse(&cols, rec, msg,
					       sizeof(msg)) < 0) {
		if (rc < 0)
			snprintf(msg, sizeof(msg), "header: field %zu: %s",
				 rec->problem_field + 1, problem);
		report(opt, h, rec->line, msg);
		errors = 1;
	}
	while (!errors && (rc = csv_next(&r, rec, &problem)) != 0) {
		if (rc > 0) {
			bad += take_row(opt, h, &cols, rec, m, &names);
			continue;
		}
		report_csv_problem(opt, h, &cols, rec, problem);
		bad++;
	}
	errors += bad;
	name_set_free(&names);
	free(rec);
	free(m);
	return errors;
}

