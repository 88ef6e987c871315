/* ndt7 measurements: the binary message size rule, the spacing of
 * measurement messages, and the measurement JSON built from a TCP_INFO
 * snapshot (spec ndt7-protocol.md, "Measurement message"). Pure. */
#ifndef NDT7_MEASURE_H
#define NDT7_MEASURE_H

#include <stddef.h>
#include <stdint.h>
#include <linux/inet_diag.h>
#include <linux/tcp.h>

#include "http.h"
#include "json.h"

#define NDT7_MSG_INITIAL (1u << 13)
#define NDT7_MSG_MAX (1u << 20)		/* the reference server's cap */
#define NDT7_UPLOAD_MSG_MAX (1u << 24)	/* what we accept from clients */
#define NDT7_MEASURE_MEAN_MS 250
#define NDT7_MEASURE_MIN_MS 100		/* at most ten per second */
#define NDT7_MEASURE_MAX_MS 1000

/* The next binary message size after queuing total bytes with messages of
 * size cur: double while cur is below total/16, up to NDT7_MSG_MAX. */
uint32_t ndt7_next_message_size(uint32_t cur, uint64_t total);

/* Milliseconds until the next measurement, from a sample of the standard
 * exponential distribution (mean 1): Poisson spacing, mean 250 ms, clamped. */
unsigned ndt7_measure_interval_ms(double exp_sample);

struct measure_input {
	enum ndt7_test test;
	uint64_t elapsed_us;		/* since the test started */
	uint64_t num_bytes;		/* application bytes sent or received */
	const char *client, *server;	/* "addr:port", "[v6]:port"; NULL: no ConnectionInfo */
	const char *uuid;
	const struct tcp_info *ti;	/* NULL: no TCPInfo */
	size_t ti_len;			/* bytes the kernel filled in */
	const struct tcp_bbr_info *bbr;	/* NULL: not BBR */
	int record;			/* for the stored record: no Origin, no Test */
};

/* Append the measurement object to j: AppInfo, ConnectionInfo, BBRInfo,
 * TCPInfo under upstream's names and types (ndt-server's model.Measurement),
 * and, sent to the client only, the spec's Origin and Test. */
void ndt7_measure_json(struct json *j, const struct measure_input *in);

/* "1.2.3.4:80" or "[::1]:80" from a numeric host and port. */
void ndt7_endpoint(char *out, size_t cap, const char *host, unsigned port);

#endif
