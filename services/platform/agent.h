/* The platform agent's state shared by main.c (token, register) and
 * heartbeat.c (Locate's heartbeat). */
#ifndef PLATFORM_AGENT_H
#define PLATFORM_AGENT_H

#include <signal.h>
#include <time.h>

#include "autojoin.h"
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
	int score;				/* last sent, -1 none */
	int hb_up;				/* the last heartbeat_run got through */
	time_t hb_sent_at;			/* last beat sent (monotonic s), 0 none */
	char hb_error[400];			/* the heartbeat's last error */
	char detail[700];			/* the last state line logged */
	char cert_issuer[128];			/* ndt7's certificate: "" self-signed */
	char cert_until[16];			/* its notAfter, YYYY-MM-DD */
};

extern volatile sig_atomic_t agent_stop;
/* Set around a request that may block for its whole timeout (30 s): a
 * SIGTERM then ends the process at once, there being nothing to finish. */
extern volatile sig_atomic_t agent_blocking;

/* cert.c: once registered as host, obtain or renew its certificate by
 * ACME unless --acme-directory is off (the default); logged either way.
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

/* heartbeat.c: connect with the token, send the registration, then the
 * health every --heartbeat-interval until re-registration is due (1), the
 * connection fails (-1, the state says why) or SIGTERM (0, after a score
 * of 0 and a close). */
int heartbeat_run(struct agent *a);

#endif
