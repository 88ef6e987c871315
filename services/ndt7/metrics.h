/* ndt7's Prometheus metrics, named and labelled as M-Lab's ndt-server and
 * access controllers name them, and the little state the supervisor and
 * its workers share: lame duck, stop, the egress rate. One shared mapping
 * made before the fork (metrics_new); the workers count with atomics, the
 * supervisor renders the text exposition format (metrics_render). Every
 * counting function does nothing before metrics_new (unit tests). */
#ifndef NDT7_METRICS_H
#define NDT7_METRICS_H

#include <stddef.h>
#include <stdint.h>

#define METRICS_WORKERS_MAX 64

enum m_dir { M_DOWNLOAD, M_UPLOAD, M_DIRS };
enum m_proto { M_WS, M_WSS, M_PROTOS };	/* "ndt7+ws", "ndt7+wss" */

/* ndt7_client_connections_total{status}: upgraded ("result"), or the
 * upgrade request was refused by the WebSocket checks ("websocket-error"). */
enum m_conn { M_CONN_RESULT, M_CONN_WEBSOCKET_ERROR, M_CONNS };

/* ndt7_client_sender_errors_total{error}: a write failed while sending
 * the bulk data (download) or the measurements (upload). */
enum m_send_err { M_SEND_WRITE_PREPARED, M_SEND_WRITE_JSON, M_SEND_ERRS };

/* ndt7_client_receiver_errors_total{error}. */
enum m_recv_err {
	M_RECV_READ_MESSAGE,		/* the connection failed or broke the protocol */
	M_RECV_WRONG_MESSAGE_TYPE,	/* binary during a download */
	M_RECV_CONTEXT_EXPIRED,		/* dropped at the deadline */
	M_RECV_ERRS
};

struct metrics;

/* The shared mapping for up to nworkers workers; NULL if out of memory
 * (logged). Also makes it the one this process counts in. */
struct metrics *metrics_new(int nworkers);

/* In a worker, after the fork: its column for the gauges, cleared of
 * what a predecessor left. */
void metrics_worker(struct metrics *m, int worker);

/* --- counting (workers) ------------------------------------------------- */

void metrics_connection(enum m_dir d, enum m_conn status);
/* A test ended: okay (closing handshake) or not, its rate in Mbit/s (0:
 * none), whether a monitoring token ran it. */
void metrics_test_result(enum m_proto p, enum m_dir d, int okay, double mbps, int monitoring);
void metrics_sender_error(enum m_proto p, enum m_dir d, enum m_send_err e);
void metrics_receiver_error(enum m_proto p, enum m_dir d, enum m_recv_err e);
void metrics_bbr(int enabled);
/* netx_current_open_conns: +1 on accept, -1 on close. */
void metrics_open_conns(int delta);
/* Tests running in this worker: +1 on upgrade, -1 at the end. */
void metrics_tests(int delta);
/* controller_access_txcontroller_requests_total{request,protocol="http"}. */
void metrics_tx_request(int accepted);

/* controller_access_token_requests_total{path,request,reason}: path is
 * the request's path ("/ndt/v7/download", "/ndt/v7/upload"; anything else
 * counts as "other"); reason one of metrics_token_reasons (anything else
 * counts as "other"). */
void metrics_token_request(const char *path, int accepted, const char *reason);
extern const char *const metrics_token_reasons[];

/* --- shared state ------------------------------------------------------- */

/* Set by the supervisor, read by the workers. */
void metrics_set_lame_duck(struct metrics *m);
int metrics_lame_duck(void);
void metrics_set_stop(struct metrics *m);
int metrics_stop(void);
/* The device's smoothed egress rate (bit/s) and the limit (0: none). */
void metrics_set_tx(struct metrics *m, uint64_t rate, uint64_t limit);
/* Whether the smoothed rate is above the limit. */
int metrics_tx_over(void);
/* Tests running in all workers together. */
long metrics_tests_running(const struct metrics *m);
/* Forget what worker held (it exited). */
void metrics_worker_gone(struct metrics *m, int worker);

/* --- rendering (supervisor) --------------------------------------------- */

/* The text exposition format (# HELP, # TYPE, samples) into out; returns
 * its length, or 0 if cap is too small. METRICS_TEXT_MAX is enough. */
#define METRICS_TEXT_MAX (128u << 10)
size_t metrics_render(const struct metrics *m, char *out, size_t cap);

/* ndt_test_rate_mbps's bucket bounds (upstream's), ascending. */
extern const double metrics_rate_buckets[];
#define METRICS_RATE_BUCKETS 21

#endif
