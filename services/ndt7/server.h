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

struct ndt7_config {
	const char *addrs[NDT7_MAX_ADDRS];	/* numeric; none: "::" dual-stack */
	int naddrs;
	int ws_port, wss_port;			/* 0: off */
	const char *cert, *key, *state_dir, *spool_dir;
	uint64_t spool_max;
	int workers, max_conns;
	unsigned max_pending_per_addr;		/* accepted, not yet upgraded (0: no limit) */
	unsigned max_tests_per_addr;		/* running tests (0: no limit) */
	struct ndt7_meta labels[NDT7_MAX_LABELS];	/* ServerMetadata */
	int nlabels;
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

/* Set by SIGTERM/SIGINT (main.c): the loop closes everything and returns. */
extern volatile sig_atomic_t server_stopping;

/* loop.c: serve until server_stopping, then close every connection, free
 * everything and return 0; -1 on a fatal error (logged). peers: the limits
 * per address all workers share (peers.h). */
int server_run(const struct ndt7_config *cfg, const struct listener *ls, int nls,
	       SSL_CTX *tls, struct peers *peers, int worker);

#endif
