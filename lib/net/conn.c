/* One outgoing connection for lib/net's clients: resolve (numeric
 * addresses first), non-blocking connect, TLS 1.2+ with the peer verified
 * against a CA file, its name or address and an optional key pin, and
 * reads and writes that all end by one absolute deadline. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "lib/net/conn.h"

long long net_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void net_timeout_err(int timeout_ms, char *err, size_t errlen)
{
	if (timeout_ms % 1000 == 0)
		snprintf(err, errlen, "timeout after %d s", timeout_ms / 1000);
	else
		snprintf(err, errlen, "timeout after %d ms", timeout_ms);
}

/* Wait for events on fd until deadline: 1 ready, 0 deadline, -1 error. */
static int wait_fd(int fd, short events, long long deadline)
{
	for (;;) {
		long long left = deadline - net_now_ms();
		struct pollfd p = { .fd = fd, .events = events };
		int rc;

		if (left <= 0)
			return 0;
		rc = poll(&p, 1, left > 60000 ? 60000 : (int)left);
		if (rc > 0)
			return 1;
		if (rc < 0 && errno != EINTR)
			return -1;
	}
}

static void addr_name(const struct url *u, char *out, size_t cap)
{
	snprintf(out, cap, strchr(u->host, ':') ? "[%s]:%u" : "%s:%u", u->host, u->port);
}

static int connect_one(const struct addrinfo *ai, long long deadline, int *fd_out)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
			ai->ai_protocol), e = 0;
	socklen_t elen = sizeof(e);

	if (fd < 0)
		return errno;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		if (errno != EINPROGRESS) {
			e = errno;
		} else {
			int rc = wait_fd(fd, POLLOUT, deadline);

			if (rc == 0)
				e = ETIMEDOUT;
			else if (rc < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &elen) < 0)
				e = errno;
		}
	}
	if (e) {
		close(fd);
		return e;
	}
	*fd_out = fd;
	return 0;
}

static int tcp_connect(struct net_conn *c, const struct url *u, long long deadline, char *err,
		       size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST };
	struct addrinfo *res = NULL;
	char port[8], name[300];
	int rc, e = 0;

	snprintf(port, sizeof(port), "%u", u->port);
	addr_name(u, name, sizeof(name));
	rc = getaddrinfo(u->host, port, &hints, &res);
	if (rc == EAI_NONAME) {
		hints.ai_flags = AI_ADDRCONFIG;
		rc = getaddrinfo(u->host, port, &hints, &res);
	}
	if (rc) {
		snprintf(err, errlen, "resolve %s: %s", u->host, gai_strerror(rc));
		return -1;
	}
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		e = connect_one(ai, deadline, &c->fd);
		if (e == 0 || e == ETIMEDOUT)
			break;
	}
	freeaddrinfo(res);
	if (e == ETIMEDOUT)
		net_timeout_err(c->timeout_ms, err, errlen);
	else if (e)
		snprintf(err, errlen, "connect %s: %s", name, strerror(e));
	return e ? -1 : 0;
}

static int hex_val(char ch)
{
	return (ch >= '0' && ch <= '9')	  ? ch - '0'
	       : (ch >= 'a' && ch <= 'f') ? ch - 'a' + 10
	       : (ch >= 'A' && ch <= 'F') ? ch - 'A' + 10
					  : -1;
}

/* The SHA-256 of the peer's SubjectPublicKeyInfo against a hex pin. */
static int pin_check(SSL *ssl, const char *pin, char *err, size_t errlen)
{
	unsigned char want[32], got[32], *der = NULL;
	X509 *cert = SSL_get1_peer_certificate(ssl);
	int len, ok;

	for (int i = 0; i < 32; i++) {
		int hi = hex_val(pin[2 * i]), lo = hi < 0 ? -1 : hex_val(pin[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			X509_free(cert);
			snprintf(err, errlen, "pin: not 64 hex digits (SHA-256 of the server's key)");
			return -1;
		}
		want[i] = (unsigned char)(hi * 16 + lo);
	}
	if (pin[64] != '\0' || !cert) {
		X509_free(cert);
		snprintf(err, errlen, cert ? "pin: not 64 hex digits (SHA-256 of the server's key)"
					   : "TLS: no server certificate");
		return -1;
	}
	len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
	X509_free(cert);
	if (len <= 0) {
		snprintf(err, errlen, "TLS: cannot encode the server's key");
		return -1;
	}
	SHA256(der, (size_t)len, got);
	OPENSSL_free(der);
	ok = memcmp(want, got, 32) == 0;
	if (!ok)
		snprintf(err, errlen, "TLS: server key does not match the pin");
	return ok ? 0 : -1;
}

/* Run an SSL_connect/read/write step: 1 again, 0 deadline, -1 error. */
static int ssl_wait(SSL *ssl, int fd, int rc, long long deadline)
{
	int e = SSL_get_error(ssl, rc), w;

	if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
		return -1;
	w = wait_fd(fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline);
	return w;
}

static void ssl_err(const char *what, char *err, size_t errlen)
{
	unsigned long e = ERR_peek_last_error();
	char buf[256];

	ERR_error_string_n(e, buf, sizeof(buf));
	snprintf(err, errlen, "TLS: %s: %s", what,
		 e ? (ERR_reason_error_string(e) ? ERR_reason_error_string(e) : buf)
		   : "connection closed");
	ERR_clear_error();
}

static int tls_start(struct net_conn *c, const struct url *u, const struct https_opts *o,
		     long long deadline, char *err, size_t errlen)
{
	const char *ca = o && o->ca_file ? o->ca_file : HTTPS_CA_DEFAULT;
	unsigned char addr[16];
	int numeric = inet_pton(AF_INET, u->host, addr) == 1 ||
		      inet_pton(AF_INET6, u->host, addr) == 1;
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	SSL *ssl;
	X509_VERIFY_PARAM *vp;
	int rc;

	c->ctx = ctx;
	if (!ctx || !SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION)) {
		ssl_err("cannot set up", err, errlen);
		return -1;
	}
	if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1) {
		ERR_clear_error();
		snprintf(err, errlen, "TLS: cannot load CA file %s (PEM certificates expected)", ca);
		return -1;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE);
	ssl = SSL_new(ctx);
	c->ssl = ssl;
	if (!ssl || SSL_set_fd(ssl, c->fd) != 1) {
		ssl_err("cannot set up", err, errlen);
		return -1;
	}
	vp = SSL_get0_param(ssl);
	if (numeric) {
		rc = X509_VERIFY_PARAM_set1_ip_asc(vp, u->host);
	} else {
		X509_VERIFY_PARAM_set_hostflags(vp, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		rc = X509_VERIFY_PARAM_set1_host(vp, u->host, 0) &&
		     SSL_set_tlsext_host_name(ssl, u->host);
	}
	if (rc != 1) {
		ssl_err("cannot set the expected host", err, errlen);
		return -1;
	}
	while ((rc = SSL_connect(ssl)) != 1) {
		int w = ssl_wait(ssl, c->fd, rc, deadline);
		long v = SSL_get_verify_result(ssl);

		if (w == 0) {
			net_timeout_err(c->timeout_ms, err, errlen);
			return -1;
		}
		if (w > 0)
			continue;
		if (v != X509_V_OK) {
			ERR_clear_error();
			snprintf(err, errlen, "TLS: certificate verify failed for %s: %s", u->host,
				 X509_verify_cert_error_string(v));
		} else {
			ssl_err("handshake failed", err, errlen);
		}
		return -1;
	}
	if (o && o->pin_sha256 && pin_check(ssl, o->pin_sha256, err, errlen) < 0)
		return -1;
	return 0;
}

int net_conn_open(struct net_conn *c, const struct url *u, const struct https_opts *o,
		  long long deadline, char *err, size_t errlen)
{
	int t = o && o->timeout_ms > 0 ? o->timeout_ms : NET_TIMEOUT_DEFAULT;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->timeout_ms = t;
	if (tcp_connect(c, u, deadline, err, errlen) < 0 ||
	    (u->tls && tls_start(c, u, o, deadline, err, errlen) < 0)) {
		net_conn_close(c);
		return -1;
	}
	return 0;
}

int net_conn_write(struct net_conn *c, const void *buf, size_t n, long long deadline,
		   char *err, size_t errlen)
{
	const char *p = buf;

	while (n > 0) {
		ssize_t k;
		int w;

		if (c->ssl) {
			int rc = SSL_write(c->ssl, p, n > 1 << 30 ? 1 << 30 : (int)n);

			if (rc > 0) {
				p += rc;
				n -= (size_t)rc;
				continue;
			}
			w = ssl_wait(c->ssl, c->fd, rc, deadline);
			if (w < 0) {
				ssl_err("write failed", err, errlen);
				return -1;
			}
		} else {
			k = send(c->fd, p, n, MSG_NOSIGNAL);
			if (k >= 0) {
				p += k;
				n -= (size_t)k;
				continue;
			}
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				snprintf(err, errlen, "send: %s", strerror(errno));
				return -1;
			}
			w = wait_fd(c->fd, POLLOUT, deadline);
		}
		if (w == 0) {
			net_timeout_err(c->timeout_ms, err, errlen);
			return -1;
		}
	}
	return 0;
}

ssize_t net_conn_read(struct net_conn *c, void *buf, size_t cap, long long deadline, char *err,
		      size_t errlen)
{
	int w;

	for (;;) {
		if (c->ssl) {
			int rc = SSL_read(c->ssl, buf, cap > 1 << 30 ? 1 << 30 : (int)cap);

			if (rc > 0)
				return rc;
			if (SSL_get_error(c->ssl, rc) == SSL_ERROR_ZERO_RETURN)
				return 0;
			w = ssl_wait(c->ssl, c->fd, rc, deadline);
			if (w < 0) {
				ssl_err("read failed", err, errlen);
				return -1;
			}
		} else {
			ssize_t k = recv(c->fd, buf, cap, 0);

			if (k >= 0)
				return k;
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				snprintf(err, errlen, "recv: %s", strerror(errno));
				return -1;
			}
			w = wait_fd(c->fd, POLLIN, deadline);
		}
		if (w == 0) {
			net_timeout_err(c->timeout_ms, err, errlen);
			return -2;
		}
	}
}

void net_conn_close(struct net_conn *c)
{
	if (c->ssl) {
		SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
	}
	if (c->ctx)
		SSL_CTX_free(c->ctx);
	if (c->fd >= 0)
		close(c->fd);
	ERR_clear_error();
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}
