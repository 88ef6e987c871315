/* The coldplug table: parsing and modalias matching, no system calls. */
#include "modalias.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "deps MODULE" and up to 62 paths: far more than any real closure. */
#define FIELDS_MAX 64
#define QUOTE_MAX 80

struct parser {
	struct coldplug_table *t;
	coldplug_error_fn err;
	void *ctx;
	unsigned line;
	int bad;
	size_t npaths;		/* used of t->paths */
};

/* Report a bad line. Splitting put NULs between its fields: undo that so
 * the message quotes the line as it was (tabs become spaces). */
static void parse_error(struct parser *p, char *start, char *end, const char *what)
{
	char msg[64 + QUOTE_MAX + 256];
	int len = (int)(end - start);
	char *c;

	for (c = start; c < end; c++)
		if (*c == '\0')
			*c = ' ';
	snprintf(msg, sizeof(msg), "line %u: %s: \"%.*s%s\"", p->line, what,
		 len > QUOTE_MAX ? QUOTE_MAX : len, start, len > QUOTE_MAX ? "..." : "");
	p->err(p->ctx, msg);
	p->bad++;
}

/* Split a NUL-terminated line on blanks. Returns the number of fields, or
 * -1 when there are more than max. */
static int split_fields(char *s, char **f, int max)
{
	int n = 0;

	for (;;) {
		s += strspn(s, " \t\r");
		if (*s == '\0')
			return n;
		if (n == max)
			return -1;
		f[n++] = s;
		s += strcspn(s, " \t\r");
		if (*s)
			*s++ = '\0';
	}
}

/* Whether path names MODULE's own .ko: module names use '_' where file
 * names may use '-' (ne2k-pci.ko is module ne2k_pci). */
static int path_is_module(const char *path, const char *name)
{
	const char *base = strrchr(path, '/') + 1;
	size_t i, len = strlen(name);

	for (i = 0; i < len; i++) {
		char c = base[i] == '-' ? '_' : base[i];

		if (c != (name[i] == '-' ? '_' : name[i]))
			return 0;
	}
	return strncmp(base + len, ".ko", 3) == 0 &&
	       (base[len + 3] == '\0' || base[len + 3] == '.');
}

static const char *deps_check(const struct parser *p, char **f, int n)
{
	size_t i;
	int k;

	if (n < 3)
		return "expected \"deps MODULE PATH...\"";
	for (k = 2; k < n; k++)
		if (f[k][0] != '/')
			return "module paths must be absolute";
	for (k = 2; k < n && !path_is_module(f[k], f[1]); k++)
		;
	if (k == n)
		return "no path is the module's own .ko";
	for (i = 0; i < p->t->nmodules; i++)
		if (strcmp(p->t->modules[i].name, f[1]) == 0)
			return "a second deps line for this module";
	return NULL;
}

static void parse_deps(struct parser *p, char **f, int n, char *start, char *end)
{
	const char *why = deps_check(p, f, n);
	struct coldplug_module *m;
	int k;

	if (why) {
		parse_error(p, start, end, why);
		return;
	}
	m = &p->t->modules[p->t->nmodules++];
	m->name = f[1];
	m->paths = p->t->paths + p->npaths;
	m->npaths = (size_t)(n - 2);
	for (k = 2; k < n; k++)
		p->t->paths[p->npaths++] = f[k];
}

static void parse_alias(struct parser *p, char **f, int n, char *start, char *end)
{
	struct coldplug_alias *a;

	if (n != 3) {
		parse_error(p, start, end, "expected \"alias PATTERN MODULE\"");
		return;
	}
	a = &p->t->aliases[p->t->naliases++];
	a->pattern = f[1];
	a->module_name = f[2];
	a->line = p->line;
}

static void parse_line(struct parser *p, char *start, char *end)
{
	char *f[FIELDS_MAX];
	int n;

	if (start[strspn(start, " \t\r")] == '#')
		return;
	n = split_fields(start, f, FIELDS_MAX);
	if (n < 0)
		parse_error(p, start, end, "too many fields");
	else if (n == 0)
		return;
	else if (strcmp(f[0], "alias") == 0)
		parse_alias(p, f, n, start, end);
	else if (strcmp(f[0], "deps") == 0)
		parse_deps(p, f, n, start, end);
	else
		parse_error(p, start, end, "unknown keyword (expected alias or deps)");
}

/* Point each alias at its module; drop (and report) those without one. */
static void aliases_resolve(struct parser *p)
{
	struct coldplug_table *t = p->t;
	size_t i, m, kept = 0;
	char msg[256];

	for (i = 0; i < t->naliases; i++) {
		struct coldplug_alias *a = &t->aliases[i];

		for (m = 0; m < t->nmodules; m++)
			if (strcmp(t->modules[m].name, a->module_name) == 0)
				break;
		if (m == t->nmodules) {
			snprintf(msg, sizeof(msg), "line %u: alias for %s, which has no deps line",
				 a->line, a->module_name);
			p->err(p->ctx, msg);
			p->bad++;
			continue;
		}
		a->module = m;
		t->aliases[kept++] = *a;
	}
	t->naliases = kept;
}

/* Allocate for the worst case (every line an entry, every field a path):
 * one allocation per array, no growing. */
static int table_alloc(struct coldplug_table *t, const char *text)
{
	size_t lines = 1, fields = 1;
	const char *s;

	for (s = text; *s; s++) {
		lines += *s == '\n';
		fields += (s == text || strchr(" \t\r\n", s[-1])) && !strchr(" \t\r\n", *s);
	}
	memset(t, 0, sizeof(*t));
	t->aliases = calloc(lines, sizeof(*t->aliases));
	t->modules = calloc(lines, sizeof(*t->modules));
	t->paths = calloc(fields, sizeof(*t->paths));
	if (t->aliases && t->modules && t->paths)
		return 0;
	coldplug_free(t);
	return -1;
}

int coldplug_parse(struct coldplug_table *t, char *text,
		   coldplug_error_fn err, void *ctx)
{
	struct parser p = { .t = t, .err = err, .ctx = ctx };
	char *start = text, *end;

	if (table_alloc(t, text) < 0)
		return -1;
	while (*start) {
		end = start + strcspn(start, "\n");
		p.line++;
		if (*end) {
			*end = '\0';
			parse_line(&p, start, end);
			start = end + 1;
		} else {
			parse_line(&p, start, end);
			start = end;
		}
	}
	aliases_resolve(&p);
	return p.bad;
}

void coldplug_free(struct coldplug_table *t)
{
	free(t->aliases);
	free(t->modules);
	free(t->paths);
	memset(t, 0, sizeof(*t));
}

size_t coldplug_match(const struct coldplug_table *t, const char *modalias,
		      size_t *out, size_t max)
{
	size_t i, k, n = 0;

	for (i = 0; i < t->naliases && n < max; i++) {
		size_t m = t->aliases[i].module;

		if (fnmatch(t->aliases[i].pattern, modalias, 0) != 0)
			continue;
		for (k = 0; k < n && out[k] != m; k++)
			;
		if (k < n)
			continue;
		/* Insert in order: table order is the order to try them. */
		for (k = n++; k > 0 && out[k - 1] > m; k--)
			out[k] = out[k - 1];
		out[k] = m;
	}
	return n;
}
