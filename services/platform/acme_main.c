/* acme-client: acme_obtain() from the command line, for tests against
 * pebble (tests/bats/acme.bats) and for an operator by hand. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acme.h"

static const char usage[] =
	"Usage: acme-client --domain NAME --challenge-dir DIR --tls-dir DIR [options]\n"
	"  --directory URL     the ACME directory (default " ACME_DIRECTORY_DEFAULT ")\n"
	"  --ca-file FILE      trust for the ACME server (default: the system bundle)\n"
	"  --account-key FILE  P-256 PEM account key, made if missing\n"
	"                      (default: TLS_DIR/../acme-account.pem)\n"
	"  --key-gid N         group of key.pem (default: unchanged)\n"
	"  --if-needed         only when TLS_DIR/cert.pem is missing or expires within\n"
	"                      30 days\n"
	"Exit 0: cert.pem and key.pem written (or not needed); 1: failed (one line why).\n";

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "directory", 1, 0, 'd' }, { "ca-file", 1, 0, 'c' }, { "domain", 1, 0, 'n' },
		{ "challenge-dir", 1, 0, 'C' }, { "tls-dir", 1, 0, 't' },
		{ "account-key", 1, 0, 'a' }, { "key-gid", 1, 0, 'g' },
		{ "if-needed", 0, 0, 'i' }, { "help", 0, 0, 'h' }, { 0, 0, 0, 0 },
	};
	struct acme_opts o = { .key_gid = -1 };
	char err[1024], cert[4096];
	int c, if_needed = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': o.directory = optarg; break;
		case 'c': o.ca_file = optarg; break;
		case 'n': o.domain = optarg; break;
		case 'C': o.challenge_dir = optarg; break;
		case 't': o.tls_dir = optarg; break;
		case 'a': o.account_key = optarg; break;
		case 'g': o.key_gid = atoi(optarg); break;
		case 'i': if_needed = 1; break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (optind < argc || !o.domain || !o.challenge_dir || !o.tls_dir) {
		fputs(usage, stderr);
		return 2;
	}
	snprintf(cert, sizeof(cert), "%s/cert.pem", o.tls_dir);
	if (if_needed && !acme_needs_renewal(cert, time(NULL))) {
		printf("acme-client: %s is valid for more than %d days; nothing to do\n", cert,
		       ACME_RENEW_DAYS);
		return 0;
	}
	if (acme_obtain(&o, NULL, err, sizeof(err)) < 0) {
		fprintf(stderr, "acme-client: %s\n", err);
		return 1;
	}
	printf("acme-client: certificate for %s written to %s\n", o.domain, cert);
	return 0;
}
