/* The kernel command line's tokenizer, with the kernel's own rules
 * (next_arg() and parameq() in kernel/params.c): blanks separate, double
 * quotes protect blanks, the whole token or just its value may be quoted,
 * '-' and '_' are the same in names, "--" ends the parameters. Pure. */
#ifndef FATHOM_LIB_CMDLINE_H
#define FATHOM_LIB_CMDLINE_H

#include <stddef.h>

#include "lib/span.h"

/* One "key=value" or "flag" token, quotes already stripped. */
struct cmdline_token {
	struct span key;
	struct span value;
	int has_value;
};

/* Cut the next parameter from p into tok. Returns where to continue, or
 * NULL at the end of the line. */
const char *cmdline_next(const char *p, struct cmdline_token *tok);

/* Whether tok is the bare "--" after which the kernel passes arguments to
 * init instead of parameters. */
int cmdline_is_end(const struct cmdline_token *tok);

/* Whether a parameter's name is name, '-' and '_' counting as equal. */
int cmdline_name_equals(struct span key, const char *name);

/* The value of the last `key=value` on a kernel command line (a bare `key`
 * has the value ""), stopping at "--". Copies it into value (cut to
 * len - 1 bytes). Returns 1 if the key is there, 0 if not. */
int cmdline_get(const char *cmdline, const char *key, char *value, size_t len);

#endif
