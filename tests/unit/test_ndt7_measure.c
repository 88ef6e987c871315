/* Unit tests for services/ndt7/measure.c: the message size rule, the
 * measurement spacing, and the measurement JSON from a fake TCP_INFO. */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "measure.h"
#include "tap.h"

struct size_case {
	uint32_t cur;
	uint64_t total;
	uint32_t next;
};

static const struct size_case size_cases[] = {
	{ 1u << 13, 0, 1u << 13 },
	{ 1u << 13, 1u << 13, 1u << 13 },
	{ 1u << 13, 16u << 13, 1u << 13 },	/* equal to total/16: stays */
	{ 1u << 13, (16u << 13) + 16, 1u << 14 },
	{ 1u << 19, 1ull << 40, 1u << 20 },
	{ 1u << 20, 1ull << 40, 1u << 20 },	/* the cap */
};

static void test_sizes(void)
{
	uint64_t total = 0;
	uint32_t size = NDT7_MSG_INITIAL, prev = size;
	int i, powers = 1, monotonic = 1, doublings = 0;
	size_t k;

	for (k = 0; k < sizeof(size_cases) / sizeof(size_cases[0]); k++)
		CHECK(ndt7_next_message_size(size_cases[k].cur, size_cases[k].total) ==
		      size_cases[k].next, "size after %u with %llu queued: %u", size_cases[k].cur,
		      (unsigned long long)size_cases[k].total, size_cases[k].next);
	/* A sender's sequence: powers of two, growing, capped at 1 MiB. */
	for (i = 0; i < 100000; i++) {
		total += size;
		size = ndt7_next_message_size(size, total);
		powers &= (size & (size - 1)) == 0;
		monotonic &= size >= prev && size <= 2 * prev;
		doublings += size > prev;
		prev = size;
	}
	CHECK(powers && monotonic && size == NDT7_MSG_MAX && doublings == 7,
	      "sizes double 7 times from 8 KiB to 1 MiB and stay there (got %u, %d)", size, doublings);
}

static void test_intervals(void)
{
	double sum = 0;
	int i, in_range = 1;

	CHECK(ndt7_measure_interval_ms(1.0) == 250, "mean sample gives 250 ms");
	CHECK(ndt7_measure_interval_ms(0.0) == NDT7_MEASURE_MIN_MS, "0 gives the minimum (<= 10/s)");
	CHECK(ndt7_measure_interval_ms(100.0) == NDT7_MEASURE_MAX_MS, "huge sample is capped");
	CHECK(ndt7_measure_interval_ms(NAN) == NDT7_MEASURE_MIN_MS, "NaN gives the minimum");
	CHECK(ndt7_measure_interval_ms(-1.0) == NDT7_MEASURE_MIN_MS, "negative gives the minimum");
	/* Exponential quantiles: the clamped mean stays near 250 ms. */
	for (i = 0; i < 1000; i++) {
		unsigned ms = ndt7_measure_interval_ms(-log(1.0 - (i + 0.5) / 1000.0));

		in_range &= ms >= NDT7_MEASURE_MIN_MS && ms <= NDT7_MEASURE_MAX_MS;
		sum += ms;
	}
	CHECK(in_range && sum / 1000 > 240 && sum / 1000 < 300,
	      "clamped exponential mean %.1f ms is near 250", sum / 1000);
}

struct json_case {
	const char *name;
	size_t ti_len;
	int bbr, conn;		/* conn: 1 with ConnectionInfo, 2 for the record */
	const char *has[4];
	const char *lacks[3];
};

static const struct json_case json_cases[] = {
	{ "full", sizeof(struct tcp_info), 1, 1,
	  { "\"RTT\":1234,", "\"BytesAcked\":5000000000,", "\"BBRInfo\":{\"BW\":4294967298,",
	    "\"ConnectionInfo\":{\"Client\":\"[::1]:40000\",\"Server\":\"192.0.2.1:443\",\"UUID\":\"u\\\"1\"}" },
	  { NULL } },
	{ "no BBR, no ConnectionInfo", sizeof(struct tcp_info), 0, 0,
	  { "\"MinRTT\":17,", "\"Test\":\"upload\"", "\"ElapsedTime\":1500000}", NULL },
	  { "BBRInfo", "ConnectionInfo", NULL } },
	{ "old kernel: TCP_INFO up to rcv_space", offsetof(struct tcp_info, tcpi_total_retrans), 0, 0,
	  { "\"RcvSpace\":0,", "\"RTTVar\":99,", "\"MinRTT\":0,", "\"BytesAcked\":0," },
	  { "\"MinRTT\":17", NULL } },
	{ "upstream's types: ~0 pacing rate is -1, bit-field bytes whole", sizeof(struct tcp_info),
	  0, 0, { "\"PacingRate\":-1,", "\"WScale\":135,", "\"AppLimited\":1,",
		  "\"SegsOut\":-2," }, { NULL } },
	{ "for the record: no Origin, no Test", sizeof(struct tcp_info), 0, 2,
	  { "\"TCPInfo\":{", NULL }, { "Origin", "Test", NULL } },
	{ "no TCP_INFO", 0, 0, 0, { "\"AppInfo\":{\"ElapsedTime\":1500000,\"NumBytes\":777}", NULL },
	  { "TCPInfo", NULL } },
};

static void test_json(void)
{
	struct tcp_info ti;
	struct tcp_bbr_info bbr = { .bbr_bw_lo = 2, .bbr_bw_hi = 1, .bbr_min_rtt = 10,
				    .bbr_pacing_gain = 256, .bbr_cwnd_gain = 512 };
	size_t i, k;

	memset(&ti, 0, sizeof(ti));
	ti.tcpi_rtt = 1234;
	ti.tcpi_rttvar = 99;
	ti.tcpi_min_rtt = 17;
	ti.tcpi_bytes_acked = 5000000000ull;
	ti.tcpi_pacing_rate = ~0ull;
	ti.tcpi_segs_out = 0xfffffffeu;
	ti.tcpi_snd_wscale = 7;
	ti.tcpi_rcv_wscale = 8;
	ti.tcpi_delivery_rate_app_limited = 1;
	for (i = 0; i < sizeof(json_cases) / sizeof(json_cases[0]); i++) {
		const struct json_case *c = &json_cases[i];
		struct measure_input in = {
			.test = c->conn == 1 ? TEST_DOWNLOAD : TEST_UPLOAD, .record = c->conn == 2,
			.elapsed_us = 1500000, .num_bytes = 777,
			.client = c->conn == 1 ? "[::1]:40000" : NULL, .server = "192.0.2.1:443",
			.uuid = "u\"1", .ti = c->ti_len ? &ti : NULL, .ti_len = c->ti_len,
			.bbr = c->bbr ? &bbr : NULL,
		};
		struct json j;
		int ok;

		json_init(&j, 0);
		ndt7_measure_json(&j, &in);
		ok = json_ok(&j) && json_is_object(j.buf, j.len, 4);
		for (k = 0; ok && k < 4 && c->has[k]; k++)
			ok = strstr(j.buf, c->has[k]) != NULL;
		for (k = 0; ok && k < 3 && c->lacks[k]; k++)
			ok = strstr(j.buf, c->lacks[k]) == NULL;
		CHECK(ok, "measurement %s: valid JSON with the expected fields", c->name);
		if (!ok)
			printf("#   %s\n", j.buf ? j.buf : "(null)");
		json_free(&j);
	}
}

static void test_endpoint(void)
{
	char out[64];

	ndt7_endpoint(out, sizeof(out), "192.0.2.1", 80);
	CHECK(strcmp(out, "192.0.2.1:80") == 0, "IPv4 endpoint");
	ndt7_endpoint(out, sizeof(out), "2001:db8::10", 443);
	CHECK(strcmp(out, "[2001:db8::10]:443") == 0, "IPv6 endpoint in brackets");
}

int main(void)
{
	test_sizes();
	test_intervals();
	test_json();
	test_endpoint();
	return tap_done();
}
