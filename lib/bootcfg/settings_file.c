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

const char *const *settings_default_files(struct settings_files *f, const char *prefix)
{
	size_t n = 0;

	snprintf(f->path[0], sizeof(f->path[0]), SETTINGS_MEDIUM_DIR "/%.63s.conf", prefix);
	f->list[n++] = f->path[0];
	if (settings_prefix_has_secrets(prefix)) {
		snprintf(f->path[1], sizeof(f->path[1]), SETTINGS_SECRETS_DIR "/%.63s.conf",
			 prefix);
		f->list[n++] = f->path[1];
	}
	f->list[n++] = SETTINGS_OVERLAY_PATH;
	f->list[n] = NULL;
	return f->list;
}
