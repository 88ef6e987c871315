/* WebSocket framing (RFC 6455) for ndt7: parse frames (a server's reader
 * takes masked client frames, a client's reader unmasked server frames),
 * track messages across fragments, and encode frame headers. Pure: no
 * I/O, no allocation (UTF-8 by json.c's utf8_seq_len). */
#ifndef NDT7_WS_H
#define NDT7_WS_H

#include <stddef.h>
#include <stdint.h>

enum ws_opcode {
	WS_CONT = 0x0, WS_TEXT = 0x1, WS_BINARY = 0x2,
	WS_CLOSE = 0x8, WS_PING = 0x9, WS_PONG = 0xa,
};

/* Close codes we send (RFC 6455 section 7.4.1). */
enum ws_close_code {
	WS_CLOSE_NORMAL = 1000, WS_CLOSE_PROTOCOL = 1002, WS_CLOSE_UNSUPPORTED = 1003,
	WS_CLOSE_INVALID_DATA = 1007, WS_CLOSE_POLICY = 1008, WS_CLOSE_TOO_BIG = 1009,
};

#define WS_MAX_HEADER 14	/* 2 + 8 (length) + 4 (mask) */
#define WS_CONTROL_MAX 125

struct ws_frame {
	int fin;
	int opcode;
	int masked;
	uint8_t mask[4];
	uint64_t len;		/* payload length */
	size_t header_len;
};

/* Parse the frame header at buf[0..n). Returns the header length (> 0),
 * 0 if more bytes are needed, or -1 for a frame no endpoint may send
 * (reserved bits or opcodes, a fragmented or long control frame, a
 * non-minimal or 64-bit-overflowing length); *why then says what. */
int ws_frame_parse(const uint8_t *buf, size_t n, struct ws_frame *f, const char **why);

/* Encode an unmasked server frame header; returns its length (2-10). */
size_t ws_frame_header(uint8_t out[WS_MAX_HEADER], int opcode, uint64_t len);

/* Encode a client frame header with this masking key; returns its length
 * (6-14). The payload is then masked with ws_unmask(). */
size_t ws_client_frame_header(uint8_t out[WS_MAX_HEADER], int opcode, uint64_t len,
			      const uint8_t mask[4]);

/* Unmask payload bytes in place (or mask them: the same XOR); offset is
 * the position in the payload. */
void ws_unmask(uint8_t *p, size_t n, const uint8_t mask[4], uint64_t offset);

/* Whether a peer may send this close code (RFC 6455 7.4 and IANA's
 * registry): 1000-1003, 1007-1014, 3000-4999. 1005, 1006 and 1015 are
 * never sent on the wire; the rest are reserved or unassigned. */
int ws_close_code_valid(unsigned code);

/* Whether p[0..n) is valid UTF-8 (text messages, close reasons). */
int ws_utf8_valid(const uint8_t *p, size_t n);

/* Events the stream reader reports. The reader checks, and fails with
 * 1002 or 1007, close codes and UTF-8 before it reports them. */
struct ws_events {
	/* A complete text message or control frame, unmasked. */
	void (*message)(void *ctx, int opcode, const uint8_t *p, size_t n);
	/* n more bytes of binary message payload (not unmasked: discarded). */
	void (*binary)(void *ctx, uint64_t n);
	/* The first frame of a binary message: return nonzero to refuse it. */
	int (*binary_start)(void *ctx);
	void *ctx;
};

/* Limits and state of one byte stream of frames. */
struct ws_reader {
	int from_server;	/* frames must be unmasked (a client's reader), else masked */
	uint64_t max_binary;	/* per message, across fragments */
	size_t max_text;	/* per message, across fragments; <= text_cap */
	uint8_t *text;		/* buffer of text_cap bytes for text messages */
	size_t text_cap;

	uint8_t hdr[WS_MAX_HEADER];
	size_t hdr_len;
	struct ws_frame cur;	/* header of the frame being read */
	uint64_t left;		/* payload bytes of cur still to read */
	int in_frame;
	int msg_opcode;		/* WS_TEXT/WS_BINARY while a message is open, else 0 */
	uint64_t msg_len;	/* bytes of the open message so far */
	uint8_t ctl[WS_CONTROL_MAX];
	size_t ctl_len;
	int error;		/* close code once the stream is broken, else 0 */
	const char *why;
};

/* A server's reader of client frames. */
void ws_reader_init(struct ws_reader *r, uint64_t max_binary, uint8_t *text, size_t text_cap);

/* A client's reader of server frames. */
void ws_reader_init_client(struct ws_reader *r, uint64_t max_binary, uint8_t *text,
			   size_t text_cap);

/* Consume data (mutated: masked payload is unmasked in place). Returns 0,
 * or a close code (also in r->error) once the stream is invalid; after
 * that it consumes nothing. */
int ws_reader_feed(struct ws_reader *r, uint8_t *data, size_t n, const struct ws_events *ev);

#endif
