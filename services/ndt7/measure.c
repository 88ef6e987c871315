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

/* TCP_INFO fields under the names M-Lab's tcp-info and ndt-server use;
 * times in microseconds, as the kernel reports them. */
#define FIELD(name, member) { name, offsetof(struct tcp_info, member), \
			       sizeof(((struct tcp_info *)0)->member) }
static const struct {
	const char *name;
	size_t off, size;
} tcp_fields[] = {
	FIELD("State", tcpi_state), FIELD("CAState", tcpi_ca_state),
	FIELD("Retransmits", tcpi_retransmits), FIELD("Probes", tcpi_probes),
	FIELD("Backoff", tcpi_backoff), FIELD("Options", tcpi_options),
	FIELD("RTO", tcpi_rto), FIELD("ATO", tcpi_ato),
	FIELD("SndMSS", tcpi_snd_mss), FIELD("RcvMSS", tcpi_rcv_mss),
	FIELD("Unacked", tcpi_unacked), FIELD("Sacked", tcpi_sacked),
	FIELD("Lost", tcpi_lost), FIELD("Retrans", tcpi_retrans),
	FIELD("Fackets", tcpi_fackets), FIELD("LastDataSent", tcpi_last_data_sent),
	FIELD("LastAckSent", tcpi_last_ack_sent), FIELD("LastDataRecv", tcpi_last_data_recv),
	FIELD("LastAckRecv", tcpi_last_ack_recv), FIELD("PMTU", tcpi_pmtu),
	FIELD("RcvSsThresh", tcpi_rcv_ssthresh), FIELD("RTT", tcpi_rtt),
	FIELD("RTTVar", tcpi_rttvar), FIELD("SndSsThresh", tcpi_snd_ssthresh),
	FIELD("SndCwnd", tcpi_snd_cwnd), FIELD("AdvMSS", tcpi_advmss),
	FIELD("Reordering", tcpi_reordering), FIELD("RcvRTT", tcpi_rcv_rtt),
	FIELD("RcvSpace", tcpi_rcv_space), FIELD("TotalRetrans", tcpi_total_retrans),
	FIELD("PacingRate", tcpi_pacing_rate), FIELD("MaxPacingRate", tcpi_max_pacing_rate),
	FIELD("BytesAcked", tcpi_bytes_acked), FIELD("BytesReceived", tcpi_bytes_received),
	FIELD("SegsOut", tcpi_segs_out), FIELD("SegsIn", tcpi_segs_in),
	FIELD("NotsentBytes", tcpi_notsent_bytes), FIELD("MinRTT", tcpi_min_rtt),
	FIELD("DataSegsIn", tcpi_data_segs_in), FIELD("DataSegsOut", tcpi_data_segs_out),
	FIELD("DeliveryRate", tcpi_delivery_rate), FIELD("BusyTime", tcpi_busy_time),
	FIELD("RWndLimited", tcpi_rwnd_limited), FIELD("SndBufLimited", tcpi_sndbuf_limited),
	FIELD("Delivered", tcpi_delivered), FIELD("DeliveredCE", tcpi_delivered_ce),
	FIELD("BytesSent", tcpi_bytes_sent), FIELD("BytesRetrans", tcpi_bytes_retrans),
	FIELD("DSackDups", tcpi_dsack_dups), FIELD("ReordSeen", tcpi_reord_seen),
	FIELD("RcvOooPack", tcpi_rcv_ooopack), FIELD("SndWnd", tcpi_snd_wnd),
};
#undef FIELD

static uint64_t field_value(const void *base, size_t off, size_t size)
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
		return u32;
	default:
		memcpy(&u64, p, 8);
		return u64;
	}
}

static void tcp_info_json(struct json *j, const struct measure_input *in)
{
	size_t i;

	json_lit(j, ",\"TCPInfo\":{");
	for (i = 0; i < sizeof(tcp_fields) / sizeof(tcp_fields[0]); i++) {
		/* Fields past what this kernel filled in are left out. */
		if (tcp_fields[i].off + tcp_fields[i].size > in->ti_len)
			continue;
		json_printf(j, "\"%s\":%llu,", tcp_fields[i].name,
			    (unsigned long long)field_value(in->ti, tcp_fields[i].off,
							    tcp_fields[i].size));
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
