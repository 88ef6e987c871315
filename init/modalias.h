/* The coldplug table, /etc/fathom/coldplug, written by image/mkinitramfs
 * from the board's COLDPLUG_MODULES and the kernel's modules.alias.
 *
 * One entry per line, fields separated by spaces or tabs; blank lines and
 * lines starting with '#' are ignored:
 *   alias PATTERN MODULE       a device whose modalias matches PATTERN
 *                              (fnmatch(3), as modprobe) needs MODULE
 *   deps MODULE PATH... PATH   the .ko files to load, in this order: its
 *                              dependencies, MODULE's own, then any
 *                              companions (board.conf's NAME+EXTRA)
 */
#ifndef FATHOM_MODALIAS_H
#define FATHOM_MODALIAS_H

#include <stddef.h>

struct coldplug_alias {
	const char *pattern;
	const char *module_name;
	size_t module;		/* index into coldplug_table.modules */
	unsigned line;
};

struct coldplug_module {
	const char *name;
	char **paths;		/* load order; points into coldplug_table.paths */
	size_t npaths;
};

/* Strings point into the text given to coldplug_parse(). */
struct coldplug_table {
	struct coldplug_alias *aliases;
	size_t naliases;
	struct coldplug_module *modules;
	size_t nmodules;
	char **paths;
};

typedef void (*coldplug_error_fn)(void *ctx, const char *msg);

/* Parse text, which is modified in place and must outlive the table. Each
 * bad line is reported once through err ("line N: what: \"text\"") and
 * skipped: the rest of the table still works. Returns the number of bad
 * lines, or -1 when out of memory. */
int coldplug_parse(struct coldplug_table *t, char *text,
		   coldplug_error_fn err, void *ctx);

void coldplug_free(struct coldplug_table *t);

/* Store in out the indices of the modules with an alias matching modalias,
 * each once, in table order. Returns how many were found (at most max). */
size_t coldplug_match(const struct coldplug_table *t, const char *modalias,
		      size_t *out, size_t max);

#endif
