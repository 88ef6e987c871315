/* WebSocket client (RFC 6455) over lib/net's TLS or TCP connection: for
 * the platform agent's heartbeat to Locate. Blocking with timeouts, one
 * connection per struct. Interface fixed by the lead for issue 14;
 * lib/net/wsclient.c implements it. */
#ifndef LIB_NET_WSCLIENT_H
#define LIB_NET_WSCLIENT_H

#include <stddef.h>

#include "lib/net/https.h"

struct wsc;

/* Connect to a ws:// or wss:// url (wss needs no allow_plain) with extra
 * header lines (e.g. "Authorization: Bearer TOKEN"), verify the server as
 * https_request does, and complete the upgrade (101, Sec-WebSocket-Accept
 * checked). NULL with err set (the HTTP status if the server refused:
 * "upgrade refused: 401"). */
struct wsc *wsc_connect(const char *url, const char *const *headers,
			const struct https_opts *o, char *err, size_t errlen);

/* Send one text message (masked, as a client must). 0, or -1 (err). */
int wsc_send_text(struct wsc *c, const char *msg, size_t n, char *err, size_t errlen);

/* Wait up to timeout_ms for a message: answers pings, skips pongs.
 * 1: a text or binary message in buf (NUL-terminated, *n bytes, at most
 * cap - 1; larger messages are an error), 0: timeout, -1: closed by the
 * peer or an error (err says which, with the close code if any). After
 * 0 in the middle of a fragmented message, the fragments so far are in
 * buf: call again with the same buf and cap. */
int wsc_recv(struct wsc *c, int timeout_ms, char *buf, size_t cap, size_t *n,
	     char *err, size_t errlen);

/* Send a close frame (code, e.g. 1000) and free c (also after an error). */
void wsc_close(struct wsc *c, int code);

/* The pure frame codec, for unit tests and the fuzzer: encode a masked
 * client frame of opcode op into out (returns its length, 0 if cap is too
 * small), and parse one server frame from buf[0..n): 1 with *op, payload
 * (pointing into buf), *plen and *used set; 0 need more; -1 invalid (a
 * masked server frame, a reserved bit or opcode, a control frame over 125
 * bytes or fragmented, over max bytes). */
size_t ws_client_frame(int op, const void *p, size_t n, const unsigned char mask[4],
		       unsigned char *out, size_t cap);
int ws_client_parse(const unsigned char *buf, size_t n, size_t max, int *op,
		    const unsigned char **payload, size_t *plen, size_t *used);
/* ws_client_parse that also says whether the frame ends its message
 * (*fin: 1), for the reassembly of fragmented messages. */
int ws_client_parse_fin(const unsigned char *buf, size_t n, size_t max, int *op, int *fin,
			const unsigned char **payload, size_t *plen, size_t *used);

#endif
