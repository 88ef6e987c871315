/* The rescue shell (fathom.shell): a root shell on the console, and only
 * there, restarted a second after it exits. Off by default. A login shell:
 * the image's /etc/profile runs fathom-status, so the services' status
 * lines (/run/fathom/NAME/status) are the first thing it shows. */
#define _GNU_SOURCE
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "child.h"
#include "log.h"

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
	child_close_fds();
	if (chdir("/root") < 0)
		(void)!chdir("/");
	execve(argv[0], argv, env);
	_exit(127);
}

static pid_t shell_spawn(struct child *c)
{
	pid_t pid = fork();

	if (pid < 0) {
		log_err("shell: fork: %s; trying again in 1s", strerror(errno));
		child_start_at(c, monotonic_ms() + 1000);
		return -1;
	}
	if (pid == 0)
		shell_exec();
	log_info("shell: rescue shell on the console (pid %d)", (int)pid);
	return pid;
}

static long shell_exited(struct child *c, int status, long now_ms)
{
	(void)c;
	(void)status;
	return now_ms + 1000;
}

static struct child shell = { .name = "shell", .spawn = shell_spawn, .exited = shell_exited };

void shell_enable(void)
{
	if (child_register(&shell) == 0)
		child_start(&shell);
}
