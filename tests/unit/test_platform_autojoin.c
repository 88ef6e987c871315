/* Unit tests for services/platform/autojoin.c: the token-exchange request
 * and answer, autojoin's register URL (percent-encoding) and answers
 * (registration, API error, missing fields, wrong types), the service
 * account key's base64, and the heartbeat's messages. */
#include <stdlib.h>
#include <string.h>

#include "autojoin.h"
#include "tap.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct token_case {
	const char *body;
	int rc;
	const char *token;	/* rc 0 */
	const char *why;	/* rc -1 */
};

static const struct token_case token_cases[] = {
	{ "{\"token\":\"aaa.bbb.ccc\"}", 0, "aaa.bbb.ccc", NULL },
	{ "{\"token\":\"a-b_c.d\",\"error\":\"\"}", 0, "a-b_c.d", NULL },
	{ "{\"error\":\"Invalid API key\"}", -1, NULL, "no \"token\"" },
	{ "{\"token\":\"\"}", -1, NULL, "\"token\" is empty" },
	{ "{\"token\":7}", -1, NULL, "\"token\" is not a string" },
	{ "{\"token\":\"a b\"}", -1, NULL, "\"token\" has characters a JWT does not" },
	{ "{\"token\":\"a\\r\\nX: y\"}", -1, NULL, "\"token\" has characters a JWT does not" },
	{ "[\"token\"]", -1, NULL, "not a JSON object" },
	{ "Invalid API key\n", -1, NULL, "not JSON" },
	{ "{\"token\":\"a\",\"token\":\"b\"}", -1, NULL, "not JSON" },
	{ "", -1, NULL, "not JSON" },
};

static void test_token(void)
{
	char *req = aj_token_request("k\"ey\\1");
	char tok[64], small[4];
	const char *why;
	size_t i;

	CHECK(req && strcmp(req, "{\"api_key\":\"k\\\"ey\\\\1\"}") == 0,
	      "token request is {\"api_key\":...} escaped (got %s)", req ? req : "NULL");
	free(req);
	for (i = 0; i < N(token_cases); i++) {
		const struct token_case *t = &token_cases[i];
		int rc;

		why = "";
		tok[0] = '\0';
		rc = aj_token_parse(t->body, strlen(t->body), tok, sizeof(tok), &why);
		if (t->rc == 0)
			CHECK(rc == 0 && strcmp(tok, t->token) == 0, "token %zu: %s", i, t->token);
		else
			CHECK(rc == -1 && strcmp(why, t->why) == 0, "token %zu refused: %s (got %s)",
			      i, t->why, why);
	}
	CHECK(aj_token_parse("{\"token\":\"abcd\"}", 16, small, sizeof(small), &why) == -1 &&
	      strcmp(why, "\"token\" is too long") == 0, "a token over the buffer is refused");
}

static void test_urlencode(void)
{
	char out[64];

	CHECK(aj_urlencode("aZ09-_.~", out, sizeof(out)) == 8 && strcmp(out, "aZ09-_.~") == 0,
	      "unreserved characters stay");
	CHECK(aj_urlencode("a b&c=d/é", out, sizeof(out)) > 0 &&
	      strcmp(out, "a%20b%26c%3Dd%2F%C3%A9") == 0, "reserved and UTF-8 are encoded (%s)",
	      out);
	CHECK(aj_urlencode("2001:db8::1", out, sizeof(out)) > 0 &&
	      strcmp(out, "2001%3Adb8%3A%3A1") == 0, "an IPv6 address is encoded (%s)", out);
	CHECK(aj_urlencode("abc", out, 3) == -1, "too small a buffer is -1");
	CHECK(aj_urlencode("a b", out, 5) == -1, "an escape that does not fit is -1");
}

static void test_register_url(void)
{
	struct aj_params p = { .service = "ndt", .iata = "lga", .ipv4 = "192.0.2.5",
			       .ipv6 = "2001:db8::5", .type = "physical", .uplink = "10g",
			       .probability = "0.5", .ports = { 443, 80 }, .nports = 2 };
	const char *base = "https://autojoin.example/autojoin/v0/node/register/token";
	char out[1024];
	int n;

	n = aj_register_url(base, &p, out, sizeof(out));
	CHECK(n > 0 && (size_t)n == strlen(out) &&
	      strcmp(out, "https://autojoin.example/autojoin/v0/node/register/token?service=ndt"
		     "&iata=lga&ipv4=192.0.2.5&ipv6=2001%3Adb8%3A%3A5&type=physical&uplink=10g"
		     "&probability=0.5&ports=443&ports=80") == 0, "full query (%s)", out);
	p.ipv4 = p.ipv6 = "";
	p.probability = NULL;
	p.nports = 0;
	p.service = "n d";
	n = aj_register_url(base, &p, out, sizeof(out));
	CHECK(n > 0 && strstr(out, "?service=n%20d&iata=lga&type=physical&uplink=10g") &&
	      !strstr(out, "ipv4") && !strstr(out, "ports") && !strstr(out, "probability"),
	      "empty values are left out, values encoded (%s)", out);
	p.iata = NULL;
	CHECK(aj_register_url(base, &p, out, sizeof(out)) == -1, "no iata: -1");
	p.iata = "lga";
	CHECK(aj_register_url("https://x/r?key=1", &p, out, sizeof(out)) == -1,
	      "a base with a query: -1");
	CHECK(aj_register_url(base, &p, out, 40) == -1, "does not fit: -1");
}

#define REG_OK "{\"Registration\":{\"Hostname\":\"ndt-lga12345-c0a80001.mlab.sandbox.measurement-lab.org\"," \
	"\"Annotation\":{\"Annotation\":{\"Geo\":{\"City\":\"New York\"}},\"Type\":\"physical\"}," \
	"\"Heartbeat\":{\"City\":\"New York\",\"Experiment\":\"ndt\",\"Probability\":1}," \
	"\"Credentials\":{\"ServiceAccountKey\":\"eyJ0eXBlIjoic2EifQ==\"}}}"

struct reg_case {
	const char *body;
	int rc;
	const char *why;	/* rc -1; rc 1: the error's title */
};

static const struct reg_case reg_cases[] = {
	{ REG_OK, 0, NULL },
	{ "{\"Error\":{\"type\":\"?iata=<iata>\",\"title\":\"could not determine iata from request\","
	  "\"status\":400}}", 1, "could not determine iata from request" },
	{ "{\"Error\":{\"type\":\"version.outdated\",\"title\":\"old\",\"status\":403,"
	  "\"detail\":\"d\"}}", 1, "old" },
	{ "{\"Error\":{\"status\":\"400\"}}", 1, "" },
	{ "{\"Error\":\"x\"}", -1, "\"Error\" is not an object" },
	{ "{}", -1, "neither \"Registration\" nor \"Error\"" },
	{ "{\"Registration\":[]}", -1, "\"Registration\" is not an object" },
	{ "{\"Registration\":{\"Heartbeat\":{},\"Credentials\":{\"ServiceAccountKey\":\"eA==\"}}}",
	  -1, "no \"Hostname\"" },
	{ "{\"Registration\":{\"Hostname\":5,\"Heartbeat\":{},\"Credentials\":{}}}", -1,
	  "\"Hostname\" is not a host name" },
	{ "{\"Registration\":{\"Hostname\":\"a/../b\",\"Heartbeat\":{}}}", -1,
	  "\"Hostname\" is not a host name" },
	{ "{\"Registration\":{\"Hostname\":\"a\\nb\",\"Heartbeat\":{}}}", -1,
	  "\"Hostname\" is not a host name" },
	{ "{\"Registration\":{\"Hostname\":\"a.b\",\"Credentials\":{}}}", -1, "no \"Heartbeat\"" },
	{ "{\"Registration\":{\"Hostname\":\"a.b\",\"Heartbeat\":\"x\"}}", -1,
	  "\"Heartbeat\" is not an object" },
	{ "{\"Registration\":{\"Hostname\":\"a.b\",\"Heartbeat\":{},\"Annotation\":1}}", -1,
	  "\"Annotation\" is not an object" },
	{ "{\"Registration\":{\"Hostname\":\"a.b\",\"Heartbeat\":{}}}", -1, "no \"Credentials\"" },
	{ "{\"Registration\":{\"Hostname\":\"a.b\",\"Heartbeat\":{},\"Credentials\":[]}}", -1,
	  "\"Credentials\" is not an object" },
	{ "{\"Registration\":{\"Hostname\":\"a.b\",\"Heartbeat\":{},\"Credentials\":{}}}", -1,
	  "no \"ServiceAccountKey\"" },
	{ "{\"Registration\":{\"Hostname\":\"a.b\",\"Heartbeat\":{},\"Credentials\":"
	  "{\"ServiceAccountKey\":1}}}", -1, "\"ServiceAccountKey\" is not a string" },
	{ "not json", -1, "not JSON" },
	{ "[1]", -1, "not a JSON object" },
};

static void test_register_parse(void)
{
	struct aj_registration r;
	struct aj_error e;
	const char *why;
	size_t i;

	for (i = 0; i < N(reg_cases); i++) {
		const struct reg_case *t = &reg_cases[i];
		int rc;

		why = "";
		rc = aj_register_parse(t->body, strlen(t->body), &r, &e, &why);
		if (t->rc == 0)
			CHECK(rc == 0, "register %zu: a registration", i);
		else if (t->rc == 1)
			CHECK(rc == 1 && strcmp(e.title, t->why) == 0, "register %zu: error \"%s\"",
			      i, t->why);
		else
			CHECK(rc == -1 && strcmp(why, t->why) == 0, "register %zu refused: %s (got %s)",
			      i, t->why, why);
		if (rc == 0)
			aj_registration_free(&r);
	}
	CHECK(aj_register_parse(REG_OK, strlen(REG_OK), &r, &e, &why) == 0 &&
	      strcmp(r.hostname, "ndt-lga12345-c0a80001.mlab.sandbox.measurement-lab.org") == 0 &&
	      strcmp(r.heartbeat, "{\"City\":\"New York\",\"Experiment\":\"ndt\",\"Probability\":1}")
	      == 0 && r.annotation && strstr(r.annotation, "\"Type\":\"physical\"") &&
	      strcmp(r.sa_key, "eyJ0eXBlIjoic2EifQ==") == 0, "registration's fields are kept");
	aj_registration_free(&r);
	CHECK(aj_register_parse(reg_cases[1].body, strlen(reg_cases[1].body), &r, &e, &why) == 1 &&
	      e.status == 400 && strcmp(e.type, "?iata=<iata>") == 0, "error type and status");
	CHECK(aj_register_parse(reg_cases[2].body, strlen(reg_cases[2].body), &r, &e, &why) == 1 &&
	      e.status == 403 && strcmp(e.detail, "d") == 0, "error detail");
	CHECK(aj_register_parse(reg_cases[3].body, strlen(reg_cases[3].body), &r, &e, &why) == 1 &&
	      e.status == 0, "a status that is not a number is 0");
}

struct b64_case {
	const char *in;
	const char *out;	/* NULL: refused */
};

static const struct b64_case b64_cases[] = {
	{ "eyJ0eXBlIjoic2EifQ==", "{\"type\":\"sa\"}" },
	{ "YWJj", "abc" }, { "YWI=", "ab" }, { "YQ==", "a" }, { "", "" },
	{ "YQ=", NULL }, { "Y", NULL }, { "YQ==YQ==", NULL }, { "Y$==", NULL }, { "YWJj\n", NULL },
};

static void test_b64(void)
{
	size_t i, n;

	for (i = 0; i < N(b64_cases); i++) {
		unsigned char *p = aj_b64decode(b64_cases[i].in, &n);

		if (b64_cases[i].out)
			CHECK(p && n == strlen(b64_cases[i].out) && memcmp(p, b64_cases[i].out, n) == 0,
			      "base64 %zu decodes", i);
		else
			CHECK(!p, "base64 %zu refused", i);
		free(p);
	}
}

static void test_heartbeat(void)
{
	static const char *const urls[] = { "ws:///ndt/v7/download", "wss:///ndt/v7/upload", NULL };
	char *m = hb_registration_msg("{\"City\":\"New York\",\"Services\":{\"x\":[]}}", "ndt/ndt7",
				      urls);
	char buf[64];

	CHECK(m && strcmp(m, "{\"Registration\":{\"City\":\"New York\",\"Services\":{\"ndt/ndt7\":"
			  "[\"ws:///ndt/v7/download\",\"wss:///ndt/v7/upload\"]}}}") == 0,
	      "registration message with Services (got %s)", m ? m : "NULL");
	free(m);
	m = hb_registration_msg("[1]", "ndt/ndt7", urls);
	CHECK(!m, "a heartbeat that is not an object gives no message");
	free(m);
	CHECK(hb_health_msg(1, buf, sizeof(buf)) > 0 && strcmp(buf, "{\"Health\":{\"Score\":1}}") == 0,
	      "health 1");
	CHECK(hb_health_msg(0, buf, sizeof(buf)) > 0 && strcmp(buf, "{\"Health\":{\"Score\":0}}") == 0,
	      "health 0");
}

int main(void)
{
	test_token();
	test_urlencode();
	test_register_url();
	test_register_parse();
	test_b64();
	test_heartbeat();
	return tap_done();
}
