/* libFuzzer target: init's command-line parameters. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/bootcfg/init_params.h"

static void check_message(void *ctx, const char *msg)
{
	(void)ctx;
	if (!msg[0] || strchr(msg, '\n'))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct init_config cfg;
	char *cmdline = malloc(size + 1);

	if (!cmdline)
		return 0;
	memcpy(cmdline, data, size);
	cmdline[size] = '\0';
	init_config_parse(&cfg, cmdline, check_message, NULL);
	if (cfg.watchdog_timeout < 2 || cfg.watchdog_timeout > 3600 ||
	    memchr(cfg.watchdog_dev, '\0', sizeof(cfg.watchdog_dev)) == NULL)
		abort();
	free(cmdline);
	return 0;
}
