/* TLS for wss: an OpenSSL server context from the operator's certificate
 * and key, or from a self-signed certificate kept in the state directory. */
#ifndef NDT7_TLS_H
#define NDT7_TLS_H

#include <openssl/ssl.h>

/* cert and key may be NULL: then state_dir/cert.pem and key.pem are used,
 * (re)generated when missing or when they do not name this host's current
 * hostname and addresses. Returns NULL on error (logged). */
SSL_CTX *tls_context(const char *cert, const char *key, const char *state_dir);

#endif
