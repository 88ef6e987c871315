/* A load client for bench/ndt7: one ndt7 download over ws or wss that
 * throws the binary messages away as cheaply as it can, so that on loopback
 * the server, not the client, sets the pace. Not a conforming ndt7 client:
 * no measurements, no certificate check (loopback benchmark only).
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

#define BUF_SIZE (256u << 10)

struct stream {
	int fd;
	SSL *ssl;
};

/* Frame parser state: the stream of server frames, across reads. */
struct frames {
	uint8_t head[14];
	size_t head_len;
	uint64_t left;		/* payload bytes of the current frame still to come */
	int opcode;
	uint8_t close_body[2];
	uint64_t binary;	/* binary payload bytes seen */
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

/* Bytes a frame header needs, from the bytes of it seen so far. */
static size_t header_need(const uint8_t *h, size_t n)
{
	if (n < 2)
		return 2;
	switch (h[1] & 0x7f) {
	case 126: return 4;
	case 127: return 10;
	default: return 2;
	}
}

/* Walk the server frames in p[0..n): skip payloads, note the close. */
static void frames_feed(struct frames *f, const uint8_t *p, size_t n)
{
	while (n && !f->closed) {
		size_t take;

		if (f->left == 0 && f->head_len < header_need(f->head, f->head_len)) {
			f->head[f->head_len++] = *p++;
			n--;
			if (f->head_len < header_need(f->head, f->head_len))
				continue;
			f->opcode = f->head[0] & 0x0f;
			f->left = f->head[1] & 0x7f;
			if (f->left == 126)
				f->left = (uint64_t)f->head[2] << 8 | f->head[3];
			else if (f->left == 127)
				for (f->left = 0, take = 2; take < 10; take++)
					f->left = f->left << 8 | f->head[take];
			f->head_len = 0;
			if (f->left == 0 && f->opcode == 0x8)
				f->closed = 1;
			continue;
		}
		take = n < f->left ? n : (size_t)f->left;
		if (f->opcode == 0x2 || f->opcode == 0x0)
			f->binary += take;
		if (f->opcode == 0x8) {
			uint64_t off = (f->head[1] & 0x7f) - f->left;

			if (off < 2)
				memcpy(f->close_body + off, p, take > 2 - off ? 2 - off : take);
		}
		f->left -= take;
		p += take;
		n -= take;
		if (f->left == 0 && f->opcode == 0x8)
			f->closed = 1;
	}
}

int main(int argc, char **argv)
{
	/* A masked close 1000 (mask 0): the client's half of the closing handshake. */
	static const uint8_t close_frame[] = { 0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8 };
	struct stream s = { -1, NULL };
	struct frames f = { 0 };
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
	frames_feed(&f, buf, n);
	while (!f.closed) {
		ssize_t r = stream_read(&s, buf, BUF_SIZE);

		if (r <= 0)
			die("download ended without a close frame");
		frames_feed(&f, buf, (size_t)r);
	}
	secs = now_s() - t0;
	stream_write(&s, close_frame, sizeof(close_frame));
	getrusage(RUSAGE_SELF, &ru);
	printf("%llu bytes %.3f s %.0f Mbit/s close %d cpu %.2f s",
	       (unsigned long long)f.binary, secs, (double)f.binary * 8 / secs / 1e6,
	       f.close_body[0] << 8 | f.close_body[1],
	       (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
	if (tls)
		printf(" %s %s", SSL_get_version(s.ssl), SSL_get_cipher_name(s.ssl));
	printf("\n");
	return 0;
}
