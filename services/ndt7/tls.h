/* TLS for wss: an OpenSSL server context from the operator's certificate
 * and key, or from a self-signed certificate kept in the state directory. */
#ifndef NDT7_TLS_H
#define NDT7_TLS_H

#include <openssl/ssl.h>

/* cert and key may be NULL: then state_dir/cert.pem and key.pem are used,
 * (re)generated when missing or when they do not name this host's current
 * hostname and addresses. Returns NULL on error (logged). */
SSL_CTX *tls_context(const char *cert, const char *key, const char *state_dir);

/* OpenSSL writes one TLS record (at most 16 KiB) per write to its BIO: on
 * a fast download that is one send() and one TCP packet per record, which
 * costs more than the copy into a buffer that sends several at once. */
#define TLS_WRITE_BUFFER (256 << 10)

/* A connection on socket fd whose records go out through such a buffer;
 * NULL if out of memory. tls_flush() must follow SSL_write()s (and
 * SSL_shutdown()): 1 all sent, 0 the socket is full (wait for EPOLLOUT,
 * tls_unflushed() says so), -1 error. */
SSL *tls_conn_new(SSL_CTX *ctx, int fd);
int tls_flush(SSL *ssl);
int tls_unflushed(SSL *ssl);

#endif
