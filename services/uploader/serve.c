/* The metrics endpoint (contract: serve.h). */
#define _GNU_SOURCE
#include "serve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/log.h"
#include "report.h"

#define SERVE_MS 1000

int serve_listen(const char *spec)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
	char host[128];
	const char *colon = strrchr(spec, ':');
	unsigned long port;
	socklen_t len;
	char *e;
	int fd, one = 1;

	if (!colon || (size_t)(colon - spec) >= sizeof(host))
		goto bad;
	memcpy(host, spec, (size_t)(colon - spec));
	host[colon - spec] = '\0';
	port = strtoul(colon + 1, &e, 10);
	if (*e || !colon[1] || port > 65535)
		goto bad;
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		host[strlen(host) - 1] = '\0';
		memmove(host, host + 1, strlen(host));
	}
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((unsigned short)port);
		len = sizeof(*a4);
	} else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((unsigned short)port);
		len = sizeof(*a6);
	} else {
		goto bad;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 16) < 0) {
		log_err("--metrics-listen %s: %s (is the port in use?)", spec, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	/* Port 0 takes one the kernel picks (tests): say which. */
	len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
		log_info("metrics at http://%s%s%s:%u/metrics", ss.ss_family == AF_INET6 ? "[" : "",
			 host, ss.ss_family == AF_INET6 ? "]" : "",
			 ntohs(ss.ss_family == AF_INET6 ? a6->sin6_port : a4->sin_port));
	return fd;
bad:
	log_err("--metrics-listen \"%s\": expected ADDR:PORT (127.0.0.1:9991, [::1]:9991)", spec);
	return -1;
}

void serve_one(int lfd, const struct up_stats *s)
{
	char req[1024], head[160], *body;
	struct pollfd p;
	struct timeval tv = { 1, 0 };
	size_t got = 0, blen = 0, cap = 16384;
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC), get;
	long end = monotonic_ms() + SERVE_MS, left;

	if (fd < 0)
		return;
	/* One client must not hold up the uploads: the request within
	 * SERVE_MS in all (not per byte), the answer's writes within 1 s. */
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	p.fd = fd;
	p.events = POLLIN;
	while (got < sizeof(req) - 1 && !memmem(req, got, "\r\n\r\n", 4) &&
	       (left = end - monotonic_ms()) > 0 && poll(&p, 1, (int)left) > 0) {
		ssize_t n = read(fd, req + got, sizeof(req) - 1 - got);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	req[got] = '\0';
	get = strncmp(req, "GET /metrics ", 13) == 0 || strncmp(req, "GET / ", 6) == 0;
	body = malloc(cap);
	if (get && body)
		blen = metrics_text(body, cap, s, time(NULL));
	snprintf(head, sizeof(head), "HTTP/1.1 %s\r\nContent-Type: text/plain; version=0.0.4\r\n"
		 "Content-Length: %zu\r\nConnection: close\r\n\r\n",
		 get && blen ? "200 OK" : get ? "500 Internal Server Error" : "404 Not Found",
		 blen);
	if (write(fd, head, strlen(head)) > 0 && blen && write(fd, body, blen) < 0)
		log_debug("metrics: write: %s", strerror(errno));
	free(body);
	close(fd);
}
