/* The server's outgoing WebSocket stream (ws_out.h): queued frames, the
 * download's binary messages, and writing them through a transport. */
#include "ws_out.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "measure.h"
#include "ws.h"

#define PEND_CLOSE_RESERVE 16	/* room always kept for a close frame */

/* Random, never inspected: every write takes it from the start, so the
 * bytes being copied or encrypted stay in the cache. */
static uint8_t payload[NDT7_MSG_MAX];

void ws_out_payload_init(void)
{
	size_t i;

	if (RAND_bytes(payload, sizeof(payload)) != 1)
		for (i = 0; i < sizeof(payload); i++)
			payload[i] = (uint8_t)lrand48();
}

void ws_out_init(struct ws_out *q)
{
	memset(q, 0, sizeof(*q));
}

int ws_out_raw(struct ws_out *q, const void *p, size_t n)
{
	if (q->wire_len || q->pend_len || q->stream || q->closed || n > sizeof(q->wire))
		return -1;
	memcpy(q->wire, p, n);
	q->wire_off = 0;
	q->wire_len = n;
	return 0;
}

int ws_out_body(struct ws_out *q, const void *p, size_t n)
{
	if (q->payload_left || q->pend_len || q->stream || q->closed || n > UINT32_MAX)
		return -1;
	q->body = p;
	q->msg_len = (uint32_t)n;
	q->payload_left = n;
	return 0;
}

static int append_frame(struct ws_out *q, int opcode, const void *p, size_t n, size_t room)
{
	uint8_t h[WS_MAX_HEADER];
	size_t hl = ws_frame_header(h, opcode, n);

	if (q->closed || hl + n > room)
		return -1;
	memcpy(q->pend + q->pend_len, h, hl);
	memcpy(q->pend + q->pend_len + hl, p, n);
	q->pend_len += hl + n;
	return 0;
}

int ws_out_frame(struct ws_out *q, int opcode, const void *p, size_t n)
{
	size_t room = WS_OUT_PEND_CAP - q->pend_len;

	if (room < PEND_CLOSE_RESERVE)
		return -1;
	return append_frame(q, opcode, p, n, room - PEND_CLOSE_RESERVE);
}

void ws_out_stream(struct ws_out *q, uint32_t first_size)
{
	q->msg_size = first_size;
	q->stream = 1;
}

void ws_out_close(struct ws_out *q, int code)
{
	uint8_t body[2] = { (uint8_t)(code >> 8), (uint8_t)code };

	q->stream = 0;
	if (append_frame(q, WS_CLOSE, body, sizeof(body), WS_OUT_PEND_CAP - q->pend_len) == 0)
		q->closed = 1;
}

int ws_out_busy(const struct ws_out *q)
{
	return q->wire_off < q->wire_len || q->payload_left || q->pend_len || q->stream;
}

/* At a message boundary: what to write next. Returns 0 if nothing. */
static int refill_wire(struct ws_out *q)
{
	uint8_t h[WS_MAX_HEADER];
	size_t hl;

	q->wire_off = q->wire_len = 0;
	if (q->pend_len) {
		memcpy(q->wire, q->pend, q->pend_len);
		q->wire_len = q->pend_len;
		q->pend_len = 0;
	}
	if (q->stream) {
		hl = ws_frame_header(h, WS_BINARY, q->msg_size);
		memcpy(q->wire + q->wire_len, h, hl);
		q->wire_len += hl;
		q->msg_len = q->msg_size;
		q->payload_left = q->msg_size;
		q->queued += q->msg_size;
		q->msg_size = ndt7_next_message_size(q->msg_size, q->queued);
	}
	return q->wire_len > 0;
}

/* n bytes were taken: first from the wire, then from the payload. */
static void advance(struct ws_out *q, size_t n)
{
	size_t wrem = q->wire_len - q->wire_off;

	if (n <= wrem) {
		q->wire_off += n;
		return;
	}
	q->sent += n - wrem;
	q->payload_left -= n - wrem;
	q->wire_off = q->wire_len;
}

int ws_out_write(struct ws_out *q, struct transport *t, size_t budget)
{
	while (budget) {
		struct iovec iov[2];
		ssize_t n;

		if (q->wire_off == q->wire_len && q->payload_left == 0 && !refill_wire(q))
			break;
		iov[0].iov_base = q->wire + q->wire_off;
		iov[0].iov_len = q->wire_len - q->wire_off;
		iov[1].iov_base = q->body ? (void *)(q->body + (q->msg_len - q->payload_left)) :
					    payload;
		iov[1].iov_len = q->payload_left < budget ? (size_t)q->payload_left : budget;
		n = transport_writev(t, iov, 2);
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		budget -= (size_t)n < budget ? (size_t)n : budget;
		advance(q, (size_t)n);
	}
	switch (transport_flush(t)) {
	case -1:
		return -1;
	case 0:
		return 0;
	}
	return !ws_out_busy(q);
}
