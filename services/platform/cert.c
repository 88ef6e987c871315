/* The platform agent's certificate for its registered name: obtained
 * (and renewed 30 days before it expires) through ACME http-01 (acme.c)
 * once registration gave the name; ndt7 reloads it from --tls-dir. */
#define _GNU_SOURCE
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "acme.h"
#include "agent.h"

#define ACME_LIMIT_WAIT_S (6 * 3600)	/* rate limited without a Retry-After */
#define ACME_LIMIT_MAX_S (8 * 86400)	/* a Retry-After beyond this: not believed */

/* 1 if the PEM certificate at path names host, else 0. */
static int cert_names(const char *path, const char *host)
{
	FILE *f = fopen(path, "re");
	X509 *x;
	int ok;

	if (!f)
		return 0;
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	ok = x && X509_check_host(x, host, strlen(host), 0, NULL) == 1;
	X509_free(x);
	return ok;
}

/* Issuer's CN and notAfter (YYYY-MM-DD, "?" unknown) of the certificate
 * at path into a, for the log and the status line: 0, or -1 unreadable. */
static int cert_describe(const char *path, struct agent *a)
{
	FILE *f = fopen(path, "re");
	X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
	char cn[128] = "?";
	struct tm tm;

	if (f)
		fclose(f);
	if (!x)
		return -1;
	if (X509_NAME_get_text_by_NID(X509_get_issuer_name(x), NID_commonName, cn,
				      sizeof(cn)) < 0)
		snprintf(cn, sizeof(cn), "?");
	snprintf(a->cert_issuer, sizeof(a->cert_issuer), "%s", cn);
	if (ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) == 1)
		snprintf(a->cert_until, sizeof(a->cert_until), "%04d-%02d-%02d",
			 (tm.tm_year + 1900) % 10000, (tm.tm_mon + 1) % 100, tm.tm_mday % 100);
	else
		snprintf(a->cert_until, sizeof(a->cert_until), "?");
	X509_free(x);
	return 0;
}

/* a's certificate fields for what --tls-dir holds for host ("" none). */
static void cert_current(struct agent *a, const char *cert, const char *host)
{
	a->cert_issuer[0] = a->cert_until[0] = '\0';
	if (cert_names(cert, host) && cert_describe(cert, a) < 0)
		a->cert_issuer[0] = a->cert_until[0] = '\0';
}

/* The ACME server's rate limit: no order before its Retry-After (else
 * ACME_LIMIT_WAIT_S), ndt7 keeps the self-signed certificate; one line. */
static void rate_limited(struct agent *a, const char *host, long retry_s, const char *err)
{
	char until[40];
	time_t t;
	struct tm tm;

	if (retry_s < 0)
		retry_s = ACME_LIMIT_WAIT_S;
	if (retry_s > ACME_LIMIT_MAX_S)
		retry_s = ACME_LIMIT_MAX_S;
	a->acme_not_before = agent_now() + retry_s;
	t = time(NULL) + retry_s;
	gmtime_r(&t, &tm);
	strftime(until, sizeof(until), "%Y-%m-%d %H:%M UTC", &tm);
	fprintf(stderr, "platform: certificate for %s not issued: rate limited by the ACME server "
		"(%s); ndt7 keeps its self-signed one; no new order before %s\n", host, err, until);
}

void agent_certificate(struct agent *a, const char *host)
{
	const struct platform_config *c = a->cfg;
	struct acme_opts o = {
		.directory = c->acme_directory, .ca_file = c->ca_file, .domain = host,
		.challenge_dir = c->acme_challenge_dir, .tls_dir = c->tls_dir, .key_gid = -1,
	};
	char cert[512], err[512], account[512];
	struct group *g;
	long retry_s = -1;
	int rc;

	snprintf(cert, sizeof(cert), "%s/cert.pem", c->tls_dir);
	cert_current(a, cert, host);
	if (!c->acme_directory || strcmp(c->acme_directory, "off") == 0)
		return;
	/* A certificate already there (kept across reboots) for this name and
	 * valid for more than ACME_RENEW_DAYS: no order, no rate limit used. */
	if (!acme_needs_renewal(cert, time(NULL)) && cert_names(cert, host))
		return;
	if (a->acme_not_before && agent_now() < a->acme_not_before)
		return;	/* rate limited: said once, when it happened */
	g = getgrnam("tls");	/* ndt7 is in it; the uploader is not */
	if (g)
		o.key_gid = (int)g->gr_gid;
	/* The account key is the agent's secret: its state directory (0700),
	 * not beside tls_dir, whose parent (/var/lib) only root may write. */
	snprintf(account, sizeof(account), "%s/acme-account.pem", c->state_dir);
	o.account_key = account;
	agent_blocking = 1;	/* SIGTERM: exit at once rather than after the order */
	rc = acme_obtain(&o, &retry_s, err, sizeof(err));
	if (rc == -2) {
		agent_blocking = 0;
		rate_limited(a, host, retry_s, err);
		return;
	}
	if (rc < 0) {
		agent_blocking = 0;
		fprintf(stderr, "platform: certificate for %s not issued: %s; ndt7 keeps its "
			"self-signed one, next try at the next registration\n", host, err);
		return;
	}
	agent_blocking = 0;
	cert_current(a, cert, host);
	if (a->cert_issuer[0])
		fprintf(stderr, "platform: certificate for %s issued by %s, expires %s\n", host,
			a->cert_issuer, a->cert_until);
	else
		fprintf(stderr, "platform: certificate for %s issued but %s does not name it\n",
			host, cert);
	agent_status(a);
}
