/* Services: load /etc/fathom/services, start them as their users with
 * their limits and capabilities, restart them with back-off. */
#define _GNU_SOURCE
#include "init.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "child.h"
#include "service.h"

#define SERVICE_GROUPS_MAX 64

/* Who a service runs as, looked up before fork: the lookups are not
 * async-signal-safe. */
struct service_creds {
	uid_t uid;
	gid_t gid;
	int ngroups;
	gid_t groups[SERVICE_GROUPS_MAX];
};

static const struct {
	const char *name;
	int resource;
} service_rlimits[SERVICE_LIMITS] = {
	[LIMIT_NOFILE] = { "nofile", RLIMIT_NOFILE },
	[LIMIT_CORE] = { "core", RLIMIT_CORE },
	[LIMIT_NPROC] = { "nproc", RLIMIT_NPROC },
	[LIMIT_MEMLOCK] = { "memlock", RLIMIT_MEMLOCK },
	[LIMIT_STACK] = { "stack", RLIMIT_STACK },
};

static struct service services[SERVICES_MAX];
static int nservices;
static int network_is_ready;

static pid_t service_spawn(struct child *c);
static long service_exited(struct child *c, int status, long now_ms);

/* Read the service file name in dir into the next slot of the table. */
static void service_add(const char *dir, const char *name)
{
	struct service *svc = &services[nservices];
	char path[512], text[4096], err[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (file_read(path, text, sizeof(text)) < 0) {
		log_err("service %s: cannot read: %s", name, strerror(errno));
	} else if (service_parse(svc, name, text, err, sizeof(err)) < 0) {
		log_err("%s", err);
	} else if (child_register(&svc->child) == 0) {
		svc->child = (struct child){ svc->name, service_spawn, service_exited, svc, 0, 0 };
		svc->out.fd = -1;
		snprintf(svc->out.prefix, sizeof(svc->out.prefix), "%s: ", name);
		nservices++;
	}
}

/* Read every service file in dir (in name order, so startup is stable). */
int services_load(const char *dir)
{
	struct dirent **names = NULL;	/* scandir leaves it as it is when it fails */
	int i, n = scandir(dir, &names, NULL, alphasort);

	if (n < 0 && errno == ENOENT)
		log_info("services: %s does not exist; no services", dir);
	else if (n < 0)
		log_err("services: %s: %s; no services", dir, strerror(errno));
	for (i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.' && nservices < SERVICES_MAX)
			service_add(dir, names[i]->d_name);
		free(names[i]);
	}
	free(names);
	return nservices;
}

/* In the child: stdin from /dev/null, stdout and stderr into the pipe to
 * init, nothing else open. */
static void child_stdio(int out)
{
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (null >= 0)
		dup2(null, STDIN_FILENO);
	if (out >= 0) {
		dup2(out, STDOUT_FILENO);
		dup2(out, STDERR_FILENO);
	}
	/* Everything init opens is O_CLOEXEC; this also covers what it
	 * inherited from the kernel or a test harness. */
	child_close_fds();
}

/* In the child: log why it cannot run the service, and give up. */
static void __attribute__((noreturn)) child_fail(const struct service *svc, const char *what)
{
	log_err("service %s: %s: %s", svc->name, what, strerror(errno));
	_exit(126);
}

/* In the child, while still root: raising a hard limit needs that. */
static void child_limits(const struct service *svc)
{
	char what[64];
	int i;

	for (i = 0; i < SERVICE_LIMITS; i++) {
		rlim_t v = svc->limit[i] == SERVICE_LIMIT_INFINITY ? RLIM_INFINITY : (rlim_t)svc->limit[i];
		struct rlimit rl = { v, v };

		if (!(svc->limits_set & (1u << i)) || setrlimit(service_rlimits[i].resource, &rl) == 0)
			continue;
		snprintf(what, sizeof(what), "limit.%s", service_rlimits[i].name);
		child_fail(svc, what);
	}
}

/* The capabilities svc gets: those it names, or with "all" what init has
 * (its permitted set). */
static int caps_wanted(const struct service *svc, unsigned long long *want)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	*want = svc->capabilities;
	if (svc->capabilities != SERVICE_CAPS_ALL)
		return 0;
	if (syscall(SYS_capget, &hdr, data) < 0)
		return -1;
	*want = data[0].permitted | (unsigned long long)data[1].permitted << 32;
	return 0;
}

/* Before setuid, still with all of root's: every capability not wanted
 * leaves the bounding set, so nothing run later (a setuid-root program, a
 * root service's execve) can have it again; the ambient set is emptied. A
 * user keeps its permitted set across setuid (KEEPCAPS) only to pass the
 * wanted ones on. */
static int child_caps_bound(unsigned long long want, uid_t uid)
{
	int cap;

	for (cap = 0; cap < 64; cap++)
		if (!(want & (1ULL << cap)) &&
		    prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return -1;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		return -1;
	return want && uid != 0 ? prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) : 0;
}

/* After setuid: permitted and effective exactly `want`. Root gets them
 * back at execve from its bounding set and needs no inheritable set. A
 * user's survive execve (of a file without file capabilities) only as
 * ambient ones, which the kernel allows only when they are inheritable
 * too: so for a user, inheritable = ambient = want. */
static int child_caps_set(unsigned long long want, uid_t uid)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	int i, cap;

	for (i = 0; i < _LINUX_CAPABILITY_U32S_3; i++) {
		data[i].permitted = data[i].effective = (__u32)(want >> (32 * i));
		data[i].inheritable = uid != 0 ? data[i].permitted : 0;
	}
	if (syscall(SYS_capset, &hdr, data) < 0)
		return -1;
	for (cap = 0; uid != 0 && cap < 64; cap++)
		if ((want & (1ULL << cap)) &&
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			return -1;
	return 0;
}

/* In the child: a clean process (signals, session, limits, user,
 * capabilities, directory), then exec. */
static void service_exec(const struct service *svc, const struct service_creds *c, int out)
{
	unsigned long long want;
	sigset_t none;

	child_stdio(out);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setsid();
	child_limits(svc);
	if (caps_wanted(svc, &want) < 0 || child_caps_bound(want, c->uid) < 0)
		child_fail(svc, "capabilities (bounding set)");
	if (setgroups((size_t)c->ngroups, c->groups) < 0 || setgid(c->gid) < 0 || setuid(c->uid) < 0)
		child_fail(svc, "cannot drop privileges");
	if (child_caps_set(want, c->uid) < 0)
		child_fail(svc, "capabilities");
	if (chdir(svc->workdir) < 0) {
		log_err("service %s: workdir %s: %s", svc->name, svc->workdir, strerror(errno));
		_exit(126);
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		child_fail(svc, "no_new_privs");
	execve(svc->argv[0], svc->argv, svc->envp);
	log_err("service %s: cannot run %s: %s", svc->name, svc->argv[0], strerror(errno));
	_exit(127);
}

/* getgrouplist failed: too many groups (the first were filled in), or
 * /etc/group could not be read (then only the primary group). */
static void service_groups_fallback(const struct service *svc, const char *user,
				    struct service_creds *c)
{
	if (c->ngroups > SERVICE_GROUPS_MAX) {
		log_warn("service %s: user %s: in more than %d groups; only the first are set",
			 svc->name, user, SERVICE_GROUPS_MAX);
		c->ngroups = SERVICE_GROUPS_MAX;
		return;
	}
	log_warn("service %s: cannot read /etc/group; no supplementary groups", svc->name);
	c->groups[0] = c->gid;
	c->ngroups = 1;
}

/* The user's uid and groups from /etc/passwd and /etc/group; group= sets
 * the primary group. Returns -1 (logged) if a name is unknown. */
static int service_creds(const struct service *svc, struct service_creds *c)
{
	const char *user = svc->user[0] ? svc->user : "root";
	struct passwd *pw = getpwnam(user);
	struct group *gr;

	c->uid = pw ? pw->pw_uid : 0;
	c->gid = pw ? pw->pw_gid : 0;
	if (!pw && svc->user[0]) {
		log_err("service %s: user %s: not in /etc/passwd; add it to the board's overlay",
			svc->name, svc->user);
		return -1;
	}
	if (svc->group[0]) {
		gr = getgrnam(svc->group);
		if (!gr) {
			log_err("service %s: group %s: not in /etc/group; add it to the board's overlay",
				svc->name, svc->group);
			return -1;
		}
		c->gid = gr->gr_gid;
	}
	c->ngroups = SERVICE_GROUPS_MAX;
	if (getgrouplist(user, c->gid, c->groups, &c->ngroups) < 0)
		service_groups_fallback(svc, user, c);
	return 0;
}

/* Each state= directory, before the start (init/state.c); a failure is
 * logged and the service starts anyway: it says best what it misses. */
static void service_state_dirs(const struct service *svc, const struct service_creds *c)
{
	int i;

	for (i = 0; i < svc->nstate; i++) {
		const struct service_state *st = &svc->state[i];
		struct group *gr = st->group[0] ? getgrnam(st->group) : NULL;

		if (st->group[0] && !gr)
			log_err("service %s: state %s: group %s not in /etc/group; using the "
				"service's group", svc->name, st->dir, st->group);
		state_dir_prepare(svc->name, getenv("FATHOM_TEST_ROOT"), st->dir, c->uid,
				  gr ? gr->gr_gid : c->gid, st->mode);
	}
}

static pid_t service_spawn(struct child *c)
{
	struct service *svc = c->ctx;
	struct service_creds creds;
	int pipefd[2];
	pid_t pid;

	if (service_creds(svc, &creds) < 0)
		return -1;
	service_state_dirs(svc, &creds);
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		log_err("service %s: pipe: %s; its output goes to the console", svc->name, strerror(errno));
		pipefd[0] = pipefd[1] = -1;
	}
	pid = fork();
	if (pid < 0) {
		log_err("service %s: fork: %s; trying again in 1s", svc->name, strerror(errno));
		child_start_at(c, monotonic_ms() + 1000);
		close(pipefd[0]);
		close(pipefd[1]);
		return -1;
	}
	if (pid == 0)
		service_exec(svc, &creds, pipefd[1]);
	close(pipefd[1]);
	output_watch(&svc->out, pipefd[0]);
	svc->started_ms = monotonic_ms();
	log_info("service %s: started (pid %d)", svc->name, (int)pid);
	return pid;
}

/* Start every service not yet running whose prerequisites hold. */
void services_start(int network_ready)
{
	int i;

	if (network_ready)
		network_is_ready = 1;
	for (i = 0; i < nservices; i++) {
		struct service *svc = &services[i];

		if (svc->child.pid == 0 && svc->child.start_at_ms == 0 && !svc->finished &&
		    (!svc->after_network || network_is_ready))
			child_start(&svc->child);
	}
}

static void describe_status(int status, char *buf, size_t len)
{
	if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
}

/* The child table's exit handler: when to start the service again. */
static long service_exited(struct child *c, int status, long now_ms)
{
	struct service *svc = c->ctx;
	char how[64];
	int delay;

	/* Whatever the service left behind in its process group
	 * (grandchildren) goes with it, so a restart starts clean. */
	kill(-c->pid, SIGKILL);
	describe_status(status, how, sizeof(how));
	if (shutdown_in_progress()) {
		log_info("service %s: %s", svc->name, how);
		return 0;
	}
	delay = service_exit(svc, status, now_ms);
	if (delay < 0) {
		log_info("service %s: %s; not restarted (restart policy)", svc->name, how);
		return 0;
	}
	log_err("service %s: %s; restarting in %ds", svc->name, how, delay);
	return now_ms + delay * 1000L;
}

/* Signal each running service's process group (shutdown). */
void services_stop_all(int sig)
{
	int i;

	for (i = 0; i < nservices; i++)
		if (services[i].child.pid > 0)
			kill(-services[i].child.pid, sig);
}

/* The highest count of consecutive failures of any service (for the
 * watchdog's health check), and that service's name. */
unsigned services_max_failures(const char **name)
{
	unsigned max = 0;
	int i;

	*name = "";
	for (i = 0; i < nservices; i++)
		if (services[i].failures > max) {
			max = services[i].failures;
			*name = services[i].name;
		}
	return max;
}
