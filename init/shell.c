#define _GNU_SOURCE
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "log.h"

/* The rescue shell (fathom.shell): a root shell on the console, and only
 * there, restarted whenever it exits. Off by default. */
static struct {
	int enabled;
	pid_t pid;
	long start_at_ms;	/* 0 = not pending */
} shell;

static void shell_exec(void)
{
	static char *const argv[] = { "/bin/sh", "-l", NULL };
	static char *const env[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root",
				     "TERM=vt100", "PS1=fathom# ", NULL };
	sigset_t none;
	int fd;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setsid();
	fd = open("/dev/console", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		_exit(127);
	/* A controlling terminal, so ctrl-c reaches what the shell runs. */
	ioctl(fd, TIOCSCTTY, 1);
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	if (chdir("/root") < 0)
		(void)!chdir("/");
	execve(argv[0], argv, env);
	_exit(127);
}

static void shell_start(void)
{
	pid_t pid = fork();

	shell.start_at_ms = 0;
	if (pid < 0) {
		log_err("shell: fork: %s", strerror(errno));
		shell.start_at_ms = monotonic_ms() + 1000;
		return;
	}
	if (pid == 0)
		shell_exec();
	shell.pid = pid;
	log_info("shell: rescue shell on the console (pid %d)", (int)pid);
}

void shell_enable(void)
{
	shell.enabled = 1;
	shell_start();
}

/* Returns 1 if pid was the shell; it comes back after a second. */
int shell_child_exited(pid_t pid, long now_ms)
{
	if (!shell.enabled || pid != shell.pid)
		return 0;
	shell.pid = 0;
	if (!shutdown_in_progress())
		shell.start_at_ms = now_ms + 1000;
	return 1;
}

long shell_next_start_ms(void)
{
	return shell.start_at_ms;
}

void shell_start_due(long now_ms)
{
	if (shell.start_at_ms && shell.start_at_ms <= now_ms && !shutdown_in_progress())
		shell_start();
}
