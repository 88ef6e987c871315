#define _GNU_SOURCE
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* From <linux/watchdog.h>, which clashes with musl's <sys/ioctl.h>. */
#define WATCHDOG_IOCTL_BASE 'W'
#define WDIOC_KEEPALIVE _IOR(WATCHDOG_IOCTL_BASE, 5, int)
#define WDIOC_SETTIMEOUT _IOWR(WATCHDOG_IOCTL_BASE, 6, int)

#include "params.h"
#include "log.h"

/* The hardware watchdog resets the machine unless PID 1 feeds it. It is fed
 * from the event loop, so a wedged loop stops feeding by itself; a service
 * stuck in a crash loop past the limit stops it on purpose. */
static struct {
	int fd;
	unsigned timeout;
	unsigned max_failures;
	long stop_at_ms;	/* test hook: stop feeding then (0 = never) */
	int starving;		/* we stopped feeding: the reset is coming */
} wd = { .fd = -1 };

void watchdog_start(const struct init_config *cfg)
{
	const char *dev = cfg->watchdog_dev[0] ? cfg->watchdog_dev : "/dev/watchdog";
	int timeout = (int)cfg->watchdog_timeout;

	if (cfg->watchdog_off)
		return;
	wd.fd = open(dev, O_WRONLY | O_CLOEXEC);
	if (wd.fd < 0) {
		if (cfg->watchdog_dev[0] || errno != ENOENT)
			log_err("watchdog: %s: %s; running without a watchdog", dev, strerror(errno));
		return;
	}
	if (ioctl(wd.fd, WDIOC_SETTIMEOUT, &timeout) < 0)
		log_warn("watchdog: %s: cannot set the timeout to %us: %s", dev,
			 cfg->watchdog_timeout, strerror(errno));
	wd.timeout = timeout > 0 ? (unsigned)timeout : cfg->watchdog_timeout;
	wd.max_failures = cfg->watchdog_max_failures;
	if (cfg->test_watchdog_stop)
		wd.stop_at_ms = monotonic_ms() + cfg->test_watchdog_stop * 1000L;
	log_info("watchdog: %s, timeout %us, fed every %us", dev, wd.timeout,
		 watchdog_interval_ms() / 1000 ? (unsigned)(watchdog_interval_ms() / 1000) : 1);
	ioctl(wd.fd, WDIOC_KEEPALIVE, 0);
}

/* How often to feed: a third of the timeout, so two missed turns are fine. */
long watchdog_interval_ms(void)
{
	if (wd.fd < 0 || wd.starving)
		return 0;
	return wd.timeout * 1000L / 3;
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

void watchdog_tick(long now_ms)
{
	char why_buf[128];
	const char *why;

	if (wd.fd < 0 || wd.starving)
		return;
	why = watchdog_unhealthy(now_ms, why_buf, sizeof(why_buf));
	if (why) {
		wd.starving = 1;
		log_err("watchdog: no longer fed (%s); the machine resets within %us", why, wd.timeout);
		return;
	}
	ioctl(wd.fd, WDIOC_KEEPALIVE, 0);
}

/* A deliberate shutdown: the magic close disarms the watchdog. */
void watchdog_release(void)
{
	if (wd.fd < 0)
		return;
	if (write(wd.fd, "V", 1) != 1)
		log_warn("watchdog: magic close failed: %s", strerror(errno));
	close(wd.fd);
	wd.fd = -1;
}
