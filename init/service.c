#define _GNU_SOURCE
#include "service.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

static int split_exec(struct service *svc)
{
	char *save = NULL, *tok;
	int argc = 0;

	for (tok = strtok_r(svc->exec, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		if (argc == SERVICE_ARGS_MAX)
			return -1;
		svc->argv[argc++] = tok;
	}
	svc->argv[argc] = NULL;
	return argc;
}

static int parse_restart(const char *v, enum service_restart *out)
{
	if (strcmp(v, "always") == 0)
		*out = RESTART_ALWAYS;
	else if (strcmp(v, "on-failure") == 0)
		*out = RESTART_ON_FAILURE;
	else if (strcmp(v, "never") == 0)
		*out = RESTART_NEVER;
	else
		return -1;
	return 0;
}

/* Apply one key=value; returns NULL or what is wrong with it. */
static const char *service_set(struct service *svc, const char *key, const char *value)
{
	if (strcmp(key, "exec") == 0) {
		if (strlen(value) >= sizeof(svc->exec))
			return "exec: too long";
		snprintf(svc->exec, sizeof(svc->exec), "%s", value);
		return NULL;
	}
	if (strcmp(key, "user") == 0) {
		if (!value[0] || strlen(value) >= sizeof(svc->user))
			return "user: expected a user name";
		snprintf(svc->user, sizeof(svc->user), "%s", value);
		return NULL;
	}
	if (strcmp(key, "after") == 0) {
		if (strcmp(value, "network") != 0)
			return "after: expected \"network\"";
		svc->after_network = 1;
		return NULL;
	}
	if (strcmp(key, "restart") == 0)
		return parse_restart(value, &svc->restart) ? "restart: expected always, on-failure or never" : NULL;
	return "unknown key (expected exec, user, after or restart)";
}

int service_parse(struct service *svc, const char *name, const char *text,
		  char *err, size_t errlen)
{
	char line[SERVICE_EXEC_MAX + 64];
	const char *p = text, *why;
	int lineno = 0;

	memset(svc, 0, sizeof(*svc));
	snprintf(svc->name, sizeof(svc->name), "%s", name);
	while (*p) {
		size_t len = strcspn(p, "\n");
		char *eq, *key;

		lineno++;
		snprintf(line, sizeof(line), "%.*s", (int)(len < sizeof(line) ? len : sizeof(line) - 1), p);
		p += len + (p[len] == '\n');
		if (len > 0 && len < sizeof(line) && line[len - 1] == '\r')
			line[len - 1] = '\0';	/* CRLF files */
		key = line + strspn(line, " \t");
		if (key[0] == '\0' || key[0] == '#')
			continue;
		eq = strchr(key, '=');
		why = eq ? (*eq = '\0', service_set(svc, key, eq + 1)) : "expected key=value";
		if (why) {
			snprintf(err, errlen, "service %s: line %d: %s", name, lineno, why);
			return -1;
		}
	}
	if (svc->exec[0] == '\0' || split_exec(svc) <= 0 || svc->argv[0][0] != '/') {
		snprintf(err, errlen, "service %s: exec=: expected an absolute path and at most %d arguments",
			 name, SERVICE_ARGS_MAX);
		return -1;
	}
	return 0;
}

unsigned service_restart_delay(unsigned failures)
{
	return failures >= 6 ? 60 : 1u << failures;
}

int service_should_restart(const struct service *svc, int status)
{
	int failed = !WIFEXITED(status) || WEXITSTATUS(status) != 0;

	switch (svc->restart) {
	case RESTART_ALWAYS:
		return 1;
	case RESTART_ON_FAILURE:
		return failed;
	default:
		return 0;
	}
}
