/* libFuzzer target for services/update/grubenv.c: the input as a GRUB
 * environment block (as it is, and laid into a 1024-byte block after the
 * header, so the variable parser is reached). Checks: a refusal says why;
 * an accepted block formats, and reads back with the same variables. */
#include <stdlib.h>
#include <string.h>

#include "grubenv.h"

static void check(const char *p, size_t n)
{
	struct grubenv e, again;
	char out[GRUBENV_SIZE], why[200] = "";
	size_t i;

	if (grubenv_parse(p, n, &e, why, sizeof(why)) < 0) {
		if (!why[0])
			abort();
		return;
	}
	if (grubenv_set(&e, "fathom_try", "B") < 0 && e.count < GRUBENV_VARS_MAX)
		abort();
	if (grubenv_format(&e, out) < 0)
		return;	/* setting fathom_try may not fit: the caller reports it */
	if (grubenv_parse(out, sizeof(out), &again, why, sizeof(why)) < 0 || again.count != e.count)
		abort();
	for (i = 0; i < e.count; i++)
		if (strcmp(e.var[i].name, again.var[i].name) != 0 ||
		    strcmp(e.var[i].value, again.var[i].value) != 0)
			abort();
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char block[GRUBENV_SIZE];
	size_t hl = strlen(GRUBENV_HEADER), n = size < GRUBENV_SIZE - hl ? size : GRUBENV_SIZE - hl;

	check((const char *)data, size);
	memset(block, '#', sizeof(block));
	memcpy(block, GRUBENV_HEADER, hl);
	memcpy(block + hl, data, n);
	check(block, sizeof(block));
	return 0;
}
