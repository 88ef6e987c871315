/* netcfg: the network configuration tool, for operators and tests.
 *   netcfg check CMDLINE...   parse a kernel command line, print the result
 *   netcfg show               list the links and their addresses
 *   netcfg apply [--resolv FILE] [--hostname] [--allow-virtual] CMDLINE...
 *   netcfg run   [same options] CMDLINE...   apply, then keep it applied
 *   netcfg run --appliance [--media ID [--media-timeout S]]   what /init runs
 * This binary is in the image (/usr/sbin/netcfg) and runs on the build host
 * as well (static musl). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>

#include "link.h"
#include "log.h"
#include "netcfg.h"
#include "select.h"
#include "lib/file.h"
#include "lib/bootcfg/init_params.h"	/* MEDIA_ID_MAX */

static int usage(void)
{
	fprintf(stderr,
		"usage: netcfg check [--file NETWORK.CONF] CMDLINE...\n"
		"       netcfg show\n"
		"       netcfg apply [--resolv FILE] [--hostname] [--allow-virtual] CMDLINE...\n"
		"       netcfg run [--resolv FILE] [--hostname] [--allow-virtual] CMDLINE...\n"
		"       netcfg run --appliance [--media ID [--media-timeout S]]\n"
		"check: parse a kernel command line (fathom.*, epoxy.*, ip=, BOOTIF=) and\n"
		"  a network.conf, print the configuration, or one line per error (exit 1).\n"
		"show: the links, their drivers, carrier, whether auto would choose them,\n"
		"  and their addresses.\n"
		"apply: configure the uplink as /init does; resolv.conf only with --resolv,\n"
		"  the hostname only with --hostname.\n"
		"run: as apply, but waits for carrier past the deadline, prints \"ready\"\n"
		"  on stdout once configured, then restores what goes missing, forever.\n"
		"--appliance: as /init runs it: the configuration from /proc/cmdline,\n"
		"  " NETCFG_CONF_PATH " and with --media the boot medium's fathom.conf\n"
		"  (command line first, then the medium, then network.conf); writes\n"
		"  /etc/resolv.conf and sets the hostname; log lines start with <LEVEL>.\n");
	return 2;
}

static void print_error(void *ctx, const char *msg)
{
	(void)ctx;
	nc_log(NC_ERR, "%s", msg);
}

/* Join argv into one command line. */
static void join_args(int argc, char **argv, char *buf, size_t len)
{
	size_t used = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < argc && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? " " : "", argv[i]);
}

/* Parse argv as a command line; returns the number of errors. */
static int config_from_args(struct netcfg_config *cfg, int argc, char **argv)
{
	char cmdline[8192];

	join_args(argc, argv, cmdline, sizeof(cmdline));
	netcfg_config_init(cfg);
	return netcfg_parse_cmdline(cfg, cmdline, print_error, NULL);
}

/* Read a network.conf into cfg; returns the number of errors. */
static int config_from_file(struct netcfg_config *cfg, const char *path)
{
	static char text[65536];
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f) {
		fprintf(stderr, "netcfg: %s: cannot open: %m\n", path);
		return 1;
	}
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	return netcfg_parse_file(cfg, text, path, print_error, NULL);
}

static int cmd_check(int argc, char **argv)
{
	struct netcfg_config cfg;
	char out[4096];
	int errors = 0;

	if (argc >= 2 && strcmp(argv[0], "--file") == 0) {
		errors = config_from_args(&cfg, argc - 2, argv + 2);
		errors += config_from_file(&cfg, argv[1]);
	} else {
		errors = config_from_args(&cfg, argc, argv);
	}
	if (errors > 0)
		return 1;
	if (netcfg_config_format(&cfg, out, sizeof(out)) < 0)
		return 1;
	fputs(out, stdout);
	return 0;
}

/* Print the addresses of every link, indented under it. */
static void show_addresses(struct nl_cache *addrs, int ifindex)
{
	struct nl_object *obj;
	char buf[INET6_ADDRSTRLEN + 8];

	for (obj = nl_cache_get_first(addrs); obj; obj = nl_cache_get_next(obj)) {
		struct rtnl_addr *a = (struct rtnl_addr *)obj;

		if (rtnl_addr_get_ifindex(a) != ifindex)
			continue;
		nl_addr2str(rtnl_addr_get_local(a), buf, sizeof(buf));
		printf("    %s %s\n", rtnl_addr_get_family(a) == AF_INET6 ? "inet6" : "inet", buf);
	}
}

static int cmd_show(void)
{
	struct netcfg_link links[NETCFG_MAX_LINKS];
	struct nl_sock *sk = nl_socket_alloc();
	struct nl_cache *addrs = NULL;
	int i, n;

	if (!sk || nl_connect(sk, NETLINK_ROUTE) < 0 ||
	    (n = links_snapshot(sk, links, NETCFG_MAX_LINKS)) < 0 ||
	    rtnl_addr_alloc_cache(sk, &addrs) < 0) {
		fprintf(stderr, "netcfg: cannot read the links over netlink\n");
		nl_socket_free(sk);
		return 1;
	}
	for (i = 0; i < n; i++) {
		const struct netcfg_link *l = &links[i];
		const char *why = uplink_ineligible_reason(l);
		const unsigned char *m = l->mac;

		printf("%s: mac %02x:%02x:%02x:%02x:%02x:%02x driver %s carrier %s auto: %s\n",
		       l->name, m[0], m[1], m[2], m[3], m[4], m[5], l->driver[0] ? l->driver : "-",
		       l->carrier ? "yes" : "no", why ? why : "candidate");
		show_addresses(addrs, l->ifindex);
	}
	nl_cache_free(addrs);
	nl_socket_free(sk);
	return 0;
}

/* What --appliance reads besides the command line. */
struct appliance {
	int on;
	const char *media_id;		/* fathom.media, passed by /init */
	unsigned media_timeout;
};

/* network.conf (from an overlay or boot media), if present. */
static void appliance_conf_read(struct netcfg_config *cfg)
{
	static char text[8192];

	if (file_read(NETCFG_CONF_PATH, text, sizeof(text)) < 0) {
		if (errno != ENOENT)
			nc_log(NC_ERR, "%s: unreadable or over %zu bytes; ignored", NETCFG_CONF_PATH,
			       sizeof(text) - 2);
		return;
	}
	netcfg_parse_file(cfg, text, NETCFG_CONF_PATH, print_error, NULL);
}

/* The boot medium's fathom.conf: below the command line (the parser keeps
 * each source's rank), above network.conf (read earlier, same rank). */
static void appliance_media_read(struct netcfg_config *cfg, const struct appliance *app)
{
	static char text[8192];
	char where[96];

	if (media_read_conf(app->media_id, app->media_timeout, text, sizeof(text), where,
			    sizeof(where)) && text[0])
		netcfg_parse_file(cfg, text, where, print_error, NULL);
}

/* The appliance's configuration: the command line outranks the files,
 * whatever the order they are read in. */
static void appliance_config(struct netcfg_config *cfg, const struct appliance *app)
{
	static char cmdline[4096];

	if (file_read("/proc/cmdline", cmdline, sizeof(cmdline)) < 0) {
		nc_log(NC_ERR, "cannot read /proc/cmdline: %s; using defaults", strerror(errno));
		cmdline[0] = '\0';
	}
	netcfg_config_init(cfg);
	appliance_conf_read(cfg);
	netcfg_parse_cmdline(cfg, cmdline, print_error, NULL);
	if (app->media_id)
		appliance_media_read(cfg, app);
}

static int cmd_apply(int argc, char **argv, int forever)
{
	struct netcfg_options opt = { 0 };
	struct appliance app = { .media_timeout = 30 };
	struct netcfg_config cfg;
	int i = 0;

	for (; i < argc && strncmp(argv[i], "--", 2) == 0 && argv[i][2]; i++) {
		if (strcmp(argv[i], "--resolv") == 0 && i + 1 < argc)
			opt.resolv_conf = argv[++i];
		else if (strcmp(argv[i], "--hostname") == 0)
			opt.set_hostname = 1;
		else if (strcmp(argv[i], "--allow-virtual") == 0)
			opt.allow_virtual = 1;
		else if (strcmp(argv[i], "--appliance") == 0 && forever)
			app.on = 1;
		else if (strcmp(argv[i], "--media") == 0 && i + 1 < argc && forever)
			app.media_id = argv[++i];
		else if (strcmp(argv[i], "--media-timeout") == 0 && i + 1 < argc && forever)
			app.media_timeout = (unsigned)strtoul(argv[++i], NULL, 10);
		else
			return usage();
	}
	if (app.on) {
		if (i < argc || (app.media_id && strlen(app.media_id) > MEDIA_ID_MAX))
			return usage();
		nc_log_levels(1);
		opt.resolv_conf = netcfg_appliance_options.resolv_conf;
		opt.set_hostname = netcfg_appliance_options.set_hostname;
		appliance_config(&cfg, &app);
	} else if (config_from_args(&cfg, argc - i, argv + i) > 0) {
		fprintf(stderr, "netcfg: applying the rest of the configuration\n");
	}
	if (forever)
		return netcfg_run(&cfg, &opt, STDOUT_FILENO) == 0 ? 0 : 1;
	return netcfg_apply(&cfg, &opt) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	if (strcmp(argv[1], "check") == 0)
		return cmd_check(argc - 2, argv + 2);
	if (strcmp(argv[1], "show") == 0 && argc == 2)
		return cmd_show();
	if (strcmp(argv[1], "apply") == 0)
		return cmd_apply(argc - 2, argv + 2, 0);
	if (strcmp(argv[1], "run") == 0)
		return cmd_apply(argc - 2, argv + 2, 1);
	return usage();
}
