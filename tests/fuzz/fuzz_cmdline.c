/* libFuzzer target for the network parameters of lib/bootcfg: parse arbitrary bytes as a
 * network.conf and a kernel command line, render the result, and check the
 * promises of lib/bootcfg/network.h. The input up to its first NUL is the file, the
 * rest the command line; without a NUL, the whole input is both. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/bootcfg/network.h"

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

static void check_addr(const struct netcfg_addr *a, int family, unsigned max)
{
	if (a->family != 0 && a->family != family)
		abort();
	if (a->prefixlen > max || a->ndns < 0 || a->ndns > NETCFG_MAX_DNS)
		abort();
}

/* Whatever the input, the config holds only values the parser accepts. */
static void check_config(const struct netcfg_config *cfg)
{
	int i;

	check_addr(&cfg->ipv4, AF_INET, 32);
	check_addr(&cfg->ipv6, AF_INET6, 128);
	if (!memchr(cfg->iface_name, '\0', sizeof(cfg->iface_name)) ||
	    !memchr(cfg->hostname, '\0', sizeof(cfg->hostname)))
		abort();
	if (cfg->iface_kind == NETCFG_IFACE_NAME && cfg->iface_name[0] == '\0')
		abort();
	if (cfg->mtu != 0 &&
	    (cfg->mtu < NETCFG_MTU_MIN || cfg->mtu > NETCFG_MTU_MAX))
		abort();
	if (cfg->link_timeout < 1 || cfg->link_timeout > 3600)
		abort();
	for (i = 0; i < NETCFG_FIELD_COUNT; i++)
		if (cfg->source[i] > NETCFG_SRC_FATHOM)
			abort();
}

static void check_renders(const struct netcfg_config *cfg)
{
	char out[RENDER_SIZE];
	int n;

	n = netcfg_resolv_conf(cfg, out, sizeof(out));
	check_render(n, out);
	n = netcfg_config_format(cfg, out, sizeof(out));
	check_render(n, out);
	/* A too-small buffer must fail cleanly, not overrun. */
	n = netcfg_config_format(cfg, out, 16);
	check_render(n, out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct netcfg_config file_first, cmdline_first;
	char *copy = malloc(size + 1);
	const char *file, *cmdline;
	int errors_a, errors_b;
	size_t file_len;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	file = copy;
	file_len = strlen(copy);
	cmdline = file_len < size ? copy + file_len + 1 : copy;

	/* Precedence is by rank, not by order: init may parse the file
	 * before or after the command line and get the same config. */
	netcfg_config_init(&file_first);
	errors_a = netcfg_parse_file(&file_first, file, NETCFG_CONF_PATH,
				     check_error, NULL);
	errors_a += netcfg_parse_cmdline(&file_first, cmdline, check_error,
					 NULL);
	netcfg_config_init(&cmdline_first);
	errors_b = netcfg_parse_cmdline(&cmdline_first, cmdline, check_error,
					NULL);
	errors_b += netcfg_parse_file(&cmdline_first, file, NETCFG_CONF_PATH,
				      check_error, NULL);
	if (errors_a < 0 || errors_a != errors_b ||
	    memcmp(&file_first, &cmdline_first, sizeof(file_first)) != 0)
		abort();
	check_config(&file_first);
	check_renders(&file_first);
	free(copy);
	return 0;
}
