/* The supervisor's HTTP server for /health and /metrics (httpd.h). */
#define _GNU_SOURCE
#include "httpd.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"

int httpd_parse(const char *buf, size_t n, const char *path)
{
	const char *end = NULL, *sp1, *sp2, *eol, *q;
	size_t i, plen;

	for (i = 0; i + 3 < n; i++)
		if (memcmp(buf + i, "\r\n\r\n", 4) == 0) {
			end = buf + i;
			break;
		}
	if (!end)
		return n >= HTTPD_REQ_MAX ? 431 : 0;
	eol = memchr(buf, '\r', (size_t)(end - buf) + 1);
	sp1 = memchr(buf, ' ', (size_t)(eol - buf));
	sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1)) : NULL;
	if (!sp1 || !sp2 || sp1 == buf || sp2 == sp1 + 1 || eol - sp2 != 9 ||
	    memcmp(sp2 + 1, "HTTP/1.", 7) != 0 || (sp2[8] != '0' && sp2[8] != '1') ||
	    memchr(buf, '\0', (size_t)(end - buf)))
		return 400;
	if (sp1 - buf != 3 || memcmp(buf, "GET", 3) != 0)
		return 405;
	q = memchr(sp1 + 1, '?', (size_t)(sp2 - sp1 - 1));
	plen = (size_t)((q ? q : sp2) - (sp1 + 1));
	return plen == strlen(path) && memcmp(sp1 + 1, path, plen) == 0 ? 200 : 404;
}

static const char *status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 431: return "Request Header Fields Too Large";
	case 503: return "Service Unavailable";
	default: return "Internal Server Error";
	}
}

/* Split "ADDR:PORT" or "[V6]:PORT" into host and port. */
static int split_addr(const char *s, char *host, size_t cap, const char **port)
{
	const char *colon = strrchr(s, ':');
	const char *h = s, *hend = colon;

	if (!colon || !colon[1])
		return -1;
	if (s[0] == '[') {
		h = s + 1;
		hend = colon - 1;
		if (hend < h || *hend != ']')
			return -1;
	}
	if ((size_t)(hend - h) >= cap)
		return -1;
	memcpy(host, h, (size_t)(hend - h));
	host[hend - h] = '\0';
	*port = colon + 1;
	return 0;
}

int httpd_listen(struct httpd *h, const char *option, const char *addrport, const char *path,
		 const char *content_type, httpd_answer_fn *answer, void *arg)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
				  .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai = NULL;
	const char *port;
	char host[64];
	int i, one = 1;

	memset(h, 0, sizeof(*h));
	h->fd = -1;
	for (i = 0; i < HTTPD_CLIENTS; i++)
		h->c[i].fd = -1;
	if (!addrport || strcmp(addrport, "off") == 0)
		return 0;
	if (split_addr(addrport, host, sizeof(host), &port) < 0 ||
	    getaddrinfo(host[0] ? host : NULL, port, &hints, &ai) != 0) {
		ndt7_log(LOG_ERR, "--%s \"%s\": expected ADDR:PORT with a numeric address, e.g. "
			 "127.0.0.1:8000 or [::1]:8000 (or off)", option, addrport);
		return -1;
	}
	h->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (h->fd >= 0)
		setsockopt(h->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (h->fd < 0 || bind(h->fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(h->fd, 16) < 0) {
		ndt7_log(LOG_ERR, "--%s %s: %s%s", option, addrport, strerror(errno),
			 errno == EADDRINUSE ? " (another server has this port: choose another, "
			 "or off)" : "");
		freeaddrinfo(ai);
		if (h->fd >= 0)
			close(h->fd);
		h->fd = -1;
		return -1;
	}
	freeaddrinfo(ai);
	h->path = path;
	h->content_type = content_type;
	h->answer = answer;
	h->arg = arg;
	snprintf(h->name, sizeof(h->name), "http://%s%s", addrport, path);
	ndt7_log(LOG_INFO, "serving %s", h->name);
	return 0;
}

int httpd_pollfds(const struct httpd *h, struct pollfd *p)
{
	int i, n = 1, busy = 1;

	if (h->fd < 0)
		return 0;
	for (i = 0; i < HTTPD_CLIENTS; i++)
		busy &= h->c[i].fd >= 0;
	/* All clients busy: the rest wait in the backlog. */
	p[0] = (struct pollfd){ .fd = h->fd, .events = busy ? 0 : POLLIN };
	for (i = 0; i < HTTPD_CLIENTS; i++)
		if (h->c[i].fd >= 0)
			p[n++] = (struct pollfd){ .fd = h->c[i].fd,
						  .events = h->c[i].out ? POLLOUT : POLLIN };
	return n;
}

static void client_close(struct httpd_client *c)
{
	close(c->fd);
	free(c->out);
	c->fd = -1;
	c->out = NULL;
}

static void client_respond(struct httpd *h, struct httpd_client *c, int status)
{
	char other[160];
	const char *body = other;
	size_t len, head;
	char hdr[256];

	if (status == 200) {
		body = h->answer(h->arg, &status, &len);
	} else {
		len = status == 404 ?
			(size_t)snprintf(other, sizeof(other), "this port serves %s only\n", h->path) :
			(size_t)snprintf(other, sizeof(other), "%s\n", status_text(status));
	}
	head = (size_t)snprintf(hdr, sizeof(hdr), "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
				"Content-Length: %zu\r\nConnection: close\r\n\r\n", status,
				status_text(status), status == 200 ? h->content_type :
				"text/plain; charset=utf-8", len);
	c->out = malloc(head + len);
	if (!c->out) {
		client_close(c);
		return;
	}
	memcpy(c->out, hdr, head);
	memcpy(c->out + head, body, len);
	c->out_len = head + len;
	c->out_off = 0;
}

static void client_step(struct httpd *h, struct httpd_client *c, short revents)
{
	ssize_t n;

	if (revents & (POLLERR | POLLNVAL)) {
		client_close(c);
	} else if (!c->out && (revents & (POLLIN | POLLHUP))) {
		int status;

		n = read(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len);
		if (n <= 0) {
			if (n == 0 || (errno != EAGAIN && errno != EINTR))
				client_close(c);
			return;
		}
		c->in_len += (size_t)n;
		status = httpd_parse(c->in, c->in_len, h->path);
		if (status)
			client_respond(h, c, status);
	} else if (c->out && (revents & POLLOUT)) {
		n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0 || (c->out_off += (size_t)n) == c->out_len)
			client_close(c);
	}
}

static void accept_clients(struct httpd *h, int64_t now)
{
	int i, fd;

	for (i = 0; i < HTTPD_CLIENTS; i++) {
		if (h->c[i].fd >= 0)
			continue;
		fd = accept4(h->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		h->c[i].fd = fd;
		h->c[i].deadline = now + HTTPD_TIMEOUT_NS;
		h->c[i].in_len = 0;
	}
}

void httpd_step(struct httpd *h, const struct pollfd *p, int n, int64_t now)
{
	int i, k;

	for (k = 1; k < n; k++)
		for (i = 0; i < HTTPD_CLIENTS; i++)
			if (h->c[i].fd == p[k].fd && p[k].revents)
				client_step(h, &h->c[i], p[k].revents);
	for (i = 0; i < HTTPD_CLIENTS; i++)
		if (h->c[i].fd >= 0 && now >= h->c[i].deadline)
			client_close(&h->c[i]);
	if (n > 0 && (p[0].revents & POLLIN))
		accept_clients(h, now);
}

void httpd_close(struct httpd *h)
{
	int i;

	if (h->fd < 0)
		return;
	for (i = 0; i < HTTPD_CLIENTS; i++)
		if (h->c[i].fd >= 0)
			client_close(&h->c[i]);
	close(h->fd);
	h->fd = -1;
}
