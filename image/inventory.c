/* The machine inventory: CSV reader, row checks, network.conf and iPXE
 * script rendering (format: inventory.h). */
#include "inventory.h"
#include "params.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define DNS_MAX 2
#define FETCH_TRIES 5

struct span {
	const char *s;
	size_t len;
};

/* Appends with snprintf; remembers overflow instead of failing each call. */
struct text {
	char *buf;
	size_t size, len;
	int overflow;
};

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
};

const char *inv_column_name(enum inv_column col)
{
	return col < INV_COL_COUNT ? column_names[col] : "?";
}

static void text_init(struct text *t, char *buf, size_t size)
{
	*t = (struct text){ .buf = buf, .size = size };
	if (size > 0)
		buf[0] = '\0';
}

static void text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->len, t->size - t->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= t->size - t->len) {
		t->overflow = 1;
		return;
	}
	t->len += (size_t)n;
}

static int text_result(const struct text *t)
{
	if (t->size > 0 && t->overflow)
		t->buf[0] = '\0';
	return t->overflow ? -1 : (int)t->len;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static struct span span_trim(const char *s)
{
	struct span sp = { s, strlen(s) };

	while (sp.len > 0 && is_blank(sp.s[0])) {
		sp.s++;
		sp.len--;
	}
	while (sp.len > 0 && is_blank(sp.s[sp.len - 1]))
		sp.len--;
	return sp;
}

/* CSV ------------------------------------------------------------------ */

void inv_reader_init(struct inv_reader *r, const char *text, size_t len)
{
	r->p = text;
	r->end = text + len;
	r->line = 1;
}

static void skip_line(struct inv_reader *r)
{
	const char *eol = memchr(r->p, '\n', (size_t)(r->end - r->p));

	r->p = eol ? eol + 1 : r->end;
	r->line++;
}

/* Blank lines and '#' lines between records are not records. */
static int skip_ignored_lines(struct inv_reader *r)
{
	while (r->p < r->end) {
		const char *q = r->p;

		while (q < r->end && is_blank(*q))
			q++;
		if (q < r->end && *q != '\n' && *r->p != '#')
			return 1;
		skip_line(r);
	}
	return 0;
}

/* The whole record is dropped; the reader goes on after its line. */
static int csv_fail(struct inv_reader *r, const char **problem,
		    const char *why, int at_eol)
{
	*problem = why;
	if (!at_eol)
		skip_line(r);
	return -1;
}

int inv_csv_next(struct inv_reader *r, struct inv_record *rec,
		 const char **problem)
{
	size_t used = 0;
	int quoted = 0, closed = 0, at_start = 1;

	*problem = NULL;
	if (!skip_ignored_lines(r))
		return 0;
	rec->line = r->line;
	rec->nfields = 1;
	rec->field[0] = rec->text;
	while (r->p < r->end) {
		char c = *r->p++;

		if (quoted && c == '"' && r->p < r->end && *r->p == '"') {
			r->p++;
		} else if (quoted && c == '"') {
			quoted = 0;
			closed = 1;
			continue;
		} else if (quoted) {
			r->line += c == '\n';
		} else if (c == '\r' && (r->p == r->end || *r->p == '\n')) {
			continue;
		} else if (c == '\n') {
			r->line++;
			break;
		} else if (c == ',') {
			if (rec->nfields == INV_FIELDS_MAX)
				return csv_fail(r, problem, "more than 32 fields", 0);
			rec->text[used++] = '\0';
			rec->field[rec->nfields++] = rec->text + used;
			closed = 0;
			at_start = 1;
			continue;
		} else if (closed) {
			return csv_fail(r, problem,
					"text after a closing quote: a quoted field"
					" must end at ',' or the end of the line", 0);
		} else if (c == '"' && at_start) {
			quoted = 1;
			at_start = 0;
			continue;
		} else if (c == '"') {
			return csv_fail(r, problem,
					"'\"' inside an unquoted field: quote the"
					" whole field and double the '\"'", 0);
		}
		at_start = 0;
		if (used + 1 >= sizeof(rec->text))
			return csv_fail(r, problem, "record longer than 8191 bytes",
					0);
		rec->text[used++] = c;
	}
	if (quoted)
		return csv_fail(r, problem, "quoted field never closed", 1);
	rec->text[used] = '\0';
	return 1;
}

/* Header ---------------------------------------------------------------- */

int inv_columns_parse(struct inv_columns *cols, const struct inv_record *rec,
		      char *msg, size_t len)
{
	size_t i;
	int c;

	for (c = 0; c < INV_COL_COUNT; c++)
		cols->index[c] = -1;
	cols->count = rec->nfields;
	for (i = 0; i < rec->nfields; i++) {
		struct span name = span_trim(rec->field[i]);

		for (c = 0; c < INV_COL_COUNT; c++) {
			if (strlen(column_names[c]) == name.len &&
			    memcmp(column_names[c], name.s, name.len) == 0)
				break;
		}
		if (c == INV_COL_COUNT) {
			snprintf(msg, len, "header: unknown column \"%.*s\": expected"
				 " hostname, ipv4, ipv4_gateway, ipv4_dns, ipv6,"
				 " ipv6_gateway, ipv6_dns, mac, drac_ipv4 or extra",
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

static int has_control(struct span sp)
{
	size_t i;

	for (i = 0; i < sp.len; i++) {
		unsigned char c = (unsigned char)sp.s[i];

		if (c < 0x20 || c == 0x7f)
			return 1;
	}
	return 0;
}

static int has_blank_or_quote(struct span sp, int blanks_ok)
{
	size_t i;

	for (i = 0; i < sp.len; i++) {
		if (sp.s[i] == '"' || (!blanks_ok && sp.s[i] == ' '))
			return 1;
	}
	return 0;
}

/* The first thing wrong with the characters of any value, else NULL. */
static const char *row_check_chars(const struct row *row, char *msg,
				   size_t len)
{
	int c;

	for (c = 0; c < INV_COL_COUNT; c++) {
		struct span v = row->v[c];
		int blanks_ok = c == INV_COL_IPV4_DNS || c == INV_COL_IPV6_DNS ||
				c == INV_COL_EXTRA;

		if (has_control(v))
			snprintf(msg, len, "%s: control character in the value",
				 column_names[c]);
		else if (c != INV_COL_EXTRA && has_blank_or_quote(v, blanks_ok))
			snprintf(msg, len, "%s: \"%.*s\": must not contain %s",
				 column_names[c], (int)(v.len > 200 ? 200 : v.len),
				 v.s, blanks_ok ? "quotes" : "blanks or quotes");
		else
			continue;
		return msg;
	}
	return NULL;
}

/* "A B" or "A;B" into ",A,B". Returns the number of servers. */
static int dns_list(struct span v, char *out, size_t size)
{
	struct text t;
	size_t i = 0;
	int n = 0;

	text_init(&t, out, size);
	while (i < v.len) {
		size_t start;

		while (i < v.len && (v.s[i] == ' ' || v.s[i] == ';'))
			i++;
		start = i;
		while (i < v.len && v.s[i] != ' ' && v.s[i] != ';')
			i++;
		if (i > start) {
			text_add(&t, ",%.*s", (int)(i - start), v.s + start);
			n++;
		}
	}
	return text_result(&t) < 0 ? -1 : n;
}

static int is_digits(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
	}
	return len > 0 && len <= 2;
}

/* ADDR/PLEN,GW with IPv4 addresses: the shape, named by its column; init's
 * own parser (machine_parse) then checks it as the appliance will. */
static int drac_valid(struct span v)
{
	char buf[64], *slash, *comma;
	unsigned char bin[4];

	if (v.len >= sizeof(buf))
		return 0;
	memcpy(buf, v.s, v.len);
	buf[v.len] = '\0';
	slash = strchr(buf, '/');
	comma = strchr(buf, ',');
	if (!slash || !comma || comma < slash || strchr(comma + 1, ','))
		return 0;
	*slash = *comma = '\0';
	return inet_pton(AF_INET, buf, bin) == 1 &&
	       is_digits(slash + 1, strlen(slash + 1)) &&
	       atoi(slash + 1) <= 32 && inet_pton(AF_INET, comma + 1, bin) == 1;
}

/* " fathom.ipvN=ADDR/PLEN[,GW|,][,DNS...]" from the family's columns. */
static const char *add_family(struct text *t, const struct row *row,
			      int addr, int gw, int dns, const char *key,
			      char *msg, size_t len)
{
	char servers[INV_RECORD_MAX];
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
	text_add(t, " %s=%.*s", key, (int)a.len, a.s);
	if (g.len > 0 || n > 0)
		text_add(t, ",%.*s%s", (int)g.len, g.s, servers);
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

	if (row->v[INV_COL_HOSTNAME].len == 0)
		snprintf(msg, len, "hostname: missing: every row needs one");
	else if (row->v[INV_COL_IPV4].len == 0)
		snprintf(msg, len, "ipv4: missing: expected ADDR/PLEN (iPXE"
			 " fetches the kernel over IPv4)");
	else if (mac.len > 0 && !mac_valid(mac))
		snprintf(msg, len, "mac: \"%.*s\": expected a MAC address such as"
			 " 52:54:00:12:34:56", (int)(mac.len > 64 ? 64 : mac.len),
			 mac.s);
	else if (drac.len > 0 && !drac_valid(drac))
		snprintf(msg, len, "drac_ipv4: \"%.*s\": expected ADDR/PLEN,GW"
			 " such as 192.0.2.5/28,192.0.2.1",
			 (int)(drac.len > 64 ? 64 : drac.len), drac.s);
	else
		return NULL;
	return msg;
}

static const char *row_cmdline(const struct row *row, char *cmdline,
			       char *msg, size_t len)
{
	const struct span *v = row->v;
	struct text t;

	text_init(&t, cmdline, INV_CMDLINE_MAX);
	text_add(&t, "fathom.hostname=%.*s", (int)v[INV_COL_HOSTNAME].len,
		 v[INV_COL_HOSTNAME].s);
	if (add_family(&t, row, INV_COL_IPV4, INV_COL_IPV4_GATEWAY,
		       INV_COL_IPV4_DNS, "fathom.ipv4", msg, len) ||
	    add_family(&t, row, INV_COL_IPV6, INV_COL_IPV6_GATEWAY,
		       INV_COL_IPV6_DNS, "fathom.ipv6", msg, len))
		return msg;
	if (v[INV_COL_MAC].len > 0)
		text_add(&t, " fathom.iface=%.*s", (int)v[INV_COL_MAC].len,
			 v[INV_COL_MAC].s);
	if (v[INV_COL_DRAC_IPV4].len > 0)
		text_add(&t, " fathom.drac.ipv4=%.*s",
			 (int)v[INV_COL_DRAC_IPV4].len, v[INV_COL_DRAC_IPV4].s);
	if (v[INV_COL_EXTRA].len > 0)
		text_add(&t, " %.*s", (int)v[INV_COL_EXTRA].len,
			 v[INV_COL_EXTRA].s);
	if (text_result(&t) < 0) {
		snprintf(msg, len, "kernel command line longer than %d bytes",
			 INV_CMDLINE_MAX - 1);
		return msg;
	}
	return NULL;
}

/* Keeps the parser's first message. */
struct first_error {
	int count;
	char msg[INV_MSG_MAX];
};

static void keep_first_error(void *ctx, const char *msg)
{
	struct first_error *fe = ctx;

	if (fe->count++ == 0)
		snprintf(fe->msg, sizeof(fe->msg), "%s", msg);
}

/* init's own parser reports through a callback without a context. */
static struct first_error *init_errors;

static void keep_first_init_error(const char *msg)
{
	keep_first_error(init_errors, msg);
}

/* Parse the line the kernel will get (ours, then the board's), as the
 * appliance will: netcfg's parameters, then init's (fathom.drac.ipv4,
 * fathom.watchdog, ...). */
static const char *machine_parse(struct inv_machine *m,
				 const char *board_cmdline, char *msg,
				 size_t len)
{
	char full[INV_CMDLINE_MAX];
	struct first_error fe = { 0 };
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
	netcfg_parse_cmdline(&m->cfg, full, keep_first_error, &fe);
	if (fe.count == 0) {
		struct init_config icfg;

		init_errors = &fe;
		init_config_parse(&icfg, full, keep_first_init_error);
		init_errors = NULL;
	}
	if (fe.count > 0) {
		snprintf(msg, len, "%s", fe.msg);
		return msg;
	}
	return NULL;
}

int inv_machine_build(struct inv_machine *m, const struct inv_columns *cols,
		      const struct inv_record *rec, const char *board_cmdline,
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
			   span_trim(rec->field[cols->index[c]]);
	if (row_check_chars(&row, msg, len) ||
	    row_check_columns(&row, msg, len) ||
	    row_cmdline(&row, m->cmdline, msg, len) ||
	    machine_parse(m, board_cmdline, msg, len))
		return -1;
	return 0;
}

/* Unique hostnames ---------------------------------------------------------- */

struct seen_name {
	char *name;		/* lower case; NULL = free slot */
	unsigned line;
};

struct name_set {
	struct seen_name *slots;
	size_t count, capacity;	/* capacity: a power of two */
};

static uint64_t name_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;	/* FNV-1a */

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return h;
}

static struct seen_name *name_slot(const struct name_set *set,
				   const char *name)
{
	size_t i = (size_t)name_hash(name) & (set->capacity - 1);

	while (set->slots[i].name && strcmp(set->slots[i].name, name) != 0)
		i = (i + 1) & (set->capacity - 1);
	return &set->slots[i];
}

static int name_set_grow(struct name_set *set)
{
	struct name_set bigger = { NULL, set->count, set->capacity ?
				   set->capacity * 2 : 1024 };
	size_t i;

	bigger.slots = calloc(bigger.capacity, sizeof(*bigger.slots));
	if (!bigger.slots)
		return -1;
	for (i = 0; i < set->capacity; i++) {
		if (set->slots[i].name)
			*name_slot(&bigger, set->slots[i].name) = set->slots[i];
	}
	free(set->slots);
	*set = bigger;
	return 0;
}

/* Returns 0 if added, the line it was first seen on, or -1 (no memory). */
static long name_set_add(struct name_set *set, const char *hostname,
			 unsigned line)
{
	char lower[NETCFG_HOSTNAME_MAX + 1];
	struct seen_name *slot;
	size_t i;

	for (i = 0; hostname[i] && i < NETCFG_HOSTNAME_MAX; i++)
		lower[i] = (char)(hostname[i] >= 'A' && hostname[i] <= 'Z' ?
				  hostname[i] + 'a' - 'A' : hostname[i]);
	lower[i] = '\0';
	if ((set->count + 1) * 3 > set->capacity * 2 && name_set_grow(set) < 0)
		return -1;
	slot = name_slot(set, lower);
	if (slot->name)
		return slot->line;
	slot->name = strdup(lower);
	if (!slot->name)
		return -1;
	slot->line = line;
	set->count++;
	return 0;
}

static void name_set_free(struct name_set *set)
{
	size_t i;

	for (i = 0; i < set->capacity; i++)
		free(set->slots[i].name);
	free(set->slots);
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

/* One data record: build, check uniqueness, hand over. Returns 0 or 1. */
static int take_row(const struct inv_options *opt,
		    const struct inv_handler *h, const struct inv_columns *cols,
		    const struct inv_record *rec, struct inv_machine *m,
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
	struct inv_record *rec = malloc(sizeof(*rec));
	struct inv_machine *m = malloc(sizeof(*m));
	struct name_set names = { 0 };
	struct inv_columns cols;
	struct inv_reader r;
	char msg[INV_MSG_MAX];
	const char *problem;
	int errors = 0, bad = 0, rc;

	if (!rec || !m) {
		report(opt, h, 0, "out of memory");
		free(rec);
		free(m);
		return 1;
	}
	inv_reader_init(&r, text, len);
	rc = inv_csv_next(&r, rec, &problem);
	if (rc == 0) {
		report(opt, h, 0, "empty: expected a header line naming the"
		       " columns, e.g. hostname,ipv4,ipv4_gateway,ipv4_dns");
		errors = 1;
	} else if (rc < 0 || inv_columns_parse(&cols, rec, msg,
					       sizeof(msg)) < 0) {
		if (rc < 0)
			snprintf(msg, sizeof(msg), "header: %s", problem);
		report(opt, h, rec->line, msg);
		errors = 1;
	}
	while (!errors && (rc = inv_csv_next(&r, rec, &problem)) != 0) {
		if (rc > 0) {
			bad += take_row(opt, h, &cols, rec, m, &names);
			continue;
		}
		report(opt, h, rec->line, problem);
		bad++;
	}
	errors += bad;
	name_set_free(&names);
	free(rec);
	free(m);
	return errors;
}

/* Rendering ------------------------------------------------------------------ */

static void add_addr_value(struct text *t, const struct netcfg_addr *a)
{
	char s[INET6_ADDRSTRLEN];
	int i;

	inet_ntop(a->family, a->addr, s, sizeof(s));
	text_add(t, "%s/%u", s, a->prefixlen);
	if (!a->has_gateway && a->ndns == 0)
		return;
	s[0] = '\0';
	if (a->has_gateway)
		inet_ntop(a->family, a->gateway, s, sizeof(s));
	text_add(t, ",%s", s);
	for (i = 0; i < a->ndns && i < NETCFG_MAX_DNS; i++) {
		inet_ntop(a->family, a->dns[i], s, sizeof(s));
		text_add(t, ",%s", s);
	}
}

static void conf_add_addr(struct text *t, const char *key,
			  const struct netcfg_config *cfg, int field,
			  const struct netcfg_addr *a)
{
	if (cfg->source[field] == NETCFG_SRC_DEFAULT)
		return;
	text_add(t, "%s=", key);
	if (a->family)
		add_addr_value(t, a);
	text_add(t, "\n");
}

static void conf_add_iface(struct text *t, const struct netcfg_config *cfg)
{
	const unsigned char *mac = cfg->iface_mac;

	if (cfg->source[NETCFG_FIELD_IFACE] == NETCFG_SRC_DEFAULT)
		return;
	if (cfg->iface_kind == NETCFG_IFACE_MAC)
		text_add(t, "iface=%02x:%02x:%02x:%02x:%02x:%02x\n", mac[0],
			 mac[1], mac[2], mac[3], mac[4], mac[5]);
	else if (cfg->iface_kind == NETCFG_IFACE_NAME)
		text_add(t, "iface=%s\n", cfg->iface_name);
	else
		text_add(t, "iface=auto\n");
}

int inv_network_conf(const struct netcfg_config *cfg, char *buf, size_t len)
{
	const unsigned char *src = cfg->source;
	struct text t;

	text_init(&t, buf, len);
	text_add(&t, "# Written by mkmachines from the inventory; the kernel"
		 " command line overrides it.\n");
	if (src[NETCFG_FIELD_HOSTNAME] != NETCFG_SRC_DEFAULT)
		text_add(&t, "hostname=%s\n", cfg->hostname);
	conf_add_iface(&t, cfg);
	conf_add_addr(&t, "ipv4", cfg, NETCFG_FIELD_IPV4, &cfg->ipv4);
	conf_add_addr(&t, "ipv6", cfg, NETCFG_FIELD_IPV6, &cfg->ipv6);
	if (src[NETCFG_FIELD_LINK_TIMEOUT] != NETCFG_SRC_DEFAULT)
		text_add(&t, "link_timeout=%u\n", cfg->link_timeout);
	if (src[NETCFG_FIELD_MTU] != NETCFG_SRC_DEFAULT)
		text_add(&t, "mtu=%u\n", cfg->mtu);
	if (src[NETCFG_FIELD_NODAD] != NETCFG_SRC_DEFAULT)
		text_add(&t, "nodad=%d\n", cfg->nodad ? 1 : 0);
	return text_result(&t);
}

/* What the file can carry: everything but where it came from and BOOTIF. */
static void config_comparable(struct netcfg_config *cfg)
{
	memset(cfg->source, 0, sizeof(cfg->source));
	cfg->has_bootif = 0;
	memset(cfg->bootif_mac, 0, sizeof(cfg->bootif_mac));
}

int inv_network_conf_check(const struct netcfg_config *cfg, const char *conf,
			   char *msg, size_t len)
{
	struct netcfg_config want = *cfg, got;
	struct first_error fe = { 0 };

	netcfg_config_init(&got);
	netcfg_parse_file(&got, conf, "network.conf", keep_first_error, &fe);
	if (fe.count > 0) {
		snprintf(msg, len, "network.conf does not parse back: %s", fe.msg);
		return -1;
	}
	config_comparable(&want);
	config_comparable(&got);
	if (memcmp(&want, &got, sizeof(want)) != 0) {
		snprintf(msg, len, "network.conf parses back to a different"
			 " configuration than the command line");
		return -1;
	}
	return 0;
}

static void ipxe_add_addresses(struct text *t, const struct netcfg_config *cfg)
{
	const struct netcfg_addr *v4 = &cfg->ipv4, *v6 = &cfg->ipv6;
	char s[INET6_ADDRSTRLEN];
	uint32_t mask = v4->prefixlen ? 0xffffffffu << (32 - v4->prefixlen) : 0;
	struct in_addr netmask = { htonl(mask) };

	if (v4->family) {
		inet_ntop(AF_INET, v4->addr, s, sizeof(s));
		text_add(t, "set net0/ip %s\n", s);
		inet_ntop(AF_INET, &netmask, s, sizeof(s));
		text_add(t, "set net0/netmask %s\n", s);
		if (v4->has_gateway && inet_ntop(AF_INET, v4->gateway, s, sizeof(s)))
			text_add(t, "set net0/gateway %s\n", s);
		if (v4->ndns > 0 && inet_ntop(AF_INET, v4->dns[0], s, sizeof(s)))
			text_add(t, "set dns %s\n", s);
	}
	if (v6->family) {
		inet_ntop(AF_INET6, v6->addr, s, sizeof(s));
		text_add(t, "set net0/ip6 %s\nset net0/len6 %u\n", s,
			 v6->prefixlen);
		if (v6->has_gateway && inet_ntop(AF_INET6, v6->gateway, s, sizeof(s)))
			text_add(t, "set net0/gateway6 %s\n", s);
		if (v6->ndns > 0 && inet_ntop(AF_INET6, v6->dns[0], s, sizeof(s)))
			text_add(t, "set dns6 %s\n", s);
	}
}

/* Each failed try waits twice as long as the one before: 1, 2, 4, 8 s. */
static void ipxe_add_retries(struct text *t, const char *host)
{
	int try;

	text_add(t, ":failed\ngoto wait${try}\n");
	for (try = 1; try < FETCH_TRIES; try++)
		text_add(t, ":wait%d\nsleep %d\nset try %d\ngoto fetch\n", try,
			 1 << (try - 1), try + 1);
	text_add(t, ":wait%d\necho Fathom: %s: no boot files from ${base} after"
		 " %d tries, rebooting in 60 s\nsleep 60\nreboot\n", FETCH_TRIES,
		 host, FETCH_TRIES);
}

int inv_boot_ipxe(const struct inv_machine *m, const char *base_url,
		  const char *board_cmdline, char *buf, size_t len)
{
	const char *host = m->cfg.hostname;
	int has_board = board_cmdline && *board_cmdline;
	struct text t;

	text_init(&t, buf, len);
	text_add(&t, "#!ipxe\n# Fathom netboot of %s, written by mkmachines.\n"
		 "set base %s\n", host, base_url);
	ipxe_add_addresses(&t, &m->cfg);
	text_add(&t, "set try 1\n:fetch\n"
		 "echo Fathom: %s: fetching from ${base}, try ${try} of %d\n"
		 "ifopen net0 || goto failed\nimgfree\n", host, FETCH_TRIES);
	text_add(&t, "kernel ${base}/vmlinuz initrd=initramfs.cpio.zst"
		 " initrd=config.cpio %s%s%s || goto failed\n", m->cmdline,
		 has_board ? " " : "", has_board ? board_cmdline : "");
	text_add(&t, "initrd ${base}/initramfs.cpio.zst || goto failed\n"
		 "initrd ${base}/machines/%s/config.cpio || goto failed\n"
		 "boot || goto failed\n", host);
	ipxe_add_retries(&t, host);
	return text_result(&t);
}
