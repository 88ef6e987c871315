/* The transport over TLS (OpenSSL, server side): the SSL is made when the
 * client's first bytes come; records are read straight from the socket and,
 * for a download, written through a buffer that sends several at once. */
#include "transport.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

#include <openssl/err.h>

/* OpenSSL writes one TLS record (at most 16 KiB) per write to its BIO: on
 * a fast download that is one send() and one TCP packet per record, which
 * costs more than the copy into a buffer that sends several at once. */
#define TLS_WRITE_BUFFER (256 << 10)

/* Result of one SSL call: > 0 bytes, 0 would block, -1 connection over. */
static ssize_t tls_result(struct transport *t, int rc)
{
	int err;

	t->want_write = 0;
	if (rc > 0)
		return rc;
	err = SSL_get_error(t->ssl, rc);
	if (err == SSL_ERROR_WANT_READ)
		return 0;
	if (err == SSL_ERROR_WANT_WRITE) {
		t->want_write = 1;
		return 0;
	}
	t->failed = err != SSL_ERROR_ZERO_RETURN;
	if (!t->why)
		t->why = err == SSL_ERROR_ZERO_RETURN ? "client sent TLS close_notify" :
			err == SSL_ERROR_SYSCALL ? (errno ? strerror(errno) :
						    "client closed the connection") :
			"TLS error";
	ERR_clear_error();
	return -1;
}

/* The SSL on the socket, both ways direct (bulk adds the write buffer). */
static int tls_new(struct transport *t)
{
	SSL *ssl = SSL_new(t->ctx);
	BIO *sock = BIO_new_socket(t->fd, BIO_NOCLOSE);

	if (!ssl || !sock) {
		SSL_free(ssl);
		BIO_free(sock);
		t->failed = 1;
		t->why = "out of memory for TLS";
		ERR_clear_error();
		return -1;
	}
	SSL_set_bio(ssl, sock, sock);
	t->ssl = ssl;
	return 0;
}

static int tls_handshake(struct transport *t)
{
	int rc;

	if (!t->ssl && tls_new(t) < 0)
		return -1;
	rc = SSL_accept(t->ssl);

	if (rc == 1) {
		t->want_write = 0;
		t->ready = 1;
		return 1;
	}
	return tls_result(t, rc) < 0 ? -1 : 0;
}

static ssize_t tls_read(struct transport *t, void *buf, size_t cap)
{
	return tls_result(t, SSL_read(t->ssl, buf, cap > INT_MAX ? INT_MAX : (int)cap));
}

/* One buffer per call: a record per SSL_write either way. */
static ssize_t tls_writev(struct transport *t, const struct iovec *iov, int n)
{
	size_t len;

	while (n > 1 && iov->iov_len == 0) {
		iov++;
		n--;
	}
	len = iov->iov_len < TRANSPORT_TLS_CHUNK ? iov->iov_len : TRANSPORT_TLS_CHUNK;
	return tls_result(t, SSL_write(t->ssl, iov->iov_base, (int)len));
}

static int tls_flush(struct transport *t)
{
	BIO *b;

	if (!t->bulk)	/* unbuffered: a refused SSL_write is retried */
		return t->want_write ? 0 : 1;
	b = SSL_get_wbio(t->ssl);
	t->want_write = 0;
	if (BIO_wpending(b) == 0 || BIO_flush(b) == 1)
		return 1;
	if (BIO_should_retry(b)) {
		t->want_write = 1;
		return 0;
	}
	t->failed = 1;
	if (!t->why)
		t->why = errno ? strerror(errno) : "TLS write error";
	return -1;
}

static size_t tls_pending(const struct transport *t)
{
	int n = t->ssl ? SSL_pending(t->ssl) : 0;

	return n > 0 ? (size_t)n : 0;
}

/* close_notify if the connection is sound: one try, never waiting. */
static void tls_shutdown(struct transport *t)
{
	if (!t->ssl)
		return;
	if (t->ready && !t->failed && SSL_shutdown(t->ssl) >= 0)
		tls_flush(t);
	SSL_free(t->ssl);
	t->ssl = NULL;
}

/* Writes through a TLS_WRITE_BUFFER buffer from now on: it sits on top
 * of the socket as the SSL's wbio (the socket's second reference is the
 * rbio's); SSL_free frees it. Only between writes: nothing is pending. */
static int tls_bulk(struct transport *t)
{
	BIO *buf, *sock;

	if (t->bulk || !t->ssl || t->want_write)
		return t->bulk ? 0 : -1;
	sock = SSL_get_rbio(t->ssl);
	buf = BIO_new(BIO_f_buffer());
	if (!buf || BIO_set_write_buffer_size(buf, TLS_WRITE_BUFFER) != 1 || !BIO_up_ref(sock)) {
		BIO_free(buf);
		ERR_clear_error();
		return -1;
	}
	BIO_push(buf, sock);
	SSL_set0_wbio(t->ssl, buf);
	t->bulk = 1;
	return 0;
}

static const struct transport_ops tls_ops = {
	tls_handshake, tls_read, tls_writev, tls_flush, tls_pending, tls_shutdown, tls_bulk,
};

int transport_tls(struct transport *t, SSL_CTX *ctx, int fd)
{
	memset(t, 0, sizeof(*t));
	t->ops = &tls_ops;
	t->fd = fd;
	t->ctx = ctx;
	return 0;
}
