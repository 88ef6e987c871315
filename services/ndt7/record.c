/* The result record of one ndt7 connection (record.h): identity,
 * measurements kept, and the JSON written to the spool. */
#define _GNU_SOURCE
#include "record.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gzip.h"
#include "log.h"
#include "result.h"
#include "spool.h"

#ifndef NDT7_GIT_COMMIT
#define NDT7_GIT_COMMIT ""
#endif

#define RECORD_MEASUREMENTS 200	/* kept per direction */
#define RECORD_MAX (4u << 20)

static void addr_text(const struct sockaddr_storage *ss, char *ip, size_t cap, unsigned *port)
{
	if (getnameinfo((const struct sockaddr *)ss, sizeof(*ss), ip, (socklen_t)cap, NULL, 0,
			NI_NUMERICHOST))
		snprintf(ip, cap, "?");
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		*port = ntohs(s6->sin6_port);
		/* v4 clients on a dual-stack socket: report plain IPv4 */
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr) && strncmp(ip, "::ffff:", 7) == 0)
			memmove(ip, ip + 7, strlen(ip + 7) + 1);
	} else {
		*port = ntohs(((const struct sockaddr_in *)(const void *)ss)->sin_port);
	}
}

void record_init(struct record *r, int fd, const char *uuid_prefix, unsigned long n)
{
	struct sockaddr_storage peer, local;
	socklen_t plen = sizeof(peer), llen = sizeof(local);

	memset(r, 0, sizeof(*r));
	clock_gettime(CLOCK_REALTIME, &r->wall_accept);
	memset(&peer, 0, sizeof(peer));
	memset(&local, 0, sizeof(local));
	getpeername(fd, (struct sockaddr *)&peer, &plen);
	getsockname(fd, (struct sockaddr *)&local, &llen);
	addr_text(&peer, r->client_ip, sizeof(r->client_ip), &r->client_port);
	addr_text(&local, r->server_ip, sizeof(r->server_ip), &r->server_port);
	ndt7_endpoint(r->client, sizeof(r->client), r->client_ip, r->client_port);
	ndt7_endpoint(r->server, sizeof(r->server), r->server_ip, r->server_port);
	if (ndt7_uuid(r->uuid, sizeof(r->uuid), uuid_prefix, fd, n) < 0)
		ndt7_log(LOG_WARN, "%s: no socket cookie (SO_COOKIE: %s); this UUID is only "
			 "unique on this server (needs Linux 4.13 or later)", r->uuid, strerror(errno));
}

int record_start(struct record *r, enum ndt7_test test, const char *query, size_t n)
{
	int i, k;

	r->meta = calloc(NDT7_META_MAX, sizeof(*r->meta));
	if (!r->meta)
		return -1;
	k = ndt7_query_parse(query, n, r->meta, NDT7_META_MAX);
	for (i = 0; i < k; i++)
		if (ndt7_client_meta_kept(r->meta[i].name))
			r->meta[r->nmeta++] = r->meta[i];
	r->test = test;
	clock_gettime(CLOCK_REALTIME, &r->wall_start);
	json_init(&r->server_meas, RECORD_MAX / 2);
	json_init(&r->client_meas, RECORD_MAX / 4);
	return 0;
}

void record_sample(const struct record *r, struct measurement *m, int fd,
		   uint64_t elapsed_us, uint64_t num_bytes)
{
	socklen_t tlen = sizeof(m->ti), clen = sizeof(m->cc);

	memset(m, 0, sizeof(*m));
	m->in.test = r->test;
	m->in.elapsed_us = elapsed_us;
	m->in.num_bytes = num_bytes;
	m->in.uuid = r->uuid;
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &m->ti, &tlen) == 0) {
		m->in.ti = &m->ti;
		m->in.ti_len = tlen;
	}
	if (r->bbr && getsockopt(fd, IPPROTO_TCP, TCP_CC_INFO, &m->cc, &clen) == 0 &&
	    clen >= sizeof(m->cc.bbr))
		m->in.bbr = &m->cc.bbr;
	if (r->measurements == 0) {	/* ConnectionInfo goes out exactly once */
		m->in.client = r->client;
		m->in.server = r->server;
	}
}

/* After an element was appended to a list from len on: if it did not
 * fit, take it back whole (and its comma), so that the list stays valid
 * JSON. Returns whether it fit. */
static int list_commit(struct json *list, size_t len)
{
	if (json_ok(list))
		return 1;
	list->failed = 0;
	list->len = len;
	if (list->buf)
		list->buf[len] = '\0';
	return 0;
}

void record_keep(struct record *r, struct measurement *m)
{
	size_t len = r->server_meas.len;

	if (r->measurements < RECORD_MEASUREMENTS) {
		/* The record has ConnectionInfo at top level already (the data
		 * format lets a server leave it out of the measurements). */
		m->in.client = m->in.server = NULL;
		m->in.record = 1;
		if (len)
			json_lit(&r->server_meas, ",");
		ndt7_measure_json(&r->server_meas, &m->in);
		list_commit(&r->server_meas, len);
	}
	r->measurements++;
}

void record_client_text(struct record *r, const uint8_t *p, size_t n)
{
	size_t len = r->client_meas.len;

	if (r->client_measurements < RECORD_MEASUREMENTS &&
	    json_is_object((const char *)p, n, 16)) {
		if (len)
			json_lit(&r->client_meas, ",");
		json_raw(&r->client_meas, (const char *)p, n);
		r->client_measurements += list_commit(&r->client_meas, len);
	}
}

int record_json(const struct record *r, const struct ndt7_config *cfg, struct json *j,
		char *name, size_t cap)
{
	struct ndt7_result res = {
		.test = r->test, .git_commit = NDT7_GIT_COMMIT, .version = NDT7_VERSION,
		.client_port = r->client_port, .server_port = r->server_port,
		.conn_start = r->wall_accept, .test_start = r->wall_start, .uuid = r->uuid,
		.client_meta = r->meta, .n_client_meta = r->nmeta,
		.server_meta = cfg->labels, .n_server_meta = cfg->nlabels,
		.client_measurements = r->client_meas.buf ? r->client_meas.buf : "",
		.server_measurements = r->server_meas.buf ? r->server_meas.buf : "",
	};

	memcpy(res.client_ip, r->client_ip, sizeof(res.client_ip));
	memcpy(res.server_ip, r->server_ip, sizeof(res.server_ip));
	clock_gettime(CLOCK_REALTIME, &res.test_end);
	json_init(j, RECORD_MAX);
	ndt7_result_json(j, &res);
	ndt7_result_path(name, cap, &res, cfg->compress);
	return json_ok(j) ? 0 : -1;
}

void record_write(const struct record *r, const struct ndt7_config *cfg)
{
	char name[SPOOL_NAME_MAX], *gz = NULL;
	size_t gz_len = 0;
	struct json j;

	if (record_json(r, cfg, &j, name, sizeof(name)) < 0)
		ndt7_log(LOG_ERR, "%s: result record too large or out of memory; not stored", r->uuid);
	else if (cfg->compress && !(gz = ndt7_gzip(j.buf, j.len, &gz_len)))
		ndt7_log(LOG_ERR, "%s: out of memory compressing the result record; not stored",
			 r->uuid);
	else
		spool_write(cfg->spool_dir, name, gz ? gz : j.buf, gz ? gz_len : j.len,
			    cfg->spool_max);
	free(gz);
	json_free(&j);
}

void record_free(struct record *r)
{
	free(r->meta);
	json_free(&r->server_meas);
	json_free(&r->client_meas);
}
