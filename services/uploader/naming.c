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

int node_names_parse(const char *hostname, struct node_names *n)
{
	static const char domain[] = "measurement-lab.org";
	char first[NAME_PART_MAX], env[NAME_PART_MAX];
	const char *p = hostname, *rest;
	size_t len = strlen(hostname), dl = sizeof(domain) - 1;

	memset(n, 0, sizeof(*n));
	if (len <= dl + 1 || strcmp(hostname + len - dl, domain) != 0 ||
	    hostname[len - dl - 1] != '.')
		return -1;
	if (!(p = label(p, first, sizeof(first))) || !(p = label(p, n->org, sizeof(n->org))) ||
	    !name_part_ok(n->org) || strchr(first, '-') == NULL)
		return -1;
	rest = p;
	if ((size_t)(rest - hostname) == len - dl) {
		snprintf(n->project, sizeof(n->project), "mlab-oti");
	} else {
		if (!(p = label(rest, env, sizeof(env))) || (size_t)(p - hostname) != len - dl)
			return -1;
		if (strcmp(env, "sandbox") != 0 && strcmp(env, "staging") != 0)
			return -1;
		snprintf(n->project, sizeof(n->project), "mlab-%s",
			 strcmp(env, "sandbox") == 0 ? "sandbox" : "staging");
	}
	snprintf(n->bucket, sizeof(n->bucket), "archive-%s", n->project);
	return 0;
}
