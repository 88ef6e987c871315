/* The result record of one ndt7 test in M-Lab's data format
 * (ndt-server's spec/data-format.md and data.NDT7Result), and the path it
 * is stored under in the spool: ndt7/YYYY/MM/DD/ndt7-<test>-<time>.<uuid>.json
 * as ndt-server's ndt7/results writes it. Pure. */
#ifndef NDT7_RESULT_H
#define NDT7_RESULT_H

#include <stddef.h>
#include <time.h>

#include "http.h"
#include "json.h"

struct ndt7_result {
	enum ndt7_test test;
	const char *git_commit, *version;
	char client_ip[64], server_ip[64];
	unsigned client_port, server_port;
	struct timespec conn_start, test_start, test_end;
	const char *uuid;
	const struct ndt7_meta *client_meta;
	int n_client_meta;
	const struct ndt7_meta *server_meta;
	int n_server_meta;
	const char *client_measurements;	/* "{...},{...}" or "" */
	const char *server_measurements;
};

/* Append the record object and a newline to j. */
void ndt7_result_json(struct json *j, const struct ndt7_result *r);

/* "ndt7/YYYY/MM/DD/ndt7-<test>-YYYYMMDDTHHMMSS.nnnnnnnnnZ.<uuid>.json[.gz]"
 * in UTC, at test_end: like upstream, the time the record is written. */
void ndt7_result_path(char *out, size_t cap, const struct ndt7_result *r, int gzip);

/* RFC 3339 UTC with nanoseconds. */
void ndt7_rfc3339(char *out, size_t cap, const struct timespec *t);

/* Whether a client's query parameter goes into ClientMetadata: not
 * upstream's "server_*" parameters, and never the access token. */
int ndt7_client_meta_kept(const char *name);

#endif
