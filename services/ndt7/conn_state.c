/* The ndt7 connection state machine (conn_state.h): one table says which
 * event moves which state where. */
#include "conn_state.h"

/* next[state][event]; 0 (CONN_HANDSHAKE, never a target) means the
 * event does not apply and the state stays. EV_GONE and EV_DEADLINE end
 * every state, below. */
static const unsigned char next[CONN_NSTATES][CONN_NEVENTS] = {
	[CONN_HANDSHAKE] = { [EV_READY] = CONN_REQUEST },
	[CONN_REQUEST] = { [EV_UPGRADE] = CONN_MEASURING, [EV_REFUSE] = CONN_REFUSING },
	[CONN_REFUSING] = { [EV_WRITTEN] = CONN_DONE },
	[CONN_MEASURING] = { [EV_TEST_OVER] = CONN_CLOSING, [EV_PEER_CLOSE] = CONN_DRAINING,
			     [EV_PEER_ERROR] = CONN_DRAINING },
	[CONN_CLOSING] = { [EV_CLOSE_SENT] = CONN_CLOSE_SENT, [EV_PEER_CLOSE] = CONN_DRAINING,
			   [EV_PEER_ERROR] = CONN_DRAINING },
	[CONN_CLOSE_SENT] = { [EV_PEER_CLOSE] = CONN_DRAINING, [EV_PEER_ERROR] = CONN_DRAINING },
	[CONN_DRAINING] = { [EV_WRITTEN] = CONN_DONE },
};

enum conn_state conn_state_next(enum conn_state s, enum conn_event ev)
{
	if ((unsigned)s >= CONN_DONE || (unsigned)ev >= CONN_NEVENTS)
		return s;
	if (ev == EV_GONE || ev == EV_DEADLINE)
		return CONN_DONE;
	return next[s][ev] ? (enum conn_state)next[s][ev] : s;
}

int conn_state_reads(enum conn_state s)
{
	return s == CONN_REQUEST || (s >= CONN_MEASURING && s <= CONN_DRAINING);
}

int conn_state_parses_frames(enum conn_state s)
{
	return s >= CONN_MEASURING && s <= CONN_CLOSE_SENT;
}

const char *conn_state_name(enum conn_state s)
{
	static const char *const names[] = {
		"handshake", "request", "refusing", "measuring", "closing", "close-sent",
		"draining", "done",
	};

	return (unsigned)s < CONN_NSTATES ? names[s] : "?";
}

const char *conn_event_name(enum conn_event ev)
{
	static const char *const names[] = {
		"ready", "upgrade", "refuse", "test-over", "peer-close", "peer-error",
		"close-sent", "written", "gone", "deadline",
	};

	return (unsigned)ev < CONN_NEVENTS ? names[ev] : "?";
}
