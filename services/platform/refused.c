/* The platform agent after a refusal (its key, or its request): no
 * request to the platform until the time the log line gave, unless the
 * operator puts a new key in --api-key-file meanwhile. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "agent.h"

#define KEY_POLL_MS 2000	/* how often a refused agent looks at --api-key-file */

/* The key file's identity, to notice an operator's new key. */
void agent_key_stat(const struct platform_config *c, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	if (c->api_key_file && stat(c->api_key_file, st) < 0)
		memset(st, 0, sizeof(*st));
}

/* 1 when --api-key-file changed and holds a key (now in cfg->api_key). */
static int key_changed(struct agent *a)
{
	struct platform_config *c = a->cfg;
	struct stat st;
	char err[512];

	if (!a->key_from_file)
		return 0;
	agent_key_stat(c, &st);
	if (st.st_ino == a->key_st.st_ino && st.st_size == a->key_st.st_size &&
	    st.st_mtim.tv_sec == a->key_st.st_mtim.tv_sec &&
	    st.st_mtim.tv_nsec == a->key_st.st_mtim.tv_nsec)
		return 0;
	a->key_st = st;
	memset(c->api_key, 0, sizeof(c->api_key));
	if (config_load_key(c, err, sizeof(err)) < 0) {
		fprintf(stderr, "platform: %s\n", err);
		return 0;
	}
	fprintf(stderr, "platform: %s changed: trying its key\n", c->api_key_file);
	return 1;
}

/* After a refusal (the state line said until when): wait, no request
 * meanwhile, but look at the key file now and then. */
void agent_refused_wait(struct agent *a)
{
	time_t shown = 0;

	a->token[0] = '\0';
	a->register_due = 0;	/* with a key again, register first */
	while (!agent_stop && agent_now() < a->refused_until) {
		if (key_changed(a))
			return;
		if (agent_now() - shown >= 60) {
			agent_status(a);
			shown = agent_now();
		}
		agent_sleep_ms(KEY_POLL_MS);
	}
}
