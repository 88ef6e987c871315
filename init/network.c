/* netcfg as a supervised child: PID 1 runs `/usr/sbin/netcfg run
 * --appliance`, which reads the configuration itself (command line, boot
 * medium, network.conf), says "ready" on its stdout once the uplink is
 * configured and logs on its stderr; PID 1 logs those lines and starts
 * netcfg again a second after it dies (it is idempotent). */
#define _GNU_SOURCE
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "log.h"
#include "output.h"
#include "lib/bootcfg/init_params.h"
#include "watch.h"

static struct {
	char path[512];
	char media_id[MEDIA_ID_MAX + 1];	/* fathom.media */
	char media_timeout[16];
	void (*on_ready)(void);
	int ready_fd;		/* netcfg's stdout */
	struct output err;	/* netcfg's stderr */
} net = { .ready_fd = -1, .err = { .fd = -1, .levels = 1 } };

/* In the child: stdin /dev/null, stdout and stderr the pipes, then exec. */
static void __attribute__((noreturn)) netcfg_exec(int out, int err)
{
	char *argv[] = { "netcfg", "run", "--appliance", "--media", net.media_id,
			 "--media-timeout", net.media_timeout, NULL };
	char *const env[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setsid();
	if (null >= 0)
		dup2(null, STDIN_FILENO);
	dup2(out, STDOUT_FILENO);
	dup2(err, STDERR_FILENO);
	child_close_fds();
	if (!net.media_id[0])
		argv[3] = NULL;
	execve(net.path, argv, env);
	dprintf(STDERR_FILENO, "<3>network: cannot run %s: %s\n", net.path, strerror(errno));
	_exit(127);
}

static void ready_close(void)
{
	if (net.ready_fd < 0)
		return;
	watch_remove(net.ready_fd);
	close(net.ready_fd);
	net.ready_fd = -1;
}

/* netcfg's stdout: "ready" once the uplink is configured. */
static void ready_read(int fd, short revents, void *ctx)
{
	char buf[64];
	ssize_t n = read(fd, buf, sizeof(buf));

	(void)revents;
	(void)ctx;
	if (n > 0 && memmem(buf, (size_t)n, "ready\n", 6))
		net.on_ready();
	else if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
		ready_close();
}

static pid_t netcfg_spawn(struct child *c)
{
	int out[2] = { -1, -1 }, err[2] = { -1, -1 };
	pid_t pid = -1;

	if (pipe2(out, O_CLOEXEC) == 0 && pipe2(err, O_CLOEXEC) == 0)
		pid = fork();
	if (pid < 0) {
		log_err("network: cannot start netcfg: %s; retrying in 1s", strerror(errno));
		child_start_at(c, monotonic_ms() + 1000);
		close(out[0]), close(out[1]), close(err[0]), close(err[1]);
		return -1;
	}
	if (pid == 0)
		netcfg_exec(out[1], err[1]);
	close(out[1]);
	close(err[1]);
	ready_close();
	net.ready_fd = out[0];
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	watch_add(out[0], POLLIN, ready_read, NULL);
	output_watch(&net.err, err[0]);
	return pid;
}

static long netcfg_exited(struct child *c, int status, long now_ms)
{
	(void)c;
	if (shutdown_in_progress())
		return 0;
	log_err("network: netcfg %s %d; restarting it in 1s",
		WIFSIGNALED(status) ? "killed by signal" : "exited with status",
		WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	return now_ms + 1000;
}

static struct child netcfg = { .name = "netcfg", .spawn = netcfg_spawn, .exited = netcfg_exited };

int network_start(const char *root, const struct init_config *cfg, void (*on_ready)(void))
{
	snprintf(net.path, sizeof(net.path), "%s%s", root, NETCFG_PATH);
	if (root[0] && access(net.path, X_OK) < 0)
		return -1;	/* test mode without a netcfg */
	memcpy(net.media_id, cfg->media_id, sizeof(net.media_id));
	snprintf(net.media_timeout, sizeof(net.media_timeout), "%u", cfg->media_timeout);
	net.on_ready = on_ready;
	if (child_register(&netcfg) < 0)
		return -1;
	child_start(&netcfg);
	return 0;
}
