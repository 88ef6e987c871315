/* ndt7's measurements: the spec's schedules (message growth, randomised
 * intervals) and TCP_INFO/BBR samples as Measurement JSON; pure. */
#include "measure.h"

#include <stdio.h>
#include <string.h>

uint32_t ndt7_next_message_size(uint32_t cur, uint64_t total)
{
	if (cur >= NDT7_MSG_MAX || cur >= total / 16)
		return cur;
	return cur * 2;
}

unsigned ndt7_measure_interval_ms(double exp_sample)
{
	double ms = exp_sample * NDT7_MEASURE_MEAN_MS;

	if (!(ms >= NDT7_MEASURE_MIN_MS))	/* also NaN */
		return NDT7_MEASURE_MIN_MS;
	if (ms > NDT7_MEASURE_MAX_MS)
		return NDT7_MEASURE_MAX_MS;
	return (unsigned)ms;
}

/* TCP_INFO fields under the names and types of M-Lab's tcp-info
 * (tcp.LinuxTCPInfo), which ndt-server stores; times in microseconds, as
 * the kernel reports them. Upstream reads the two bytes of bit fields
 * whole (WScale: snd and rcv scale; AppLimited: its flag and fastopen's
 * failure) and some counters as signed (a pacing rate of ~0 is -1). */
#define FIELD(name, member, sign) { name, offsetof(struct tcp_info, member), \
				     sizeof(((struct tcp_info *)0)->member), sign }
#define RAW_BYTE(name, off) { name, off, 1, 0 }
static const struct {
	const char *name;
	size_t off, size;
	int sign;
} tcp_fields[] = {
	FIELD("State", tcpi_state, 0), FIELD("CAState", tcpi_ca_state, 0),
	FIELD("Retransmits", tcpi_retransmits, 0), FIELD("Probes", tcpi_probes, 0),
	FIELD("Backoff", tcpi_backoff, 0), FIELD("Options", tcpi_options, 0),
	RAW_BYTE("WScale", 6), RAW_BYTE("AppLimited", 7),
	FIELD("RTO", tcpi_rto, 0), FIELD("ATO", tcpi_ato, 0),
	FIELD("SndMSS", tcpi_snd_mss, 0), FIELD("RcvMSS", tcpi_rcv_mss, 0),
	FIELD("Unacked", tcpi_unacked, 0), FIELD("Sacked", tcpi_sacked, 0),
	FIELD("Lost", tcpi_lost, 0), FIELD("Retrans", tcpi_retrans, 0),
	FIELD("Fackets", tcpi_fackets, 0), FIELD("LastDataSent", tcpi_last_data_sent, 0),
	FIELD("LastAckSent", tcpi_last_ack_sent, 0), FIELD("LastDataRecv", tcpi_last_data_recv, 0),
	FIELD("LastAckRecv", tcpi_last_ack_recv, 0), FIELD("PMTU", tcpi_pmtu, 0),
	FIELD("RcvSsThresh", tcpi_rcv_ssthresh, 0), FIELD("RTT", tcpi_rtt, 0),
	FIELD("RTTVar", tcpi_rttvar, 0), FIELD("SndSsThresh", tcpi_snd_ssthresh, 0),
	FIELD("SndCwnd", tcpi_snd_cwnd, 0), FIELD("AdvMSS", tcpi_advmss, 0),
	FIELD("Reordering", tcpi_reordering, 0), FIELD("RcvRTT", tcpi_rcv_rtt, 0),
	FIELD("RcvSpace", tcpi_rcv_space, 0), FIELD("TotalRetrans", tcpi_total_retrans, 0),
	FIELD("PacingRate", tcpi_pacing_rate, 1), FIELD("MaxPacingRate", tcpi_max_pacing_rate, 1),
	FIELD("BytesAcked", tcpi_bytes_acked, 1), FIELD("BytesReceived", tcpi_bytes_received, 1),
	FIELD("SegsOut", tcpi_segs_out, 1), FIELD("SegsIn", tcpi_segs_in, 1),
	FIELD("NotsentBytes", tcpi_notsent_bytes, 0), FIELD("MinRTT", tcpi_min_rtt, 0),
	FIELD("DataSegsIn", tcpi_data_segs_in, 0), FIELD("DataSegsOut", tcpi_data_segs_out, 0),
	FIELD("DeliveryRate", tcpi_delivery_rate, 1), FIELD("BusyTime", tcpi_busy_time, 1),
	FIELD("RWndLimited", tcpi_rwnd_limited, 1), FIELD("SndBufLimited", tcpi_sndbuf_limited, 1),
	FIELD("Delivered", tcpi_delivered, 0), FIELD("DeliveredCE", tcpi_delivered_ce, 0),
	FIELD("BytesSent", tcpi_bytes_sent, 1), FIELD("BytesRetrans", tcpi_bytes_retrans, 1),
	FIELD("DSackDups", tcpi_dsack_dups, 0), FIELD("ReordSeen", tcpi_reord_seen, 0),
	FIELD("RcvOooPack", tcpi_rcv_ooopack, 0), FIELD("SndWnd", tcpi_snd_wnd, 0),
};
#undef FIELD
#undef RAW_BYTE

/* The field as its upstream type reads it: unsigned, or two's complement. */
static long long field_value(const void *base, size_t off, size_t size, int sign)
{
	const uint8_t *p = (const uint8_t *)base + off;
	uint8_t u8;
	uint32_t u32;
	uint64_t u64;

	switch (size) {
	case 1:
		memcpy(&u8, p, 1);
		return u8;
	case 4:
		memcpy(&u32, p, 4);
		return sign ? (long long)(int32_t)u32 : (long long)u32;
	default:
		memcpy(&u64, p, 8);
		return (long long)u64;	/* int64 upstream, all of them */
	}
}

static void tcp_info_json(struct json *j, const struct measure_input *in)
{
	size_t i;

	json_lit(j, ",\"TCPInfo\":{");
	for (i = 0; i < sizeof(tcp_fields) / sizeof(tcp_fields[0]); i++) {
		/* Fields past what this kernel filled in are 0, as upstream's. */
		long long v = 0;

		if (tcp_fields[i].off + tcp_fields[i].size <= in->ti_len)
			v = field_value(in->ti, tcp_fields[i].off, tcp_fields[i].size,
					tcp_fields[i].sign);
		json_printf(j, "\"%s\":%lld,", tcp_fields[i].name, v);
	}
	json_printf(j, "\"ElapsedTime\":%llu}", (unsigned long long)in->elapsed_us);
}

static void bbr_info_json(struct json *j, const struct measure_input *in)
{
	const struct tcp_bbr_info *b = in->bbr;
	uint64_t bw = (uint64_t)b->bbr_bw_hi << 32 | b->bbr_bw_lo;

	/* BW in bytes per second and MinRTT in microseconds, as the kernel
	 * reports them; gains are fixed point with 8 fractional bits. */
	json_printf(j, ",\"BBRInfo\":{\"BW\":%llu,\"MinRTT\":%u,\"PacingGain\":%u,"
		    "\"CwndGain\":%u,\"ElapsedTime\":%llu}",
		    (unsigned long long)bw, b->bbr_min_rtt, b->bbr_pacing_gain,
		    b->bbr_cwnd_gain, (unsigned long long)in->elapsed_us);
}

void ndt7_measure_json(struct json *j, const struct measure_input *in)
{
	json_printf(j, "{\"AppInfo\":{\"ElapsedTime\":%llu,\"NumBytes\":%llu}",
		    (unsigned long long)in->elapsed_us, (unsigned long long)in->num_bytes);
	if (in->client && in->server) {
		json_lit(j, ",\"ConnectionInfo\":{\"Client\":");
		json_str(j, in->client, strlen(in->client));
		json_lit(j, ",\"Server\":");
		json_str(j, in->server, strlen(in->server));
		if (in->uuid) {
			json_lit(j, ",\"UUID\":");
			json_str(j, in->uuid, strlen(in->uuid));
		}
		json_lit(j, "}");
	}
	if (!in->record)
		json_printf(j, ",\"Origin\":\"server\",\"Test\":\"%s\"",
			    in->test == TEST_UPLOAD ? "upload" : "download");
	if (in->ti)
		tcp_info_json(j, in);
	if (in->bbr)
		bbr_info_json(j, in);
	json_lit(j, "}");
}

void ndt7_endpoint(char *out, size_t cap, const char *host, unsigned port)
{
	if (strchr(host, ':'))
		snprintf(out, cap, "[%s]:%u", host, port);
	else
		snprintf(out, cap, "%s:%u", host, port);
}
