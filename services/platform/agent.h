/* The platform agent's state shared by main.c (token, register) and
 * heartbeat.c (Locate's heartbeat). */
#ifndef PLATFORM_AGENT_H
#define PLATFORM_AGENT_H

#include <signal.h>
#include <sys/stat.h>
#include <time.h>

#include "autojoin.h"
#include "lib/backoff.h"
#include "config.h"

enum agent_state {
	ST_START, ST_TOKEN_FAILED, ST_KEY_REFUSED, ST_REGISTER_FAILED, ST_REGISTERED,
	ST_HEARTBEAT, ST_HEARTBEAT_FAILED, ST_STOPPED
};

struct agent {
	struct platform_config *cfg;
	enum agent_state state;
	char token[AJ_TOKEN_MAX];
	time_t token_at;			/* when it was obtained (monotonic s) */
	char hostname[254];
	char *reg_msg;				/* the heartbeat's Registration message */
	time_t register_due;			/* monotonic s */
	struct backoff reg_backoff;		/* re-registration failures in a row */
	time_t refused_until;			/* after a refusal: no request before */
	int key_from_file;			/* watch --api-key-file for a new key */
	struct stat key_st;			/* its identity when read */
	int score;				/* last sent, -1 none */
	int hb_up;				/* the last heartbeat_run got through */
	time_t hb_sent_at;			/* last beat sent (monotonic s), 0 none */
	char hb_error[400];			/* the heartbeat's last error */
	char detail[700];			/* the last state line logged */
	char cert_issuer[128];			/* ndt7's certificate: "" self-signed */
	char cert_until[16];			/* its notAfter, YYYY-MM-DD */
	time_t acme_not_before;			/* rate limited: no order before (monotonic s) */
};

extern volatile sig_atomic_t agent_stop;
/* Set around a request that may block for its whole timeout (30 s): a
 * SIGTERM then ends the process at once, there being nothing to finish. */
extern volatile sig_atomic_t agent_blocking;

/* cert.c: once registered as host, obtain or renew its certificate by
 * ACME unless --acme-directory is off (default: Let's Encrypt); logged
 * either way. A certificate for host valid for over 30 days is kept; after
 * a rate limit, no order before its Retry-After.
 * a->cert_issuer and cert_until then describe --tls-dir's certificate
 * if it names host ("" when ndt7 keeps its self-signed one). */
void agent_certificate(struct agent *a, const char *host);

/* Rewrites --run-dir's status line (status.h) from the agent's state:
 * on every state change, every beat sent, every retry. */
void agent_status(struct agent *a);

/* A state change: its one log line (printf-like) and the status file;
 * nothing when the state is the same. */
void agent_change(struct agent *a, enum agent_state s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

time_t agent_now(void);

/* Sleep up to ms, less when SIGTERM comes: 0, or -1 when stopping. */
int agent_sleep_ms(unsigned ms);

/* main.c: a token if needed, then a registration (on a 401/403 once more
 * with a fresh token). 0: a->reg_msg is the new Registration message and
 * register_due the next one; -1: failed, retry at register_due; -2:
 * refused (the key, or our request): no request before refused_until.
 * The state line says which. */
int agent_register(struct agent *a);

/* refused.c: wait until a->refused_until (the status line rewritten every
 * minute), sooner when --api-key-file changes and holds a key; the token
 * is dropped and registration comes first afterwards. */
void agent_refused_wait(struct agent *a);

/* --api-key-file's identity (inode, size, mtime) into st, zeros if none. */
void agent_key_stat(const struct platform_config *c, struct stat *st);

enum {
	HB_STOP = 0,		/* SIGTERM: score 0 sent, closed */
	HB_FAILED = -1,		/* could not connect or lost: the state says why */
	HB_REFUSED = -3,	/* re-registration refused: score 0 sent, closed */
	HB_AUTH = -4		/* Locate refused the token (401/403) */
};

/* heartbeat.c: connect with the token, send the registration, then the
 * health every --heartbeat-interval; re-register when due on the open
 * connection (agent_register) and send the new Registration message on
 * it, as upstream does. Returns when the connection fails, a
 * re-registration is refused or SIGTERM comes (HB_*). */
int heartbeat_run(struct agent *a);

#endif
