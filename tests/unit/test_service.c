/* Unit tests for init/service.c and init/child.c: tables of good and bad
 * service files, the restart back-off and policy, and the child table with
 * a fake clock and fake children. */
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "service.h"
#include "tap.h"

#define ERR_SIZE 512
#define MAX_EXPECT_ARGS 6

/* A good service file and what it must parse into. */
struct good_case {
	const char *name;
	const char *text;
	const char *argv[MAX_EXPECT_ARGS + 1];	/* NULL-terminated */
	const char *user;
	int after_network;
	enum service_restart restart;
	/* Zero or NULL: the default ("", "/", PATH and HOME only, none). */
	const char *group;
	const char *workdir;
	const char *envp[SERVICE_ENV_MAX + 3];
	unsigned limits_set;
	unsigned long long limit[SERVICE_LIMITS];
	unsigned long long capabilities;
};

#define DEFAULT_PATH "PATH=/usr/sbin:/usr/bin:/sbin:/bin"
#define INF SERVICE_LIMIT_INFINITY
#define CAP(n) (1ULL << (n))

/* A bad service file, a piece of its error, and the line it must name
 * (0 when the problem is with the file as a whole). */
struct bad_case {
	const char *name;
	const char *text;
	const char *message;
	int line;
};

static const struct good_case good_cases[] = {
	{ .name = "minimal", .text = "exec=/bin/true\n",
	  .argv = { "/bin/true" }, .user = "" },
	{ .name = "no-newline", .text = "exec=/bin/true",
	  .argv = { "/bin/true" }, .user = "" },
	{ .name = "args", .text = "exec=/usr/bin/node_exporter --web.listen-address=:9100 -v\n",
	  .argv = { "/usr/bin/node_exporter", "--web.listen-address=:9100", "-v" }, .user = "" },
	{ .name = "spaces", .text = "exec=  /bin/sleep \t 10\t\n",
	  .argv = { "/bin/sleep", "10" }, .user = "" },
	{ .name = "full",
	  .text = "exec=/usr/sbin/sshd -D -e\nuser=sshd\nafter=network\nrestart=on-failure\n",
	  .argv = { "/usr/sbin/sshd", "-D", "-e" }, .user = "sshd", .after_network = 1,
	  .restart = RESTART_ON_FAILURE },
	{ .name = "order", .text = "restart=never\nafter=network\nuser=nobody\nexec=/bin/x\n",
	  .argv = { "/bin/x" }, .user = "nobody", .after_network = 1,
	  .restart = RESTART_NEVER },
	{ .name = "always", .text = "exec=/bin/x\nrestart=always\n",
	  .argv = { "/bin/x" }, .user = "" },
	{ .name = "comments",
	  .text = "# A service\n#exec=relative\n\nexec=/bin/x a\n\n# user=bad=\n\n",
	  .argv = { "/bin/x", "a" }, .user = "" },
	{ .name = "hash-in-value", .text = "exec=/bin/echo #not-a-comment\n",
	  .argv = { "/bin/echo", "#not-a-comment" }, .user = "" },
	{ .name = "crlf", .text = "# dos\r\nexec=/bin/x -a\r\nuser=daemon\r\n\r\nafter=network\r\n"
	  "restart=never\r\n",
	  .argv = { "/bin/x", "-a" }, .user = "daemon", .after_network = 1,
	  .restart = RESTART_NEVER },
	{ .name = "crlf-no-final", .text = "exec=/bin/x\r\nrestart=on-failure",
	  .argv = { "/bin/x" }, .user = "", .restart = RESTART_ON_FAILURE },
	{ .name = "last-wins", .text = "exec=/bin/a 1\nexec=/bin/b 2 3\nuser=a\nuser=b\n"
	  "restart=never\nrestart=always\n",
	  .argv = { "/bin/b", "2", "3" }, .user = "b" },
	{ .name = "equals-in-args", .text = "exec=/bin/env A=1 B==2\n",
	  .argv = { "/bin/env", "A=1", "B==2" }, .user = "" },
	{ .name = "empty-exec-then-real", .text = "exec=\nexec=/bin/x\n",
	  .argv = { "/bin/x" }, .user = "" },
	{ .name = "group", .text = "exec=/bin/x\nuser=nobody\ngroup=nogroup\n",
	  .argv = { "/bin/x" }, .user = "nobody", .group = "nogroup" },
	{ .name = "group-only", .text = "group=adm\nexec=/bin/x\n",
	  .argv = { "/bin/x" }, .user = "", .group = "adm" },
	{ .name = "group-last-wins", .text = "exec=/bin/x\ngroup=a\ngroup=b-c_d.e\n",
	  .argv = { "/bin/x" }, .user = "", .group = "b-c_d.e" },
	{ .name = "env-one", .text = "exec=/usr/bin/env\nenv=FATHOM_TEST=42\n",
	  .argv = { "/usr/bin/env" }, .user = "",
	  .envp = { DEFAULT_PATH, "HOME=/", "FATHOM_TEST=42" } },
	{ .name = "env-value", .text = "exec=/bin/x\nenv=OPTS=-a=b  ==c #d\r\nenv=_e1=\n",
	  .argv = { "/bin/x" }, .user = "",
	  .envp = { DEFAULT_PATH, "HOME=/", "OPTS=-a=b  ==c #d", "_e1=" } },
	{ .name = "env-path", .text = "env=PATH=/opt/bin\nexec=/bin/x\nenv=A=1\n",
	  .argv = { "/bin/x" }, .user = "",
	  .envp = { "HOME=/", "PATH=/opt/bin", "A=1" } },
	{ .name = "env-home", .text = "exec=/bin/x\nenv=HOME=/var/lib/x\nenv=HOMEDIR=/y\n",
	  .argv = { "/bin/x" }, .user = "",
	  .envp = { DEFAULT_PATH, "HOME=/var/lib/x", "HOMEDIR=/y" } },
	{ .name = "env-not-path", .text = "exec=/bin/x\nenv=PATHS=1\nenv=PAT=2\n",
	  .argv = { "/bin/x" }, .user = "",
	  .envp = { DEFAULT_PATH, "HOME=/", "PATHS=1", "PAT=2" } },
	{ .name = "env-replace", .text = "exec=/bin/x\nenv=A=1\nenv=B=2\nenv=A=3\nenv=AB=4\n",
	  .argv = { "/bin/x" }, .user = "",
	  .envp = { DEFAULT_PATH, "HOME=/", "A=3", "B=2", "AB=4" } },
	{ .name = "workdir", .text = "exec=/bin/pwd\nworkdir=/tmp\n",
	  .argv = { "/bin/pwd" }, .user = "", .workdir = "/tmp" },
	{ .name = "workdir-odd", .text = "workdir=/var/lib/my dir/../x=y\nexec=/bin/x\n",
	  .argv = { "/bin/x" }, .user = "", .workdir = "/var/lib/my dir/../x=y" },
	{ .name = "limits", .text = "exec=/bin/x\nlimit.nofile=123\nlimit.core=0\n"
	  "limit.nproc=infinity\nlimit.memlock=0065536\nlimit.stack=8388608\n",
	  .argv = { "/bin/x" }, .user = "", .limits_set = 0x1f,
	  .limit = { 123, 0, INF, 65536, 8388608 } },
	{ .name = "limit-one", .text = "exec=/bin/x\nlimit.memlock=1\nlimit.memlock=infinity\n",
	  .argv = { "/bin/x" }, .user = "", .limits_set = 1u << LIMIT_MEMLOCK,
	  .limit = { [LIMIT_MEMLOCK] = INF } },
	{ .name = "limit-max", .text = "exec=/bin/x\nlimit.core=18446744073709551614\n",
	  .argv = { "/bin/x" }, .user = "", .limits_set = 1u << LIMIT_CORE,
	  .limit = { [LIMIT_CORE] = INF - 1 } },
	{ .name = "cap-one", .text = "exec=/bin/x\nuser=nobody\ncapabilities=CAP_NET_BIND_SERVICE\n",
	  .argv = { "/bin/x" }, .user = "nobody", .capabilities = 0x400 },
	{ .name = "cap-several", .text = "exec=/bin/x\ncapabilities=CAP_NET_BIND_SERVICE,"
	  "CAP_NET_RAW,CAP_NET_ADMIN,CAP_SYS_NICE,CAP_IPC_LOCK\n",
	  .argv = { "/bin/x" }, .user = "",
	  .capabilities = CAP(10) | CAP(13) | CAP(12) | CAP(23) | CAP(14) },
	{ .name = "cap-ends",
	  .text = "exec=/bin/x\ncapabilities=CAP_CHOWN,CAP_CHECKPOINT_RESTORE,CAP_CHOWN\n",
	  .argv = { "/bin/x" }, .user = "", .capabilities = CAP(0) | CAP(40) },
	{ .name = "cap-last-wins", .text = "exec=/bin/x\ncapabilities=CAP_SYS_ADMIN\n"
	  "capabilities=CAP_SYS_TIME,CAP_BPF\n",
	  .argv = { "/bin/x" }, .user = "", .capabilities = CAP(25) | CAP(39) },
	{ .name = "cap-all", .text = "exec=/bin/x\ncapabilities=all\n",
	  .argv = { "/bin/x" }, .user = "", .capabilities = SERVICE_CAPS_ALL },
	{ .name = "cap-all-then-one", .text = "exec=/bin/x\ncapabilities=all\n"
	  "capabilities=CAP_NET_ADMIN\n",
	  .argv = { "/bin/x" }, .user = "", .capabilities = CAP(12) },
	{ .name = "everything", .text = "# web\nexec=/usr/sbin/httpd -f\nuser=www\ngroup=www\n"
	  "env=LANG=C\nworkdir=/srv/www\nlimit.nofile=4096\n"
	  "capabilities=CAP_NET_BIND_SERVICE\nafter=network\nrestart=on-failure\n",
	  .argv = { "/usr/sbin/httpd", "-f" }, .user = "www", .after_network = 1,
	  .restart = RESTART_ON_FAILURE, .group = "www", .workdir = "/srv/www",
	  .envp = { DEFAULT_PATH, "HOME=/", "LANG=C" },
	  .limits_set = 1u << LIMIT_NOFILE, .limit = { 4096 }, .capabilities = 0x400 },
};

static const struct bad_case bad_cases[] = {
	{ "empty", "", "exec=: expected an absolute path", 0 },
	{ "only-comments", "# nothing\n\n", "exec=: expected an absolute path", 0 },
	{ "no-exec", "user=nobody\nrestart=never\n", "exec=: expected an absolute path", 0 },
	{ "empty-exec", "exec=\n", "exec=: expected an absolute path", 0 },
	{ "blank-exec", "exec= \t \n", "exec=: expected an absolute path", 0 },
	{ "relative", "exec=bin/true\n", "exec=: expected an absolute path", 0 },
	{ "dot-relative", "exec=./run.sh arg\n", "exec=: expected an absolute path", 0 },
	{ "unknown-key", "exec=/bin/x\nexecstart=/bin/y\n", "unknown key", 2 },
	{ "unknown-key-case", "# c\nEXEC=/bin/x\n", "unknown key", 2 },
	{ "key-space", "exec = /bin/x\n", "unknown key", 1 },
	{ "empty-key", "exec=/bin/x\n\n=/bin/y\n", "unknown key", 3 },
	{ "restart-bad", "exec=/bin/x\nrestart=sometimes\n",
	  "restart: expected always, on-failure or never", 2 },
	{ "restart-case", "exec=/bin/x\nrestart=Always\n", "restart: expected", 2 },
	{ "restart-empty", "restart=\nexec=/bin/x\n", "restart: expected", 1 },
	{ "restart-trailing", "exec=/bin/x\nrestart=never \n", "restart: expected", 2 },
	{ "after-bad", "exec=/bin/x\n\n\nafter=disk\n", "after: expected \"network\"", 4 },
	{ "after-empty", "after=\nexec=/bin/x\n", "after: expected \"network\"", 1 },
	{ "user-empty", "exec=/bin/x\nuser=\n", "user: expected a user name", 2 },
	{ "no-equals", "exec=/bin/x\nrestart never\n", "expected key=value", 2 },
	{ "bare-word", "/bin/x\n", "expected key=value", 1 },
	{ "no-equals-crlf", "exec=/bin/x\r\nbogus\r\n", "expected key=value", 2 },
	{ "error-before-exec", "bogus\nexec=/bin/x\n", "expected key=value", 1 },
	{ "user-space", "exec=/bin/x\nuser=nobody \n", "user: expected a user name", 2 },
	{ "user-colon", "exec=/bin/x\nuser=a:b\n", "user: expected a user name", 2 },
	{ "group-empty", "exec=/bin/x\ngroup=\n", "group: expected a group name", 2 },
	{ "group-colon", "group=x:0\nexec=/bin/x\n", "group: expected a group name", 1 },
	{ "group-list", "exec=/bin/x\ngroup=a,b\n", "group: expected a group name", 2 },
	{ "env-no-equals", "exec=/bin/x\nenv=FOO\n", "env: expected KEY=VALUE", 2 },
	{ "env-empty", "exec=/bin/x\nenv=\n", "env: expected KEY=VALUE", 2 },
	{ "env-empty-key", "exec=/bin/x\nenv==1\n", "env: expected KEY=VALUE", 2 },
	{ "env-digit", "exec=/bin/x\nenv=1A=2\n", "env: expected KEY=VALUE", 2 },
	{ "env-dash", "exec=/bin/x\nenv=A-B=2\n", "env: expected KEY=VALUE", 2 },
	{ "env-space", "exec=/bin/x\nenv=A B=2\n", "env: expected KEY=VALUE", 2 },
	{ "env-leading-space", "exec=/bin/x\nenv= A=2\n", "env: expected KEY=VALUE", 2 },
	{ "workdir-relative", "exec=/bin/x\nworkdir=tmp\n",
	  "workdir: expected an absolute path", 2 },
	{ "workdir-dot", "exec=/bin/x\nworkdir=./tmp\n", "workdir: expected an absolute path", 2 },
	{ "workdir-empty", "workdir=\nexec=/bin/x\n", "workdir: expected an absolute path", 1 },
	{ "limit-word", "exec=/bin/x\nlimit.nofile=lots\n",
	  "limit: expected a decimal number or \"infinity\"", 2 },
	{ "limit-empty", "exec=/bin/x\nlimit.core=\n", "limit: expected a decimal", 2 },
	{ "limit-negative", "exec=/bin/x\nlimit.nproc=-1\n", "limit: expected a decimal", 2 },
	{ "limit-plus", "exec=/bin/x\nlimit.nproc=+1\n", "limit: expected a decimal", 2 },
	{ "limit-hex", "exec=/bin/x\nlimit.stack=0x100\n", "limit: expected a decimal", 2 },
	{ "limit-suffix", "exec=/bin/x\nlimit.memlock=64k\n", "limit: expected a decimal", 2 },
	{ "limit-space", "exec=/bin/x\nlimit.nofile=12 \n", "limit: expected a decimal", 2 },
	{ "limit-infinity-case", "exec=/bin/x\nlimit.core=Infinity\n", "limit: expected", 2 },
	{ "limit-unlimited", "exec=/bin/x\nlimit.core=unlimited\n", "limit: expected", 2 },
	{ "limit-is-infinity", "exec=/bin/x\nlimit.core=18446744073709551615\n",
	  "limit: expected", 2 },
	{ "limit-overflow", "exec=/bin/x\nlimit.core=18446744073709551616\n",
	  "limit: expected", 2 },
	{ "limit-huge", "exec=/bin/x\nlimit.core=99999999999999999999999\n",
	  "limit: expected", 2 },
	{ "limit-unknown", "exec=/bin/x\nlimit.cpu=1\n", "unknown limit (expected limit.nofile", 2 },
	{ "limit-no-name", "exec=/bin/x\nlimit.=1\n", "unknown limit", 2 },
	{ "limit-case", "exec=/bin/x\nlimit.NOFILE=1\n", "unknown limit", 2 },
	{ "limit-bare", "exec=/bin/x\nlimit=1\n", "unknown key", 2 },
	{ "cap-unknown", "exec=/bin/x\ncapabilities=CAP_FOO\n",
	  "capabilities: unknown capability \"CAP_FOO\"", 2 },
	{ "cap-second-unknown", "exec=/bin/x\ncapabilities=CAP_NET_RAW,CAP_NET_BIND\n",
	  "unknown capability \"CAP_NET_BIND\"", 2 },
	{ "cap-no-prefix", "exec=/bin/x\ncapabilities=NET_RAW\n",
	  "unknown capability \"NET_RAW\"", 2 },
	{ "cap-lower", "exec=/bin/x\ncapabilities=cap_net_raw\n", "unknown capability", 2 },
	{ "cap-prefix-only", "exec=/bin/x\ncapabilities=CAP_\n", "unknown capability \"CAP_\"", 2 },
	{ "cap-longer", "exec=/bin/x\ncapabilities=CAP_NET_RAWX\n", "unknown capability", 2 },
	{ "cap-empty", "exec=/bin/x\ncapabilities=\n", "unknown capability \"\"", 2 },
	{ "cap-trailing-comma", "exec=/bin/x\ncapabilities=CAP_NET_RAW,\n",
	  "unknown capability \"\"", 2 },
	{ "cap-double-comma", "exec=/bin/x\ncapabilities=CAP_NET_RAW,,CAP_NET_ADMIN\n",
	  "unknown capability \"\"", 2 },
	{ "cap-space", "exec=/bin/x\ncapabilities=CAP_NET_RAW, CAP_NET_ADMIN\n",
	  "unknown capability \" CAP_NET_ADMIN\"", 2 },
	{ "cap-number", "exec=/bin/x\ncapabilities=10\n", "unknown capability \"10\"", 2 },
	{ "cap-all-and-one", "exec=/bin/x\ncapabilities=all,CAP_NET_RAW\n",
	  "unknown capability \"all\"", 2 },
	{ "cap-all-upper", "exec=/bin/x\ncapabilities=ALL\n", "unknown capability \"ALL\"", 2 },
	{ "cap-key-singular", "exec=/bin/x\ncapability=CAP_NET_RAW\n", "unknown key", 2 },
	{ "state-empty", "exec=/bin/x\nstate=\n", "state: expected an absolute directory", 2 },
	{ "state-relative", "exec=/bin/x\nstate=var/lib/x\n", "state: expected an absolute", 2 },
	{ "state-root", "exec=/bin/x\nstate=/\n", "state: expected an absolute", 2 },
	{ "state-dotdot", "exec=/bin/x\nstate=/var/lib/../../etc\n", "without \".\" or \"..\"", 2 },
	{ "state-dot", "exec=/bin/x\nstate=/var/./lib\n", "without \".\"", 2 },
	{ "state-double-slash", "exec=/bin/x\nstate=/var//lib\n", "state: expected", 2 },
	{ "state-trailing-slash", "exec=/bin/x\nstate=/var/lib/\n", "state: expected", 2 },
	{ "state-mode-decimal", "exec=/bin/x\nstate=/var/lib/x 0789\n", "state: MODE: expected octal", 2 },
	{ "state-mode-setuid", "exec=/bin/x\nstate=/var/lib/x 4755\n", "up to 0777", 2 },
	{ "state-mode-long", "exec=/bin/x\nstate=/var/lib/x 000700\n", "state: MODE", 2 },
	{ "state-mode-word", "exec=/bin/x\nstate=/var/lib/x rwx\n", "state: MODE", 2 },
	{ "state-group-bad", "exec=/bin/x\nstate=/var/lib/x 0750 a:b\n", "state: GROUP", 2 },
	{ "state-extra", "exec=/bin/x\nstate=/var/lib/x 0750 g more\n", "DIR [MODE [GROUP]]", 2 },
	{ "state-twice", "exec=/bin/x\nstate=/a\nstate=/a 0750\n", "already named", 3 },
	{ "state-too-many", "exec=/bin/x\nstate=/a\nstate=/b\nstate=/c\nstate=/d\nstate=/e\n",
	  "at most 4 directories", 6 },
};

/* A good file's state= lines and what they parse into. */
static const struct {
	const char *text;
	int n;
	struct service_state want[SERVICE_STATE_MAX];
} state_cases[] = {
	{ "exec=/bin/x\n", 0, { { "", 0, "" } } },
	{ "exec=/bin/x\nstate=/var/lib/ndt7\n", 1, { { "/var/lib/ndt7", 0700, "" } } },
	{ "state=/var/spool/ndt7 0770\nexec=/bin/x\n", 1, { { "/var/spool/ndt7", 0770, "" } } },
	{ "exec=/bin/x\nstate=\t/var/lib/platform-tls  750 ndt7 \n", 1,
	  { { "/var/lib/platform-tls", 0750, "ndt7" } } },
	{ "exec=/bin/x\nstate=/a 0\nstate=/a.b/..c 0644\nstate=/x/y_z 777\nstate=/d 0700 g\n", 4,
	  { { "/a", 0, "" }, { "/a.b/..c", 0644, "" }, { "/x/y_z", 0777, "" }, { "/d", 0700, "g" } } },
};

static void test_state_cases(void)
{
	char err[ERR_SIZE] = "";
	struct service svc;
	size_t i;
	int j, ok;

	for (i = 0; i < sizeof(state_cases) / sizeof(state_cases[0]); i++) {
		ok = service_parse(&svc, "s", state_cases[i].text, err, sizeof(err)) == 0 &&
		     svc.nstate == state_cases[i].n;
		for (j = 0; ok && j < svc.nstate; j++)
			ok = strcmp(svc.state[j].dir, state_cases[i].want[j].dir) == 0 &&
			     svc.state[j].mode == state_cases[i].want[j].mode &&
			     strcmp(svc.state[j].group, state_cases[i].want[j].group) == 0;
		CHECK(ok, "state case %zu: %d directories (%s)", i, svc.nstate, err);
	}
}

/* The error must name the service, and the line when there is one. */
static void check_error_text(const char *name, const char *err,
			     const char *message, int line)
{
	char want[128];

	snprintf(want, sizeof(want), "service %s: ", name);
	CHECK(strncmp(err, want, strlen(want)) == 0 &&
	      strstr(err, message) != NULL && strchr(err, '\n') == NULL,
	      "bad %s: \"%s\" has \"%s\"", name, err, message);
	if (line > 0) {
		snprintf(want, sizeof(want), "service %s: line %d: ", name, line);
		CHECK(strncmp(err, want, strlen(want)) == 0,
		      "bad %s: names line %d", name, line);
	}
}

/* envp: the expected strings in order, then NULL; env= strings live in
 * the service itself. */
static void check_envp(const struct good_case *tc, const struct service *svc)
{
	static const struct good_case defaults = { .envp = { DEFAULT_PATH, "HOME=/" } };
	const char *const *want = tc->envp[0] ? tc->envp : defaults.envp;
	int i, n, ok = 1;

	for (i = 0; want[i] && ok; i++)
		ok = svc->envp[i] && strcmp(svc->envp[i], want[i]) == 0;
	CHECK(ok && svc->envp[i] == NULL, "good %s: environment (%d entries, %d env=)",
	      tc->name, i, svc->nenv);
	for (i = 0, n = 0; svc->envp[i]; i++)
		n += svc->envp[i] >= svc->env[0] && svc->envp[i] < svc->env[SERVICE_ENV_MAX - 1];
	CHECK(n == svc->nenv, "good %s: %d env= strings point into the service", tc->name, n);
}

static void check_limits(const struct good_case *tc, const struct service *svc)
{
	int i, ok = svc->limits_set == tc->limits_set;

	for (i = 0; i < SERVICE_LIMITS; i++)
		ok = ok && svc->limit[i] == tc->limit[i];
	CHECK(ok, "good %s: limits set %#x, nofile %llu", tc->name, svc->limits_set,
	      svc->limit[LIMIT_NOFILE]);
}

static void test_good_case(const struct good_case *tc)
{
	char err[ERR_SIZE] = "";
	struct service svc;
	int rc, ok, i;

	rc = service_parse(&svc, tc->name, tc->text, err, sizeof(err));
	CHECK(rc == 0, "good %s: parses (%s)", tc->name, err);
	if (rc != 0)
		return;
	ok = strcmp(svc.name, tc->name) == 0;
	for (i = 0; tc->argv[i]; i++) {
		ok = ok && svc.argv[i] && strcmp(svc.argv[i], tc->argv[i]) == 0 &&
		     svc.argv[i] >= svc.exec &&
		     svc.argv[i] < svc.exec + sizeof(svc.exec);
		if (!ok)
			break;
	}
	CHECK(ok && svc.argv[i] == NULL, "good %s: name and argv (%d args)",
	      tc->name, i);
	CHECK(strcmp(svc.user, tc->user) == 0 &&
	      svc.after_network == tc->after_network &&
	      svc.restart == tc->restart,
	      "good %s: user \"%s\", after %d, restart %d", tc->name, svc.user,
	      svc.after_network, (int)svc.restart);
	CHECK(strcmp(svc.group, tc->group ? tc->group : "") == 0 &&
	      strcmp(svc.workdir, tc->workdir ? tc->workdir : "/") == 0,
	      "good %s: group \"%s\", workdir \"%s\"", tc->name, svc.group, svc.workdir);
	check_envp(tc, &svc);
	check_limits(tc, &svc);
	CHECK(svc.capabilities == tc->capabilities, "good %s: capabilities %#llx",
	      tc->name, svc.capabilities);
}

static void test_bad_case(const struct bad_case *tc)
{
	char err[ERR_SIZE] = "";
	struct service svc;

	CHECK(service_parse(&svc, tc->name, tc->text, err, sizeof(err)) == -1,
	      "bad %s: rejected", tc->name);
	check_error_text(tc->name, err, tc->message, tc->line);
}

static void test_tables(void)
{
	size_t i;

	for (i = 0; i < sizeof(good_cases) / sizeof(good_cases[0]); i++)
		test_good_case(&good_cases[i]);
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++)
		test_bad_case(&bad_cases[i]);
	printf("# %zu good cases, %zu bad cases\n",
	       sizeof(good_cases) / sizeof(good_cases[0]),
	       sizeof(bad_cases) / sizeof(bad_cases[0]));
}

/* "exec=/bin/x a a a ..." with nargs words in all. */
static void exec_line(char *buf, size_t len, int nargs)
{
	int i, n = snprintf(buf, len, "exec=/bin/x");

	for (i = 1; i < nargs; i++)
		n += snprintf(buf + n, len - n, " a%d", i);
	snprintf(buf + n, len - n, "\n");
}

/* "exec=/bin/x\n" then n lines "KEY<i>=VALUE" with KEY like "env=V". */
static void env_lines(char *buf, size_t len, int n, const char *key)
{
	int i, w = snprintf(buf, len, "exec=/bin/x\n");

	for (i = 0; i < n; i++)
		w += snprintf(buf + w, len - w, "%s%d=%d\n", key, i, i);
}

/* "KEY=" followed by a value of n characters, all c after the first. */
static void long_value(char *buf, size_t len, const char *key, char first, int n)
{
	int w = snprintf(buf, len, "exec=/bin/x\n%s=%c", key, first);

	memset(buf + w, 'v', (size_t)n - 1);
	buf[w + n - 1] = '\0';
}

static void test_limits_new_keys(void)
{
	char text[4096], err[ERR_SIZE] = "";
	struct service svc;
	int rc;

	env_lines(text, sizeof(text), SERVICE_ENV_MAX, "env=V");
	rc = service_parse(&svc, "env16", text, err, sizeof(err));
	CHECK(rc == 0 && svc.nenv == 16 && strcmp(svc.envp[17], "V15=15") == 0 &&
	      svc.envp[18] == NULL, "limits: 16 env= variables (%s)", err);
	env_lines(text, sizeof(text), SERVICE_ENV_MAX + 1, "env=V");
	CHECK(service_parse(&svc, "env17", text, err, sizeof(err)) == -1,
	      "limits: 17 env= variables are too many");
	check_error_text("env17", err, "env: at most 16 variables", 18);
	strcpy(text + strlen(text) - strlen("V16=16\n"), "V3=x\n");
	rc = service_parse(&svc, "env16again", text, err, sizeof(err));
	CHECK(rc == 0 && svc.nenv == 16 && strcmp(svc.env[3], "V3=x") == 0,
	      "limits: a 17th env= line for a known key replaces it (%s)", err);

	long_value(text, sizeof(text), "env", 'E', SERVICE_ENV_LEN - 1);
	text[17] = '=';
	rc = service_parse(&svc, "env255", text, err, sizeof(err));
	CHECK(rc == 0 && strlen(svc.env[0]) == SERVICE_ENV_LEN - 1,
	      "limits: env= entry of 255 characters (%s)", err);
	long_value(text, sizeof(text), "env", 'E', SERVICE_ENV_LEN);
	text[17] = '=';
	CHECK(service_parse(&svc, "env256", text, err, sizeof(err)) == -1,
	      "limits: env= entry of 256 characters is too long");
	check_error_text("env256", err, "env: too long", 2);

	long_value(text, sizeof(text), "workdir", '/', SERVICE_PATH_MAX - 1);
	rc = service_parse(&svc, "workdir255", text, err, sizeof(err));
	CHECK(rc == 0 && strlen(svc.workdir) == SERVICE_PATH_MAX - 1,
	      "limits: workdir of 255 characters (%s)", err);
	long_value(text, sizeof(text), "workdir", '/', SERVICE_PATH_MAX);
	CHECK(service_parse(&svc, "workdir256", text, err, sizeof(err)) == -1,
	      "limits: workdir of 256 characters is too long");
	check_error_text("workdir256", err, "workdir: too long", 2);

	long_value(text, sizeof(text), "group", 'g', 63);
	CHECK(service_parse(&svc, "group63", text, err, sizeof(err)) == 0 &&
	      strlen(svc.group) == 63, "limits: group of 63 characters (%s)", err);
	long_value(text, sizeof(text), "group", 'g', 64);
	CHECK(service_parse(&svc, "group64", text, err, sizeof(err)) == -1,
	      "limits: group of 64 characters is too long");
	check_error_text("group64", err, "group: expected a group name", 2);

	/* An unknown capability is quoted, shortened, in a one-line error. */
	long_value(text, sizeof(text), "capabilities", 'C', 900);
	CHECK(service_parse(&svc, "caplong", text, err, sizeof(err)) == -1,
	      "limits: a 900-character capability name is rejected");
	check_error_text("caplong", err, "unknown capability \"Cvvv", 2);
	CHECK(strlen(err) < 200, "limits: its error is short (%zu)", strlen(err));
}

static void test_limits(void)
{
	char text[SERVICE_EXEC_MAX * 3], err[ERR_SIZE] = "";
	struct service svc;
	int rc;

	exec_line(text, sizeof(text), SERVICE_ARGS_MAX);
	rc = service_parse(&svc, "args32", text, err, sizeof(err));
	CHECK(rc == 0 && strcmp(svc.argv[SERVICE_ARGS_MAX - 1], "a31") == 0 &&
	      svc.argv[SERVICE_ARGS_MAX] == NULL,
	      "limits: %d arguments are fine (%s)", SERVICE_ARGS_MAX, err);

	exec_line(text, sizeof(text), SERVICE_ARGS_MAX + 1);
	rc = service_parse(&svc, "args33", text, err, sizeof(err));
	CHECK(rc == -1, "limits: %d arguments are too many",
	      SERVICE_ARGS_MAX + 1);
	check_error_text("args33", err, "at most 32 arguments", 0);

	exec_line(text, sizeof(text), 100);
	CHECK(service_parse(&svc, "args100", text, err, sizeof(err)) == -1,
	      "limits: 100 arguments are too many");

	/* exec holds SERVICE_EXEC_MAX - 1 characters and a NUL. */
	memset(text, 'x', sizeof(text));
	memcpy(text, "exec=/", 6);
	text[5 + SERVICE_EXEC_MAX - 1] = '\0';
	rc = service_parse(&svc, "long", text, err, sizeof(err));
	CHECK(rc == 0 && strlen(svc.argv[0]) == SERVICE_EXEC_MAX - 1,
	      "limits: exec of %d characters is fine (%s)",
	      SERVICE_EXEC_MAX - 1, err);
	memset(text, 'x', sizeof(text));
	memcpy(text, "# ok\nexec=/", 11);
	text[10 + SERVICE_EXEC_MAX] = '\0';
	rc = service_parse(&svc, "toolong", text, err, sizeof(err));
	CHECK(rc == -1, "limits: exec of %d characters is too long",
	      SERVICE_EXEC_MAX);
	check_error_text("toolong", err, "exec: too long", 2);
	/* Far past the line buffer: still an error, not a truncated exec. */
	text[sizeof(text) - 1] = '\0';
	CHECK(service_parse(&svc, "waytoolong", text, err, sizeof(err)) == -1,
	      "limits: line longer than the line buffer is rejected");

	memset(text, 'u', sizeof(text));
	memcpy(text, "exec=/bin/x\nuser=", 17);
	text[17 + 63] = '\0';
	rc = service_parse(&svc, "user63", text, err, sizeof(err));
	CHECK(rc == 0 && strlen(svc.user) == 63, "limits: user of 63 characters");
	text[17 + 63] = 'u';
	text[17 + 64] = '\0';
	rc = service_parse(&svc, "user64", text, err, sizeof(err));
	CHECK(rc == -1, "limits: user of 64 characters is too long");
	check_error_text("user64", err, "user: expected a user name", 2);

	test_limits_new_keys();

	/* A tiny error buffer is filled and terminated, not overrun. */
	memset(err, '#', sizeof(err));
	CHECK(service_parse(&svc, "tiny", "bogus", err, 8) == -1 &&
	      strcmp(err, "service") == 0 && err[8] == '#',
	      "limits: error truncated to its buffer (\"%.8s\")", err);
}

/* A parse starts from scratch: nothing is left from the previous one. */
static void test_reuse(void)
{
	char err[ERR_SIZE] = "";
	struct service svc;

	service_parse(&svc, "first", "exec=/bin/a 1 2 3\nuser=u\nafter=network\n"
		      "restart=never\ngroup=g\nenv=A=1\nenv=PATH=/x\nworkdir=/w\n"
		      "limit.core=0\ncapabilities=CAP_NET_RAW\n", err, sizeof(err));
	CHECK(service_parse(&svc, "second", "exec=/bin/b\n", err, sizeof(err)) == 0 &&
	      strcmp(svc.name, "second") == 0 && svc.argv[1] == NULL &&
	      svc.user[0] == '\0' && svc.after_network == 0 &&
	      svc.restart == RESTART_ALWAYS && svc.child.pid == 0 &&
	      svc.failures == 0 && svc.child.start_at_ms == 0 && !svc.finished,
	      "reuse: second parse starts from defaults");
	CHECK(svc.group[0] == '\0' && svc.nenv == 0 && strcmp(svc.workdir, "/") == 0 &&
	      svc.limits_set == 0 && svc.capabilities == 0 &&
	      strcmp(svc.envp[0], DEFAULT_PATH) == 0 && strcmp(svc.envp[1], "HOME=/") == 0 &&
	      svc.envp[2] == NULL,
	      "reuse: group, env, workdir, limits and capabilities back to defaults");
}

static void test_restart_delay(void)
{
	static const struct {
		unsigned failures, delay;
	} cases[] = {
		{ 0, 1 }, { 1, 2 }, { 2, 4 }, { 3, 8 }, { 4, 16 }, { 5, 32 },
		{ 6, 60 }, { 7, 60 }, { 8, 60 }, { 31, 60 }, { 32, 60 },
		{ 33, 60 }, { 64, 60 }, { 1000, 60 }, { INT_MAX, 60 },
		{ UINT_MAX - 1, 60 }, { UINT_MAX, 60 },
	};
	unsigned prev = 0;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned got = service_restart_delay(cases[i].failures);

		CHECK(got == cases[i].delay, "delay(%u) = %u (want %u)",
		      cases[i].failures, got, cases[i].delay);
	}
	for (i = 0; i < 100; i++) {
		unsigned got = service_restart_delay((unsigned)i);

		if (got < prev || got > 60 || got == 0)
			break;
		prev = got;
	}
	CHECK(i == 100, "delay: non-decreasing, 1-60 for 0..99 (broke at %zu)", i);
}

static void test_should_restart(void)
{
	static const struct {
		const char *what;
		int status;
		int always, on_failure, never;
	} cases[] = {
		{ "exit 0", W_EXITCODE(0, 0), 1, 0, 0 },
		{ "exit 1", W_EXITCODE(1, 0), 1, 1, 0 },
		{ "exit 2 (shifted)", 2 << 8, 1, 1, 0 },
		{ "exit 255", W_EXITCODE(255, 0), 1, 1, 0 },
		{ "SIGTERM", SIGTERM, 1, 1, 0 },
		{ "SIGKILL", SIGKILL, 1, 1, 0 },
		{ "SIGSEGV with core", SIGSEGV | 0x80, 1, 1, 0 },
		{ "SIGHUP", W_EXITCODE(0, SIGHUP), 1, 1, 0 },
	};
	struct service svc;
	size_t i;

	memset(&svc, 0, sizeof(svc));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		svc.restart = RESTART_ALWAYS;
		CHECK(!!service_should_restart(&svc, cases[i].status) == cases[i].always,
		      "restart=always, %s: %d", cases[i].what, cases[i].always);
		svc.restart = RESTART_ON_FAILURE;
		CHECK(!!service_should_restart(&svc, cases[i].status) == cases[i].on_failure,
		      "restart=on-failure, %s: %d", cases[i].what, cases[i].on_failure);
		svc.restart = RESTART_NEVER;
		CHECK(!!service_should_restart(&svc, cases[i].status) == cases[i].never,
		      "restart=never, %s: %d", cases[i].what, cases[i].never);
	}
}

/* Runs of a service ending at given times: failures and back-off. */
static void test_service_exit(void)
{
	static const struct {
		enum service_restart restart;
		long started, ended;
		int status;
		int delay;		/* -1: not restarted */
		unsigned failures;
	} runs[] = {
		{ RESTART_ALWAYS, 0, 100, W_EXITCODE(1, 0), 1, 1 },
		{ RESTART_ALWAYS, 1100, 1200, W_EXITCODE(1, 0), 2, 2 },
		{ RESTART_ALWAYS, 3200, 3300, SIGKILL, 4, 3 },
		{ RESTART_ALWAYS, 7300, 7300 + SERVICE_STABLE_MS - 1, W_EXITCODE(0, 0), 8, 4 },
		{ RESTART_ALWAYS, 50000, 50000 + SERVICE_STABLE_MS, W_EXITCODE(1, 0), 1, 0 },
		{ RESTART_ON_FAILURE, 90000, 90100, W_EXITCODE(2, 0), 1, 1 },
		{ RESTART_ON_FAILURE, 91100, 91200, W_EXITCODE(0, 0), -1, 1 },
	};
	struct service svc;
	size_t i;

	memset(&svc, 0, sizeof(svc));
	for (i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		int delay;

		svc.restart = runs[i].restart;
		svc.started_ms = runs[i].started;
		delay = service_exit(&svc, runs[i].status, runs[i].ended);
		CHECK(delay == runs[i].delay && svc.failures == runs[i].failures &&
		      svc.finished == (delay < 0),
		      "exit: run %zu (%ld-%ld ms): delay %d (want %d), failures %u (want %u)", i,
		      runs[i].started, runs[i].ended, delay, runs[i].delay, svc.failures,
		      runs[i].failures);
	}
	memset(&svc, 0, sizeof(svc));
	svc.restart = RESTART_NEVER;
	CHECK(service_exit(&svc, W_EXITCODE(1, 0), 10) == -1 && svc.finished,
	      "exit: restart=never: not restarted, finished");
}

/* Fake children for the child table: pids from a counter, a fake clock. */
static long fake_now;
static pid_t fake_next_pid = 100;
static int fake_fail;		/* the next spawn fails, retry in 1 s */
static pid_t exit_saw_pid;

static pid_t fake_spawn(struct child *c)
{
	if (fake_fail) {
		fake_fail = 0;
		child_start_at(c, fake_now + 1000);
		return -1;
	}
	return fake_next_pid++;
}

/* ctx: the restart delay in ms, or NULL for none. */
static long fake_exited(struct child *c, int status, long now_ms)
{
	(void)status;
	exit_saw_pid = c->pid;
	return c->ctx ? now_ms + *(const long *)c->ctx : 0;
}

static void test_child_table(void)
{
	static const long second = 1000;
	struct child a = { "a", fake_spawn, fake_exited, (void *)&second, 0, 0 };
	struct child b = { "b", fake_spawn, fake_exited, NULL, 0, 0 };
	struct child c = { "c", fake_spawn, fake_exited, (void *)&second, 0, 0 };

	CHECK(child_register(&a) == 0 && child_register(&b) == 0 && child_register(&c) == 0,
	      "child: register three");
	fake_now = 0;
	child_start(&a);
	child_start(&b);
	fake_fail = 1;
	CHECK(child_start(&c) == -1 && c.pid == 0 && c.start_at_ms == 1000,
	      "child: a failed spawn asks for a retry");
	CHECK(a.pid == 100 && b.pid == 101 && child_find(100) == &a && child_find(101) == &b,
	      "child: started ones are found by pid");
	CHECK(child_find(999) == NULL && !child_exited(999, 0, 10) && child_find(0) == NULL,
	      "child: an orphan's pid is not ours");
	CHECK(child_exited(100, W_EXITCODE(1, 0), 5000) && exit_saw_pid == 100 && a.pid == 0 &&
	      a.start_at_ms == 6000, "child: exit handler sees the pid and sets the restart");
	CHECK(children_next_start_ms() == 1000, "child: next start is the earliest (%ld)",
	      children_next_start_ms());
	children_start_due(999);
	CHECK(c.pid == 0, "child: nothing starts before its time");
	children_start_due(1000);
	CHECK(c.pid == 102 && c.start_at_ms == 0 && children_next_start_ms() == 6000,
	      "child: the retry starts on time");
	CHECK(child_exited(101, W_EXITCODE(0, 0), 5500) && b.pid == 0 && b.start_at_ms == 0 &&
	      children_next_start_ms() == 6000, "child: no restart when the handler says so");
	children_start_due(6000);
	CHECK(a.pid == 103 && children_next_start_ms() == 0, "child: restarted after its delay");
	children_stop();
	CHECK(child_exited(103, SIGTERM, 7000) && a.pid == 0 && a.start_at_ms == 0 &&
	      child_start(&b) == -1 && b.pid == 0 && children_next_start_ms() == 0,
	      "child: once stopping, nothing starts or restarts");
}

int main(void)
{
	test_tables();
	test_state_cases();
	test_limits();
	test_reuse();
	test_restart_delay();
	test_should_restart();
	test_service_exit();
	test_child_table();
	return tap_done();
}
