/* The ndt7 server: its configuration, the listening sockets (listen.c),
 * and the worker's event loop (loop.c) that runs the connections (conn.c). */
#ifndef NDT7_SERVER_H
#define NDT7_SERVER_H

#include <signal.h>
#include <stdint.h>
#include <openssl/ssl.h>

#include "http.h"
#include "jwk.h"

#define NDT7_VERSION "fathom-ndt7-0.1"
#define NDT7_MAX_ADDRS 8
#define NDT7_MAX_LABELS 16
#define NDT7_MAX_LISTENERS (2 * NDT7_MAX_ADDRS)
#define NDT7_WORKERS_MAX 64

struct ndt7_config {
	const char *addrs[NDT7_MAX_ADDRS];	/* numeric; none: "::" dual-stack */
	int naddrs;
	int ws_port, wss_port;			/* 0: off */
	const char *cert, *key, *state_dir, *spool_dir;
	const char *www_dir;			/* the test page (www.h) */
	const char *acme_challenge_dir;		/* ACME HTTP-01 tokens (www.h); NULL: none */
	const char *token_machine_file;		/* the token audience, re-read (reload.h) */
	uint64_t spool_max;
	int compress;				/* gzip the records (--compress) */
	int workers, max_conns;
	unsigned max_pending_per_addr;		/* accepted, not yet upgraded (0: no limit) */
	unsigned max_tests_per_addr;		/* running tests (0: no limit) */
	struct ndt7_meta labels[NDT7_MAX_LABELS];	/* ServerMetadata */
	int nlabels;
	const char *health_listen;		/* ADDR:PORT or "off" */
	int health_listen_explicit;		/* given: failing to bind is fatal */
	const char *metrics_listen;		/* NULL: off */
	const char *tx_device;			/* NULL: no txcontroller */
	uint64_t tx_max_rate;			/* bit/s; 0: no limit */
	const struct jwk_set *token_keys;	/* access token verify keys (token.h) */
	const char *token_machine;		/* the aud tokens must name */
	int token_required;			/* refuse tests without a token */
};

struct listener {
	int fd;
	int tls;
	char name[80];
};

/* listen.c: open the listening sockets; returns how many, or -1 (logged). */
int server_listen(const struct ndt7_config *cfg, struct listener *out);

struct peers;
struct metrics;

/* loop.c: serve until the supervisor says stop (metrics_stop()), then
 * close every connection, free everything and return 0; -1 on a fatal
 * error (logged). peers: the limits per address all workers share
 * (peers.h). */
int server_run(const struct ndt7_config *cfg, const struct listener *ls, int nls,
	       SSL_CTX *tls, struct peers *peers, int worker);

/* supervise.c: run the workers, /health, /metrics and the txcontroller
 * until stopped by signals (SIGTERM: lame duck, see there); 0, or -1 on
 * a fatal error (logged). */
int supervise(const struct ndt7_config *cfg, const struct listener *ls, int nls,
	      SSL_CTX *tls, struct peers *peers, struct metrics *m);

#endif
