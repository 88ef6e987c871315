/* The life of one ndt7 connection as a state machine: the states, the
 * events that move it, and the one table of transitions. Pure. */
#ifndef NDT7_CONN_STATE_H
#define NDT7_CONN_STATE_H

enum conn_state {
	CONN_HANDSHAKE,		/* the transport's (TLS) handshake; plain TCP: at once */
	CONN_REQUEST,		/* reading the HTTP upgrade request */
	CONN_REFUSING,		/* writing an error response, then done */
	CONN_MEASURING,		/* upgraded: the download or upload runs */
	CONN_CLOSING,		/* our close frame is queued behind the test's last bytes */
	CONN_CLOSE_SENT,	/* our close is out: waiting for the client's */
	CONN_DRAINING,		/* writing what is queued (a close), then done */
	CONN_DONE,		/* over: record the result and free */
	CONN_NSTATES
};

enum conn_event {
	EV_READY,		/* the transport's handshake completed */
	EV_UPGRADE,		/* a valid upgrade request: 101 queued */
	EV_REFUSE,		/* a request refused (4xx queued) or no memory for it */
	EV_TEST_OVER,		/* the test ran its 10 s: close 1000 */
	EV_PEER_CLOSE,		/* the client's close frame */
	EV_PEER_ERROR,		/* the client broke the protocol: close with its code */
	EV_CLOSE_SENT,		/* our close frame is written */
	EV_WRITTEN,		/* everything queued is written */
	EV_GONE,		/* the transport is over: end of stream or error */
	EV_DEADLINE,		/* the handshake or test deadline passed */
	CONN_NEVENTS
};

/* The state after ev in s; s itself when ev does not apply there. */
enum conn_state conn_state_next(enum conn_state s, enum conn_event ev);

/* Whether the client's bytes are read (and, upgraded, parsed) in s. */
int conn_state_reads(enum conn_state s);

/* Whether client frames still matter in s (not after a close or error). */
int conn_state_parses_frames(enum conn_state s);

const char *conn_state_name(enum conn_state s);
const char *conn_event_name(enum conn_event ev);

#endif
