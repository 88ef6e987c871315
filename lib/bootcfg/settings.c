/* A service's settings from the command line and settings files, collected
 * for one prefix in rank order (contract: settings.h). Pure. */
#include "lib/bootcfg/settings.h"

#include <stdio.h>
#include <string.h>

#include "lib/cmdline.h"
#include "lib/span.h"
#include "lib/strbuf.h"

#define KEY_SHOWN_MAX 64
#define MSG_SIZE 512

static const char fathom_dot[] = "fathom.";

void settings_init(struct settings *s, const char *prefix,
		   const char *const *repeatable, settings_error_fn err, void *ctx)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->prefix, sizeof(s->prefix), "%s", prefix ? prefix : "");
	s->repeatable = repeatable;
	s->err = err;
	s->ctx = ctx;
}

/* "WHERE: KEY: PROBLEM" as one bounded line. */
static void report(const struct settings *s, const char *where, struct span key,
		   const char *problem)
{
	char msg[MSG_SIZE];
	struct strbuf t;

	if (!s->err)
		return;
	strbuf_init(&t, msg, sizeof(msg));
	strbuf_addf(&t, "%s: ", where);
	strbuf_add_escaped(&t, key, KEY_SHOWN_MAX);
	strbuf_addf(&t, ": %s", problem);
	msg[sizeof(msg) - 1] = '\0';
	s->err(s->ctx, msg);
}

/* Whether key is "PREFIX.SOMETHING"; if so, SOMETHING in *option. */
static int has_prefix(struct span key, const char *prefix, struct span *option)
{
	size_t n = strlen(prefix);

	if (n == 0 || key.len <= n + 1 || memcmp(key.s, prefix, n) != 0 || key.s[n] != '.')
		return 0;
	option->s = key.s + n + 1;
	option->len = key.len - n - 1;
	return 1;
}

/* PREFIX's option in key: "fathom.PREFIX.OPTION", or "PREFIX.OPTION" if
 * plain_ok (files take both, the command line only the first). */
static int key_option(struct span key, const char *prefix, int plain_ok, struct span *option)
{
	size_t f = sizeof(fathom_dot) - 1;

	if (key.len > f && memcmp(key.s, fathom_dot, f) == 0) {
		struct span rest = { key.s + f, key.len - f };

		return has_prefix(rest, prefix, option);
	}
	return plain_ok && has_prefix(key, prefix, option);
}

int settings_key_is_service(const char *key, size_t len)
{
	static const char *const prefixes[] = SETTINGS_SERVICE_PREFIXES;
	struct span k = { key, len }, option;
	size_t i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (key_option(k, prefixes[i], 1, &option))
			return 1;
	return settings_key_is_installer(key, len);
}

int settings_key_is_installer(const char *key, size_t len)
{
	static const char *const keys[] = SETTINGS_INSTALLER_KEYS;
	size_t i;

	if (len > 7 && memcmp(key, "fathom.", 7) == 0)
		key += 7, len -= 7;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strlen(keys[i]) == len && memcmp(keys[i], key, len) == 0)
			return 1;
	return 0;
}

/* Whether PREFIX.OPTION (option already in the '-' spelling) is secret. */
static int is_secret(const char *prefix, const char *option)
{
	static const char *const secrets[] = SETTINGS_SECRET_KEYS;
	size_t i, n = strlen(prefix);

	for (i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
		if (strncmp(secrets[i], prefix, n) == 0 && secrets[i][n] == '.' &&
		    strcmp(secrets[i] + n + 1, option) == 0)
			return 1;
	return 0;
}

int settings_prefix_has_secrets(const char *prefix)
{
	static const char *const secrets[] = SETTINGS_SECRET_KEYS;
	size_t i, n = strlen(prefix);

	for (i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
		if (n && strncmp(secrets[i], prefix, n) == 0 && secrets[i][n] == '.')
			return 1;
	return 0;
}

/* A key's option with '_' as '-', cut to fit name. */
static void option_name(struct span option, char *name, size_t size)
{
	size_t i, n = option.len < size - 1 ? option.len : size - 1;

	for (i = 0; i < n; i++)
		name[i] = option.s[i] == '_' ? '-' : option.s[i];
	name[n] = '\0';
}

int settings_key_is_secret(const char *key, size_t len)
{
	static const char *const prefixes[] = SETTINGS_SERVICE_PREFIXES;
	char name[SETTING_OPTION_MAX];
	struct span k = { key, len }, option;
	size_t i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		if (!key_option(k, prefixes[i], 1, &option))
			continue;
		option_name(option, name, sizeof(name));
		if (is_secret(prefixes[i], name))
			return 1;
	}
	return 0;
}

static int is_repeatable(const struct settings *s, const char *option)
{
	const char *const *r;

	for (r = s->repeatable; r && *r; r++)
		if (strcmp(*r, option) == 0)
			return 1;
	return 0;
}

/* What is wrong with an option name or a value, or NULL. */
static const char *check(struct span option, struct span value)
{
	size_t i;

	if (option.len == 0 || option.len >= SETTING_OPTION_MAX)
		return "expected PREFIX.OPTION=VALUE with an OPTION of 1-63 characters";
	for (i = 0; i < option.len; i++) {
		char c = option.s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return "an option name has only a-z, 0-9, '-' and '_'";
	}
	if (value.len >= SETTING_VALUE_MAX)
		return "value longer than 2047 bytes";
	for (i = 0; i < value.len; i++)
		if ((unsigned char)value.s[i] < 0x20 || value.s[i] == 0x7f)
			return "control character in the value";
	return NULL;
}

/* Take one of our keys: a single option from a higher rank stays, from the
 * same source the last wins; a repeatable one accumulates. */
static int take(struct settings *s, struct span key, struct span option,
		struct span value, int has_value, const char *where)
{
	const char *problem = check(option, value);
	struct setting *it = NULL;
	char name[SETTING_OPTION_MAX];
	size_t i;

	if (problem) {
		report(s, where, key, problem);
		return 1;
	}
	for (i = 0; i < option.len; i++)
		name[i] = option.s[i] == '_' ? '-' : option.s[i];
	name[option.len] = '\0';
	for (i = 0; i < s->count; i++) {
		struct setting *x = &s->item[i];

		if (strcmp(x->option, name) != 0)
			continue;
		if (is_repeatable(s, name)) {
			if (x->has_value == has_value && strlen(x->value) == value.len &&
			    memcmp(x->value, value.s, value.len) == 0)
				return 0;
			continue;
		}
		if (x->rank < s->rank)
			return 0;
		it = x;
	}
	if (!it) {
		if (s->count == SETTINGS_MAX) {
			report(s, where, key, "too many settings (at most 64); ignored");
			return 1;
		}
		it = &s->item[s->count++];
		memcpy(it->option, name, option.len + 1);
	}
	memcpy(it->value, value.s, value.len);
	it->value[value.len] = '\0';
	it->has_value = has_value;
	it->rank = s->rank;
	snprintf(it->where, sizeof(it->where), "%s", where);
	return 0;
}

int settings_add_cmdline(struct settings *s, const char *cmdline)
{
	struct cmdline_token tok;
	const char *p = cmdline;
	struct span option;
	int problems = 0;

	while (p && (p = cmdline_next(p, &tok)) != NULL && !cmdline_is_end(&tok)) {
		char name[SETTING_OPTION_MAX];

		if (!key_option(tok.key, s->prefix, 0, &option))
			continue;
		option_name(option, name, sizeof(name));
		if (is_secret(s->prefix, name)) {
			/* The value is never repeated, not even in the message. */
			report(s, "kernel command line", tok.key, SETTINGS_SECRET_ON_CMDLINE);
			problems++;
			continue;
		}
		problems += take(s, tok.key, option, tok.value, tok.has_value,
				 "kernel command line");
	}
	s->rank++;
	return problems;
}

/* One line of a file: key, value (without quotes) and whether it has '='.
 * 0 for a blank line or a comment. */
static int file_line(struct span line, struct span *key, struct span *value, int *has_value)
{
	const char *eq;

	line = span_trim(line);
	if (line.len == 0 || line.s[0] == '#')
		return 0;
	eq = memchr(line.s, '=', line.len);
	*has_value = eq != NULL;
	key->s = line.s;
	key->len = eq ? (size_t)(eq - line.s) : line.len;
	*key = span_trim(*key);
	value->s = eq ? eq + 1 : line.s + line.len;
	value->len = (size_t)(line.s + line.len - value->s);
	*value = span_trim(*value);
	if (value->len >= 2 && value->s[0] == '"' && value->s[value->len - 1] == '"') {
		value->s++;
		value->len -= 2;
	}
	return 1;
}

/* Cut the next line of *p into line: 0 at the end of the text. */
static int next_line(const char **p, struct span *line)
{
	const char *eol;

	if (!*p || !**p)
		return 0;
	eol = strchr(*p, '\n');
	line->s = *p;
	line->len = eol ? (size_t)(eol - *p) : strlen(*p);
	*p = eol ? eol + 1 : *p + line->len;
	return 1;
}

int settings_add_file(struct settings *s, const char *text, const char *where)
{
	struct span line, key, value, option;
	char at[SETTING_WHERE_MAX];
	unsigned n = 0;
	int problems = 0, has_value;

	while (next_line(&text, &line)) {
		n++;
		if (!file_line(line, &key, &value, &has_value) ||
		    !key_option(key, s->prefix, 1, &option))
			continue;
		snprintf(at, sizeof(at), "%.*s:%u", (int)(sizeof(at) - 16), where ? where : "",
			 n);
		problems += take(s, key, option, value, has_value, at);
	}
	s->rank++;
	return problems;
}

int settings_extract(const char *text, const char *prefix, char *out, size_t size)
{
	struct span line, key, value, option;
	struct strbuf t;
	int has_value;

	strbuf_init(&t, out, size);
	while (next_line(&text, &line)) {
		if (file_line(line, &key, &value, &has_value) &&
		    key_option(key, prefix, 1, &option))
			strbuf_addf(&t, "%.*s\n", (int)line.len, line.s);
	}
	return strbuf_finish(&t);
}
