/* Services declared in /etc/fathom/services/<name>.
 *
 * File format: one "key=value" per line; blank lines and lines starting
 * with '#' are ignored. Keys:
 *   exec=PATH ARG...   required; split on spaces and tabs (no quoting)
 *   user=NAME          run as this user from /etc/passwd (default: root)
 *   after=network      start only once netcfg has configured the uplink
 *   restart=always|on-failure|never   (default: always)
 */
#ifndef FATHOM_SERVICE_H
#define FATHOM_SERVICE_H

#include <stddef.h>
#include <sys/types.h>

#define SERVICE_NAME_MAX 64
#define SERVICE_ARGS_MAX 32
#define SERVICE_EXEC_MAX 1024

enum service_restart { RESTART_ALWAYS = 0, RESTART_ON_FAILURE, RESTART_NEVER };

struct service {
	char name[SERVICE_NAME_MAX];
	char exec[SERVICE_EXEC_MAX];	/* argv strings live here */
	char *argv[SERVICE_ARGS_MAX + 1];
	char user[64];
	int after_network;
	enum service_restart restart;

	/* Runtime state, owned by the supervisor. */
	pid_t pid;
	unsigned failures;	/* consecutive short-lived runs */
	long started_ms;
	long restart_at_ms;	/* 0 = no restart pending */
	int out_fd;		/* read end of the service's stdout+stderr, or -1 */
	size_t out_len;
	char out_buf[512];	/* a partial line not yet logged */
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

#endif
