/* The server's outgoing WebSocket stream on one connection: an HTTP
 * response first, then frames. Control and text frames wait for the next
 * message boundary of the download's back-to-back binary messages, whose
 * payload is random bytes; a close frame is the last thing queued. */
#ifndef NDT7_WS_OUT_H
#define NDT7_WS_OUT_H

#include <stddef.h>
#include <stdint.h>

#include "transport.h"

#define WS_OUT_PEND_CAP 8192		/* frames waiting for a message boundary */
#define WS_OUT_WIRE_CAP (WS_OUT_PEND_CAP + 512)

struct ws_out {
	uint8_t wire[WS_OUT_WIRE_CAP];	/* bytes being written, then... */
	size_t wire_off, wire_len;
	uint32_t msg_len;		/* ...payload_left bytes of a binary message */
	uint64_t payload_left;		/* (or of body, a page's file) */
	const uint8_t *body;
	uint8_t pend[WS_OUT_PEND_CAP];
	size_t pend_len;
	uint32_t msg_size;		/* of the next binary message */
	uint64_t queued, sent;		/* binary payload bytes queued, written */
	int stream;			/* binary messages back to back */
	int closed;			/* the close frame is queued */
};

/* Fill the binary payload with random bytes (once per process). */
void ws_out_payload_init(void);

void ws_out_init(struct ws_out *q);

/* Bytes that go out before any frame (an HTTP response); -1 if the
 * stream has begun or they do not fit. */
int ws_out_raw(struct ws_out *q, const void *p, size_t n);

/* After ws_out_raw(): n bytes at p (kept by the caller until written)
 * follow the raw bytes; a page's file. -1 if the stream has begun. */
int ws_out_body(struct ws_out *q, const void *p, size_t n);

/* Queue a frame for the next message boundary; -1 if there is no room
 * (room for a close frame is always kept) or the close is queued. */
int ws_out_frame(struct ws_out *q, int opcode, const void *p, size_t n);

/* Binary messages back to back from now on, starting with this size and
 * growing by ndt7_next_message_size(). */
void ws_out_stream(struct ws_out *q, uint32_t first_size);

/* End the binary stream and queue a close frame with this code; nothing
 * is queued after it. */
void ws_out_close(struct ws_out *q, int code);

/* Whether anything is still to be written. */
int ws_out_busy(const struct ws_out *q);

/* Write through t, up to budget bytes. Returns 1 when everything queued
 * is written and flushed (after a close: the close is out), 0 when more
 * remains (t->want_write says whether the socket is full), -1 when the
 * connection is over (t->why). */
int ws_out_write(struct ws_out *q, struct transport *t, size_t budget);

#endif
