/* Service files (/etc/fathom/services/NAME): parsing and the restart
 * back-off; pure, no system calls (supervise.c runs them). */
#define _GNU_SOURCE
#include "service.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

/* Capability numbers are kernel ABI (linux/capability.h); this file makes
 * no system calls and needs no kernel headers. */
static const char *const capability_names[] = {
	"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL",
	"SETGID", "SETUID", "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE",
	"NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER",
	"SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT",
	"SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME",
	"SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL",
	"SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM",
	"BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE",
};

static const char *const limit_names[SERVICE_LIMITS] = {
	[LIMIT_NOFILE] = "nofile", [LIMIT_CORE] = "core", [LIMIT_NPROC] = "nproc",
	[LIMIT_MEMLOCK] = "memlock", [LIMIT_STACK] = "stack",
};

/* Always in the environment unless env= sets the same key. */
static char default_path[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
static char default_home[] = "HOME=/";

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

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

/* Whether env entry s sets the variable named by key (up to its '='). */
static int env_has_key(const char *s, const char *key)
{
	size_t len = strcspn(key, "=");

	return strncmp(s, key, len) == 0 && s[len] == '=';
}

/* The defaults not overridden, then env= in file order. */
static void build_envp(struct service *svc)
{
	char *defaults[] = { default_path, default_home };
	size_t d;
	int i, n = 0, overridden;

	for (d = 0; d < ARRAY_SIZE(defaults); d++) {
		for (i = 0, overridden = 0; i < svc->nenv; i++)
			overridden |= env_has_key(svc->env[i], defaults[d]);
		if (!overridden)
			svc->envp[n++] = defaults[d];
	}
	for (i = 0; i < svc->nenv; i++)
		svc->envp[n++] = svc->env[i];
	svc->envp[n] = NULL;
}

/* A user or group name: what fits and cannot break /etc/passwd's format. */
static int valid_name(const char *v, size_t size)
{
	return v[0] && strlen(v) < size && !strpbrk(v, ": \t,");
}

static int valid_env_key(const char *v)
{
	size_t len = strcspn(v, "=");

	if (v[len] != '=' || len == 0 || (v[0] >= '0' && v[0] <= '9'))
		return 0;
	return strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		      "0123456789_") == len;
}

static const char *set_env(struct service *svc, const char *v)
{
	int i;

	if (!valid_env_key(v))
		return "env: expected KEY=VALUE (KEY: letters, digits, '_')";
	if (strlen(v) >= SERVICE_ENV_LEN)
		return "env: too long (at most 255 characters)";
	for (i = 0; i < svc->nenv && !env_has_key(svc->env[i], v); i++)
		;
	if (i == SERVICE_ENV_MAX)
		return "env: at most 16 variables";
	snprintf(svc->env[i], sizeof(svc->env[i]), "%s", v);
	if (i == svc->nenv)
		svc->nenv++;
	return NULL;
}

/* A decimal below SERVICE_LIMIT_INFINITY, or "infinity". */
static int parse_limit_value(const char *v, unsigned long long *out)
{
	unsigned long long n = 0;

	if (strcmp(v, "infinity") == 0) {
		*out = SERVICE_LIMIT_INFINITY;
		return 0;
	}
	if (!*v)
		return -1;
	for (; *v; v++) {
		unsigned d = (unsigned)(*v - '0');

		if (d > 9 || n > (SERVICE_LIMIT_INFINITY - 1 - d) / 10)
			return -1;
		n = n * 10 + d;
	}
	*out = n;
	return 0;
}

static const char *set_limit(struct service *svc, const char *name, const char *v)
{
	size_t i;

	for (i = 0; i < SERVICE_LIMITS && strcmp(name, limit_names[i]) != 0; i++)
		;
	if (i == SERVICE_LIMITS)
		return "unknown limit (expected limit.nofile, limit.core, limit.nproc, "
		       "limit.memlock or limit.stack)";
	if (parse_limit_value(v, &svc->limit[i]) < 0)
		return "limit: expected a decimal number or \"infinity\"";
	svc->limits_set |= 1u << i;
	return NULL;
}

static int capability_number(const char *name, size_t len)
{
	size_t i;

	if (len < 4 || strncmp(name, "CAP_", 4) != 0)
		return -1;
	for (i = 0; i < ARRAY_SIZE(capability_names); i++)
		if (strlen(capability_names[i]) == len - 4 &&
		    strncmp(name + 4, capability_names[i], len - 4) == 0)
			return (int)i;
	return -1;
}

/* "CAP_A,CAP_B", or "all" (root's, spelled out): the set replaces any
 * earlier capabilities= line. */
static const char *set_capabilities(struct service *svc, const char *v,
				    char *msg, size_t msglen)
{
	unsigned long long set = 0;

	if (strcmp(v, "all") == 0) {
		svc->capabilities = SERVICE_CAPS_ALL;
		return NULL;
	}
	for (;;) {
		size_t len = strcspn(v, ",");
		int cap = capability_number(v, len);

		if (cap < 0) {
			snprintf(msg, msglen, "capabilities: unknown capability \"%.*s\" "
				 "(expected CAP_NAME[,CAP_NAME...], e.g. CAP_NET_BIND_SERVICE, or all)",
				 (int)(len > 40 ? 40 : len), v);
			return msg;
		}
		set |= 1ULL << cap;
		if (v[len] == '\0')
			break;
		v += len + 1;
	}
	svc->capabilities = set;
	return NULL;
}

static const char *set_exec(struct service *svc, const char *v)
{
	if (strlen(v) >= sizeof(svc->exec))
		return "exec: too long";
	snprintf(svc->exec, sizeof(svc->exec), "%s", v);
	return NULL;
}

static const char *set_workdir(struct service *svc, const char *v)
{
	if (v[0] != '/')
		return "workdir: expected an absolute path";
	if (strlen(v) >= sizeof(svc->workdir))
		return "workdir: too long";
	snprintf(svc->workdir, sizeof(svc->workdir), "%s", v);
	return NULL;
}

static const char *set_name(char *dst, size_t size, const char *v, const char *what);

/* An absolute path without empty, "." or ".." parts and not "/" itself:
 * it names the same place under /data/state as on the root. */
static int valid_state_dir(const char *v)
{
	const char *p = v;

	if (v[0] != '/' || v[1] == '\0')
		return 0;
	while (*p == '/') {
		size_t len = strcspn(p + 1, "/");

		if (len == 0 || (len == 1 && p[1] == '.') || (len == 2 && p[1] == '.' && p[2] == '.'))
			return 0;
		p += 1 + len;
	}
	return 1;
}

/* Up to four octal digits, at most 0777 (no set-id or sticky bits). */
static int parse_mode(const char *v, mode_t *out)
{
	unsigned m = 0;
	size_t i;

	if (!v[0] || strlen(v) > 4)
		return -1;
	for (i = 0; v[i]; i++) {
		if (v[i] < '0' || v[i] > '7')
			return -1;
		m = m * 8 + (unsigned)(v[i] - '0');
	}
	if (m > 0777)
		return -1;
	*out = (mode_t)m;
	return 0;
}

/* "DIR [MODE [GROUP]]", split on spaces and tabs. */
static const char *add_state(struct service *svc, const char *v)
{
	char copy[SERVICE_PATH_MAX + 128], *save = NULL, *dir, *mode, *group;
	struct service_state st = { .mode = 0700 };
	int i;

	if (strlen(v) >= sizeof(copy))
		return "state: too long";
	snprintf(copy, sizeof(copy), "%s", v);
	dir = strtok_r(copy, " \t", &save);
	mode = strtok_r(NULL, " \t", &save);
	group = strtok_r(NULL, " \t", &save);
	if (!dir || !valid_state_dir(dir))
		return "state: expected an absolute directory without \".\" or \"..\" parts "
		       "(state=DIR [MODE [GROUP]])";
	if (strlen(dir) >= sizeof(st.dir))
		return "state: directory name too long";
	if (mode && parse_mode(mode, &st.mode) < 0)
		return "state: MODE: expected octal permissions up to 0777, e.g. 0750";
	if (group && set_name(st.group, sizeof(st.group), group, "state: GROUP: expected a group name"))
		return "state: GROUP: expected a group name";
	if (strtok_r(NULL, " \t", &save))
		return "state: expected DIR [MODE [GROUP]]";
	for (i = 0; i < svc->nstate; i++)
		if (strcmp(svc->state[i].dir, dir) == 0)
			return "state: this directory is already named";
	if (svc->nstate == SERVICE_STATE_MAX)
		return "state: at most 4 directories";
	snprintf(st.dir, sizeof(st.dir), "%s", dir);
	svc->state[svc->nstate++] = st;
	return NULL;
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

/* Keys whose value is a name. */
static const char *set_name(char *dst, size_t size, const char *v, const char *what)
{
	if (!valid_name(v, size))
		return what;
	snprintf(dst, size, "%s", v);
	return NULL;
}

/* Apply one key=value; returns NULL or what is wrong with it (possibly
 * written into msg). */
static const char *service_set(struct service *svc, const char *key, const char *value,
			       char *msg, size_t msglen)
{
	if (strcmp(key, "exec") == 0)
		return set_exec(svc, value);
	if (strcmp(key, "user") == 0)
		return set_name(svc->user, sizeof(svc->user), value, "user: expected a user name");
	if (strcmp(key, "group") == 0)
		return set_name(svc->group, sizeof(svc->group), value, "group: expected a group name");
	if (strcmp(key, "env") == 0)
		return set_env(svc, value);
	if (strcmp(key, "workdir") == 0)
		return set_workdir(svc, value);
	if (strncmp(key, "limit.", 6) == 0)
		return set_limit(svc, key + 6, value);
	if (strcmp(key, "capabilities") == 0)
		return set_capabilities(svc, value, msg, msglen);
	if (strcmp(key, "state") == 0)
		return add_state(svc, value);
	if (strcmp(key, "after") == 0) {
		if (strcmp(value, "network") != 0)
			return "after: expected \"network\"";
		svc->after_network = 1;
		return NULL;
	}
	if (strcmp(key, "restart") == 0)
		return parse_restart(value, &svc->restart) ? "restart: expected always, on-failure or never" : NULL;
	return "unknown key (expected exec, user, group, env, workdir, limit.*, "
	       "capabilities, state, after or restart)";
}

int service_parse(struct service *svc, const char *name, const char *text,
		  char *err, size_t errlen)
{
	char line[SERVICE_EXEC_MAX + 64];
	char msg[160];
	const char *p = text, *why;
	int lineno = 0;

	memset(svc, 0, sizeof(*svc));
	snprintf(svc->name, sizeof(svc->name), "%s", name);
	strcpy(svc->workdir, "/");
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
		why = eq ? (*eq = '\0', service_set(svc, key, eq + 1, msg, sizeof(msg))) : "expected key=value";
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
	build_envp(svc);
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

int service_exit(struct service *svc, int status, long now_ms)
{
	if (!service_should_restart(svc, status)) {
		svc->finished = 1;
		return -1;
	}
	svc->failures = now_ms - svc->started_ms >= SERVICE_STABLE_MS ? 0 : svc->failures + 1;
	return (int)service_restart_delay(svc->failures ? svc->failures - 1 : 0);
}
