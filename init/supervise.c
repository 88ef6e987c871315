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
#include "service.h"

/* A run shorter than this counts as a failure for the back-off. */
#define SERVICE_STABLE_MS 30000
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
static int stopping;	/* shutdown: no more starts or restarts */

long monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static int read_small_file(int dirfd, const char *name, char *buf, size_t len)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

/* Read every service file in dir (in name order, so startup is stable). */
int services_load(const char *dir)
{
	struct dirent **names;
	char text[4096], err[256];
	int i, n, dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dirfd < 0)
		return 0;
	n = scandir(dir, &names, NULL, alphasort);
	for (i = 0; i < n; i++) {
		const char *name = names[i]->d_name;

		if (name[0] != '.' && nservices < SERVICES_MAX) {
			if (read_small_file(dirfd, name, text, sizeof(text)) < 0)
				log_err("service %s: cannot read: %s", name, strerror(errno));
			else if (service_parse(&services[nservices], name, text, err, sizeof(err)) < 0)
				log_err("%s", err);
			else
				services[nservices++].out_fd = -1;
		}
		free(names[i]);
	}
	free(names);
	close(dirfd);
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
	if (syscall(SYS_close_range, 3, ~0U, 0) < 0)
		for (int fd = 3; fd < 1024; fd++)
			close(fd);
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

/* Before setuid: a user keeps its permitted set across it (KEEPCAPS); root
 * keeps only the declared capabilities in its bounding set, which is what
 * execve gives root. */
static int child_caps_keep(const struct service *svc, uid_t uid)
{
	int cap;

	if (!svc->capabilities)
		return 0;
	if (uid != 0)
		return prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0);
	for (cap = 0; cap < 64; cap++)
		if (!(svc->capabilities & (1ULL << cap)) &&
		    prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return -1;
	return 0;
}

/* After setuid: exactly the declared set, also ambient so that it survives
 * execve of a file without file capabilities. */
static int child_caps_raise(const struct service *svc, uid_t uid)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	int i, cap;

	if (!svc->capabilities || uid == 0)
		return 0;
	for (i = 0; i < _LINUX_CAPABILITY_U32S_3; i++) {
		data[i].permitted = (__u32)(svc->capabilities >> (32 * i));
		data[i].effective = data[i].inheritable = data[i].permitted;
	}
	if (syscall(SYS_capset, &hdr, data) < 0)
		return -1;
	for (cap = 0; cap < 64; cap++)
		if ((svc->capabilities & (1ULL << cap)) &&
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			return -1;
	return 0;
}

/* In the child: a clean process (signals, session, limits, user,
 * capabilities, directory), then exec. */
static void service_exec(const struct service *svc, const struct service_creds *c, int out)
{
	sigset_t none;

	child_stdio(out);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setsid();
	child_limits(svc);
	if (child_caps_keep(svc, c->uid) < 0 || setgroups(c->ngroups, c->groups) < 0 ||
	    setgid(c->gid) < 0 || setuid(c->uid) < 0)
		child_fail(svc, "cannot drop privileges");
	if (child_caps_raise(svc, c->uid) < 0)
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

static void service_start(struct service *svc)
{
	struct service_creds creds;
	int pipefd[2];
	pid_t pid;

	if (service_creds(svc, &creds) < 0)
		return;
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		log_err("service %s: pipe: %s; its output goes to the console", svc->name, strerror(errno));
		pipefd[0] = pipefd[1] = -1;
	}
	pid = fork();
	if (pid < 0) {
		log_err("service %s: fork: %s", svc->name, strerror(errno));
		svc->restart_at_ms = monotonic_ms() + 1000;
		close(pipefd[0]);
		close(pipefd[1]);
		return;
	}
	if (pid == 0)
		service_exec(svc, &creds, pipefd[1]);
	close(pipefd[1]);
	if (svc->out_fd >= 0)
		close(svc->out_fd);	/* a previous run's, after its EOF was missed */
	svc->out_fd = pipefd[0];
	svc->out_len = 0;
	if (pipefd[0] >= 0)
		fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
	svc->pid = pid;
	svc->started_ms = monotonic_ms();
	svc->restart_at_ms = 0;
	log_info("service %s: started (pid %d)", svc->name, (int)pid);
}

/* Start every service not yet running whose prerequisites hold. */
void services_start(int network_ready)
{
	int i;

	if (network_ready)
		network_is_ready = 1;
	for (i = 0; i < nservices; i++) {
		struct service *svc = &services[i];

		if (svc->pid == 0 && svc->restart_at_ms == 0 &&
		    (!svc->after_network || network_is_ready))
			service_start(svc);
	}
}

static void describe_status(int status, char *buf, size_t len)
{
	if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
}

void services_child_exited(pid_t pid, int status, long now_ms)
{
	char how[64];
	int i;

	for (i = 0; i < nservices; i++) {
		struct service *svc = &services[i];
		unsigned delay;

		if (svc->pid != pid)
			continue;
		/* Whatever the service left behind in its process group
		 * (grandchildren) goes with it, so a restart starts clean. */
		kill(-pid, SIGKILL);
		svc->pid = 0;
		describe_status(status, how, sizeof(how));
		if (stopping) {
			log_info("service %s: %s", svc->name, how);
			return;
		}
		if (!service_should_restart(svc, status)) {
			log_info("service %s: %s; not restarted (restart policy)", svc->name, how);
			svc->restart_at_ms = -1;
			return;
		}
		svc->failures = now_ms - svc->started_ms >= SERVICE_STABLE_MS ? 0 : svc->failures + 1;
		delay = service_restart_delay(svc->failures ? svc->failures - 1 : 0);
		svc->restart_at_ms = now_ms + delay * 1000L;
		log_err("service %s: %s; restarting in %us", svc->name, how, delay);
		return;
	}
}

void services_restart_due(long now_ms)
{
	int i;

	for (i = 0; i < nservices && !stopping; i++)
		if (services[i].restart_at_ms > 0 && services[i].restart_at_ms <= now_ms)
			service_start(&services[i]);
}

/* The earliest pending restart, or 0 if none. */
long services_next_restart_ms(void)
{
	long next = 0;
	int i;

	for (i = 0; i < nservices; i++) {
		long at = services[i].restart_at_ms;

		if (at > 0 && (next == 0 || at < next))
			next = at;
	}
	return next;
}

/* Signal each running service's process group; no more restarts. */
void services_stop_all(int sig)
{
	int i;

	stopping = 1;
	for (i = 0; i < nservices; i++) {
		services[i].restart_at_ms = -1;
		if (services[i].pid > 0)
			kill(-services[i].pid, sig);
	}
}

/* Log what a service wrote, line by line, with its name as prefix. */
static void service_output_flush(struct service *svc, int all)
{
	char *start = svc->out_buf, *nl;
	size_t left = svc->out_len;

	while ((nl = memchr(start, '\n', left)) != NULL) {
		log_info("%s: %.*s", svc->name, (int)(nl - start), start);
		left -= (size_t)(nl - start) + 1;
		start = nl + 1;
	}
	/* A line longer than the buffer is logged in pieces. */
	if (left > 0 && (all || left == sizeof(svc->out_buf))) {
		log_info("%s: %.*s", svc->name, (int)left, start);
		left = 0;
	}
	memmove(svc->out_buf, start, left);
	svc->out_len = left;
}

void services_output_read(int fd)
{
	int i;

	for (i = 0; i < nservices; i++) {
		struct service *svc = &services[i];
		ssize_t n;

		if (svc->out_fd != fd)
			continue;
		n = read(fd, svc->out_buf + svc->out_len, sizeof(svc->out_buf) - svc->out_len);
		if (n > 0) {
			svc->out_len += (size_t)n;
			service_output_flush(svc, 0);
		} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			service_output_flush(svc, 1);
			close(fd);
			svc->out_fd = -1;
		}
		return;
	}
}

/* The output fds to watch; returns how many were written to fds. */
int services_output_fds(int *fds, int max)
{
	int i, n = 0;

	for (i = 0; i < nservices && n < max; i++)
		if (services[i].out_fd >= 0)
			fds[n++] = services[i].out_fd;
	return n;
}

/* Whether any service is still running. */
int services_running(void)
{
	int i;

	for (i = 0; i < nservices; i++)
		if (services[i].pid > 0)
			return 1;
	return 0;
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
