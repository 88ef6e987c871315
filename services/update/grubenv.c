/* GRUB environment block: parse and write (contract: grubenv.h). The
 * format is GRUB's (grub-editenv); we only ever set plain values. */
#include "grubenv.h"

#include <stdio.h>
#include <string.h>

void grubenv_init(struct grubenv *e)
{
	memset(e, 0, sizeof(*e));
}

static int name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static int plain_name(const char *p, size_t len)
{
	size_t i;

	if (len == 0 || len >= GRUBENV_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!name_char(p[i]))
			return 0;
	return 1;
}

int grubenv_parse(const char *buf, size_t n, struct grubenv *e, char *why, size_t whylen)
{
	size_t hl = strlen(GRUBENV_HEADER), pos;

	grubenv_init(e);
	if (n != GRUBENV_SIZE) {
		snprintf(why, whylen, "%zu bytes, not %d", n, GRUBENV_SIZE);
		return -1;
	}
	if (memcmp(buf, GRUBENV_HEADER, hl) != 0) {
		snprintf(why, whylen, "does not start with \"# GRUB Environment Block\"");
		return -1;
	}
	for (pos = hl; pos < n;) {
		const char *p = buf + pos, *nl = memchr(p, '\n', n - pos), *eq;
		char name[GRUBENV_NAME_MAX], value[GRUBENV_VALUE_MAX];
		size_t len;

		if (p[0] == '#') {
			/* A comment line, or the padding that runs to the end. */
			pos = nl ? (size_t)(nl - buf) + 1 : n;
			continue;
		}
		if (!nl) {
			snprintf(why, whylen, "a variable at byte %zu has no newline", pos);
			return -1;
		}
		len = (size_t)(nl - p);
		eq = memchr(p, '=', len);
		if (!eq || !plain_name(p, (size_t)(eq - p)) || len - (size_t)(eq - p) > GRUBENV_VALUE_MAX) {
			snprintf(why, whylen, "byte %zu: not \"name=value\"", pos);
			return -1;
		}
		memset(name, 0, sizeof(name));
		memset(value, 0, sizeof(value));
		memcpy(name, p, (size_t)(eq - p));
		memcpy(value, eq + 1, len - (size_t)(eq - p) - 1);
		/* A repeated name: GRUB takes the last; so do we. Values
		 * with GRUB's backslash escapes are kept as they are. */
		if (grubenv_set(e, name, value) < 0) {
			if (e->count == GRUBENV_VARS_MAX) {
				snprintf(why, whylen, "over %d variables", GRUBENV_VARS_MAX);
				return -1;
			}
			memcpy(e->var[e->count].name, name, sizeof(name));
			memcpy(e->var[e->count].value, value, sizeof(value));
			e->count++;
		}
		pos += len + 1;
	}
	return 0;
}

const char *grubenv_get(const struct grubenv *e, const char *name)
{
	size_t i;

	for (i = 0; i < e->count; i++)
		if (strcmp(e->var[i].name, name) == 0)
			return e->var[i].value;
	return NULL;
}

int grubenv_set(struct grubenv *e, const char *name, const char *value)
{
	size_t i, vl = strlen(value);

	if (!plain_name(name, strlen(name)) || vl >= GRUBENV_VALUE_MAX)
		return -1;
	for (i = 0; i < vl; i++)
		if (value[i] < 0x20 || value[i] > 0x7e || value[i] == '\\')
			return -1;
	for (i = 0; i < e->count; i++)
		if (strcmp(e->var[i].name, name) == 0)
			break;
	if (i == GRUBENV_VARS_MAX)
		return -1;
	if (i == e->count) {
		snprintf(e->var[i].name, sizeof(e->var[i].name), "%s", name);
		e->count++;
	}
	memcpy(e->var[i].value, value, vl + 1);
	return 0;
}

int grubenv_format(const struct grubenv *e, char out[GRUBENV_SIZE])
{
	size_t pos = strlen(GRUBENV_HEADER), i;

	memset(out, '#', GRUBENV_SIZE);
	memcpy(out, GRUBENV_HEADER, pos);
	for (i = 0; i < e->count; i++) {
		size_t nl = strlen(e->var[i].name), vl = strlen(e->var[i].value);

		if (pos + nl + vl + 2 > GRUBENV_SIZE)
			return -1;
		memcpy(out + pos, e->var[i].name, nl);
		out[pos + nl] = '=';
		memcpy(out + pos + nl + 1, e->var[i].value, vl);
		out[pos + nl + 1 + vl] = '\n';
		pos += nl + vl + 2;
	}
	return 0;
}
