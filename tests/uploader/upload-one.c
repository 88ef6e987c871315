/* Test driver for the uploader's transports (tests/bats/uploader-target.bats):
 * uploads one file as one object through target.h, N times, and prints each
 * outcome as "RESULT REASON: DETAIL" (--pause-ms between uploads: time for
 * the test to change the server, or for a cached token to age). Exit: 0 ok, 1 retry, 2 auth, 3 fatal
 * (the last upload's), 4 the target would not open, 64 usage. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "target.h"

static const char usage[] =
	"usage: upload-one --target gcs|put [--bucket B] [--service-account-file F]\n"
	"       [--token-url U] [--gcs-endpoint U] [--put-url U] [--put-token-file F]\n"
	"       [--ca-file F] [--timeout-ms N] [--repeat N] [--pause-ms N] OBJECT FILE\n";

static char *slurp(const char *file, size_t *len)
{
	FILE *f = fopen(file, "rb");
	char *buf = NULL;
	long n;

	if (!f || fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0 ||
	    !(buf = malloc((size_t)n + 1)) || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		perror(file);
		exit(64);
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "target", 1, NULL, 't' },	     { "bucket", 1, NULL, 'b' },
		{ "service-account-file", 1, NULL, 's' }, { "token-url", 1, NULL, 'u' },
		{ "gcs-endpoint", 1, NULL, 'g' },    { "put-url", 1, NULL, 'p' },
		{ "put-token-file", 1, NULL, 'k' },  { "ca-file", 1, NULL, 'c' },
		{ "timeout-ms", 1, NULL, 'T' },	     { "repeat", 1, NULL, 'r' },
		{ "pause-ms", 1, NULL, 'P' },
		{ NULL, 0, NULL, 0 } };
	struct target_config cfg = { .kind = TARGET_GCS, .timeout_ms = 10000 };
	struct target_outcome out = { 0 };
	struct target *t;
	char err[256], *data;
	size_t len;
	int c, repeat = 1, pause_ms = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (strcmp(optarg, "put") != 0 && strcmp(optarg, "gcs") != 0)
				goto bad;
			cfg.kind = strcmp(optarg, "put") == 0 ? TARGET_PUT : TARGET_GCS;
			break;
		case 'b': cfg.bucket = optarg; break;
		case 's': cfg.service_account_file = optarg; break;
		case 'u': cfg.token_url = optarg; break;
		case 'g': cfg.gcs_endpoint = optarg; break;
		case 'p': cfg.put_url = optarg; break;
		case 'k': cfg.put_token_file = optarg; break;
		case 'c': cfg.ca_file = optarg; break;
		case 'T': cfg.timeout_ms = atoi(optarg); break;
		case 'r': repeat = atoi(optarg); break;
		case 'P': pause_ms = atoi(optarg); break;
		default: goto bad;
		}
	}
	if (argc - optind != 2)
		goto bad;
	signal(SIGPIPE, SIG_IGN);
	data = slurp(argv[optind + 1], &len);
	t = target_open(&cfg, err, sizeof(err));
	if (!t) {
		fprintf(stderr, "upload-one: %s\n", err);
		free(data);
		return 4;
	}
	for (int i = 0; i < repeat; i++) {
		struct timespec a, b, p = { pause_ms / 1000, pause_ms % 1000 * 1000000L };

		if (i > 0)
			nanosleep(&p, NULL);
		clock_gettime(CLOCK_MONOTONIC, &a);
		target_upload(t, argv[optind], data, len, &out);
		clock_gettime(CLOCK_MONOTONIC, &b);
		printf("%s %s: %s (%ld ms)\n", target_result_name(out.result), out.reason,
		       out.detail, (long)((b.tv_sec - a.tv_sec) * 1000 +
					  (b.tv_nsec - a.tv_nsec) / 1000000));
		fflush(stdout);
	}
	target_close(t);
	free(data);
	return (int)out.result;
bad:
	fputs(usage, stderr);
	return 64;
}
