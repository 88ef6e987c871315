/* libFuzzer target for netcfg/cmdline.c: parse arbitrary bytes as a kernel
 * command line, render the result, and check the promises of config.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#define RENDER_SIZE 4096

/* Every error must be one non-empty line of bounded length. */
static void check_error(void *ctx, const char *msg)
{
	size_t len = strlen(msg);

	(void)ctx;
	if (len == 0 || len > 511 || strchr(msg, '\n') || strchr(msg, '\r'))
		abort();
}

/* A render returns its length or -1, and always leaves a C string. */
static void check_render(int n, const char *buf)
{
	if (n < -1 || (n >= 0 && (size_t)n != strlen(buf)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct netcfg_config cfg;
	char *cmdline = malloc(size + 1);
	char out[RENDER_SIZE];
	int n;

	if (!cmdline)
		return 0;
	memcpy(cmdline, data, size);
	cmdline[size] = '\0';
	netcfg_config_init(&cfg);
	if (netcfg_parse_cmdline(&cfg, cmdline, check_error, NULL) < 0)
		abort();
	n = netcfg_resolv_conf(&cfg, out, sizeof(out));
	check_render(n, out);
	n = netcfg_config_format(&cfg, out, sizeof(out));
	check_render(n, out);
	/* A too-small buffer must fail cleanly, not overrun. */
	n = netcfg_config_format(&cfg, out, 16);
	check_render(n, out);
	free(cmdline);
	return 0;
}
