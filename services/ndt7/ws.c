/* WebSocket framing for ndt7 (ws.h): frame headers, and the stream reader
 * that turns bytes into messages and binary byte counts. */
#include "ws.h"

#include <string.h>

#include "json.h"

int ws_frame_parse(const uint8_t *buf, size_t n, struct ws_frame *f, const char **why)
{
	size_t need = 2, i;
	uint64_t len;

	if (n < 2)
		return 0;
	f->fin = buf[0] >> 7;
	f->opcode = buf[0] & 0x0f;
	f->masked = buf[1] >> 7;
	len = buf[1] & 0x7f;
	if (buf[0] & 0x70) {
		*why = "reserved bits set (no extension was negotiated)";
		return -1;
	}
	if ((f->opcode > WS_BINARY && f->opcode < WS_CLOSE) || f->opcode > WS_PONG) {
		*why = "reserved opcode";
		return -1;
	}
	if (f->opcode >= WS_CLOSE && (!f->fin || len > WS_CONTROL_MAX)) {
		*why = "control frame fragmented or longer than 125 bytes";
		return -1;
	}
	need += len == 126 ? 2 : len == 127 ? 8 : 0;
	need += f->masked ? 4 : 0;
	if (n < need)
		return 0;
	if (len == 126) {
		len = (uint64_t)buf[2] << 8 | buf[3];
		if (len < 126) {
			*why = "non-minimal 16-bit length";
			return -1;
		}
	} else if (len == 127) {
		for (len = 0, i = 2; i < 10; i++)
			len = len << 8 | buf[i];
		if (len >> 63 || len <= 0xffff) {
			*why = "64-bit length with the top bit set or non-minimal";
			return -1;
		}
	}
	f->len = len;
	if (f->masked)
		memcpy(f->mask, buf + need - 4, 4);
	else
		memset(f->mask, 0, sizeof(f->mask));	/* unmasking is then a no-op */
	f->header_len = need;
	return (int)need;
}

size_t ws_frame_header(uint8_t out[WS_MAX_HEADER], int opcode, uint64_t len)
{
	size_t i;

	out[0] = 0x80 | (uint8_t)(opcode & 0x0f);
	if (len < 126) {
		out[1] = (uint8_t)len;
		return 2;
	}
	if (len <= 0xffff) {
		out[1] = 126;
		out[2] = (uint8_t)(len >> 8);
		out[3] = (uint8_t)len;
		return 4;
	}
	out[1] = 127;
	for (i = 0; i < 8; i++)
		out[2 + i] = (uint8_t)(len >> (56 - 8 * i));
	return 10;
}

size_t ws_client_frame_header(uint8_t out[WS_MAX_HEADER], int opcode, uint64_t len,
			      const uint8_t mask[4])
{
	size_t n = ws_frame_header(out, opcode, len);

	out[1] |= 0x80;
	memcpy(out + n, mask, 4);
	return n + 4;
}

void ws_unmask(uint8_t *p, size_t n, const uint8_t mask[4], uint64_t offset)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] ^= mask[(offset + i) & 3];
}

void ws_reader_init(struct ws_reader *r, uint64_t max_binary, uint8_t *text, size_t text_cap)
{
	memset(r, 0, sizeof(*r));
	r->max_binary = max_binary;
	r->text = text;
	r->text_cap = text_cap;
	r->max_text = text_cap;
}

void ws_reader_init_client(struct ws_reader *r, uint64_t max_binary, uint8_t *text,
			   size_t text_cap)
{
	ws_reader_init(r, max_binary, text, text_cap);
	r->from_server = 1;
}

static int fail(struct ws_reader *r, int code, const char *why)
{
	r->error = code;
	r->why = why;
	return code;
}

/* A header is complete: check it against the message state. */
static int frame_begin(struct ws_reader *r, const struct ws_events *ev)
{
	struct ws_frame *f = &r->cur;

	if (!f->masked && !r->from_server)
		return fail(r, WS_CLOSE_PROTOCOL, "client frame not masked");
	if (f->masked && r->from_server)
		return fail(r, WS_CLOSE_PROTOCOL, "server frame masked");
	if (f->opcode == WS_CONT && !r->msg_opcode)
		return fail(r, WS_CLOSE_PROTOCOL, "continuation frame outside a message");
	if ((f->opcode == WS_TEXT || f->opcode == WS_BINARY) && r->msg_opcode)
		return fail(r, WS_CLOSE_PROTOCOL, "new message before the last one ended");
	if (f->opcode == WS_TEXT || f->opcode == WS_BINARY) {
		r->msg_opcode = f->opcode;
		r->msg_len = 0;
		if (f->opcode == WS_BINARY && ev->binary_start && ev->binary_start(ev->ctx))
			return fail(r, WS_CLOSE_POLICY, "binary message in the wrong direction");
	}
	if (f->opcode < WS_CLOSE) {
		uint64_t max = r->msg_opcode == WS_TEXT ? r->max_text : r->max_binary;

		if (f->len > max - r->msg_len)
			return fail(r, WS_CLOSE_TOO_BIG, "message longer than allowed");
		r->msg_len += f->len;
	}
	r->ctl_len = 0;
	r->left = f->len;
	r->in_frame = 1;
	return 0;
}

int ws_close_code_valid(unsigned code)
{
	return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
		(code >= 3000 && code <= 4999);
}

int ws_utf8_valid(const uint8_t *p, size_t n)
{
	size_t i, k;

	for (i = 0; i < n; i += k)
		if (!(k = utf8_seq_len(p + i, n - i)))
			return 0;
	return 1;
}

/* A close frame's body: empty, or a valid code and a UTF-8 reason. */
static int close_check(struct ws_reader *r)
{
	if (r->ctl_len == 0)
		return 0;
	if (r->ctl_len == 1 || !ws_close_code_valid((unsigned)(r->ctl[0] << 8 | r->ctl[1])))
		return fail(r, WS_CLOSE_PROTOCOL, "close frame with an invalid status code");
	if (!ws_utf8_valid(r->ctl + 2, r->ctl_len - 2))
		return fail(r, WS_CLOSE_INVALID_DATA, "close reason not valid UTF-8");
	return 0;
}

/* The frame's payload has all been read. */
static void frame_end(struct ws_reader *r, const struct ws_events *ev)
{
	struct ws_frame *f = &r->cur;

	r->in_frame = 0;
	if (f->opcode >= WS_CLOSE) {
		if (f->opcode == WS_CLOSE && close_check(r))
			return;
		if (ev->message)
			ev->message(ev->ctx, f->opcode, r->ctl, r->ctl_len);
		return;
	}
	if (!f->fin)
		return;
	if (r->msg_opcode == WS_TEXT && !ws_utf8_valid(r->text, (size_t)r->msg_len)) {
		fail(r, WS_CLOSE_INVALID_DATA, "text message not valid UTF-8");
		return;
	}
	if (r->msg_opcode == WS_TEXT && ev->message)
		ev->message(ev->ctx, WS_TEXT, r->text, (size_t)r->msg_len);
	r->msg_opcode = 0;
}

/* Take up to n payload bytes of the current frame. */
static size_t frame_payload(struct ws_reader *r, uint8_t *p, size_t n, const struct ws_events *ev)
{
	struct ws_frame *f = &r->cur;
	uint64_t done = f->len - r->left;
	size_t take = n < r->left ? n : (size_t)r->left;

	if (f->opcode >= WS_CLOSE) {
		ws_unmask(p, take, f->mask, done);
		memcpy(r->ctl + r->ctl_len, p, take);
		r->ctl_len += take;
	} else if (r->msg_opcode == WS_TEXT) {
		size_t at = (size_t)(r->msg_len - f->len + done);

		ws_unmask(p, take, f->mask, done);
		memcpy(r->text + at, p, take);
	} else if (take && ev->binary) {
		ev->binary(ev->ctx, take);
	}
	r->left -= take;
	return take;
}

int ws_reader_feed(struct ws_reader *r, uint8_t *data, size_t n, const struct ws_events *ev)
{
	size_t i = 0;

	while (!r->error) {
		if (!r->in_frame) {
			size_t copy;
			int h;

			if (i == n)
				break;
			copy = sizeof(r->hdr) - r->hdr_len;
			if (copy > n - i)
				copy = n - i;
			memcpy(r->hdr + r->hdr_len, data + i, copy);
			h = ws_frame_parse(r->hdr, r->hdr_len + copy, &r->cur, &r->why);
			if (h < 0)
				return fail(r, WS_CLOSE_PROTOCOL, r->why);
			if (h == 0) {
				r->hdr_len += copy;
				i += copy;
				continue;
			}
			/* Only the header's own bytes are consumed from data. */
			i += (size_t)h - r->hdr_len;
			r->hdr_len = 0;
			if (frame_begin(r, ev))
				break;
		}
		if (r->left)
			i += frame_payload(r, data + i, n - i, ev);
		if (r->left == 0)
			frame_end(r, ev);
		else if (i == n)
			break;
	}
	return r->error;
}
