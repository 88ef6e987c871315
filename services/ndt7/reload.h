/* What ndt7 picks up while it runs, checked by each worker every
 * RELOAD_CHECK_NS: a new --cert/--key pair (a new SSL_CTX for new
 * connections) and the token audience in --token-machine-file. */
#ifndef NDT7_RELOAD_H
#define NDT7_RELOAD_H

#include <stdint.h>

#include "conn.h"
#include "server.h"

#define RELOAD_CHECK_NS (2 * 1000000000LL)

/* Before tls_context() and the workers: note the files as they are now
 * and, with --token-machine-file, read the audience; returns the audience
 * to use (the file's, else fallback), in storage the checks update. */
const char *reload_setup(const struct ndt7_config *cfg, const char *fallback);

/* In a worker, now and then (x->now): swap x->tls when the certificate or
 * key file changed (and both exist and load), re-read the audience when
 * its file changed. Logged once per change, by worker 0. */
void reload_check(struct conn_ctx *x);

/* A worker stopping: free what reload_check() made. */
void reload_end(void);

#endif
