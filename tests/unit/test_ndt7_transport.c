/* Unit tests for services/ndt7/transport*.c: the plain and the TLS
 * transport over a socketpair (TLS against an OpenSSL client with the
 * self-signed certificate tls.c makes), and the reset over loopback TCP. */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "tap.h"
#include "tls.h"
#include "transport.h"

static void pair(int sv[2])
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0) {
		perror("socketpair");
		exit(1);
	}
}

/* Write until the socket is full; returns the bytes taken. */
static size_t fill(struct transport *t)
{
	static char junk[65536];
	struct iovec iov = { junk, sizeof(junk) };
	size_t total = 0;
	ssize_t n;

	while ((n = transport_writev(t, &iov, 1)) > 0)
		total += (size_t)n;
	return total;
}

static void test_plain(void)
{
	struct iovec iov[2] = { { "", 0 }, { "hello", 5 } };
	struct iovec two[2] = { { "ab", 2 }, { "cd", 2 } };
	struct transport t;
	char buf[16];
	int sv[2];
	ssize_t n;

	pair(sv);
	transport_plain(&t, sv[0]);
	CHECK(transport_handshake(&t) == 1, "plain: no handshake");
	CHECK(transport_read(&t, buf, sizeof(buf)) == 0 && !t.why, "plain: nothing to read is 0");
	CHECK(transport_writev(&t, iov, 2) == 5 && read(sv[1], buf, sizeof(buf)) == 5 &&
	      memcmp(buf, "hello", 5) == 0, "plain: an empty first buffer is skipped");
	CHECK(transport_writev(&t, two, 2) == 4 && read(sv[1], buf, sizeof(buf)) == 4 &&
	      memcmp(buf, "abcd", 4) == 0, "plain: both buffers in one write");
	CHECK(transport_flush(&t) == 1 && transport_pending(&t) == 0 &&
	      !transport_wants_write(&t), "plain: nothing held back");
	CHECK(fill(&t) > 0 && transport_writev(&t, two, 2) == 0 && !t.why,
	      "plain: a full socket takes 0 bytes");
	CHECK(write(sv[1], "xyz", 3) == 3 && transport_read(&t, buf, sizeof(buf)) == 3 &&
	      memcmp(buf, "xyz", 3) == 0, "plain: read");
	transport_close(&t);
	CHECK(t.fd == -1, "plain: closed");
	close(sv[1]);

	pair(sv);
	transport_plain(&t, sv[0]);
	close(sv[1]);
	n = transport_read(&t, buf, sizeof(buf));
	CHECK(n == -1 && !t.failed && strcmp(t.why, "client closed the connection") == 0,
	      "plain: end of stream: %s", t.why ? t.why : "-");
	transport_close(&t);

	pair(sv);
	transport_plain(&t, sv[0]);
	close(sv[1]);
	CHECK(transport_writev(&t, two, 2) == -1 && t.failed && strcmp(t.why, strerror(EPIPE)) == 0,
	      "plain: writing to a closed peer fails: %s", t.why ? t.why : "-");
	transport_close(&t);
}

/* A connected loopback TCP pair: out[0] accepted, out[1] connecting. */
static int tcp_pair(int out[2])
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM, 0);

	out[1] = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || out[1] < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(l, 1) < 0 || getsockname(l, (struct sockaddr *)&a, &len) < 0 ||
	    connect(out[1], (struct sockaddr *)&a, sizeof(a)) < 0)
		return -1;
	out[0] = accept4(l, NULL, NULL, SOCK_NONBLOCK);
	close(l);
	return out[0] < 0 ? -1 : 0;
}

static void test_abort(void)
{
	struct transport t;
	char buf[4];
	int sv[2];

	if (tcp_pair(sv) < 0) {
		CHECK(0, "loopback TCP pair: %s", strerror(errno));
		return;
	}
	transport_plain(&t, sv[0]);
	transport_abort(&t);
	transport_close(&t);
	CHECK(t.failed && read(sv[1], buf, sizeof(buf)) < 0 && errno == ECONNRESET,
	      "abort: the peer sees a reset");
	close(sv[1]);
}

/* --- TLS ---------------------------------------------------------------- */

static SSL_CTX *server_ctx, *client_ctx;

static SSL *client_new(int fd)
{
	SSL *c = SSL_new(client_ctx);

	SSL_set_fd(c, fd);
	SSL_set_connect_state(c);
	return c;
}

/* Drive both handshakes; returns 1 once both are done. */
static int handshake(struct transport *t, SSL *c)
{
	int i, s = 0, k = 0;

	for (i = 0; i < 100 && !(s == 1 && k == 1); i++) {
		if (s != 1)
			s = transport_handshake(t);
		if (k != 1)
			k = SSL_do_handshake(c);
		if (s < 0)
			return 0;
	}
	return s == 1 && k == 1;
}

/* Read on the client until n bytes came or nothing more does. */
static size_t client_drain(SSL *c, size_t n)
{
	static char buf[1 << 16];
	size_t got = 0;
	int r;

	while (got < n && (r = SSL_read(c, buf, sizeof(buf))) > 0)
		got += (size_t)r;
	return got;
}

static void test_tls_data(void)
{
	static char big[100000];
	struct iovec iov[2] = { { "", 0 }, { big, sizeof(big) } };
	struct transport t;
	char buf[8];
	size_t held;
	ssize_t n;
	SSL *c;
	int sv[2];

	pair(sv);
	CHECK(transport_tls(&t, server_ctx, sv[0]) == 0 && !t.ssl,
	      "tls: set up, nothing allocated before the client's first byte");
	c = client_new(sv[1]);
	CHECK(transport_handshake(&t) == 0 && !t.why && t.ssl, "tls: handshake waits for the client");
	CHECK(handshake(&t, c) && t.ready, "tls: handshake");
	CHECK(!t.bulk && transport_bulk(&t) == 0 && t.bulk && BIO_wpending(SSL_get_wbio(t.ssl)) == 0,
	      "tls: the bulk write buffer is added after the handshake");
	CHECK(SSL_write(c, "one", 3) == 3 && SSL_write(c, "two", 3) == 3 &&
	      transport_read(&t, buf, 2) == 2 && memcmp(buf, "on", 2) == 0 &&
	      transport_pending(&t) == 1, "tls: the rest of a record is pending");
	CHECK(transport_read(&t, buf, 1) == 1 && transport_read(&t, buf, 8) == 3 &&
	      memcmp(buf, "two", 3) == 0 && transport_pending(&t) == 0, "tls: read");
	n = transport_writev(&t, iov, 2);
	CHECK(n > 0 && n <= TRANSPORT_TLS_CHUNK, "tls: one write takes at most %u bytes (took %zd)",
	      TRANSPORT_TLS_CHUNK, n);
	CHECK(transport_flush(&t) == 1 && client_drain(c, (size_t)n) == (size_t)n,
	      "tls: flushed and read by the client");
	for (held = 0; held < (16u << 20) && transport_writev(&t, iov, 2) > 0;)
		held += TRANSPORT_TLS_CHUNK;
	CHECK(transport_flush(&t) == 0 && transport_wants_write(&t),
	      "tls: a full socket: flush waits for EPOLLOUT");
	while (transport_flush(&t) == 0)
		client_drain(c, 1);
	CHECK(!transport_wants_write(&t), "tls: drained: nothing more to write");
	SSL_shutdown(c);
	while ((n = transport_read(&t, big, sizeof(big))) > 0)
		;
	CHECK(n == -1 && !t.failed && strcmp(t.why, "client sent TLS close_notify") == 0,
	      "tls: the client's close_notify ends it: %s", t.why ? t.why : "-");
	transport_close(&t);
	SSL_free(c);
	close(sv[1]);
}

static void test_tls_close(void)
{
	struct transport t;
	char buf[8];
	SSL *c;
	int sv[2], r;

	pair(sv);
	transport_tls(&t, server_ctx, sv[0]);
	c = client_new(sv[1]);
	handshake(&t, c);
	transport_close(&t);
	r = SSL_read(c, buf, sizeof(buf));
	CHECK(r <= 0 && SSL_get_error(c, r) == SSL_ERROR_ZERO_RETURN,
	      "tls: an orderly close sends close_notify");
	SSL_free(c);
	close(sv[1]);

	pair(sv);
	transport_tls(&t, server_ctx, sv[0]);
	c = client_new(sv[1]);
	handshake(&t, c);
	transport_abort(&t);
	transport_close(&t);
	r = SSL_read(c, buf, sizeof(buf));
	CHECK(r <= 0 && SSL_get_error(c, r) != SSL_ERROR_ZERO_RETURN,
	      "tls: after an abort, no close_notify");
	ERR_clear_error();
	SSL_free(c);
	close(sv[1]);

	pair(sv);
	transport_tls(&t, server_ctx, sv[0]);
	CHECK(write(sv[1], "GET / HTTP/1.1\r\n\r\n", 18) == 18 && transport_handshake(&t) == -1 &&
	      t.failed && strcmp(t.why, "TLS error") == 0, "tls: plain HTTP on the TLS port fails");
	transport_close(&t);
	close(sv[1]);
}

/* SANs are de-duplicated by whole entry, never by substring. */
static void test_san_list(void)
{
	static const char *const entries[] = {
		"DNS:host", "DNS:localhost", "IP:192.0.2.10", "IP:192.0.2.1", "IP:192.0.2.10",
		"IP:2001:db8::1", "IP:2001:db8::", "DNS:localhost", "IP:192.0.2.1",
	};
	char list[256] = "", small[20] = "";
	size_t len = 0, i;

	for (i = 0; i < sizeof(entries) / sizeof(entries[0]); i++)
		len = tls_san_add(list, sizeof(list), len, entries[i]);
	CHECK(strcmp(list, "DNS:host,DNS:localhost,IP:192.0.2.10,IP:192.0.2.1,IP:2001:db8::1,"
		      "IP:2001:db8::") == 0 && len == strlen(list),
	      "SAN list keeps 192.0.2.1 next to 192.0.2.10, each once: %s", list);
	len = tls_san_add(small, sizeof(small), 0, "DNS:localhost");
	len = tls_san_add(small, sizeof(small), len, "IP:192.0.2.1");
	CHECK(strcmp(small, "DNS:localhost") == 0 && len == 13,
	      "an entry that does not fit is left out whole: %s", small);
}

int main(void)
{
	test_san_list();
	char dir[] = "/tmp/test_ndt7_transport.XXXXXX";
	char cmd[64];

	signal(SIGPIPE, SIG_IGN);	/* as the server does: errors come back as EPIPE */
	test_plain();
	test_abort();
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	server_ctx = tls_context(NULL, NULL, dir);
	client_ctx = SSL_CTX_new(TLS_client_method());
	CHECK(server_ctx && client_ctx, "tls: contexts (self-signed certificate in %s)", dir);
	if (server_ctx && client_ctx) {
		SSL_CTX_set_verify(client_ctx, SSL_VERIFY_NONE, NULL);
		test_tls_data();
		test_tls_close();
	}
	SSL_CTX_free(server_ctx);
	SSL_CTX_free(client_ctx);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		CHECK(0, "remove %s", dir);
	return tap_done();
}
