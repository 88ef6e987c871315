/* TLS for wss: the OpenSSL server context, from the operator's certificate
 * and key or from a self-signed certificate kept in the state directory. */
#include "tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "lib/file.h"
#include "log.h"

#define SAN_MAX 4096
#define TLS12_CIPHERS "ECDHE+AES128+AESGCM:ECDHE+AESGCM:ECDHE+CHACHA20"

/* The last OpenSSL error as text, for messages. */
static const char *ssl_error(void)
{
	static char buf[256];
	unsigned long e = ERR_get_error();

	if (!e)
		return "no OpenSSL error recorded";
	ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	return buf;
}

size_t tls_san_add(char *list, size_t cap, size_t len, const char *entry)
{
	size_t n = strlen(entry);
	const char *p;

	for (p = list; p < list + len; p += strcspn(p, ",") + 1)
		if (strncmp(p, entry, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return len;
	if (len + (len ? 1 : 0) + n >= cap)
		return len;
	len += (size_t)snprintf(list + len, cap - len, "%s%s", len ? "," : "", entry);
	return len;
}

/* "DNS:host,IP:a,IP:b..." for this machine: hostname, localhost and every
 * address that is not link-local. */
static void host_sans(char *out, size_t cap, char *host, size_t hostcap)
{
	struct ifaddrs *ifa, *i;
	char entry[300];
	size_t len;

	if (gethostname(host, hostcap) < 0 || host[0] == '\0')
		snprintf(host, hostcap, "localhost");
	host[hostcap - 1] = '\0';
	out[0] = '\0';
	snprintf(entry, sizeof(entry), "DNS:%s", host);
	len = tls_san_add(out, cap, 0, entry);
	len = tls_san_add(out, cap, len, "DNS:localhost");
	if (getifaddrs(&ifa) < 0)
		return;
	for (i = ifa; i; i = i->ifa_next) {
		char addr[INET6_ADDRSTRLEN];
		const void *a;

		if (!i->ifa_addr)
			continue;
		if (i->ifa_addr->sa_family == AF_INET) {
			a = &((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr;
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			const struct in6_addr *a6 = &((struct sockaddr_in6 *)(void *)i->ifa_addr)->sin6_addr;

			if (IN6_IS_ADDR_LINKLOCAL(a6))
				continue;
			a = a6;
		} else {
			continue;
		}
		if (!inet_ntop(i->ifa_addr->sa_family, a, addr, sizeof(addr)))
			continue;
		snprintf(entry, sizeof(entry), "IP:%s", addr);
		len = tls_san_add(out, cap, len, entry);
	}
	freeifaddrs(ifa);
}

/* Whether the certificate in path is a leaf naming host and every IP in
 * sans. */
static int cert_covers(const char *path, const char *host, const char *sans)
{
	FILE *f = fopen(path, "r");
	X509 *x;
	const char *p;
	int ok;

	if (!f)
		return 0;
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (!x)
		return 0;
	/* A certificate from before it was a leaf is made anew. */
	ok = X509_check_host(x, host, 0, 0, NULL) == 1 && X509_check_ca(x) == 0;
	for (p = strstr(sans, "IP:"); ok && p; p = strstr(p + 3, "IP:")) {
		char ip[INET6_ADDRSTRLEN];
		size_t n = strcspn(p + 3, ",");

		snprintf(ip, sizeof(ip), "%.*s", (int)n, p + 3);
		ok = X509_check_ip_asc(x, ip, 0) == 1;
	}
	X509_free(x);
	return ok;
}

static int add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ext)
		return -1;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? 0 : -1;
}

/* A PEM file with the given mode, crash-safe (file_write_atomic): after a
 * power cut the old certificate or the new one is there, whole. */
static int write_pem(const char *path, int mode, X509 *x, EVP_PKEY *k)
{
	BIO *mem = BIO_new(BIO_s_mem());
	char *data = NULL;
	long len;
	int ok;

	ok = mem && (x ? PEM_write_bio_X509(mem, x) : PEM_write_bio_PrivateKey(mem, k, NULL, NULL,
									      0, NULL, NULL));
	len = ok ? BIO_get_mem_data(mem, &data) : 0;
	if (!ok || len <= 0) {
		ndt7_log(LOG_ERR, "tls: cannot encode %s: %s", path, ssl_error());
		BIO_free(mem);
		return -1;
	}
	if (file_write_atomic(path, data, (size_t)len, (mode_t)mode) < 0) {
		ndt7_log(LOG_ERR, "tls: cannot write %s: %s (is the state directory writable? "
			 "see --state-dir)", path, strerror(errno));
		BIO_free(mem);
		return -1;
	}
	BIO_free(mem);
	return 0;
}

/* A self-signed ECDSA P-256 certificate for host and sans, valid ten
 * years: a leaf that can sign TLS handshakes and nothing else (no CA, no
 * certificate signing), which is what clients that pin it expect. */
static int generate(const char *cert, const char *key, const char *host, const char *sans)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *name;
	unsigned char serial[16];
	BIGNUM *bn = NULL;
	int rc = -1;

	if (!k || !x || RAND_bytes(serial, sizeof(serial)) != 1)
		goto out;
	serial[0] &= 0x7f;
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	name = X509_get_subject_name(x);
	if (!bn || !X509_set_version(x, 2) ||
	    !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), -3600) ||
	    !X509_gmtime_adj(X509_getm_notAfter(x), 10L * 365 * 24 * 3600) ||
	    !X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
					(const unsigned char *)"Fathom ndt7 (self-signed)", -1, -1, 0) ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
					(const unsigned char *)host, -1, -1, 0) ||
	    !X509_set_issuer_name(x, name) || !X509_set_pubkey(x, k) ||
	    add_ext(x, NID_subject_alt_name, sans) < 0 ||
	    add_ext(x, NID_basic_constraints, "critical,CA:FALSE") < 0 ||
	    add_ext(x, NID_key_usage, "critical,digitalSignature") < 0 ||
	    add_ext(x, NID_ext_key_usage, "serverAuth") < 0 ||
	    add_ext(x, NID_subject_key_identifier, "hash") < 0 ||
	    !X509_sign(x, k, EVP_sha256())) {
		ndt7_log(LOG_ERR, "tls: cannot build the self-signed certificate: %s", ssl_error());
		goto out;
	}
	if (write_pem(key, 0600, NULL, k) < 0 || write_pem(cert, 0644, x, NULL) < 0)
		goto out;
	ndt7_log(LOG_INFO, "tls: generated a self-signed certificate %s for %s", cert, sans);
	rc = 0;
out:
	BN_free(bn);
	X509_free(x);
	EVP_PKEY_free(k);
	return rc;
}

SSL_CTX *tls_context(const char *cert, const char *key, const char *state_dir)
{
	char gen_cert[4096], gen_key[4096], sans[SAN_MAX], host[256];
	SSL_CTX *ctx;

	if (cert && key && (access(cert, F_OK) < 0 || access(key, F_OK) < 0) && errno == ENOENT) {
		ndt7_log(LOG_INFO, "tls: %s or %s does not exist yet; a self-signed certificate "
			 "until both do", cert, key);
		cert = key = NULL;
	}
	if (!cert || !key) {
		if (mkdir(state_dir, 0700) < 0 && errno != EEXIST) {
			ndt7_log(LOG_ERR, "tls: cannot create state directory %s: %s "
				 "(create it writable by this user, or give --cert and --key)",
				 state_dir, strerror(errno));
			return NULL;
		}
		snprintf(gen_cert, sizeof(gen_cert), "%s/cert.pem", state_dir);
		snprintf(gen_key, sizeof(gen_key), "%s/key.pem", state_dir);
		host_sans(sans, sizeof(sans), host, sizeof(host));
		if ((access(gen_key, R_OK) < 0 || !cert_covers(gen_cert, host, sans)) &&
		    generate(gen_cert, gen_key, host, sans) < 0)
			return NULL;
		cert = gen_cert;
		key = gen_key;
	}
	ctx = SSL_CTX_new(TLS_server_method());
	if (!ctx || !SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION)) {
		ndt7_log(LOG_ERR, "tls: cannot create an OpenSSL context: %s", ssl_error());
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		ndt7_log(LOG_ERR, "tls: cannot load certificate %s: %s (a PEM chain, leaf first)",
			 cert, ssl_error());
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		ndt7_log(LOG_ERR, "tls: cannot use key %s: %s (a PEM key matching %s)",
			 key, ssl_error(), cert);
		SSL_CTX_free(ctx);
		return NULL;
	}
	/* Large writes are split into records by OpenSSL; we retry with the
	 * same bytes but possibly another buffer address. No ALPN callback:
	 * h2 is never negotiated. */
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
			 SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
	/* Forward secrecy and AEAD only: TLS 1.2 offers ECDHE (ECDSA or RSA
	 * certificates) with AES-GCM or ChaCha20-Poly1305, never static RSA
	 * key exchange or CBC. AES-128-GCM first, by our preference:
	 * OpenSSL's own order (which Node and curl offer) puts AES-256
	 * first, and it encrypts ~25% slower for no gain in a measurement.
	 * A client that prefers ChaCha20 (no AES instructions) still gets it. */
	if (!SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:"
				      "TLS_CHACHA20_POLY1305_SHA256") ||
	    !SSL_CTX_set_cipher_list(ctx, TLS12_CIPHERS)) {
		ndt7_log(LOG_ERR, "tls: cannot set the cipher preference: %s", ssl_error());
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_PRIORITIZE_CHACHA);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	return ctx;
}
