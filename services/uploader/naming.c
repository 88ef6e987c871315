/* Object names and what a registered name implies (contract: naming.h). */
#include "naming.h"

#include <stdio.h>
#include <string.h>

int name_part_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n >= NAME_PART_MAX || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return 0;
	}
	return 1;
}

int object_name(char *out, size_t cap, const char *prefix, const char *org,
		const char *experiment, const char *datatype, const char *node,
		const struct timespec *t)
{
	struct tm tm;
	time_t sec = t->tv_sec;
	int n;

	if (cap)
		out[0] = '\0';
	if (!gmtime_r(&sec, &tm))
		return -1;
	n = snprintf(out, cap, "%s%s%s/%s/%s/%04d/%02d/%02d/%04d%02d%02dT%02d%02d%02d.%06ldZ-%s-%s-%s-data.jsonl.gz",
		     prefix, *prefix ? "/" : "", org, experiment, datatype,
		     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		     t->tv_nsec / 1000, datatype, node, experiment);
	if (n < 0 || (size_t)n >= cap) {
		if (cap)
			out[0] = '\0';
		return -1;
	}
	return n;
}

/* The label of s that ends at '.' (or the end), copied to out. */
static const char *label(const char *s, char *out, size_t cap)
{
	size_t n = strcspn(s, ".");

	if (n == 0 || n >= cap)
		return NULL;
	memcpy(out, s, n);
	out[n] = '\0';
	return s[n] == '.' ? s + n + 1 : s + n;
}

static int all(const char *s, size_t from, size_t to, int (*is)(int))
{
	size_t i;

	for (i = from; i < to; i++)
		if (!is((unsigned char)s[i]))
			return 0;
	return 1;
}

static int lower(int c)
{
	return c >= 'a' && c <= 'z';
}

static int digit(int c)
{
	return c >= '0' && c <= '9';
}

static int hexdigit(int c)
{
	return digit(c) || (c >= 'a' && c <= 'f');
}

static int name_char(int c)
{
	return lower(c) || digit(c) || c == '-';
}

/* [SERVICE-]SITE-MACHINE: SITE three letters and 1 to 10 digits (IATA
 * code, ASN), MACHINE 8 hex digits (the IPv4 address). */
static int first_label(const char *s, struct node_names *n)
{
	const char *m = strrchr(s, '-'), *site;
	size_t sl;

	if (!m || strlen(m + 1) != 8 || !all(m + 1, 0, 8, hexdigit))
		return -1;
	for (site = m; site > s && site[-1] != '-'; site--)
		;
	sl = (size_t)(m - site);
	if (sl < 4 || sl > 13 || !all(site, 0, 3, lower) || !all(site, 3, sl, digit))
		return -1;
	if (site > s && site - 1 == s)
		return -1;	/* "-SITE-MACHINE": an empty service */
	snprintf(n->node, sizeof(n->node), "%s-%.*s", m + 1, (int)sl, site);
	return 0;
}

int node_names_parse(const char *hostname, struct node_names *n)
{
	static const char domain[] = ".measurement-lab.org";
	char first[NAME_PART_MAX], proj[NAME_PART_MAX];
	const char *p = hostname;
	size_t len = strlen(hostname), dl = sizeof(domain) - 1;

	memset(n, 0, sizeof(*n));
	if (len <= dl || strcmp(hostname + len - dl, domain) != 0)
		return -1;
	if (!(p = label(p, first, sizeof(first))) || !(p = label(p, n->org, sizeof(n->org))) ||
	    !(p = label(p, proj, sizeof(proj))) || (size_t)(p - hostname) != len - dl + 1 ||
	    !all(n->org, 0, strlen(n->org), name_char) || !all(proj, 0, strlen(proj), name_char) ||
	    first_label(first, n) < 0) {
		memset(n, 0, sizeof(*n));
		return -1;
	}
	snprintf(n->project, sizeof(n->project), "mlab-%s", proj);
	snprintf(n->bucket, sizeof(n->bucket), "archive-%s", n->project);
	return 0;
}
