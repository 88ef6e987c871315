/* ndt7 picks up renewed certificates and the registered machine name
 * without a restart: each worker compares the files' identity (inode,
 * size, mtime) every 2 s and reloads what changed. */
#include "reload.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/ssl.h>

#include "log.h"
#include "tls.h"

struct file_id {
	int exists;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

static const struct ndt7_config *rcfg;
static struct file_id cert_id, key_id, machine_id;
static char machine[256];
static SSL_CTX *made;		/* the context reload_check() made, if any */
static int64_t next_check;

static struct file_id file_id(const char *path)
{
	struct file_id f = { 0 };
	struct stat st;

	if (path && stat(path, &st) == 0) {
		f.exists = 1;
		f.dev = st.st_dev;
		f.ino = st.st_ino;
		f.size = st.st_size;
		f.mtime = st.st_mtim;
	}
	return f;
}

static int same(const struct file_id *a, const struct file_id *b)
{
	return a->exists == b->exists && a->dev == b->dev && a->ino == b->ino &&
	       a->size == b->size && a->mtime.tv_sec == b->mtime.tv_sec &&
	       a->mtime.tv_nsec == b->mtime.tv_nsec;
}

/* The first line of path, trimmed, into machine: 1 if it changed. */
static int machine_read(const char *path, int log)
{
	char line[sizeof(machine) + 2];
	size_t n;
	FILE *f = fopen(path, "re");

	if (!f) {
		if (log && errno != ENOENT)
			ndt7_log(LOG_WARN, "--token-machine-file %s: %s; keeping audience %s",
				 path, strerror(errno), machine);
		return 0;
	}
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	n = strlen(line);
	while (n && isspace((unsigned char)line[n - 1]))
		line[--n] = '\0';
	if (!n || n >= sizeof(machine) || strpbrk(line, " \t")) {
		if (log)
			ndt7_log(LOG_WARN, "--token-machine-file %s: not one name of 1 to %zu "
				 "bytes; keeping audience %s", path, sizeof(machine) - 1, machine);
		return 0;
	}
	if (strcmp(line, machine) == 0)
		return 0;
	memcpy(machine, line, n + 1);
	return 1;
}

const char *reload_setup(const struct ndt7_config *cfg, const char *fallback)
{
	rcfg = cfg;
	cert_id = file_id(cfg->cert);
	key_id = file_id(cfg->key);
	snprintf(machine, sizeof(machine), "%s", fallback ? fallback : "");
	if (cfg->token_machine_file) {
		machine_id = file_id(cfg->token_machine_file);
		machine_read(cfg->token_machine_file, 1);
	}
	return machine;
}

static void check_tls(struct conn_ctx *x)
{
	struct file_id c = file_id(rcfg->cert), k = file_id(rcfg->key);
	SSL_CTX *ctx;

	if (same(&c, &cert_id) && same(&k, &key_id))
		return;
	cert_id = c;
	key_id = k;
	if (!c.exists || !k.exists)	/* keep what we have until both are there */
		return;
	ctx = tls_context(rcfg->cert, rcfg->key, rcfg->state_dir);
	if (!ctx)			/* logged; tried again when they change */
		return;
	SSL_CTX_free(made);		/* connections hold their own reference */
	made = x->tls = ctx;
	if (x->worker == 0)
		ndt7_log(LOG_INFO, "tls: loaded the new certificate %s for new connections",
			 rcfg->cert);
}

void reload_check(struct conn_ctx *x)
{
	struct file_id m;

	if (!rcfg || x->now < next_check)
		return;
	next_check = x->now + RELOAD_CHECK_NS;
	if (x->tls && rcfg->cert && rcfg->key)
		check_tls(x);
	if (rcfg->token_machine_file) {
		m = file_id(rcfg->token_machine_file);
		if (!same(&m, &machine_id)) {
			machine_id = m;
			if (machine_read(rcfg->token_machine_file, x->worker == 0) &&
			    x->worker == 0)
				ndt7_log(LOG_INFO, "access tokens: audience now %s (from %s)",
					 machine, rcfg->token_machine_file);
		}
	}
}

void reload_end(void)
{
	SSL_CTX_free(made);
	made = NULL;
}
