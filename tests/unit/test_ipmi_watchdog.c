/* The BMC's watchdog in PID 1 (init/watchdog.c) against a fake /dev/ipmi0:
 * armed, fed, and when init gives up on it while it counts down, stopped
 * before it is closed (else it would reset the machine). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "init.h"
#include "ipmi.h"
#include "lib/bootcfg/init_params.h"
#include "lib/log.h"
#include "tap.h"
#include "watch.h"

/* The fake device: what init sent, answers queued for it, a failing read. */
static struct {
	int fd;				/* a real fd (a pipe), so that close() works */
	struct ipmi_request sent[16];
	long sent_id[16];
	int nsent;
	long answer_id[16];
	uint8_t answer_cc[16];
	int nanswers, next_answer;
	int recv_errno;			/* != 0: the next receive fails */
	watch_fn handler;
	int watched;
	char log[4096];
} dev = { .fd = -1 };

int ipmi_open(int nonblock)
{
	int p[2];

	(void)nonblock;
	if (pipe(p) < 0)
		return -1;
	close(p[1]);
	return dev.fd = p[0];
}

int ipmi_send(int fd, const struct ipmi_request *req, long msgid)
{
	if (fd != dev.fd || dev.nsent == 16)
		return errno = EBADF, -1;
	dev.sent[dev.nsent] = *req;
	dev.sent_id[dev.nsent++] = msgid;
	return 0;
}

ssize_t ipmi_recv(int fd, long *msgid, uint8_t *rsp, size_t size)
{
	(void)fd;
	(void)size;
	if (dev.recv_errno) {
		errno = dev.recv_errno;
		dev.recv_errno = 0;
		return -1;
	}
	if (dev.next_answer == dev.nanswers)
		return 0;
	*msgid = dev.answer_id[dev.next_answer];
	rsp[0] = dev.answer_cc[dev.next_answer++];
	return 1;
}

ssize_t ipmi_call(int fd, const struct ipmi_request *req, long msgid, uint8_t *rsp,
		  size_t size, int timeout_ms)
{
	(void)timeout_ms;
	if (ipmi_send(fd, req, msgid) < 0 || size < 1)
		return -1;
	rsp[0] = 0;
	return 1;
}

int watch_add(int fd, short events, watch_fn fn, void *ctx)
{
	(void)events;
	(void)ctx;
	if (fd == dev.fd) {
		dev.handler = fn;
		dev.watched = 1;
	}
	return 0;
}

void watch_remove(int fd)
{
	if (fd == dev.fd)
		dev.watched = 0;
}

unsigned services_max_failures(const char **name)
{
	*name = "";
	return 0;
}

void log_sink(enum log_level level, const char *line)
{
	(void)level;
	strncat(dev.log, line, sizeof(dev.log) - strlen(dev.log) - 2);
	strcat(dev.log, "\n");
}

/* The BMC answers the last request sent with completion code cc. */
static void answer_last(uint8_t cc)
{
	dev.answer_id[dev.nanswers] = dev.sent_id[dev.nsent - 1];
	dev.answer_cc[dev.nanswers++] = cc;
}

static int is_set_watchdog(const struct ipmi_request *r, uint8_t action)
{
	return r->cmd == IPMI_CMD_SET_WATCHDOG && r->len == 6 && r->data[1] == action;
}

static void arm(void)
{
	struct init_config cfg = { .watchdog_ipmi = 1, .watchdog_timeout = 6 };

	dev.nsent = dev.nanswers = dev.next_answer = 0;
	dev.log[0] = '\0';
	watchdog_start(&cfg, 1);
	watchdog_bmc_found();
	CHECK(dev.nsent == 2 && is_set_watchdog(&dev.sent[0], 1) &&
	      dev.sent[1].cmd == IPMI_CMD_RESET_WATCHDOG, "armed: Set (hard reset), then Reset");
	dev.answer_id[0] = dev.sent_id[0];
	dev.answer_id[1] = dev.sent_id[1];
	dev.nanswers = 2;
	dev.handler(dev.fd, 1, NULL);
	CHECK(strstr(dev.log, "watchdog: BMC (IPMI, /dev/ipmi0), timeout 6s") != NULL,
	      "the arming is logged");
}

/* The device fails while the timer counts down: init gives up on it, and
 * first stops it. */
static void test_give_up_stops(void)
{
	char want[128];

	arm();
	dev.recv_errno = EIO;
	dev.handler(dev.fd, 1, NULL);
	snprintf(want, sizeof(want), "watchdog: BMC: /dev/ipmi0: %s; running without a watchdog",
		 strerror(EIO));
	CHECK(strstr(dev.log, want) != NULL, "the failure is logged");
	CHECK(dev.nsent == 3 && is_set_watchdog(&dev.sent[2], 0),
	      "given up, it is stopped: Set Watchdog Timer with no action");
	CHECK(dev.watched, "the device stays open until the stop is answered");
	answer_last(0);
	dev.handler(dev.fd, 1, NULL);
	CHECK(strstr(dev.log, "watchdog: BMC watchdog stopped") != NULL, "the stop is logged");
	CHECK(!dev.watched, "then the device is closed");
	CHECK(watchdog_interval_ms() == 0, "and nothing is fed any more");
}

/* Without a timer nothing feeds the watchdog: said, with the cause. */
static void test_timer_failure(void)
{
	struct rlimit was, low = { 16, 16 };
	int fds[16], n = 0;
	char want[160];

	arm();
	getrlimit(RLIMIT_NOFILE, &was);
	low.rlim_max = was.rlim_max;
	setrlimit(RLIMIT_NOFILE, &low);
	while (n < 16 && (fds[n] = dup(0)) >= 0)
		n++;
	watchdog_timer_watch();
	while (n > 0)
		close(fds[--n]);
	setrlimit(RLIMIT_NOFILE, &was);
	snprintf(want, sizeof(want), "watchdog: cannot feed it, no timer: %s; it resets the "
		 "machine within 6s", strerror(EMFILE));
	CHECK(strstr(dev.log, want) != NULL, "a timer that cannot be had is logged with its cause");
}

int main(void)
{
	test_give_up_stops();
	test_timer_failure();
	if (tap_failed)
		printf("# log:\n%s", dev.log);
	return tap_done();
}
