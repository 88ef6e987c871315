/* Egress rate control (txcontroller.h): the moving average, and reading
 * /sys/class/net/DEV/statistics/tx_bytes. */
#define _GNU_SOURCE
#include "txcontroller.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

/* alpha = period / 2 s, as upstream: a rate that stops falls by 5 % per
 * 100 ms, to a tenth in about 4.5 s; a rise is taken at once. */
int txc_step(struct txc_state *s, uint64_t tx_bytes, int64_t now_ns)
{
	const double alpha = (double)TXC_PERIOD_NS / 1e9 / 2;
	double secs, now_rate, avg;

	if (!s->prev_ns || tx_bytes < s->prev_bytes) {	/* first, or the counter was reset */
		s->prev_bytes = tx_bytes;
		s->prev_ns = now_ns;
		return 0;
	}
	if (now_ns - s->prev_ns <= TXC_PERIOD_NS / 2)
		return 0;
	secs = (double)(now_ns - s->prev_ns) / 1e9;
	now_rate = (double)(tx_bytes - s->prev_bytes) * 8 / secs;
	avg = (1 - alpha) * s->rate + alpha * now_rate;
	s->rate = now_rate > avg ? now_rate : avg;
	s->prev_bytes = tx_bytes;
	s->prev_ns = now_ns;
	return 1;
}

static int read_counter(const char *path, uint64_t *out)
{
	char buf[32], *end;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	errno = 0;
	*out = strtoull(buf, &end, 10);
	return errno || end == buf || (*end && *end != '\n') ? -1 : 0;
}

int txc_open(struct txc *t, const char *device)
{
	uint64_t v;

	memset(t, 0, sizeof(*t));
	if (!device[0] || strlen(device) >= IFNAMSIZ || strchr(device, '/') ||
	    !strcmp(device, ".") || !strcmp(device, "..")) {
		ndt7_log(LOG_ERR, "--txcontroller-device \"%s\": not a network device name", device);
		return -1;
	}
	snprintf(t->path, sizeof(t->path), "/sys/class/net/%s/statistics/tx_bytes", device);
	if (read_counter(t->path, &v) < 0) {
		ndt7_log(LOG_ERR, "--txcontroller-device %s: cannot read %s: %s (is the device "
			 "there, in this network namespace? see ip link)", device, t->path,
			 errno ? strerror(errno) : "not a number");
		return -1;
	}
	return 0;
}

uint64_t txc_sample(struct txc *t, int64_t now_ns)
{
	uint64_t v;

	if (read_counter(t->path, &v) == 0)
		txc_step(&t->s, v, now_ns);
	else
		ndt7_log(LOG_WARN, "txcontroller: cannot read %s; keeping the last rate", t->path);
	return (uint64_t)t->s.rate;
}
