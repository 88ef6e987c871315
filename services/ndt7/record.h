/* The result record of one ndt7 connection: who and when, the client's
 * metadata, the measurements sent and received; written to the spool when
 * the test ends. */
#ifndef NDT7_RECORD_H
#define NDT7_RECORD_H

#include <stdint.h>
#include <time.h>

#include "http.h"
#include "json.h"
#include "measure.h"
#include "server.h"
#include "uuid.h"

struct record {
	char client_ip[64], server_ip[64];
	unsigned client_port, server_port;
	char client[80], server[80];	/* "addr:port", "[v6]:port" */
	char uuid[NDT7_UUID_MAX];
	struct timespec wall_accept, wall_start;
	enum ndt7_test test;		/* TEST_NONE until upgraded */
	int bbr;			/* the socket runs BBR */
	struct ndt7_meta *meta;		/* from the query string */
	int nmeta;
	int measurements, client_measurements;
	struct json server_meas, client_meas;
};

/* One measurement: a TCP_INFO snapshot and what measure.c needs. */
struct measurement {
	struct tcp_info ti;
	union tcp_cc_info cc;
	struct measure_input in;
};

/* Addresses of the connected socket fd, the accept time and its UUID:
 * uuid_prefix ("<host>_<boot time>", ndt7_uuid_prefix) and fd's socket
 * cookie; n, the worker's connection count, only if there is no cookie
 * (uuid.h; logged). */
void record_init(struct record *r, int fd, const char *uuid_prefix, unsigned long n);

/* The connection upgraded to test with this query string, whose
 * parameters are the ClientMetadata (ndt7_client_meta_kept: never the
 * access token). -1: no memory. */
int record_start(struct record *r, enum ndt7_test test, const char *query, size_t n);

/* Measure the test on fd now; the first measurement has ConnectionInfo. */
void record_sample(const struct record *r, struct measurement *m, int fd,
		   uint64_t elapsed_us, uint64_t num_bytes);

/* Keep m (sent to the client) in the record. */
void record_keep(struct record *r, struct measurement *m);

/* Keep a text message of the client if it is a JSON object. What does
 * not fit (RECORD_MEASUREMENTS messages, or the lists' byte bounds) is
 * left out whole: the record stays valid JSON whatever the client sends. */
void record_client_text(struct record *r, const uint8_t *p, size_t n);

/* The record as JSON in j (json_free it) and its path in the spool in
 * name[0..cap) (ndt7_result_path; ".json.gz" if cfg->compress). -1 if it
 * is too large or out of memory. */
int record_json(const struct record *r, const struct ndt7_config *cfg, struct json *j,
		char *name, size_t cap);

/* Write the record of an upgraded connection to the spool, gzipped if
 * cfg->compress. */
void record_write(const struct record *r, const struct ndt7_config *cfg);

void record_free(struct record *r);

#endif
