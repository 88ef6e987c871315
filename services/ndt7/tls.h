/* TLS for wss: an OpenSSL server context from the operator's certificate
 * and key, or from a self-signed certificate kept in the state directory. */
#ifndef NDT7_TLS_H
#define NDT7_TLS_H

#include <stddef.h>

#include <openssl/ssl.h>

/* cert and key may be NULL: then state_dir/cert.pem and key.pem are used,
 * (re)generated when missing or when they do not name this host's current
 * hostname and addresses. Returns NULL on error (logged). */
SSL_CTX *tls_context(const char *cert, const char *key, const char *state_dir);

/* Append entry ("IP:192.0.2.1") to the comma-separated SAN list
 * list[0..len) unless the very same entry is there (a whole-entry
 * comparison: IP:192.0.2.1 is not IP:192.0.2.10) or it does not fit.
 * Returns the new length. */
size_t tls_san_add(char *list, size_t cap, size_t len, const char *entry);

#endif
