/* libFuzzer target for init/modalias.c: the input's first line is a
 * modalias, the rest a coldplug table; parse, match, and check the
 * promises of modalias.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "modalias.h"

#define MATCHES_MAX 8

struct errors {
	int n;
};

/* One line, naming its line number. */
static void check_error(void *ctx, const char *msg)
{
	if (strncmp(msg, "line ", 5) != 0 || msg[5] < '1' || msg[5] > '9' || strchr(msg, '\n'))
		abort();
	((struct errors *)ctx)->n++;
}

/* Every module has paths, all absolute; every alias points at a module. */
static void check_table(const struct coldplug_table *t)
{
	size_t i, k;

	for (i = 0; i < t->nmodules; i++) {
		if (!t->modules[i].name[0] || t->modules[i].npaths == 0)
			abort();
		for (k = 0; k < t->modules[i].npaths; k++)
			if (t->modules[i].paths[k][0] != '/')
				abort();
	}
	for (i = 0; i < t->naliases; i++)
		if (t->aliases[i].module >= t->nmodules ||
		    strcmp(t->aliases[i].module_name, t->modules[t->aliases[i].module].name))
			abort();
}

/* Matches are distinct, valid and in table order. */
static void check_match(const struct coldplug_table *t, const char *modalias)
{
	size_t out[MATCHES_MAX], n = coldplug_match(t, modalias, out, MATCHES_MAX), i;

	if (n > MATCHES_MAX)
		abort();
	for (i = 0; i < n; i++)
		if (out[i] >= t->nmodules || (i > 0 && out[i - 1] >= out[i]))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *table;
	struct errors e = { 0 };
	struct coldplug_table t;
	int bad;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	table = text + strcspn(text, "\n");
	if (*table)
		*table++ = '\0';
	bad = coldplug_parse(&t, table, check_error, &e);
	if (bad >= 0) {
		if (bad != e.n)
			abort();
		check_table(&t);
		check_match(&t, text);
		coldplug_free(&t);
	}
	free(text);
	return 0;
}
