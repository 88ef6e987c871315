#define _GNU_SOURCE
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "netcfg.h"
#include "lib/bootcfg/init_params.h"

/* netcfg runs in a child of PID 1 (the same binary: it is linked in), so
 * waiting for carrier and watching the uplink never block the supervisor.
 * The child says "ready" over a pipe once the uplink is configured; if it
 * dies it is started again (it is idempotent). */
static struct {
	struct netcfg_config cfg;
	pid_t pid;
	int ready_fd;
	long start_at_ms;	/* 0 = not pending */
	char media_id[MEDIA_ID_MAX + 1];	/* fathom.media */
	unsigned media_timeout;
} net = { .ready_fd = -1 };

static void log_cmdline_error(void *ctx, const char *msg)
{
	(void)ctx;
	log_err("netcfg: %s", msg);
}

/* The boot medium's fathom.conf: below the command line (the parser keeps
 * each source's rank), above network.conf (read earlier, same rank). */
static void media_conf_read(void)
{
	static char text[8192];
	char where[96];

	if (media_read_conf(net.media_id, net.media_timeout, text, sizeof(text),
			    where, sizeof(where)) && text[0])
		netcfg_parse_file(&net.cfg, text, where, log_cmdline_error, NULL);
}

static void network_spawn(void)
{
	sigset_t none;
	int fds[2];

	net.start_at_ms = 0;
	if (pipe2(fds, O_CLOEXEC) < 0 || (net.pid = fork()) < 0) {
		log_err("network: cannot start netcfg: %s; retrying in 1s", strerror(errno));
		net.start_at_ms = monotonic_ms() + 1000;
		return;
	}
	if (net.pid == 0) {
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		close(fds[0]);
		if (net.media_id[0])
			media_conf_read();
		netcfg_run(&net.cfg, &netcfg_appliance_options, fds[1]);
		_exit(1);
	}
	close(fds[1]);
	if (net.ready_fd >= 0)
		close(net.ready_fd);
	net.ready_fd = fds[0];
}

/* /etc/fathom/network.conf (from an overlay or boot media), if present. */
static void network_conf_read(void)
{
	char text[8192];

	if (file_read(NETCFG_CONF_PATH, text, sizeof(text)) < 0) {
		if (errno != ENOENT)
			log_err("netcfg: %s: unreadable or over %zu bytes; ignored", NETCFG_CONF_PATH,
				sizeof(text) - 2);
		return;
	}
	netcfg_parse_file(&net.cfg, text, NETCFG_CONF_PATH, log_cmdline_error, NULL);
}

/* The command line outranks the file, whatever the order they are read in. */
void network_start(const char *cmdline, const struct init_config *cfg)
{
	memcpy(net.media_id, cfg->media_id, sizeof(net.media_id));
	net.media_timeout = cfg->media_timeout;
	netcfg_config_init(&net.cfg);
	network_conf_read();
	netcfg_parse_cmdline(&net.cfg, cmdline, log_cmdline_error, NULL);
	network_spawn();
}

int network_ready_fd(void)
{
	return net.ready_fd;
}

/* Returns 1 when netcfg reported the uplink ready. */
int network_ready_read(void)
{
	char buf[64];
	ssize_t n = read(net.ready_fd, buf, sizeof(buf));

	if (n > 0)
		return memmem(buf, (size_t)n, "ready\n", 6) != NULL;
	if (n == 0 || errno != EINTR) {
		close(net.ready_fd);
		net.ready_fd = -1;
	}
	return 0;
}

/* Returns 1 if pid was netcfg's; it is started again after a second. */
int network_child_exited(pid_t pid, int status, long now_ms)
{
	if (pid != net.pid || pid <= 0)
		return 0;
	net.pid = 0;
	if (shutdown_in_progress())
		return 1;
	log_err("network: netcfg %s %d; restarting it in 1s",
		WIFSIGNALED(status) ? "killed by signal" : "exited with status",
		WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	net.start_at_ms = now_ms + 1000;
	return 1;
}

long network_next_start_ms(void)
{
	return net.start_at_ms;
}

void network_start_due(long now_ms)
{
	if (net.start_at_ms && net.start_at_ms <= now_ms && !shutdown_in_progress())
		network_spawn();
}
