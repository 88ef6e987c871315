/* mkmachines: per-machine boot files from an inventory (format:
 * inventory.h): OUTDIR/<hostname>/{network.conf,config.cpio,boot.ipxe},
 * config.cpio with the machine's secrets file when it has one, and with -i
 * installer.conf (an installer stick's fathom.conf). */
#include "cpio.h"
#include "inventory.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/epoch.h"
#include "lib/file.h"

#define EXIT_USAGE 2
#define PATH_SIZE 4096

/* The overlay each machine gets: its network.conf, and its secrets if it
 * has a SECRETS_DIR/<hostname>.conf (mode 0600, owned by the platform
 * agent's user: boards' /etc/passwd gives it uid and gid 102). */
static const char overlay_manifest[] =
	"dir /etc 0755 0 0\n"
	"dir /etc/fathom 0755 0 0\n"
	"file /etc/fathom/network.conf network.conf 0644 0 0\n";
#define PLATFORM_ID "102"
#define SECRETS_MANIFEST \
	"dir /etc/fathom/secrets 0755 0 0\n" \
	"file /etc/fathom/secrets/platform.conf %s 0600 " PLATFORM_ID " " PLATFORM_ID "\n"
#define SECRETS_FILE_MAX (64 * 1024)

struct mkmachines {
	const char *outdir;
	const char *base_url;
	const char *board_cmdline;
	const char *inventory;
	const char *list_path;		/* -l: the hostnames written, one per line */
	int installer;			/* -i: installer.conf too; install_disk required */
	char secrets_dir[PATH_SIZE];	/* -s, default: the inventory's dir's secrets/ */
	FILE *list;
	struct cpio_manifest overlay;
	struct cpio_write_options cpio_opt;
	struct cpio_membuf archive;
	mode_t file_mode;
	unsigned written;
};

static void usage(FILE *to)
{
	fprintf(to,
		"usage: mkmachines -o OUTDIR -b BASE_URL [-c CMDLINE] [-l LIST] [-s DIR]\n"
		"                  [-i] INVENTORY.csv\n"
		"Write OUTDIR/<hostname>/{boot.ipxe,network.conf,config.cpio} for\n"
		"each machine of the inventory (columns: docs/operators-guide.md).\n"
		"  -o OUTDIR    where the machine directories go (created)\n"
		"  -b BASE_URL  where iPXE fetches vmlinuz, initramfs.cpio.zst and\n"
		"               machines/<hostname>/config.cpio\n"
		"  -c CMDLINE   the board's kernel arguments, after the machine's\n"
		"  -l LIST      write the hostnames of the machines written to LIST\n"
		"  -s DIR       each machine's secrets (platform.api-key=...) in\n"
		"               DIR/<hostname>.conf, mode 0600, go into its config.cpio\n"
		"               as /etc/fathom/secrets/platform.conf (default: secrets/\n"
		"               beside the inventory; none is fine)\n"
		"  -i           also OUTDIR/<hostname>/installer.conf, the fathom.conf\n"
		"               of an installer stick: network.conf and install=\n"
		"               (install.wipe=) from the install_disk (install_wipe)\n"
		"               columns; a row without install_disk is a bad row\n"
		"Every mtime in config.cpio is $SOURCE_DATE_EPOCH (0 if unset).\n"
		"No value (a row's, BASE_URL, CMDLINE) may hold what iPXE would read\n"
		"as more than text: a line break, '$', '#', '&', '|', ';', '\\', quotes.\n"
		"Exit status: 0 ok, 1 a bad row or error (good rows are written),\n"
		"2 usage error or a refused BASE_URL or CMDLINE (nothing is written).\n");
}

static int parse_args(int argc, char **argv, struct mkmachines *mk)
{
	int opt;

	while ((opt = getopt(argc, argv, "o:b:c:l:s:ih")) != -1) {
		switch (opt) {
		case 'o':
			mk->outdir = optarg;
			break;
		case 'b':
			mk->base_url = optarg;
			break;
		case 'c':
			mk->board_cmdline = optarg;
			break;
		case 'l':
			mk->list_path = optarg;
			break;
		case 's':
			snprintf(mk->secrets_dir, sizeof(mk->secrets_dir), "%s", optarg);
			break;
		case 'i':
			mk->installer = 1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -1;
		}
	}
	if (optind != argc - 1 || !mk->outdir || !mk->base_url)
		return -1;
	mk->inventory = argv[optind];
	if (!mk->secrets_dir[0]) {
		const char *slash = strrchr(mk->inventory, '/');

		if (slash)
			snprintf(mk->secrets_dir, sizeof(mk->secrets_dir), "%.*s/secrets",
				 (int)(slash - mk->inventory), mk->inventory);
		else
			snprintf(mk->secrets_dir, sizeof(mk->secrets_dir), "secrets");
	}
	return 0;
}

/* "mkmachines: WHAT: "VALUE": WHY", on one line whatever VALUE holds. */
static void report_value(const char *what, const char *value, const char *why)
{
	const char *p;

	fprintf(stderr, "mkmachines: %s: \"", what);
	for (p = value; *p; p++)
		fputc((unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p, stderr);
	fprintf(stderr, "\": %s\n", why);
}

/* iPXE splits its command lines at blanks; a URL has none, nor anything
 * else iPXE would read as more than text. */
static int check_base_url(char *url)
{
	size_t len = strlen(url);
	const char *p, *why;

	while (len > 0 && url[len - 1] == '/')
		url[--len] = '\0';
	for (p = url; *p; p++) {
		if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '"')
			break;
	}
	if (len == 0 || *p) {
		report_value("-b BASE_URL", url, "expected a URL without blanks,"
			     " such as http://192.0.2.1/fathom");
		return -1;
	}
	if ((why = inv_ipxe_unsafe(url, len)) != NULL) {
		report_value("-b BASE_URL", url, why);
		return -1;
	}
	return 0;
}

/* The board's CMDLINE goes into every boot.ipxe: it passes the same check
 * as each row's values, once, before anything is written. */
static int check_board_cmdline(const char *cmdline)
{
	const char *why;

	if (!cmdline || !(why = inv_ipxe_unsafe(cmdline, strlen(cmdline))))
		return 0;
	report_value("-c CMDLINE (the board's CMDLINE, board.conf)", cmdline, why);
	return -1;
}

static int write_or_report(const struct mkmachines *mk, const char *dir,
			   const char *name, const void *data, size_t len)
{
	char path[PATH_SIZE];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (file_write_atomic(path, data, len, mk->file_mode) == 0)
		return 0;
	fprintf(stderr, "mkmachines: %s: cannot write: %s\n", path,
		strerror(errno));
	return -1;
}

/* The machine's secrets file, checked: 1 and its absolute path in abs if
 * there is one, 0 if none, -1 if refused (said why, never its contents). */
static int secrets_find(const struct mkmachines *mk, const struct inv_machine *m,
			char *abs)
{
	char path[PATH_SIZE + 300], msg[INV_MSG_MAX], *text;
	struct stat st;
	const char *why;
	size_t len;

	if (snprintf(path, sizeof(path), "%s/%s.conf", mk->secrets_dir, m->cfg.hostname) >=
	    (int)sizeof(path)) {
		fprintf(stderr, "mkmachines: -s %s: path too long\n", mk->secrets_dir);
		return -1;
	}
	if (stat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		fprintf(stderr, "mkmachines: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > SECRETS_FILE_MAX) {
		fprintf(stderr, "mkmachines: %s: expected a file of at most 64 KiB\n", path);
		return -1;
	}
	if (st.st_mode & 077) {
		fprintf(stderr, "mkmachines: %s: refused: mode %04o lets others than its owner"
			" read the secrets in it; chmod 600 %s\n", path,
			(unsigned)(st.st_mode & 07777), path);
		return -1;
	}
	errno = 0;
	if (!realpath(path, abs) || strpbrk(abs, " \t\r\n")) {
		fprintf(stderr, "mkmachines: %s: %s\n", path, errno ? strerror(errno) :
			"a path with blanks; move the secrets directory (-s DIR)");
		return -1;
	}
	if (file_read_all(path, &text, &len) < 0) {
		fprintf(stderr, "mkmachines: %s: cannot read: %s\n", path, strerror(errno));
		return -1;
	}
	why = strlen(text) != len ? "a NUL byte in it" : inv_secrets_check(text, msg, sizeof(msg));
	memset(text, 0, len);
	free(text);
	if (why) {
		fprintf(stderr, "mkmachines: %s: %s\n", path, why);
		return -1;
	}
	return 1;
}

static int write_config_cpio(struct mkmachines *mk, const char *dir, const char *secrets)
{
	struct cpio_manifest with = { 0 }, *manifest = &mk->overlay;
	char text[sizeof(overlay_manifest) + sizeof(SECRETS_MANIFEST) + PATH_MAX];
	struct cpio_error err;
	int rc;

	if (secrets) {
		int n = snprintf(text, sizeof(text), "%s" SECRETS_MANIFEST, overlay_manifest,
				 secrets);

		if (cpio_manifest_parse(&with, text, (size_t)n, &err) < 0) {
			fprintf(stderr, "mkmachines: %s/config.cpio: %s\n", dir, err.msg);
			return -1;
		}
		manifest = &with;
	}
	mk->archive.len = 0;
	mk->cpio_opt.basedir = dir;
	rc = cpio_write(manifest, &mk->cpio_opt, cpio_sink_membuf, &mk->archive, &err);
	cpio_manifest_free(&with);
	if (rc < 0) {
		fprintf(stderr, "mkmachines: %s/config.cpio: %s\n", dir, err.msg);
		return -1;
	}
	/* With secrets in it, config.cpio is only its owner's to read here. */
	if (secrets) {
		mode_t saved = mk->file_mode;

		mk->file_mode &= 0600;
		rc = write_or_report(mk, dir, "config.cpio", mk->archive.data, mk->archive.len);
		mk->file_mode = saved;
	} else {
		rc = write_or_report(mk, dir, "config.cpio", mk->archive.data, mk->archive.len);
	}
	memset(mk->archive.data, 0, mk->archive.len);
	return rc;
}

/* installer.conf: network.conf's text (len bytes in text, room for more)
 * and the install lines; netcfg, which the stick's fathom.conf also feeds,
 * must still read it as network.conf. */
static int write_installer_conf(struct mkmachines *mk, const struct inv_machine *m,
				const char *dir, char *text, size_t len, size_t size)
{
	char msg[INV_MSG_MAX];
	int n;

	n = snprintf(text + len, size - len, "%s", m->install);
	if (n < 0 || (size_t)n >= size - len || inv_network_conf_check(&m->cfg, text, msg,
								    sizeof(msg)) < 0) {
		fprintf(stderr, "mkmachines: %s:%u: installer.conf: %s\n", mk->inventory, m->line,
			n < 0 || (size_t)n >= size - len ? "too long" : msg);
		return -1;
	}
	return write_or_report(mk, dir, "installer.conf", text, len + (size_t)n);
}

/* One machine's directory; network.conf first, config.cpio reads it. */
static int write_machine(void *ctx, const struct inv_machine *m)
{
	struct mkmachines *mk = ctx;
	char dir[PATH_SIZE], text[INV_TEXT_MAX], msg[INV_MSG_MAX], secrets[PATH_MAX];
	int len, has_secrets;

	if (snprintf(dir, sizeof(dir), "%s/%s", mk->outdir, m->cfg.hostname) >=
	    (int)sizeof(dir) - 32) {
		fprintf(stderr, "mkmachines: %s:%u: output path too long\n",
			mk->inventory, m->line);
		return -1;
	}
	has_secrets = secrets_find(mk, m, secrets);
	if (has_secrets < 0) {
		fprintf(stderr, "mkmachines: %s:%u: %s: nothing written for it\n", mk->inventory,
			m->line, m->cfg.hostname);
		return -1;
	}
	len = inv_machine_conf(m, text, sizeof(text));
	if (len < 0 || inv_network_conf_check(&m->cfg, text, msg,
					      sizeof(msg)) < 0) {
		fprintf(stderr, "mkmachines: %s:%u: %s\n", mk->inventory, m->line,
			len < 0 ? "network.conf too long" : msg);
		return -1;
	}
	if (mk->installer && !m->install[0]) {
		fprintf(stderr, "mkmachines: %s:%u: install_disk: missing: an installer stick"
			" (MEDIA=installer) installs onto the disk it names: its serial, WWN,"
			" /dev/disk/by-id name or auto; nothing written for %s\n", mk->inventory,
			m->line, m->cfg.hostname);
		return -1;
	}
	if (mkdir(dir, 0777) < 0 && errno != EEXIST) {
		fprintf(stderr, "mkmachines: %s: cannot create: %s\n", dir,
			strerror(errno));
		return -1;
	}
	if (write_or_report(mk, dir, "network.conf", text, (size_t)len) < 0 ||
	    write_config_cpio(mk, dir, has_secrets ? secrets : NULL) < 0 ||
	    (mk->installer && write_installer_conf(mk, m, dir, text, (size_t)len, sizeof(text)) < 0))
		return -1;
	len = inv_boot_ipxe(m, mk->base_url, mk->board_cmdline, text,
			    sizeof(text));
	if (len < 0) {
		fprintf(stderr, "mkmachines: %s:%u: boot.ipxe too long\n",
			mk->inventory, m->line);
		return -1;
	}
	if (write_or_report(mk, dir, "boot.ipxe", text, (size_t)len) < 0)
		return -1;
	if (mk->list)
		fprintf(mk->list, "%s\n", m->cfg.hostname);
	mk->written++;
	return 0;
}

static void print_error(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "mkmachines: %s\n", msg);
}

static int prepare(struct mkmachines *mk)
{
	struct cpio_error err;
	mode_t mask = umask(0);

	umask(mask);
	mk->file_mode = 0666 & ~mask;
	if (source_date_epoch("mkmachines", &mk->cpio_opt.mtime) < 0)
		return -1;
	if (cpio_manifest_parse(&mk->overlay, overlay_manifest,
				sizeof(overlay_manifest) - 1, &err) < 0) {
		fprintf(stderr, "mkmachines: overlay manifest:%u: %s\n", err.line,
			err.msg);
		return -1;
	}
	if (mkdir(mk->outdir, 0777) < 0 && errno != EEXIST) {
		fprintf(stderr, "mkmachines: %s: cannot create: %s\n", mk->outdir,
			strerror(errno));
		cpio_manifest_free(&mk->overlay);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct mkmachines mk = { 0 };
	struct inv_options opt;
	struct inv_handler h = { write_machine, print_error, &mk };
	char *text;
	size_t len;
	int errors;

	if (parse_args(argc, argv, &mk) < 0) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (check_base_url((char *)mk.base_url) < 0 ||
	    check_board_cmdline(mk.board_cmdline) < 0)
		return EXIT_USAGE;
	if (prepare(&mk) < 0)
		return 1;
	if (file_read_all(mk.inventory, &text, &len) < 0) {
		fprintf(stderr, "mkmachines: %s: cannot read: %s\n", mk.inventory,
			strerror(errno));
		cpio_manifest_free(&mk.overlay);
		return 1;
	}
	if (mk.list_path && !(mk.list = fopen(mk.list_path, "w"))) {
		fprintf(stderr, "mkmachines: %s: cannot write: %s\n", mk.list_path,
			strerror(errno));
		free(text);
		cpio_manifest_free(&mk.overlay);
		return 1;
	}
	opt = (struct inv_options){ mk.inventory, mk.board_cmdline };
	errors = inv_parse(text, len, &opt, &h);
	if (mk.list && fclose(mk.list) != 0) {
		fprintf(stderr, "mkmachines: %s: cannot write: %s\n", mk.list_path,
			strerror(errno));
		errors++;
	}
	free(text);
	free(mk.archive.data);
	cpio_manifest_free(&mk.overlay);
	if (errors)
		fprintf(stderr, "mkmachines: %s: %d bad row%s; wrote the other %u"
			" machines\n", mk.inventory, errors, errors == 1 ? "" : "s",
			mk.written);
	return errors ? 1 : 0;
}
