/* The child table: every process PID 1 starts (services, the rescue shell,
 * netcfg, the BMC helper) is one entry, found by pid when it is reaped. */
#ifndef FATHOM_INIT_CHILD_H
#define FATHOM_INIT_CHILD_H

#include <sys/types.h>

#define CHILDREN_MAX 40

struct child;

/* Start the process: its pid, or -1 (the module logged why; it may set
 * c->start_at_ms to be tried again). */
typedef pid_t (*child_spawn_fn)(struct child *c);
/* It exited with wait status `status` at now_ms (c->pid is still its
 * pid): when to start it again (0: not again; ignored during shutdown). */
typedef long (*child_exited_fn)(struct child *c, int status, long now_ms);

struct child {
	const char *name;
	child_spawn_fn spawn;
	child_exited_fn exited;
	void *ctx;		/* the module's state for this child */
	pid_t pid;		/* 0 when not running */
	long start_at_ms;	/* 0 = no start pending */
};

/* Add c to the table (it stays owned by the caller). 0, or -1 if full. */
int child_register(struct child *c);
/* Start c now; returns its pid or -1 (see child_spawn_fn). */
pid_t child_start(struct child *c);
/* Start c at at_ms (from the event loop's timer). */
void child_start_at(struct child *c, long at_ms);

/* The entry of pid, or NULL (an orphan reparented to PID 1). */
struct child *child_find(pid_t pid);
/* Record an exit: the entry's handler decides about a restart. Returns 1
 * if pid was one of ours. */
int child_exited(pid_t pid, int status, long now_ms);
/* Start the children whose time has come. */
void children_start_due(long now_ms);
/* The earliest pending start, or 0 if none. */
long children_next_start_ms(void);
/* Shutdown: nothing is started or restarted from now on. */
void children_stop(void);
/* Reap every exited process (ours or orphans); returns 0 once the last
 * wait found no process at all (ECHILD). */
int children_reap(long (*now_ms)(void));

/* In a forked child before exec: close everything but 0, 1 and 2. */
void child_close_fds(void);

#endif
