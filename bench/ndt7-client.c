/* A load client for bench/ndt7: one ndt7 download over ws or wss that
 * throws the binary messages away as cheaply as it can, so that on loopback
 * the server, not the client, sets the pace. Not a conforming ndt7 client:
 * no measurements, no certificate check (loopback benchmark only). Frames
 * are read with the server's own framing code (services/ndt7/ws.c).
 *
 * Usage: ndt7-client [--tls] HOST PORT
 * Prints one line: bytes (binary payload), seconds (101 to the server's
 * close), Mbit/s, the close code, this client's CPU seconds, and the TLS
 * version and cipher when --tls. */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "ws.h"

#define BUF_SIZE (256u << 10)
#define TEXT_MAX 16384		/* the server's measurement messages */

struct stream {
	int fd;
	SSL *ssl;
};

/* What the server's frames told us. */
struct seen {
	uint64_t binary;	/* binary payload bytes */
	int close_code;		/* of the server's close frame, once it came */
	int closed;
};

static uint8_t buf[BUF_SIZE];

static void die(const char *what)
{
	unsigned long e = ERR_get_error();

	fprintf(stderr, "ndt7-client: %s: %s\n", what,
		e ? ERR_error_string(e, NULL) : errno ? strerror(errno) : "failed");
	exit(1);
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int tcp_connect(const char *host, const char *port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
	int fd;

	if (getaddrinfo(host, port, &hints, &ai) != 0)
		die("resolve");
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) < 0)
		die("connect");
	freeaddrinfo(ai);
	return fd;
}

/* TLS 1.3 with AES-128-GCM, as a browser on AES-NI hardware would pick.
 * Read-ahead with a large buffer: many records per recv(). */
static SSL *tls_start(int fd)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	SSL *ssl;

	if (!ctx || !SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) ||
	    !SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256"))
		die("TLS context");
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_read_ahead(ctx, 1);
	SSL_CTX_set_default_read_buffer_len(ctx, BUF_SIZE);
	ssl = SSL_new(ctx);
	if (!ssl || !SSL_set_fd(ssl, fd) || SSL_connect(ssl) != 1)
		die("TLS handshake");
	return ssl;
}

static ssize_t stream_read(struct stream *s, void *p, size_t n)
{
	int rc;

	if (!s->ssl)
		return recv(s->fd, p, n, 0);
	rc = SSL_read(s->ssl, p, (int)n);
	if (rc <= 0 && SSL_get_error(s->ssl, rc) == SSL_ERROR_ZERO_RETURN)
		return 0;
	return rc;
}

static void stream_write(struct stream *s, const void *p, size_t n)
{
	ssize_t rc = s->ssl ? SSL_write(s->ssl, p, (int)n) : send(s->fd, p, n, MSG_NOSIGNAL);

	if (rc != (ssize_t)n)
		die("write");
}

/* Send the upgrade request and read the response up to its blank line;
 * bytes after it (the first frames) are left in buf, their count returned. */
static size_t upgrade(struct stream *s, const char *host)
{
	char req[512];
	size_t have = 0;
	char *end;
	int n;

	n = snprintf(req, sizeof(req),
		     "GET /ndt/v7/download HTTP/1.1\r\nHost: %s\r\n"
		     "Upgrade: websocket\r\nConnection: Upgrade\r\n"
		     "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
		     "Sec-WebSocket-Protocol: net.measurementlab.ndt.v7\r\n\r\n", host);
	stream_write(s, req, (size_t)n);
	for (;;) {
		ssize_t r = stream_read(s, buf + have, BUF_SIZE - 1 - have);

		if (r <= 0)
			die("reading the upgrade response");
		have += (size_t)r;
		buf[have] = '\0';
		end = strstr((char *)buf, "\r\n\r\n");
		if (end)
			break;
	}
	if (strncmp((char *)buf, "HTTP/1.1 101 ", 13) != 0) {
		fprintf(stderr, "ndt7-client: upgrade refused: %.*s\n",
			(int)strcspn((char *)buf, "\r"), buf);
		exit(1);
	}
	end += 4;
	have -= (size_t)(end - (char *)buf);
	memmove(buf, end, have);
	return have;
}

static void on_message(void *ctx, int opcode, const uint8_t *p, size_t n)
{
	struct seen *s = ctx;

	if (opcode != WS_CLOSE)
		return;		/* measurements and pings: not this client's business */
	s->closed = 1;
	s->close_code = n >= 2 ? p[0] << 8 | p[1] : 0;
}

static void on_binary(void *ctx, uint64_t n)
{
	((struct seen *)ctx)->binary += n;
}

/* The server's frames in p[0..n) (services/ndt7/ws.c's reader). */
static void frames_feed(struct ws_reader *r, uint8_t *p, size_t n, struct seen *s)
{
	const struct ws_events ev = { on_message, on_binary, NULL, s };

	if (ws_reader_feed(r, p, n, &ev)) {
		fprintf(stderr, "ndt7-client: the server's frames are broken: %s\n", r->why);
		exit(1);
	}
}

/* The client's half of the closing handshake: a masked close 1000. */
static void send_close(struct stream *s)
{
	static const uint8_t mask[4] = { 0x12, 0x34, 0x56, 0x78 };
	uint8_t frame[WS_MAX_HEADER + 2];
	size_t hl = ws_client_frame_header(frame, WS_CLOSE, 2, mask);

	frame[hl] = WS_CLOSE_NORMAL >> 8;
	frame[hl + 1] = WS_CLOSE_NORMAL & 0xff;
	ws_unmask(frame + hl, 2, mask, 0);	/* masks: the same XOR */
	stream_write(s, frame, hl + 2);
}

int main(int argc, char **argv)
{
	static uint8_t text[TEXT_MAX];
	struct stream s = { -1, NULL };
	struct seen f = { 0 };
	struct ws_reader r;
	struct rusage ru;
	int tls = argc > 1 && strcmp(argv[1], "--tls") == 0;
	double t0, secs;
	size_t n;

	if (argc != 3 + tls) {
		fprintf(stderr, "usage: ndt7-client [--tls] HOST PORT\n");
		return 2;
	}
	s.fd = tcp_connect(argv[1 + tls], argv[2 + tls]);
	if (tls)
		s.ssl = tls_start(s.fd);
	n = upgrade(&s, argv[1 + tls]);
	t0 = now_s();
	ws_reader_init_client(&r, UINT64_MAX, text, sizeof(text));
	frames_feed(&r, buf, n, &f);
	while (!f.closed) {
		ssize_t got = stream_read(&s, buf, BUF_SIZE);

		if (got <= 0)
			die("download ended without a close frame");
		frames_feed(&r, buf, (size_t)got, &f);
	}
	secs = now_s() - t0;
	send_close(&s);
	getrusage(RUSAGE_SELF, &ru);
	printf("%llu bytes %.3f s %.0f Mbit/s close %d cpu %.2f s",
	       (unsigned long long)f.binary, secs, (double)f.binary * 8 / secs / 1e6,
	       f.close_code,
	       (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
	if (tls)
		printf(" %s %s", SSL_get_version(s.ssl), SSL_get_cipher_name(s.ssl));
	printf("\n");
	return 0;
}
