/* The child table (child.h): one entry per process PID 1 supervises, one
 * reaping path for all of them, one place that knows the next start. */
#define _GNU_SOURCE
#include "child.h"

#include <errno.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static struct child *table[CHILDREN_MAX];
static int nchildren;
static int stopping;

int child_register(struct child *c)
{
	if (nchildren >= CHILDREN_MAX)
		return -1;
	table[nchildren++] = c;
	return 0;
}

pid_t child_start(struct child *c)
{
	pid_t pid;

	c->start_at_ms = 0;
	if (stopping)
		return -1;
	pid = c->spawn(c);
	if (pid > 0)
		c->pid = pid;
	return pid;
}

void child_start_at(struct child *c, long at_ms)
{
	c->start_at_ms = stopping ? 0 : at_ms;
}

struct child *child_find(pid_t pid)
{
	int i;

	for (i = 0; pid > 0 && i < nchildren; i++)
		if (table[i]->pid == pid)
			return table[i];
	return NULL;
}

int child_exited(pid_t pid, int status, long now_ms)
{
	struct child *c = child_find(pid);
	long next;

	if (!c)
		return 0;
	next = c->exited ? c->exited(c, status, now_ms) : 0;
	c->pid = 0;
	c->start_at_ms = stopping ? 0 : next;
	return 1;
}

void children_start_due(long now_ms)
{
	int i;

	for (i = 0; i < nchildren; i++) {
		struct child *c = table[i];

		if (c->pid == 0 && c->start_at_ms > 0 && c->start_at_ms <= now_ms)
			child_start(c);
	}
}

long children_next_start_ms(void)
{
	long next = 0;
	int i;

	for (i = 0; i < nchildren; i++) {
		long at = table[i]->start_at_ms;

		if (at > 0 && (next == 0 || at < next))
			next = at;
	}
	return next;
}

void children_stop(void)
{
	int i;

	stopping = 1;
	for (i = 0; i < nchildren; i++)
		table[i]->start_at_ms = 0;
}

int children_reap(long (*now_ms)(void))
{
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		child_exited(pid, status, now_ms());
	return !(pid < 0 && errno == ECHILD);
}

void child_close_fds(void)
{
	if (syscall(SYS_close_range, 3, ~0U, 0) < 0)
		for (int fd = 3; fd < 1024; fd++)
			close(fd);
}
