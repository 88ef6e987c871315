/* The ndt7 server's listening sockets: one per address and port, ws and
 * wss, IPv6 ones dual-stack. */
#define _GNU_SOURCE
#include "server.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"

static int listen_on(const char *addr, int port, int tls, struct listener *l)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_PASSIVE,
				  .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai;
	char portstr[16];
	int one = 1, zero = 0, fd, rc;

	snprintf(portstr, sizeof(portstr), "%d", port);
	rc = getaddrinfo(addr, portstr, &hints, &ai);
	if (rc) {
		ndt7_log(LOG_ERR, "listen %s: not a numeric address: %s (use e.g. :: or 192.0.2.10)",
			 addr, gai_strerror(rc));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (ai->ai_family == AF_INET6)	/* "::" also takes IPv4 */
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	}
	if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 1024) < 0) {
		ndt7_log(LOG_ERR, "listen %s port %d (%s): %s%s", addr, port, tls ? "wss" : "ws",
			 strerror(errno), errno == EACCES ? " (ports below 1024 need "
			 "CAP_NET_BIND_SERVICE)" : errno == EADDRINUSE ? " (another server "
			 "has this port: choose another with --ws-port/--wss-port)" : "");
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	l->fd = fd;
	l->tls = tls;
	snprintf(l->name, sizeof(l->name), "%s://%s%s%s:%d", tls ? "wss" : "ws",
		 strchr(addr, ':') ? "[" : "", addr, strchr(addr, ':') ? "]" : "", port);
	return 0;
}

int server_listen(const struct ndt7_config *cfg, struct listener *out)
{
	static const char *const dual[] = { "::" };
	const char *const *addrs = cfg->naddrs ? cfg->addrs : dual;
	int naddrs = cfg->naddrs ? cfg->naddrs : 1, n = 0, i, p;

	for (i = 0; i < naddrs; i++)
		for (p = 0; p < 2; p++) {
			int port = p ? cfg->wss_port : cfg->ws_port;

			if (port == 0)
				continue;
			if (listen_on(addrs[i], port, p, &out[n]) < 0)
				return -1;
			ndt7_log(LOG_INFO, "listening on %s", out[n].name);
			n++;
		}
	return n;
}
