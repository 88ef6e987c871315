/* libFuzzer target for services/update/reboot.c: the input as an
 * update.reboot value (NUL-terminated copy). Checks: an accepted policy
 * formats back to the same text, and its delay is -1 (never) or within a
 * day and a window's length. */
#include <stdlib.h>
#include <string.h>

#include "reboot.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct reboot_policy p;
	char *text = malloc(size + 1), back[32];
	long d;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (reboot_policy_parse(text, &p) == 0) {
		reboot_policy_format(&p, back, sizeof(back));
		if (strcmp(back, text) != 0)
			abort();
		d = reboot_delay(&p, (time_t)size * 7919, size * 104729UL);
		if (p.kind == REBOOT_NEVER ? d != -1 : d < 0 || d >= 2 * 86400)
			abort();
	}
	free(text);
	return 0;
}
