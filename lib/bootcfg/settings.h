/* A service's settings from the machine's configuration: the words
 * "fathom.PREFIX.OPTION=VALUE" of the kernel command line and the lines
 * "PREFIX.OPTION=VALUE" (or "fathom.PREFIX.OPTION=VALUE") of the medium's
 * fathom.conf and of /etc/fathom/network.conf, collected for ONE prefix
 * ("ndt7") in rank order. settings.c is pure; settings_file.c reads files.
 *
 * Rules: sources are added highest rank first (command line, fathom.conf,
 * network.conf). A single option keeps the value of the highest-ranked
 * source that sets it (within one source the last occurrence wins); a
 * repeatable option (the caller names them) accumulates over all sources,
 * an identical value only once. '_' in an option name means '-'. A file's
 * value may be in double quotes; the command line quotes as the kernel
 * does. A bare "PREFIX.OPTION" has no value (a flag). */
#ifndef FATHOM_LIB_BOOTCFG_SETTINGS_H
#define FATHOM_LIB_BOOTCFG_SETTINGS_H

#include <stddef.h>

#define SETTINGS_MAX 64
#define SETTING_OPTION_MAX 64		/* with the NUL */
#define SETTING_VALUE_MAX 2048		/* a base64url JWK fits */
#define SETTING_WHERE_MAX 160		/* "PATH:LINE" or "kernel command line" */

/* Prefixes that belong to services: netcfg leaves their keys alone.
 * platform and upload are reserved for later services; update: fathom-update
 * (update.url, update.interval, update.ca-file, update.health-deadline). */
#define SETTINGS_SERVICE_PREFIXES { "ndt7", "platform", "upload", "update" }

/* Secrets ("PREFIX.OPTION", '-' spelling): taken from files only. The
 * kernel command line is world-readable (/proc/cmdline) and shown in boot
 * menus and BMC consoles, so a secret there is refused, never taken. */
#define SETTINGS_SECRET_KEYS { "platform.api-key" }
#define SETTINGS_SECRET_ON_CMDLINE "the API key is a secret: put it in fathom.conf on " \
	"the stick, not on the kernel command line"

/* Where the settings are on the appliance, highest rank first after the
 * command line: netcfg copies the boot medium's PREFIX lines to
 * SETTINGS_MEDIUM_DIR/PREFIX.conf (0644; 0600 owned by the service's user
 * for a prefix with secrets: platform); a per-machine overlay
 * (config.cpio) may carry SETTINGS_SECRETS_DIR/PREFIX.conf (0600, the
 * service's user); every machine has SETTINGS_OVERLAY_PATH (0644). */
#define SETTINGS_CMDLINE_PATH "/proc/cmdline"
#define SETTINGS_MEDIUM_DIR "/run/fathom/settings"
#define SETTINGS_SECRETS_DIR "/etc/fathom/secrets"
#define SETTINGS_OVERLAY_PATH "/etc/fathom/network.conf"
#define SETTINGS_PATH_MAX 128

/* Called once per problem with one line of at most 511 bytes, no newline,
 * naming where the key came from: `PATH:LINE: ndt7.x: ...`. */
typedef void (*settings_error_fn)(void *ctx, const char *msg);

struct setting {
	char option[SETTING_OPTION_MAX];	/* without the prefix, '-' for '_' */
	char value[SETTING_VALUE_MAX];
	int has_value;
	unsigned rank;				/* of the source, 0 highest */
	char where[SETTING_WHERE_MAX];
};

struct settings {
	char prefix[SETTING_OPTION_MAX];
	const char *const *repeatable;		/* NULL-terminated option names */
	settings_error_fn err;
	void *ctx;
	unsigned rank;				/* of the source being added */
	size_t count;
	struct setting item[SETTINGS_MAX];
};

/* Start empty for prefix (cut to fit); repeatable may be NULL. */
void settings_init(struct settings *s, const char *prefix,
		   const char *const *repeatable, settings_error_fn err, void *ctx);

/* Add the next source, each ranking below the ones added before. The
 * command line stops at "--"; words not "fathom.PREFIX.*" are not ours.
 * where names the file in messages ("PATH", lines get ":N"). Returns the
 * number of problems reported (the rest is still taken). */
int settings_add_cmdline(struct settings *s, const char *cmdline);
int settings_add_file(struct settings *s, const char *text, const char *where);

/* Whether key ("ndt7.x", "fathom.ndt7.x") belongs to one of
 * SETTINGS_SERVICE_PREFIXES: a word netcfg does not own. */
int settings_key_is_service(const char *key, size_t len);

/* fathom-install's keys (services/install), "fathom." optional: netcfg
 * ignores them as it ignores the services' (settings_key_is_service says
 * yes to them too). */
#define SETTINGS_INSTALLER_KEYS { "install", "install.wipe", "data.format" }
int settings_key_is_installer(const char *key, size_t len);

/* Whether PREFIX has secret settings (SETTINGS_SECRET_KEYS): its medium
 * file is then 0600 and its secrets file is read. */
int settings_prefix_has_secrets(const char *prefix);

/* Whether key ("platform.api-key", "fathom.platform.api_key") is a secret
 * (SETTINGS_SECRET_KEYS). On the kernel command line netcfg's parser says
 * SETTINGS_SECRET_ON_CMDLINE (on the console, and mkmachines refuses such
 * an inventory row); settings_add_cmdline refuses it with the same words. */
int settings_key_is_secret(const char *key, size_t len);

/* The lines of text that are PREFIX's (as settings_add_file takes them),
 * copied whole into out: their length, or -1 if they do not fit (out is
 * then empty). For netcfg to pass a medium's public ndt7 lines on without
 * the rest of fathom.conf. */
int settings_extract(const char *text, const char *prefix, char *out, size_t size);

/* settings_file.c: the three sources in rank order, each file read if it
 * exists (missing is not an error; unreadable is reported). cmdline_path
 * is /proc/cmdline on the appliance; files are NULL-terminated. */
int settings_read(struct settings *s, const char *cmdline_path,
		  const char *const *files);

/* The files a service of prefix reads by default, highest rank first:
 * SETTINGS_MEDIUM_DIR/PREFIX.conf, then for a prefix with secrets
 * SETTINGS_SECRETS_DIR/PREFIX.conf, then SETTINGS_OVERLAY_PATH. Returns
 * f->list, NULL-terminated (the strings live in f). */
struct settings_files {
	char path[2][SETTINGS_PATH_MAX];
	const char *list[4];
};
const char *const *settings_default_files(struct settings_files *f, const char *prefix);

#endif
