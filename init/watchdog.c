/* The watchdog, fed from PID 1's event loop: /dev/watchdog or the BMC's. */
#define _GNU_SOURCE
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/timerfd.h>
#include <unistd.h>

/* From <linux/watchdog.h>, which clashes with musl's <sys/ioctl.h>. */
#define WATCHDOG_IOCTL_BASE 'W'
#define WDIOC_KEEPALIVE _IOR(WATCHDOG_IOCTL_BASE, 5, int)
#define WDIOC_SETTIMEOUT _IOWR(WATCHDOG_IOCTL_BASE, 6, int)

#include "ipmi.h"
#include "lib/bootcfg/init_params.h"
#include "log.h"
#include "watch.h"

/* A watchdog resets the machine unless PID 1 feeds it: the hardware one
 * (/dev/watchdog), or with fathom.watchdog=ipmi the BMC's. It is fed from
 * the event loop, so a wedged loop stops feeding by itself; a service
 * stuck in a crash loop past the limit stops it on purpose.
 *
 * The BMC's is fed with Reset Watchdog Timer through /dev/ipmi0: the
 * request is queued without waiting (the driver never blocks a send) and
 * the answer is read when the fd, registered with the loop, says it is
 * there. It is armed once the BMC child reports a BMC (ipmi_bmc.c). */
enum wd_kind { WD_NONE, WD_DEV, WD_BMC };

/* What a BMC answer is about: the low bits of its msgid. */
enum { BMC_SET = 1, BMC_RESET = 2, BMC_STOP = 3 };

static struct {
	enum wd_kind kind;
	int fd;
	unsigned timeout;
	unsigned max_failures;
	unsigned test_stop_s;	/* test hook: stop feeding this long after arming */
	long stop_at_ms;	/* ... that is, then (0 = never) */
	int starving;		/* we stopped feeding: the reset is coming */
	int bmc_armed;		/* the BMC took Set Watchdog Timer */
	int bmc_stopping;	/* given up: its timer being stopped */
	long bmc_seq;
	unsigned bmc_feed_errors;	/* failed feeds in a row */
	int timer_fd;		/* feeds it: watchdog_timer_watch() */
	int failed;		/* could not be opened: not tried again */
} wd = { .fd = -1, .timer_fd = -1 };

static void watchdog_armed_log(const char *what)
{
	long every = watchdog_interval_ms() / 1000;

	if (wd.test_stop_s)
		wd.stop_at_ms = monotonic_ms() + wd.test_stop_s * 1000L;
	log_info("watchdog: %s, timeout %us, fed every %lus", what, wd.timeout,
		 (unsigned long)(every ? every : 1));
}

void watchdog_start(const struct init_config *cfg, int last_try)
{
	const char *dev = cfg->watchdog_dev[0] ? cfg->watchdog_dev : "/dev/watchdog";
	int timeout = (int)cfg->watchdog_timeout;

	if (cfg->watchdog_off || wd.kind != WD_NONE || wd.failed)
		return;
	wd.max_failures = cfg->watchdog_max_failures;
	wd.test_stop_s = cfg->test_watchdog_stop;
	wd.timeout = cfg->watchdog_timeout;
	if (cfg->watchdog_ipmi) {	/* armed when the BMC child finds the BMC */
		wd.kind = WD_BMC;
		return;
	}
	wd.fd = open(dev, O_WRONLY | O_CLOEXEC);
	if (wd.fd < 0 && errno == ENOENT && !last_try)
		return;		/* its driver may be among the modules */
	if (wd.fd < 0) {
		wd.failed = 1;
		if (cfg->watchdog_dev[0] || errno != ENOENT)
			log_err("watchdog: %s: %s; running without a watchdog", dev, strerror(errno));
		return;
	}
	wd.kind = WD_DEV;
	if (ioctl(wd.fd, WDIOC_SETTIMEOUT, &timeout) < 0)
		log_warn("watchdog: %s: cannot set the timeout to %us: %s", dev,
			 cfg->watchdog_timeout, strerror(errno));
	wd.timeout = timeout > 0 ? (unsigned)timeout : cfg->watchdog_timeout;
	watchdog_armed_log(dev);
	ioctl(wd.fd, WDIOC_KEEPALIVE, 0);
}

/* How often to feed: a third of the timeout, so two missed turns are fine.
 * For the BMC's, from the start: its timer ticks idle until it is armed. */
long watchdog_interval_ms(void)
{
	if (wd.kind == WD_NONE || wd.starving)
		return 0;
	return wd.timeout * 1000L / 3;
}

static void bmc_close(void)
{
	if (wd.fd >= 0) {
		watch_remove(wd.fd);
		close(wd.fd);
	}
	wd.fd = -1;
	wd.kind = WD_NONE;
	wd.bmc_armed = 0;
	wd.bmc_stopping = 0;
}

static int bmc_send(const struct ipmi_request *req, int what)
{
	if (ipmi_send(wd.fd, req, ++wd.bmc_seq * 4 + what) == 0)
		return 0;
	log_err("watchdog: BMC: cannot send to %s: %s", IPMI_DEVICE, strerror(errno));
	return -1;
}

/* Running without the BMC's watchdog from now on (the caller said why).
 * If its timer is counting down, nobody feeds it any more and it would
 * reset the machine: it is stopped first (Set Watchdog Timer, no action),
 * and closed when that is answered (bmc_answer). */
static void bmc_give_up(void)
{
	struct ipmi_request stop;

	if (wd.fd < 0 || !wd.bmc_armed || wd.bmc_stopping) {
		bmc_close();
		return;
	}
	wd.bmc_stopping = 1;
	ipmi_req_set_watchdog(&stop, wd.timeout, 0);
	if (bmc_send(&stop, BMC_STOP) < 0) {
		log_err("watchdog: BMC: cannot stop its watchdog; it resets the machine within %us",
			wd.timeout);
		bmc_close();
	}
}

/* The answer to bmc_give_up's stop. */
static void bmc_stopped(int cc)
{
	if (cc == 0)
		log_info("watchdog: BMC watchdog stopped");
	else
		log_err("watchdog: BMC: cannot stop its watchdog: completion code 0x%02x (%s); it "
			"resets the machine within %us", (unsigned)cc & 0xff,
			ipmi_cc_name(IPMI_NETFN_APP, IPMI_CMD_SET_WATCHDOG, cc), wd.timeout);
	bmc_close();
}

/* Set Watchdog Timer (hard reset after the timeout), then Reset Watchdog
 * Timer to start it; both answers come through watchdog_read(). */
static void bmc_arm(void)
{
	struct ipmi_request set, reset;

	ipmi_req_set_watchdog(&set, wd.timeout, 1);
	ipmi_req_reset_watchdog(&reset);
	if (bmc_send(&set, BMC_SET) < 0 || bmc_send(&reset, BMC_RESET) < 0) {
		log_err("watchdog: BMC: running without a watchdog");
		bmc_give_up();
	}
}

static void bmc_answers_read(int fd, short revents, void *ctx);

void watchdog_bmc_found(void)
{
	if (wd.kind != WD_BMC || wd.fd >= 0)
		return;
	wd.fd = ipmi_open(1);
	if (wd.fd < 0) {
		log_err("watchdog: %s: %s; running without a watchdog", IPMI_DEVICE, strerror(errno));
		bmc_give_up();
		return;
	}
	watch_add(wd.fd, POLLIN, bmc_answers_read, NULL);
	bmc_arm();
}

static void bmc_answer(long msgid, const uint8_t *rsp, size_t len)
{
	int cc = ipmi_rsp_status(rsp, len);
	int what = (int)(msgid & 3);
	uint8_t cmd = what == BMC_RESET ? IPMI_CMD_RESET_WATCHDOG : IPMI_CMD_SET_WATCHDOG;

	if (wd.bmc_stopping) {
		if (what == BMC_STOP)
			bmc_stopped(cc);
	} else if (what == BMC_SET && cc != 0) {
		log_err("watchdog: BMC: Set Watchdog Timer: completion code 0x%02x (%s); running "
			"without a watchdog", (unsigned)cc & 0xff, ipmi_cc_name(IPMI_NETFN_APP, cmd, cc));
		bmc_give_up();
	} else if (what == BMC_SET && !wd.bmc_armed) {
		wd.bmc_armed = 1;
		watchdog_armed_log("BMC (IPMI, " IPMI_DEVICE ")");
	} else if (what == BMC_RESET && cc == IPMI_CC_WATCHDOG_UNINITIALIZED && wd.bmc_armed) {
		/* The BMC restarted and forgot the settings. */
		log_warn("watchdog: BMC: Reset Watchdog Timer: %s; setting it up again",
			 ipmi_cc_name(IPMI_NETFN_APP, cmd, cc));
		bmc_arm();
	} else if (what == BMC_RESET && cc != 0) {
		if (wd.bmc_feed_errors++ == 0)
			log_warn("watchdog: BMC: Reset Watchdog Timer: completion code 0x%02x (%s); "
				 "still trying", (unsigned)cc & 0xff, ipmi_cc_name(IPMI_NETFN_APP, cmd, cc));
	} else if (what == BMC_RESET) {
		if (wd.bmc_feed_errors)
			log_info("watchdog: BMC: fed again after %u failures", wd.bmc_feed_errors);
		wd.bmc_feed_errors = 0;
	}
}

/* The BMC's answers, when the loop sees the fd readable. */
static void bmc_answers_read(int fd, short revents, void *ctx)
{
	uint8_t rsp[IPMI_RSP_MAX];
	long msgid;
	ssize_t n;

	(void)fd;
	(void)revents;
	(void)ctx;

	while (wd.fd >= 0 && (n = ipmi_recv(wd.fd, &msgid, rsp, sizeof(rsp))) != 0) {
		if (n < 0 && wd.bmc_stopping) {
			log_err("watchdog: BMC: %s: %s; cannot stop its watchdog; it resets the "
				"machine within %us", IPMI_DEVICE, strerror(errno), wd.timeout);
			bmc_close();
			return;
		}
		if (n < 0) {
			log_err("watchdog: BMC: %s: %s; running without a watchdog", IPMI_DEVICE,
				strerror(errno));
			bmc_give_up();
			return;
		}
		bmc_answer(msgid, rsp, (size_t)n);
	}
}

/* Why the machine is not healthy enough to be kept alive, or NULL. */
static const char *watchdog_unhealthy(long now_ms, char *buf, size_t len)
{
	const char *name;
	unsigned failures = services_max_failures(&name);

	if (wd.stop_at_ms && now_ms >= wd.stop_at_ms)
		return "test hook fathom.test.watchdog_stop";
	if (wd.max_failures && failures >= wd.max_failures) {
		snprintf(buf, len, "service %s failed %u times in a row", name, failures);
		return buf;
	}
	return NULL;
}

static void watchdog_tick(long now_ms)
{
	struct ipmi_request reset;
	char why_buf[128];
	const char *why;

	if (wd.fd < 0 || wd.starving || (wd.kind == WD_BMC && (!wd.bmc_armed || wd.bmc_stopping)))
		return;
	why = watchdog_unhealthy(now_ms, why_buf, sizeof(why_buf));
	if (why) {
		wd.starving = 1;
		log_err("watchdog: no longer fed (%s); the machine resets within %us", why, wd.timeout);
		return;
	}
	if (wd.kind == WD_DEV) {
		ioctl(wd.fd, WDIOC_KEEPALIVE, 0);
		return;
	}
	ipmi_req_reset_watchdog(&reset);
	bmc_send(&reset, BMC_RESET);
}

/* Stop the BMC's timer (no action) and wait briefly for the answer: the
 * machine goes down right after, and must not be reset under the next
 * boot's firmware. */
static void bmc_stop(void)
{
	struct ipmi_request stop;
	uint8_t rsp[IPMI_RSP_MAX];
	ssize_t n;
	int cc;

	ipmi_req_set_watchdog(&stop, wd.timeout, 0);
	n = ipmi_call(wd.fd, &stop, ++wd.bmc_seq * 4 + BMC_STOP, rsp, sizeof(rsp), 2000);
	cc = n > 0 ? ipmi_rsp_status(rsp, (size_t)n) : -1;
	if (cc == 0)
		log_info("watchdog: BMC watchdog stopped");
	else if (n > 0)
		log_err("watchdog: BMC: cannot stop its watchdog: completion code 0x%02x (%s); it "
			"resets the machine in up to %us", (unsigned)cc & 0xff,
			ipmi_cc_name(IPMI_NETFN_APP, IPMI_CMD_SET_WATCHDOG, cc), wd.timeout);
	else
		log_err("watchdog: BMC: cannot stop its watchdog: %s; it resets the machine in up "
			"to %us", strerror(errno), wd.timeout);
}

/* A deliberate shutdown: the magic close disarms the hardware watchdog,
 * Set Watchdog Timer (no action) the BMC's. */
void watchdog_release(void)
{
	if (wd.fd < 0)
		return;
	if (wd.kind == WD_BMC) {
		bmc_stop();
	} else if (write(wd.fd, "V", 1) != 1) {
		log_warn("watchdog: magic close failed: %s", strerror(errno));
	}
	watch_remove(wd.fd);
	close(wd.fd);
	wd.fd = -1;
	wd.kind = WD_NONE;
}

static void watchdog_timer_read(int fd, short revents, void *ctx)
{
	uint64_t ticks;

	(void)revents;
	(void)ctx;
	if (read(fd, &ticks, sizeof(ticks)) > 0)
		watchdog_tick(monotonic_ms());
}

/* A periodic timer in the event loop feeds the watchdog, if there is one;
 * without it nothing feeds the watchdog, which is said. */
void watchdog_timer_watch(void)
{
	long ms = watchdog_interval_ms();
	struct itimerspec its;
	const char *why = NULL;
	int fd;

	if (ms <= 0 || wd.timer_fd >= 0)
		return;
	its.it_value.tv_sec = its.it_interval.tv_sec = ms / 1000;
	its.it_value.tv_nsec = its.it_interval.tv_nsec = (ms % 1000) * 1000000L;
	fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (fd < 0 || timerfd_settime(fd, 0, &its, NULL) < 0)
		why = strerror(errno);
	else if (watch_add(fd, POLLIN, watchdog_timer_read, NULL) < 0)
		why = "no room in the watch table";
	if (why) {
		log_err("watchdog: cannot feed it, no timer: %s; it resets the machine within %us",
			why, wd.timeout);
		if (fd >= 0)
			close(fd);
		return;
	}
	wd.timer_fd = fd;
}
