/* The load of the ndt7 soak (bench/ndt7 --soak, tests/bats/ndt7-soak.bats):
 * N threads, each running short tests back to back for a given time, in a
 * fixed rotation of kinds: downloads and uploads the client ends after a
 * second (with a close frame, or by dropping the connection), downloads
 * the server completes (10 s), and requests the server refuses; over ws
 * and, with a TLS port, wss. Loopback only: no certificate check.
 *
 * Usage: ndt7-soak [--threads N] [--seconds S] [--every S] [--early MS]
 *                  [--no-complete] HOST WS_PORT [WSS_PORT]
 * Prints "t SECS tests N" every --every seconds and at the end, then one
 * summary line; exits 1 if any test went wrong (the first few are shown). */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "ws.h"

#define BUF_SIZE (64u << 10)
#define TEXT_MAX 16384
#define THREADS_MAX 512

enum kind {
	EARLY_CLOSE,		/* download, close frame after --early ms */
	EARLY_DROP,		/* download, connection dropped after --early ms */
	EARLY_UPLOAD,		/* upload, close frame after --early ms */
	REFUSED,		/* an upgrade without the ndt7 subprotocol: 400 */
	COMPLETE,		/* download to the server's close 1000 (10 s) */
	KINDS
};

static const char *const kind_name[KINDS] = {
	"early-close", "early-drop", "early-upload", "refused", "complete",
};

/* Each thread goes round this, starting at its own place. */
static const enum kind rotation[] = {
	EARLY_CLOSE, REFUSED, EARLY_DROP, EARLY_UPLOAD, EARLY_CLOSE, REFUSED,
	EARLY_DROP, EARLY_UPLOAD, EARLY_CLOSE, COMPLETE,
};

struct opts {
	const char *host, *ws_port, *wss_port;
	int threads, complete;
	double seconds, every, early;
};

struct stream {
	int fd;
	SSL *ssl;
};

struct seen {
	uint64_t binary;
	int close_code, closed;
};

static struct opts o = { .threads = 50, .complete = 1, .seconds = 60, .every = 0,
			 .early = 1000 };
static SSL_CTX *tls_ctx;
static atomic_int stopping;
static atomic_ulong done[KINDS], failed;

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A failed test: counted, and the first few told. */
static int fail(enum kind k, int tls, const char *what)
{
	unsigned long n = atomic_fetch_add(&failed, 1);

	if (n < 5)
		fprintf(stderr, "ndt7-soak: %s%s: %s%s%s\n", kind_name[k], tls ? " (wss)" : "",
			what, errno ? ": " : "", errno ? strerror(errno) : "");
	return -1;
}

/* The handshake, through the read timeouts, for up to 10 s. */
static int tls_connect(SSL *ssl)
{
	double give_up = now_s() + 10;
	int rc;

	while ((rc = SSL_connect(ssl)) != 1) {
		int e = SSL_get_error(ssl, rc);

		ERR_clear_error();
		if ((e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE &&
		     !(e == SSL_ERROR_SYSCALL && errno == EAGAIN)) || now_s() > give_up || stopping)
			return -1;
	}
	return 0;
}

static int stream_open(struct stream *s, int tls)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
	struct timeval tv = { 0, 200000 };	/* so that a stalled read sees the clock */

	s->ssl = NULL;
	s->fd = -1;
	if (getaddrinfo(o.host, tls ? o.wss_port : o.ws_port, &hints, &ai) != 0)
		return -1;
	s->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->fd >= 0 && connect(s->fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		close(s->fd);
		s->fd = -1;
	}
	freeaddrinfo(ai);
	if (s->fd < 0)
		return -1;
	setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(s->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (!tls)
		return 0;
	s->ssl = SSL_new(tls_ctx);
	if (!s->ssl || !SSL_set_fd(s->ssl, s->fd))
		return -1;
	return tls_connect(s->ssl);
}

static void stream_close(struct stream *s, int drop)
{
	struct linger l = { 1, 0 };

	if (drop)	/* a reset, as from a client that vanished */
		setsockopt(s->fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	SSL_free(s->ssl);
	if (s->fd >= 0)
		close(s->fd);
}

/* > 0 bytes, 0 nothing yet (timeout), -1 over. */
static ssize_t stream_read(struct stream *s, void *p, size_t n)
{
	ssize_t rc;

	if (!s->ssl) {
		rc = recv(s->fd, p, n, 0);
		if (rc < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		return rc > 0 ? rc : -1;
	}
	rc = SSL_read(s->ssl, p, (int)n);
	if (rc <= 0) {
		int e = SSL_get_error(s->ssl, (int)rc);

		ERR_clear_error();
		return e == SSL_ERROR_WANT_READ || (e == SSL_ERROR_SYSCALL && errno == EAGAIN) ?
			0 : -1;
	}
	return rc;
}

static int stream_write(struct stream *s, const void *p, size_t n)
{
	while (n) {
		ssize_t rc = s->ssl ? SSL_write(s->ssl, p, (int)n) :
			send(s->fd, p, n, MSG_NOSIGNAL);

		if (rc <= 0) {
			int again = s->ssl ? SSL_get_error(s->ssl, (int)rc) == SSL_ERROR_WANT_WRITE :
				errno == EAGAIN;

			ERR_clear_error();
			if (again && !stopping)
				continue;
			return -1;
		}
		p = (const char *)p + rc;
		n -= (size_t)rc;
	}
	return 0;
}

/* Send the request; read the response head into buf. Returns the status
 * (the bytes after the head, the first frames, in *rest and *nrest). */
static int request(struct stream *s, const char *path, int protocol, uint8_t *buf,
		   size_t *nrest, uint8_t **rest)
{
	char req[512];
	size_t have = 0;
	char *end = NULL;
	int n = snprintf(req, sizeof(req),
			 "GET %s?client_name=ndt7-soak HTTP/1.1\r\nHost: %s\r\n"
			 "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
			 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n%s\r\n", path, o.host,
			 protocol ? "Sec-WebSocket-Protocol: net.measurementlab.ndt.v7\r\n" : "");
	double give_up = now_s() + 10;

	if (stream_write(s, req, (size_t)n) < 0)
		return -1;
	while (!end) {
		ssize_t r = stream_read(s, buf + have, BUF_SIZE - 1 - have);

		if (r < 0 || (r == 0 && (now_s() > give_up || stopping)))
			return -1;
		have += (size_t)r;
		buf[have] = '\0';
		end = strstr((char *)buf, "\r\n\r\n");
	}
	*rest = (uint8_t *)end + 4;
	*nrest = have - (size_t)(*rest - buf);
	return strncmp((char *)buf, "HTTP/1.1 ", 9) == 0 ? atoi((char *)buf + 9) : -1;
}

static void on_message(void *ctx, int opcode, const uint8_t *p, size_t n)
{
	struct seen *s = ctx;

	if (opcode != WS_CLOSE)
		return;
	s->closed = 1;
	s->close_code = n >= 2 ? p[0] << 8 | p[1] : 0;
}

static void on_binary(void *ctx, uint64_t n)
{
	((struct seen *)ctx)->binary += n;
}

/* A masked client frame: the payload is masked in place. */
static int send_frame(struct stream *s, int opcode, uint8_t *p, size_t n)
{
	static const uint8_t mask[4] = { 0x12, 0x34, 0x56, 0x78 };
	uint8_t hdr[WS_MAX_HEADER];
	size_t hl = ws_client_frame_header(hdr, opcode, n, mask);

	ws_unmask(p, n, mask, 0);
	return stream_write(s, hdr, hl) < 0 || stream_write(s, p, n) < 0 ? -1 : 0;
}

static int send_close(struct stream *s)
{
	uint8_t code[2] = { WS_CLOSE_NORMAL >> 8, WS_CLOSE_NORMAL & 0xff };

	return send_frame(s, WS_CLOSE, code, 2);
}

/* Read the server's frames until its close frame or until the clock says
 * until; returns 1 if the close came, 0 at until, -1 on a broken stream. */
static int read_frames(struct stream *s, struct ws_reader *r, uint8_t *buf, struct seen *f,
		       double until)
{
	const struct ws_events ev = { on_message, on_binary, NULL, f };

	while (!f->closed && now_s() < until && !stopping) {
		ssize_t n = stream_read(s, buf, BUF_SIZE);

		if (n < 0 || (n > 0 && ws_reader_feed(r, buf, (size_t)n, &ev)))
			return -1;
	}
	return f->closed;
}

/* An upload for --early ms, then our close frame. */
static int upload(struct stream *s)
{
	static const char meas[] = "{\"AppInfo\":{\"ElapsedTime\":1,\"NumBytes\":1}}";
	uint8_t payload[8192], text[sizeof(meas)];
	double until = now_s() + o.early / 1000;

	memcpy(text, meas, sizeof(meas) - 1);
	if (send_frame(s, WS_TEXT, text, sizeof(meas) - 1) < 0)
		return -1;
	while (now_s() < until && !stopping) {
		memset(payload, 0x5a, sizeof(payload));
		if (send_frame(s, WS_BINARY, payload, sizeof(payload)) < 0)
			return -1;
	}
	return send_close(s);
}

static int one_test(enum kind k, int tls, uint8_t *buf)
{
	static __thread uint8_t text[TEXT_MAX];
	const char *path = k == EARLY_UPLOAD ? "/ndt/v7/upload" : "/ndt/v7/download";
	struct stream s;
	struct seen f = { 0 };
	struct ws_reader r;
	uint8_t *rest;
	size_t nrest;
	int status, rc = -1;

	errno = 0;
	if (stream_open(&s, tls) < 0) {
		stream_close(&s, 0);
		return stopping ? 0 : fail(k, tls, "cannot connect");
	}
	status = request(&s, path, k != REFUSED, buf, &nrest, &rest);
	if (status != (k == REFUSED ? 400 : 101)) {
		stream_close(&s, 0);
		return stopping ? 0 : fail(k, tls, status < 0 ? "no response" : "unexpected status");
	}
	ws_reader_init_client(&r, UINT64_MAX, text, sizeof(text));
	if (k != REFUSED && ws_reader_feed(&r, rest, nrest, &(const struct ws_events){
				on_message, on_binary, NULL, &f }) == 0) {
		if (k == COMPLETE)
			rc = read_frames(&s, &r, buf, &f, now_s() + 15) == 1 &&
				f.close_code == WS_CLOSE_NORMAL && send_close(&s) == 0 ? 0 : -1;
		else if (k == EARLY_UPLOAD)
			rc = upload(&s) == 0 && read_frames(&s, &r, buf, &f, now_s() + 5) == 1 ? 0 : -1;
		else if (read_frames(&s, &r, buf, &f, now_s() + o.early / 1000) == 0)
			rc = k == EARLY_DROP ? 0 : send_close(&s) == 0 &&
				read_frames(&s, &r, buf, &f, now_s() + 5) == 1 ? 0 : -1;
	} else if (k == REFUSED) {
		rc = 0;
	}
	stream_close(&s, k == EARLY_DROP);
	if (rc < 0 && !stopping)
		return fail(k, tls, "the test went wrong");
	if (!stopping)
		atomic_fetch_add(&done[k], 1);
	return 0;
}

static void *worker(void *arg)
{
	size_t i = (size_t)(uintptr_t)arg, n = sizeof(rotation) / sizeof(rotation[0]);
	uint8_t *buf = malloc(BUF_SIZE);
	unsigned round = 0;

	while (buf && !stopping) {
		enum kind k = rotation[(i + round) % n];
		int tls = o.wss_port && (i + round / n) % 2;

		round++;
		if (k == COMPLETE && !o.complete)
			k = EARLY_CLOSE;
		one_test(k, tls, buf);
	}
	free(buf);
	return NULL;
}

static unsigned long tests(void)
{
	unsigned long n = 0;
	int k;

	for (k = 0; k < KINDS; k++)
		n += done[k];
	return n;
}

static int parse(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--no-complete") == 0) {
			o.complete = 0;
			continue;
		}
		if (!v)
			return -1;
		i++;
		if (strcmp(a, "--threads") == 0)
			o.threads = atoi(v);
		else if (strcmp(a, "--seconds") == 0)
			o.seconds = atof(v);
		else if (strcmp(a, "--every") == 0)
			o.every = atof(v);
		else if (strcmp(a, "--early") == 0)
			o.early = atof(v);
		else
			return -1;
	}
	if (argc - i < 2 || argc - i > 3 || o.threads < 1 || o.threads > THREADS_MAX ||
	    o.seconds <= 0 || o.early <= 0)
		return -1;
	o.host = argv[i];
	o.ws_port = argv[i + 1];
	o.wss_port = argc - i == 3 && strcmp(argv[i + 2], "0") != 0 ? argv[i + 2] : NULL;
	return 0;
}

int main(int argc, char **argv)
{
	pthread_t th[THREADS_MAX];
	double t0, next, end;
	int i, k;

	if (parse(argc, argv) < 0) {
		fprintf(stderr, "usage: ndt7-soak [--threads N] [--seconds S] [--every S] "
			"[--early MS] [--no-complete] HOST WS_PORT [WSS_PORT]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	tls_ctx = SSL_CTX_new(TLS_client_method());
	if (!tls_ctx)
		return 1;
	SSL_CTX_set_verify(tls_ctx, SSL_VERIFY_NONE, NULL);
	t0 = now_s();
	end = t0 + o.seconds;
	next = o.every > 0 ? t0 + o.every : end;
	for (i = 0; i < o.threads; i++)
		if (pthread_create(&th[i], NULL, worker, (void *)(uintptr_t)i) != 0)
			return 1;
	while (now_s() < end) {
		double t = now_s();

		if (t >= next) {
			printf("t %.1f tests %lu\n", t - t0, tests());
			next += o.every;
		}
		usleep(20000);
	}
	printf("t %.1f tests %lu\n", now_s() - t0, tests());
	stopping = 1;
	for (i = 0; i < o.threads; i++)
		pthread_join(th[i], NULL);
	printf("tests %lu in %.1f s (%.1f/s), failed %lu:", tests(), o.seconds,
	       (double)tests() / o.seconds, (unsigned long)failed);
	for (k = 0; k < KINDS; k++)
		printf(" %s %lu", kind_name[k], (unsigned long)done[k]);
	printf("\n");
	SSL_CTX_free(tls_ctx);
	return failed ? 1 : 0;
}
