/* A service's settings read from the machine: the kernel command line and
 * the settings files, in rank order (contract: settings.h). */
#include "lib/bootcfg/settings.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/file.h"

/* Big enough for any of the files Fathom writes; a bigger one is refused
 * whole rather than read in part. */
#define SETTINGS_FILE_MAX (256 * 1024)

static void report_unreadable(const struct settings *s, const char *path, int err)
{
	char msg[512];

	if (!s->err)
		return;
	snprintf(msg, sizeof(msg), "%.300s: cannot read it (%s)",
		 path, err == EFBIG ? "larger than 256 KiB" : strerror(err));
	s->err(s->ctx, msg);
}

/* The text of path in a malloc'ed buffer, or NULL: missing is silent. */
static char *read_text(struct settings *s, const char *path, int *problems)
{
	char *text = malloc(SETTINGS_FILE_MAX);

	if (!text) {
		report_unreadable(s, path, ENOMEM);
		++*problems;
		return NULL;
	}
	if (file_read(path, text, SETTINGS_FILE_MAX) < 0) {
		if (errno != ENOENT) {
			report_unreadable(s, path, errno);
			++*problems;
		}
		free(text);
		return NULL;
	}
	return text;
}

int settings_read(struct settings *s, const char *cmdline_path, const char *const *files)
{
	int problems = 0;
	char *text;

	if (cmdline_path) {
		text = read_text(s, cmdline_path, &problems);
		problems += settings_add_cmdline(s, text);
		free(text);
	}
	for (; files && *files; files++) {
		text = read_text(s, *files, &problems);
		problems += settings_add_file(s, text, *files);
		free(text);
	}
	return problems;
}
