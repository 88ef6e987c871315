/* The kernel command line's tokenizer (contract: cmdline.h). */
#include "lib/cmdline.h"

#include <string.h>

static int is_cmdline_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	       c == '\v' || c == '\f';
}

/* Drop a closing quote from the end of sp, if there is one. */
static void span_strip_closing_quote(struct span *sp)
{
	if (sp->len > 0 && sp->s[sp->len - 1] == '"')
		sp->len--;
}

const char *cmdline_next(const char *p, struct cmdline_token *tok)
{
	const char *start, *eq = NULL;
	int in_quote, quoted;

	while (is_cmdline_space(*p))
		p++;
	if (*p == '\0')
		return NULL;
	quoted = *p == '"';
	in_quote = quoted;
	if (quoted)
		p++;
	start = p;
	for (; *p && (in_quote || !is_cmdline_space(*p)); p++) {
		if (!eq && *p == '=')
			eq = p;
		if (*p == '"')
			in_quote = !in_quote;
	}
	tok->has_value = eq != NULL;
	tok->key.s = start;
	tok->key.len = (size_t)((eq ? eq : p) - start);
	tok->value.s = eq ? eq + 1 : p;
	tok->value.len = (size_t)(p - tok->value.s);
	if (tok->has_value && tok->value.len > 0 && tok->value.s[0] == '"') {
		tok->value.s++;
		tok->value.len--;
		span_strip_closing_quote(&tok->value);
	} else if (quoted) {
		span_strip_closing_quote(tok->has_value ? &tok->value : &tok->key);
	}
	return p;
}

int cmdline_is_end(const struct cmdline_token *tok)
{
	return !tok->has_value && span_equals(tok->key, "--");
}

int cmdline_name_equals(struct span key, const char *name)
{
	size_t i;

	if (key.len != strlen(name))
		return 0;
	for (i = 0; i < key.len; i++) {
		char a = key.s[i] == '-' ? '_' : key.s[i];
		char b = name[i] == '-' ? '_' : name[i];

		if (a != b)
			return 0;
	}
	return 1;
}

int cmdline_get(const char *cmdline, const char *key, char *value, size_t len)
{
	struct cmdline_token tok;
	const char *p = cmdline;
	int found = 0;

	while (p && (p = cmdline_next(p, &tok)) != NULL) {
		if (cmdline_is_end(&tok))
			break;
		if (!cmdline_name_equals(tok.key, key))
			continue;
		found = 1;
		if (len > 0) {
			size_t n = tok.value.len < len - 1 ? tok.value.len : len - 1;

			memcpy(value, tok.value.s, n);
			value[n] = '\0';
		}
	}
	return found;
}
