/* The supervisor's tiny HTTP server for /health and /metrics: GET only,
 * one request per connection, requests bounded in size (HTTPD_REQ_MAX)
 * and time (HTTPD_TIMEOUT_NS), a few clients at once, never blocking. */
#ifndef NDT7_HTTPD_H
#define NDT7_HTTPD_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#define HTTPD_REQ_MAX 2048
#define HTTPD_CLIENTS 8
#define HTTPD_TIMEOUT_NS 2000000000LL

/* Parse the request in buf[0..n): 0 while incomplete (and n below
 * HTTPD_REQ_MAX); else 200 for "GET path" (a query is ignored), 400
 * malformed, 404 another path, 405 another method, 431 too large. Pure. */
int httpd_parse(const char *buf, size_t n, const char *path);

/* The answer to a request for the path: status (200 or another) and a
 * body of *len bytes at the returned pointer (valid until the next call). */
typedef const char *httpd_answer_fn(void *arg, int *status, size_t *len);

struct httpd_client {
	int fd;				/* -1: free */
	int64_t deadline;
	size_t in_len, out_len, out_off;
	char in[HTTPD_REQ_MAX];
	char *out;			/* the response, once there is one */
};

struct httpd {
	int fd;				/* -1: off */
	const char *path, *content_type;
	char name[80];
	httpd_answer_fn *answer;
	void *arg;
	struct httpd_client c[HTTPD_CLIENTS];
};

/* Listen on "ADDR:PORT" ("[V6]:PORT" for IPv6) or nothing for "off":
 * 0, or -1 (logged, naming the option). */
int httpd_listen(struct httpd *h, const char *option, const char *addrport, const char *path,
		 const char *content_type, httpd_answer_fn *answer, void *arg);

/* Fill pollfds for h (at most 1 + HTTPD_CLIENTS); returns how many. */
int httpd_pollfds(const struct httpd *h, struct pollfd *p);

/* Act on the poll results of the n entries httpd_pollfds filled; drop
 * clients past their deadline. */
void httpd_step(struct httpd *h, const struct pollfd *p, int n, int64_t now);

/* Close everything (in a worker after fork; at exit). */
void httpd_close(struct httpd *h);

#endif
