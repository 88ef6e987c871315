/* The agent's health check: TCP connects and one HTTP GET, each bounded
 * by a short timeout (contract: health.h). */
#define _GNU_SOURCE
#include "health.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/net/https.h"

#define CONNECT_MS 2000
#define HTTP_MS 3000

/* 0 if addr:port accepts a connection within CONNECT_MS, else -1 (errno). */
static int tcp_probe(const char *addr, unsigned port)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
	struct pollfd p;
	socklen_t len;
	int fd, e = 0;

	if (inet_pton(AF_INET, addr, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((unsigned short)port);
		len = sizeof(*a4);
	} else if (inet_pton(AF_INET6, addr, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((unsigned short)port);
		len = sizeof(*a6);
	} else {
		errno = EINVAL;
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&ss, len) < 0) {
		if (errno != EINPROGRESS) {
			e = errno;
		} else {
			p.fd = fd;
			p.events = POLLOUT;
			len = sizeof(e);
			if (poll(&p, 1, CONNECT_MS) <= 0)
				e = ETIMEDOUT;
			else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
				e = errno;
		}
	}
	close(fd);
	errno = e;
	return e ? -1 : 0;
}

int health_score(const struct platform_config *c, char *why, size_t whylen)
{
	const char *addr = "127.0.0.1";	/* the services listen on every address */
	struct https_opts o = { 0 };
	struct https_response r = { 0 };
	char err[256];
	int i;

	for (i = 0; i < c->nports; i++)
		if (tcp_probe(addr, c->ports[i]) < 0) {
			snprintf(why, whylen, "port %s:%u: %s", addr, c->ports[i], strerror(errno));
			return 0;
		}
	if (!c->health_url || !*c->health_url || strcmp(c->health_url, "off") == 0) {
		snprintf(why, whylen, "ports open");
		return 1;
	}
	o.ca_file = c->ca_file;
	o.timeout_ms = HTTP_MS;
	o.max_body = 4096;
	o.allow_plain = 1;
	if (https_request("GET", c->health_url, NULL, NULL, 0, NULL, &o, &r, err,
			  sizeof(err)) < 0) {
		snprintf(why, whylen, "%s: %s", c->health_url, err);
		return 0;
	}
	i = r.status;
	https_response_free(&r);
	if (i != 200) {
		snprintf(why, whylen, "%s: status %d", c->health_url, i);
		return 0;
	}
	snprintf(why, whylen, "ports open, %s 200", c->health_url);
	return 1;
}
