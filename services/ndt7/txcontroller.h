/* Egress rate control, as M-Lab's access/controller TxController: the
 * supervisor samples a device's transmitted bytes every 100 ms and keeps
 * a moving average that follows a rise at once and decays over seconds;
 * while it is above the limit, new downloads get 503 (conn.c, through
 * metrics_tx_over). */
#ifndef NDT7_TXCONTROLLER_H
#define NDT7_TXCONTROLLER_H

#include <stdint.h>

#define TXC_PERIOD_NS 100000000LL	/* 100 ms */

struct txc_state {
	uint64_t prev_bytes;
	int64_t prev_ns;		/* 0: no sample yet */
	double rate;			/* bit/s, smoothed */
};

/* One sample: tx_bytes counted by the device at now_ns (monotonic).
 * Returns 1 if the rate was updated; samples closer than half a period
 * to the last one are skipped, as upstream. Pure. */
int txc_step(struct txc_state *s, uint64_t tx_bytes, int64_t now_ns);

struct txc {
	char path[96];			/* .../statistics/tx_bytes */
	struct txc_state s;
};

/* Check that device exists and can be read: 0, or -1 (logged, naming
 * the device). */
int txc_open(struct txc *t, const char *device);

/* Read the counter and step; returns the smoothed rate in bit/s. */
uint64_t txc_sample(struct txc *t, int64_t now_ns);

#endif
