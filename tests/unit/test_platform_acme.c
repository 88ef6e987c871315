/* Unit tests for services/platform/acme_msg.c, the ACME server's side:
 * tables of directory, order and authorization bodies shaped like pebble's
 * and Let's Encrypt's, with fields missing, of the wrong type, too long or
 * not JSON; the poll decision per status; problem lines; Replay-Nonce and
 * Location values; PEM chains made here with OpenSSL. */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "acme_msg.h"
#include "tap.h"

#define PEB "https://localhost:14000"
#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_directory(void)
{
	static const struct { const char *body; int rc; const char *order; } t[] = {
		{ "{\"keyChange\":\"" PEB "/rollover-account-key\",\"meta\":{\"externalAccount"
		  "Required\":false,\"termsOfService\":\"data:text/plain,Do%20what%20thou%20wilt\"},"
		  "\"newAccount\":\"" PEB "/sign-me-up\",\"newNonce\":\"" PEB "/nonce-plz\","
		  "\"newOrder\":\"" PEB "/order-plz\",\"revokeCert\":\"" PEB "/revoke-cert\"}",
		  0, PEB "/order-plz" },
		{ "{\"newNonce\":\"https://acme-v02.api.letsencrypt.org/acme/new-nonce\",\"newAccount"
		  "\":\"https://acme-v02.api.letsencrypt.org/acme/new-acct\",\"newOrder\":\"https://"
		  "acme-v02.api.letsencrypt.org/acme/new-order\",\"Ab3x\":\"https://community.letsen"
		  "crypt.org/\"}", 0, "https://acme-v02.api.letsencrypt.org/acme/new-order" },
		{ "{\"newNonce\":\"a\",\"newAccount\":\"b\"}", -1, "" },		/* no newOrder */
		{ "{\"newNonce\":1,\"newAccount\":\"b\",\"newOrder\":\"c\"}", -1, "" },
		{ "{\"newNonce\":\"\",\"newAccount\":\"b\",\"newOrder\":\"c\"}", -1, "" },
		{ "{\"newNonce\":\"a\\u0000b\",\"newAccount\":\"b\",\"newOrder\":\"c\"}", -1, "" },
		{ "[\"newNonce\",\"newAccount\",\"newOrder\"]", -1, "" },
		{ "{\"newNonce\":\"a\",\"newAccount\":\"b\",\"newOrder\":\"c\"", -1, "" },
		{ "<html>503 Service Unavailable</html>", -1, "" },
		{ "", -1, "" },
	};
	struct acme_directory d;
	const char *why;
	char big[1200];
	size_t i;

	for (i = 0; i < N(t); i++) {
		int rc = acme_parse_directory(t[i].body, strlen(t[i].body), &d, &why);

		CHECK(rc == t[i].rc && strcmp(d.new_order, t[i].order) == 0 && (rc == 0 || why),
		      "directory %zu: %d, newOrder '%s' (got %d '%s')", i, t[i].rc, t[i].order,
		      rc, d.new_order);
	}
	snprintf(big, sizeof(big), "{\"newNonce\":\"a\",\"newAccount\":\"b\",\"newOrder\":\"%0600d\"}",
		 0);
	CHECK(acme_parse_directory(big, strlen(big), &d, &why) == -1,
	      "a 600-character newOrder (over %d) is refused", ACME_URL_MAX);
	CHECK(acme_parse_directory(t[0].body, 40, &d, &why) == -1,
	      "the body is read to n bytes, not to its NUL");
	CHECK(acme_parse_directory(NULL, 0, &d, &why) == -1, "no body is refused");
}

#define AZ PEB "/authZ/"
static void test_order(void)
{
	static const struct {
		const char *body; int rc; size_t nauthz; enum acme_status st; const char *cert;
	} t[] = {
		{ "{\"status\":\"pending\",\"expires\":\"2026-12-08T12:00:00Z\",\"identifiers\":"
		  "[{\"type\":\"dns\",\"value\":\"node1.example.org\"}],\"finalize\":\"" PEB
		  "/finalize-order/x\",\"authorizations\":[\"" AZ "a\"]}",
		  0, 1, ACME_ST_PENDING, "" },
		{ "{\"status\":\"valid\",\"finalize\":\"" PEB "/f\",\"authorizations\":[\"" AZ "a\"],"
		  "\"certificate\":\"" PEB "/certZ/1\"}", 0, 1, ACME_ST_VALID, PEB "/certZ/1" },
		{ "{\"status\":\"ready\",\"finalize\":\"f\",\"authorizations\":[\"a\",\"b\",\"c\"]}",
		  0, 3, ACME_ST_READY, "" },
		{ "{\"status\":\"pending\",\"authorizations\":[\"a\"]}", -1, 0, 0, "" },
		{ "{\"finalize\":[\"f\"],\"authorizations\":[\"a\"]}", -1, 0, 0, "" },
		{ "{\"finalize\":\"f\"}", -1, 0, 0, "" },
		{ "{\"finalize\":\"f\",\"authorizations\":[]}", -1, 0, 0, "" },
		{ "{\"finalize\":\"f\",\"authorizations\":\"a\"}", -1, 0, 0, "" },
		{ "{\"finalize\":\"f\",\"authorizations\":[\"a\",7]}", -1, 0, 0, "" },
		{ "{\"finalize\":\"f\",\"authorizations\":[\"a\",\"\"]}", -1, 0, 0, "" },
		{ "{\"finalize\":\"f\",\"authorizations\":[\"https://x/a HTTP/1.1\\r\\nX: y\"]}",
		  -1, 0, 0, "" },
		{ "{\"finalize\":\"https://x/f\\u007f\",\"authorizations\":[\"a\"]}", -1, 0, 0, "" },
		{ "{\"finalize\":\"f\",\"authorizations\":[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\","
		  "\"8\",\"9\"]}", -1, 0, 0, "" },
		{ "{\"finalize\":\"f\",\"authorizations\":[\"a\"],\"certificate\":42}", -1, 0, 0, "" },
		{ "{\"status\":\"bogus\",\"finalize\":\"f\",\"authorizations\":[\"a\"]}",
		  0, 1, ACME_ST_UNKNOWN, "" },
		{ "{\"status\":5,\"finalize\":\"f\",\"authorizations\":[\"a\"]}", 0, 1, ACME_ST_NONE,
		  "" },
		{ "null", -1, 0, 0, "" },
	};
	struct acme_order o;
	const char *why;
	size_t i;

	for (i = 0; i < N(t); i++) {
		int rc = acme_parse_order(t[i].body, strlen(t[i].body), &o, &why);
		int ok = rc == t[i].rc && (rc < 0 ? why != NULL :
			 o.nauthz == t[i].nauthz && o.s.st == t[i].st &&
			 !strcmp(o.certificate, t[i].cert) && o.finalize[0]);

		CHECK(ok, "order %zu: %d with %zu authorizations (got %d, %zu, %s)", i, t[i].rc,
		      t[i].nauthz, rc, o.nauthz, rc < 0 ? why : "");
	}
	acme_parse_order(t[2].body, strlen(t[2].body), &o, &why);
	CHECK(!strcmp(o.authz[0], "a") && !strcmp(o.authz[2], "c"), "the authorizations in order");
}

#define CH(type, tok, url) "{\"type\":\"" type "\",\"url\":\"" url "\",\"token\":\"" tok \
	"\",\"status\":\"pending\"}"
static void test_authz(void)
{
	static const struct {
		const char *body; int rc; enum acme_status st; int http01; const char *token;
	} t[] = {
		{ "{\"status\":\"pending\",\"identifier\":{\"type\":\"dns\",\"value\":\"node1.exam"
		  "ple.org\"},\"challenges\":[" CH("tls-alpn-01", "T1", PEB "/chalZ/1") ","
		  CH("dns-01", "T2", PEB "/chalZ/2") "," CH("http-01", "Xy-_09", PEB "/chalZ/3")
		  "],\"expires\":\"2026-12-08T12:00:00Z\"}", 0, ACME_ST_PENDING, 1, "Xy-_09" },
		{ "{\"status\":\"valid\",\"challenges\":[]}", 0, ACME_ST_VALID, 0, "" },
		{ "{\"status\":\"valid\"}", 0, ACME_ST_VALID, 0, "" },
		{ "{\"status\":\"pending\",\"challenges\":[" CH("dns-01", "T", "u") "]}",
		  0, ACME_ST_PENDING, 0, "" },
		{ "{\"status\":\"pending\",\"challenges\":[" CH("http-01", "../../etc/x", "u") "]}",
		  0, ACME_ST_PENDING, 0, "" },
		{ "{\"status\":\"pending\",\"challenges\":[" CH("http-01", "a/b", "u") ","
		  CH("http-01", "good", "u2") "]}", 0, ACME_ST_PENDING, 1, "good" },
		{ "{\"status\":\"pending\",\"challenges\":[" CH("http-01", "t", "https://x/c d") "]}",
		  0, ACME_ST_PENDING, 0, "" },
		{ "{\"status\":\"pending\",\"challenges\":[" CH("http-01", "", "u") "]}",
		  0, ACME_ST_PENDING, 0, "" },
		{ "{\"status\":\"pending\",\"challenges\":[{\"type\":\"http-01\",\"token\":\"t\"}]}",
		  0, ACME_ST_PENDING, 0, "" },
		{ "{\"status\":\"pending\",\"challenges\":[{\"type\":\"http-01\",\"url\":\"u\","
		  "\"token\":7}]}", 0, ACME_ST_PENDING, 0, "" },
		{ "{\"status\":\"pending\",\"challenges\":[\"http-01\",null,{\"type\":1}]}",
		  0, ACME_ST_PENDING, 0, "" },
		{ "{\"status\":\"pending\",\"challenges\":{\"type\":\"http-01\",\"url\":\"u\","
		  "\"token\":\"t\"}}", 0, ACME_ST_PENDING, 0, "" },
		{ "{\"status\":\"pending\",\"challenges\":[" CH("HTTP-01", "t", "u") "]}",
		  0, ACME_ST_PENDING, 0, "" },
		{ "{\"status\":\"invalid\",\"challenges\":[{\"type\":\"http-01\",\"url\":\"u\","
		  "\"token\":\"t\",\"error\":{\"detail\":\"Connection refused\"}}]}",
		  0, ACME_ST_INVALID, 1, "t" },
		{ "[]", -1, 0, 0, "" },
	};
	struct acme_authz z;
	const char *why;
	size_t i;

	for (i = 0; i < N(t); i++) {
		int rc = acme_parse_authz(t[i].body, strlen(t[i].body), &z, &why);

		CHECK(rc == t[i].rc && z.s.st == t[i].st && z.http01 == t[i].http01 &&
		      !strcmp(z.token, t[i].token) && (!z.http01 || z.url[0]),
		      "authorization %zu: http-01 %d token '%s' (got %d %d '%s')", i,
		      t[i].http01, t[i].token, rc, z.http01, z.token);
	}
	acme_parse_authz(t[0].body, strlen(t[0].body), &z, &why);
	CHECK(!strcmp(z.url, PEB "/chalZ/3"), "the http-01 challenge's own URL (got %s)", z.url);
	acme_parse_authz(t[13].body, strlen(t[13].body), &z, &why);
	CHECK(!strcmp(z.s.detail, "Connection refused") && !strcmp(z.s.status, "invalid"),
	      "a failed challenge's detail is the authorization's (got '%s')", z.s.detail);
}

static void test_poll(void)
{
	static const struct { const char *body; enum acme_status st; int step; } t[] = {
		{ "{\"status\":\"pending\"}", ACME_ST_PENDING, 0 },
		{ "{\"status\":\"processing\"}", ACME_ST_PROCESSING, 0 },
		{ "{\"status\":\"ready\"}", ACME_ST_READY, 0 },
		{ "{\"status\":\"valid\"}", ACME_ST_VALID, 1 },
		{ "{\"status\":\"invalid\"}", ACME_ST_INVALID, -1 },
		{ "{\"status\":\"deactivated\"}", ACME_ST_DEACTIVATED, -1 },
		{ "{\"status\":\"expired\"}", ACME_ST_EXPIRED, -1 },
		{ "{\"status\":\"revoked\"}", ACME_ST_REVOKED, -1 },
		{ "{\"status\":\"Valid\"}", ACME_ST_UNKNOWN, -1 },
		{ "{\"status\":\"valid \"}", ACME_ST_UNKNOWN, -1 },
		{ "{\"status\":true}", ACME_ST_NONE, -1 },
		{ "{}", ACME_ST_NONE, -1 },
	};
	struct acme_state s;
	const char *why;
	char big[600];
	size_t i;

	for (i = 0; i < N(t); i++) {
		int rc = acme_parse_state(t[i].body, strlen(t[i].body), &s, &why);

		CHECK(rc == 0 && s.st == t[i].st && acme_poll_step(&s, ACME_ST_VALID) == t[i].step,
		      "%s: poll step %d (got %d)", t[i].body, t[i].step,
		      acme_poll_step(&s, ACME_ST_VALID));
	}
	CHECK(acme_parse_state("{}", 2, &s, &why) == 0 && !strcmp(s.status, "(none)"),
	      "no status reads \"(none)\" in the error line");
	snprintf(big, sizeof(big), "{\"status\":\"%0500d\",\"error\":{\"detail\":\"a\\nb\\u001b[31m\"}}",
		 7);
	CHECK(acme_parse_state(big, strlen(big), &s, &why) == 0 && strlen(s.status) == 31 &&
	      !strcmp(s.detail, "a?b?[31m"), "a long status is cut, control bytes become '?'");
	CHECK(acme_parse_state("\"valid\"", 7, &s, &why) == -1 && why, "a bare string is refused");
}

static void test_problem_headers(void)
{
	static const struct { const char *v; int nonce, loc; } h[] = {
		{ "ZGVmYXVsdA", 0, -1 }, { "AAEB-_c", 0, -1 }, { "", -1, -1 },
		{ "abc def", -1, -1 }, { "abc\r\nSet-Cookie: x", -1, -1 }, { "abc=", -1, -1 },
		{ PEB "/my-account/1", -1, 0 }, { "http://127.0.0.1:4001/acct/2", -1, 0 },
		{ "ftp://x/y", -1, -1 }, { "https://a b", -1, -1 }, { "/relative/acct", -1, -1 },
		{ "https://x\x7f", -1, -1 },
	};
	char buf[128], out[512], big[600];
	size_t i;

	CHECK(!strcmp(acme_problem(400, "{\"type\":\"urn:ietf:params:acme:error:badNonce\","
				   "\"detail\":\"JWS has an invalid anti-replay nonce\"}", 94, buf,
				   sizeof(buf)), "HTTP 400 urn:ietf:params:acme:error:badNonce: JWS "
	      "has an invalid anti-replay nonce"), "a problem document's type and detail");
	CHECK(!strcmp(acme_problem(502, "<html>Bad Gateway</html>", 24, buf, sizeof(buf)),
		      "HTTP 502"), "a body that is not JSON: the status alone");
	CHECK(!strcmp(acme_problem(404, NULL, 0, buf, sizeof(buf)), "HTTP 404"), "no body");
	CHECK(!strcmp(acme_problem(403, "{\"detail\":\"x\\r\\ny\"}", 19, buf, sizeof(buf)),
		      "HTTP 403: x??y"), "a detail's CR LF cannot start a log line (got %s)", buf);
	CHECK(strlen(acme_problem(400, "{\"detail\":\"0123456789012345678901234567890123456\"}",
				  50, buf, 20)) == 19, "cut to the buffer");
	for (i = 0; i < N(h); i++) {
		int n = acme_parse_nonce(h[i].v, out, sizeof(out));
		int l = acme_parse_location(h[i].v, buf, sizeof(buf));

		CHECK(n == h[i].nonce && l == h[i].loc && (n == 0 ? !strcmp(out, h[i].v) : !out[0]) &&
		      (l == 0 ? !strcmp(buf, h[i].v) : !buf[0]),
		      "header %zu: nonce %d location %d (got %d %d)", i, h[i].nonce, h[i].loc,
		      n, l);
	}
	CHECK(acme_parse_nonce(NULL, out, sizeof(out)) == -1 &&
	      acme_parse_location(NULL, out, sizeof(out)) == -1, "no header at all");
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	CHECK(acme_parse_nonce(big, out, sizeof(out)) == -1, "a nonce longer than the buffer");
}

/* A self-signed certificate for name, PEM, appended to *buf. */
static void add_cert(const char *name, char *buf, size_t cap)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_EXTENSION *ext;
	BIO *b = BIO_new(BIO_s_mem());
	char san[128], *p;
	long n;

	snprintf(san, sizeof(san), "DNS:%s", name);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, k);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)name, -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	ext = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name, san);
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	X509_sign(x, k, EVP_sha256());
	PEM_write_bio_X509(b, x);
	n = BIO_get_mem_data(b, &p);
	if (strlen(buf) + (size_t)n < cap)
		strncat(buf, p, (size_t)n);
	BIO_free(b);
	X509_free(x);
	EVP_PKEY_free(k);
}

static void test_chain(void)
{
	static const char name[] = "node1.example.org";
	char leaf[4096] = "", two[8192] = "", other[4096] = "", bad[8192];
	const char *why;

	add_cert(name, leaf, sizeof(leaf));
	add_cert(name, two, sizeof(two));
	add_cert("root.test", two, sizeof(two));
	add_cert("other.example.org", other, sizeof(other));
	CHECK(acme_parse_chain(leaf, strlen(leaf), name, &why) == 1, "one certificate for the name");
	CHECK(acme_parse_chain(two, strlen(two), name, &why) == 2, "leaf and issuer: 2");
	CHECK(acme_parse_chain(other, strlen(other), name, &why) == -1 &&
	      strstr(why, "ordered name"), "a leaf for another name is refused");
	CHECK(acme_parse_chain(other, strlen(other), NULL, &why) == 1, "no name: any leaf");
	snprintf(bad, sizeof(bad), "%s-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
		 leaf);
	CHECK(acme_parse_chain(bad, strlen(bad), name, &why) == -1 && strstr(why, "not a cert"),
	      "a key block in the chain is refused");
	snprintf(bad, sizeof(bad), "%s", leaf);
	bad[100] = '!';
	CHECK(acme_parse_chain(bad, strlen(bad), name, &why) == -1, "a broken block is refused");
	CHECK(acme_parse_chain(leaf, strlen(leaf) / 2, name, &why) == -1, "a cut chain is refused");
	CHECK(acme_parse_chain("", 0, name, &why) == -1 && strstr(why, "no certificate"),
	      "an empty body is refused");
	CHECK(acme_parse_chain("{\"detail\":\"x\"}", 14, name, &why) == -1, "JSON is refused");
}

static void test_retry_after(void)
{
	static const struct {
		const char *v;
		long want;
	} cases[] = {
		{ "120", 120 }, { "0", 0 }, { "", -1 }, { "-5", -1 }, { "12 ", -1 },
		{ "1.5", -1 }, { "99999999999999999999", 100000000L },
		{ "Thu, 01 Jan 1970 02:00:00 GMT", 3600 },	/* now = 01:00 */
		{ "Thu, 01 Jan 1970 00:00:00 GMT", 0 },		/* past: now */
		{ "Fri, 02 Jan 1970 01:00:00 GMT", 86400 },
		{ "Thu, 01 Jan 1970 02:00:00 UTC", -1 },
		{ "Thu, 01 Foo 1970 02:00:00 GMT", -1 },
		{ "Thu, 01 anF 1970 02:00:00 GMT", -1 },	/* not on a month boundary */
		{ "Thu, 32 Jan 1970 02:00:00 GMT", -1 },
		{ "Thu, 01 Jan 1970 02:00:00 GMT trailing", -1 },
		{ "soon", -1 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long got = acme_retry_after(cases[i].v, 3600);

		CHECK(got == cases[i].want, "Retry-After \"%s\": %ld (want %ld)", cases[i].v, got,
		      cases[i].want);
	}
	CHECK(acme_retry_after(NULL, 0) == -1, "no Retry-After: -1");
	CHECK(acme_rate_limited(429, ""), "429 is a rate limit");
	CHECK(acme_rate_limited(403, "HTTP 403 urn:ietf:params:acme:error:rateLimited: too many"),
	      "a rateLimited problem is a rate limit");
	CHECK(!acme_rate_limited(403, "HTTP 403 urn:ietf:params:acme:error:unauthorized: no"),
	      "another problem is not");
}

int main(void)
{
	test_retry_after();
	test_directory();
	test_order();
	test_authz();
	test_poll();
	test_problem_headers();
	test_chain();
	return tap_done();
}
