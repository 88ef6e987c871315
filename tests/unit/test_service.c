/* Unit tests for init/service.c: tables of good and bad service files, then
 * the restart back-off and the restart policy. */
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
};

/* A bad service file, a piece of its error, and the line it must name
 * (0 when the problem is with the file as a whole). */
struct bad_case {
	const char *name;
	const char *text;
	const char *message;
	int line;
};

static const struct good_case good_cases[] = {
	{ "minimal", "exec=/bin/true\n",
	  { "/bin/true" }, "", 0, RESTART_ALWAYS },
	{ "no-newline", "exec=/bin/true",
	  { "/bin/true" }, "", 0, RESTART_ALWAYS },
	{ "args", "exec=/usr/bin/node_exporter --web.listen-address=:9100 -v\n",
	  { "/usr/bin/node_exporter", "--web.listen-address=:9100", "-v" },
	  "", 0, RESTART_ALWAYS },
	{ "spaces", "exec=  /bin/sleep \t 10\t\n",
	  { "/bin/sleep", "10" }, "", 0, RESTART_ALWAYS },
	{ "full",
	  "exec=/usr/sbin/sshd -D -e\nuser=sshd\nafter=network\nrestart=on-failure\n",
	  { "/usr/sbin/sshd", "-D", "-e" }, "sshd", 1, RESTART_ON_FAILURE },
	{ "order", "restart=never\nafter=network\nuser=nobody\nexec=/bin/x\n",
	  { "/bin/x" }, "nobody", 1, RESTART_NEVER },
	{ "always", "exec=/bin/x\nrestart=always\n",
	  { "/bin/x" }, "", 0, RESTART_ALWAYS },
	{ "comments",
	  "# A service\n#exec=relative\n\nexec=/bin/x a\n\n# user=bad=\n\n",
	  { "/bin/x", "a" }, "", 0, RESTART_ALWAYS },
	{ "hash-in-value", "exec=/bin/echo #not-a-comment\n",
	  { "/bin/echo", "#not-a-comment" }, "", 0, RESTART_ALWAYS },
	{ "crlf", "# dos\r\nexec=/bin/x -a\r\nuser=daemon\r\n\r\nafter=network\r\n"
	  "restart=never\r\n",
	  { "/bin/x", "-a" }, "daemon", 1, RESTART_NEVER },
	{ "crlf-no-final", "exec=/bin/x\r\nrestart=on-failure",
	  { "/bin/x" }, "", 0, RESTART_ON_FAILURE },
	{ "last-wins", "exec=/bin/a 1\nexec=/bin/b 2 3\nuser=a\nuser=b\n"
	  "restart=never\nrestart=always\n",
	  { "/bin/b", "2", "3" }, "b", 0, RESTART_ALWAYS },
	{ "equals-in-args", "exec=/bin/env A=1 B==2\n",
	  { "/bin/env", "A=1", "B==2" }, "", 0, RESTART_ALWAYS },
	{ "empty-exec-then-real", "exec=\nexec=/bin/x\n",
	  { "/bin/x" }, "", 0, RESTART_ALWAYS },
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
};

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
		      "restart=never\n", err, sizeof(err));
	CHECK(service_parse(&svc, "second", "exec=/bin/b\n", err, sizeof(err)) == 0 &&
	      strcmp(svc.name, "second") == 0 && svc.argv[1] == NULL &&
	      svc.user[0] == '\0' && svc.after_network == 0 &&
	      svc.restart == RESTART_ALWAYS && svc.pid == 0 &&
	      svc.failures == 0 && svc.restart_at_ms == 0,
	      "reuse: second parse starts from defaults");
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

int main(void)
{
	test_tables();
	test_limits();
	test_reuse();
	test_restart_delay();
	test_should_restart();
	return tap_done();
}
