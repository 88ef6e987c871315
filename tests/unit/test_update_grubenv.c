/* Unit tests: GRUB's environment block as fathom-update reads and writes
 * it (services/update/grubenv.c): tables of blocks, then set and format. */
#include "grubenv.h"

#include <string.h>

#include "tap.h"

/* A 1024-byte block: header, body, '#' padding. */
static void block(char out[GRUBENV_SIZE], const char *body)
{
	size_t hl = strlen(GRUBENV_HEADER), bl = strlen(body);

	memset(out, '#', GRUBENV_SIZE);
	memcpy(out, GRUBENV_HEADER, hl);
	memcpy(out + hl, body, bl);
}

static void parses(void)
{
	static const struct {
		const char *body, *slot, *try, *why;	/* why NULL: accepted */
	} t[] = {
		{ "", NULL, NULL, NULL },
		{ "fathom_slot=A\nfathom_try=\n", "A", "", NULL },
		{ "fathom_slot=A\nfathom_try=B\nsaved_entry=x\n", "A", "B", NULL },
		{ "fathom_slot=A\nfathom_slot=B\n", "B", NULL, NULL },
		{ "# a comment\nfathom_slot=B\n", "B", NULL, NULL },
		{ "title=a\\\\b\nfathom_slot=A\n", "A", NULL, NULL },
		{ "fathom slot=A\n", NULL, NULL, "not \"name=value\"" },
		{ "=A\n", NULL, NULL, "not \"name=value\"" },
		{ "fathom_slot\n", NULL, NULL, "not \"name=value\"" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char buf[GRUBENV_SIZE], why[200] = "";
		struct grubenv e;
		const char *s, *y;
		int rc;

		block(buf, t[i].body);
		rc = grubenv_parse(buf, sizeof(buf), &e, why, sizeof(why));
		s = grubenv_get(&e, "fathom_slot");
		y = grubenv_get(&e, "fathom_try");
		if (t[i].why)
			CHECK(rc < 0 && strstr(why, t[i].why), "block %zu refused: %s", i, why);
		else
			CHECK(rc == 0 && (t[i].slot ? s && strcmp(s, t[i].slot) == 0 : !s) &&
			      (t[i].try ? y && strcmp(y, t[i].try) == 0 : !y),
			      "block %zu: fathom_slot=%s fathom_try=%s", i,
			      t[i].slot ? t[i].slot : "(unset)", t[i].try ? t[i].try : "(unset)");
	}
}

static void refusals(void)
{
	char buf[GRUBENV_SIZE + 1], why[200] = "";
	struct grubenv e;

	block(buf, "");
	CHECK(grubenv_parse(buf, 1023, &e, why, sizeof(why)) < 0 && strstr(why, "not 1024"),
	      "short block refused: %s", why);
	buf[0] = 'X';
	CHECK(grubenv_parse(buf, GRUBENV_SIZE, &e, why, sizeof(why)) < 0 &&
	      strstr(why, "GRUB Environment Block"), "bad header refused: %s", why);
	block(buf, "");
	memset(buf + strlen(GRUBENV_HEADER), 'a', GRUBENV_SIZE - strlen(GRUBENV_HEADER));
	CHECK(grubenv_parse(buf, GRUBENV_SIZE, &e, why, sizeof(why)) < 0 &&
	      strstr(why, "no newline"), "variable running into the end refused: %s", why);
}

static void writes(void)
{
	char buf[GRUBENV_SIZE], out[GRUBENV_SIZE], why[200], big[GRUBENV_VALUE_MAX];
	struct grubenv e, again;
	int i, rc = 0;

	block(buf, "saved_entry=x\nfathom_slot=A\n");
	grubenv_parse(buf, sizeof(buf), &e, why, sizeof(why));
	CHECK(grubenv_set(&e, "fathom_try", "B") == 0, "set fathom_try=B");
	CHECK(grubenv_format(&e, out) == 0, "formatted");
	block(buf, "saved_entry=x\nfathom_slot=A\nfathom_try=B\n");
	CHECK(memcmp(out, buf, GRUBENV_SIZE) == 0, "block as grub-editenv writes it, order kept");
	CHECK(grubenv_parse(out, sizeof(out), &again, why, sizeof(why)) == 0 &&
	      strcmp(grubenv_get(&again, "fathom_try"), "B") == 0, "reads back");
	block(buf, "saved_entry=x\nfathom_slot=A\nfathom_try=\n");
	CHECK(grubenv_set(&e, "fathom_try", "") == 0 && grubenv_format(&e, out) == 0 &&
	      memcmp(out, buf, GRUBENV_SIZE) == 0,
	      "cleared try keeps an empty variable");
	CHECK(grubenv_set(&e, "bad name", "x") < 0, "name with a space refused");
	CHECK(grubenv_set(&e, "x", "a\nb") < 0 && grubenv_set(&e, "x", "a\\b") < 0,
	      "value with a newline or backslash refused");
	memset(big, 'v', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	for (i = 0; i < 3; i++) {
		char name[8] = "big0";

		name[3] = (char)('0' + i);
		rc |= grubenv_set(&e, name, big);
	}
	CHECK(rc == 0 && grubenv_format(&e, out) < 0, "variables over 1024 bytes do not format");
}

int main(void)
{
	parses();
	refusals();
	writes();
	return tap_done();
}
