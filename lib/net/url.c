/* url_parse (lib/net/https.h): absolute http(s):// and ws(s):// URLs into
 * scheme, host, port and request target, refusing anything that could
 * smuggle bytes into a request line or a Host header. */
#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

#include "lib/net/https.h"

static int scheme_parse(const char *s, struct url *u, size_t *len)
{
	static const struct {
		const char *name;
		int tls;
	} schemes[] = {
		{ "https://", 1 }, { "http://", 0 }, { "wss://", 1 }, { "ws://", 0 },
	};

	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		size_t n = strlen(schemes[i].name);

		if (strncasecmp(s, schemes[i].name, n) == 0) {
			u->tls = schemes[i].tls;
			*len = n;
			return 0;
		}
	}
	return -1;
}

static int host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_';
}

/* The authority a[0..n): host or [v6] and an optional :port. */
static int authority_parse(const char *a, size_t n, struct url *u, const char **why)
{
	size_t hlen, i;
	const char *port = NULL;

	if (memchr(a, '@', n)) {
		*why = "user info in URL refused";
		return -1;
	}
	if (n > 0 && a[0] == '[') {
		const char *end = memchr(a, ']', n);
		unsigned char addr[16];

		if (!end) {
			*why = "unclosed [ in host";
			return -1;
		}
		hlen = (size_t)(end - a) - 1;
		if (hlen == 0 || hlen >= sizeof(u->host)) {
			*why = "bad IPv6 address";
			return -1;
		}
		memcpy(u->host, a + 1, hlen);
		u->host[hlen] = '\0';
		if (inet_pton(AF_INET6, u->host, addr) != 1) {
			*why = "bad IPv6 address";
			return -1;
		}
		i = (size_t)(end - a) + 1;
		if (i < n && a[i] != ':') {
			*why = "junk after ] in host";
			return -1;
		}
		if (i < n)
			port = a + i + 1;
	} else {
		const char *colon = memchr(a, ':', n);

		hlen = colon ? (size_t)(colon - a) : n;
		if (hlen == 0 || hlen >= sizeof(u->host)) {
			*why = hlen ? "host name too long" : "no host";
			return -1;
		}
		for (i = 0; i < hlen; i++)
			if (!host_char(a[i])) {
				*why = "bad character in host";
				return -1;
			}
		memcpy(u->host, a, hlen);
		u->host[hlen] = '\0';
		if (colon)
			port = colon + 1;
	}
	if (port) {
		unsigned long v = 0;
		const char *end = a + n;

		if (port == end || end - port > 5) {
			*why = "bad port";
			return -1;
		}
		for (const char *p = port; p < end; p++) {
			if (*p < '0' || *p > '9') {
				*why = "bad port";
				return -1;
			}
			v = v * 10 + (unsigned long)(*p - '0');
		}
		if (v == 0 || v > 65535) {
			*why = "port out of range 1-65535";
			return -1;
		}
		u->port = (unsigned)v;
	}
	return 0;
}

int url_parse(const char *s, struct url *u, const char **why)
{
	size_t off, alen, tlen;
	const char *t;

	memset(u, 0, sizeof(*u));
	if (!s || scheme_parse(s, u, &off) < 0) {
		*why = "not an http://, https://, ws:// or wss:// URL";
		return -1;
	}
	u->port = u->tls ? 443 : 80;
	s += off;
	alen = strcspn(s, "/?#");
	if (authority_parse(s, alen, u, why) < 0)
		return -1;
	t = s + alen;
	tlen = strlen(t);
	for (size_t i = 0; i < tlen; i++) {
		unsigned char c = (unsigned char)t[i];

		if (c <= ' ' || c >= 0x7f) {
			*why = "space or control character in URL (percent-encode it)";
			return -1;
		}
		if (c == '#') {
			*why = "fragment in URL refused";
			return -1;
		}
	}
	if (t[0] != '/') {
		u->target[0] = '/';
		off = 1;
	} else {
		off = 0;
	}
	if (off + tlen >= sizeof(u->target)) {
		*why = "URL path too long";
		return -1;
	}
	memcpy(u->target + off, t, tlen + 1);
	return 0;
}
