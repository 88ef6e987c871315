/* Services declared in /etc/fathom/services/<name>.
 *
 * File format: one "key=value" per line; blank lines and lines starting
 * with '#' are ignored. Keys:
 *   exec=PATH ARG...   required; split on spaces and tabs (no quoting)
 *   user=NAME          run as this user from /etc/passwd (default: root)
 *   group=NAME         primary group from /etc/group (default: the user's);
 *                      supplementary groups are the user's in /etc/group
 *   env=KEY=VALUE      repeatable, up to SERVICE_ENV_MAX keys; a repeated
 *                      KEY replaces the earlier value. PATH and HOME have
 *                      defaults that env= may override.
 *   workdir=/PATH      working directory (default: /)
 *   limit.nofile=N     also limit.core, limit.nproc, limit.memlock and
 *                      limit.stack: soft and hard limit; N is a decimal
 *                      number or "infinity" (default: inherited from init)
 *   capabilities=CAP_X[,CAP_Y...]   e.g. CAP_NET_BIND_SERVICE for port 80,
 *                      or "all" for every capability init has. A service
 *                      gets these and no other, whatever its user: every
 *                      other one is dropped from its bounding set, so not
 *                      even a setuid-root program gets it back. Without
 *                      this key a service has none (root too). A user
 *                      other than root gets them permitted, effective and
 *                      ambient (which the kernel allows only when they
 *                      are inheritable too); root gets them permitted and
 *                      effective through its bounding set, with empty
 *                      inheritable and ambient sets.
 *   state=DIR [MODE [GROUP]]   repeatable, up to SERVICE_STATE_MAX: before
 *                      each start DIR (absolute, no "." or ".." parts)
 *                      exists, owned by the service's user and group (or
 *                      GROUP), with MODE (octal, default 0700). With a data
 *                      partition on /data it is a bind mount of
 *                      /data/state/DIR, kept across reboots; else a
 *                      directory in RAM (init/state.c).
 *   after=network      start only once netcfg has configured the uplink
 *   restart=always|on-failure|never   (default: always)
 * Values are checked here; users and groups are looked up at start.
 */
#ifndef FATHOM_SERVICE_H
#define FATHOM_SERVICE_H

#include <stddef.h>
#include <sys/types.h>

#include "child.h"
#include "output.h"

#define SERVICE_NAME_MAX 64
#define SERVICE_ARGS_MAX 32
#define SERVICE_EXEC_MAX 1024
#define SERVICE_ENV_MAX 16
#define SERVICE_ENV_LEN 256	/* "KEY=VALUE" and its NUL */
#define SERVICE_PATH_MAX 256
#define SERVICE_STATE_MAX 4
/* A run shorter than this counts as a failure for the back-off. */
#define SERVICE_STABLE_MS 30000

/* Resource limits a service file can set, in the order of svc->limit[]. */
enum service_limit {
	LIMIT_NOFILE, LIMIT_CORE, LIMIT_NPROC, LIMIT_MEMLOCK, LIMIT_STACK,
	SERVICE_LIMITS
};
#define SERVICE_LIMIT_INFINITY (~0ULL)
/* capabilities=all: every capability init has (its permitted set). */
#define SERVICE_CAPS_ALL (~0ULL)

enum service_restart { RESTART_ALWAYS = 0, RESTART_ON_FAILURE, RESTART_NEVER };

/* One state= line. */
struct service_state {
	char dir[SERVICE_PATH_MAX];
	mode_t mode;
	char group[64];		/* "" : the service's group */
};

struct service {
	char name[SERVICE_NAME_MAX];
	char exec[SERVICE_EXEC_MAX];	/* argv strings live here */
	char *argv[SERVICE_ARGS_MAX + 1];
	char user[64];
	char group[64];
	char env[SERVICE_ENV_MAX][SERVICE_ENV_LEN];
	int nenv;
	char *envp[SERVICE_ENV_MAX + 3];	/* defaults + env, NULL-terminated */
	char workdir[SERVICE_PATH_MAX];	/* "/" unless set */
	unsigned limits_set;		/* bit (1 << enum service_limit) */
	unsigned long long limit[SERVICE_LIMITS];
	unsigned long long capabilities;	/* bit (1 << CAP_*), or SERVICE_CAPS_ALL */
	struct service_state state[SERVICE_STATE_MAX];
	int nstate;
	int after_network;
	enum service_restart restart;

	/* Runtime state, owned by the supervisor. */
	struct child child;	/* pid, pending start: the child table's entry */
	unsigned failures;	/* consecutive short-lived runs */
	long started_ms;
	int finished;		/* exited, and the restart policy says so */
	struct output out;	/* its stdout and stderr */
};

/* Parse the text of a service file. On error returns -1 and writes a
 * one-line message naming the line into err. */
int service_parse(struct service *svc, const char *name, const char *text,
		  char *err, size_t errlen);

/* Seconds to wait before restarting a service that has failed `failures`
 * times in a row: 1, 2, 4, ... capped at 60. */
unsigned service_restart_delay(unsigned failures);

/* Whether a service that exited with wait status `status` is restarted. */
int service_should_restart(const struct service *svc, int status);

/* A run of svc begun at svc->started_ms ended at now_ms with `status`:
 * counts a short run as a failure (svc->failures), and returns the seconds
 * to wait before the restart, or -1 when it is not restarted (and marks
 * it finished). */
int service_exit(struct service *svc, int status, long now_ms);

#endif
