/* Unit tests for services/ndt7/conn_state.c: every (state, event) pair
 * against the table of transitions below, then whole connections as
 * sequences of events. */
#include <string.h>

#include "conn_state.h"
#include "tap.h"

struct transition {
	enum conn_state from;
	enum conn_event ev;
	enum conn_state to;
};

/* Every transition but the ends (EV_GONE, EV_DEADLINE): anything not
 * listed leaves the state as it is. */
static const struct transition transitions[] = {
	{ CONN_HANDSHAKE, EV_READY, CONN_REQUEST },
	{ CONN_REQUEST, EV_UPGRADE, CONN_MEASURING },
	{ CONN_REQUEST, EV_REFUSE, CONN_REFUSING },
	{ CONN_REFUSING, EV_WRITTEN, CONN_DONE },
	{ CONN_MEASURING, EV_TEST_OVER, CONN_CLOSING },
	{ CONN_MEASURING, EV_PEER_CLOSE, CONN_DRAINING },
	{ CONN_MEASURING, EV_PEER_ERROR, CONN_DRAINING },
	{ CONN_CLOSING, EV_CLOSE_SENT, CONN_CLOSE_SENT },
	{ CONN_CLOSING, EV_PEER_CLOSE, CONN_DRAINING },
	{ CONN_CLOSING, EV_PEER_ERROR, CONN_DRAINING },
	{ CONN_CLOSE_SENT, EV_PEER_CLOSE, CONN_DRAINING },
	{ CONN_CLOSE_SENT, EV_PEER_ERROR, CONN_DRAINING },
	{ CONN_DRAINING, EV_WRITTEN, CONN_DONE },
};

static enum conn_state expected(enum conn_state s, enum conn_event ev)
{
	size_t i;

	if (s == CONN_DONE)
		return CONN_DONE;
	if (ev == EV_GONE || ev == EV_DEADLINE)
		return CONN_DONE;
	for (i = 0; i < sizeof(transitions) / sizeof(transitions[0]); i++)
		if (transitions[i].from == s && transitions[i].ev == ev)
			return transitions[i].to;
	return s;
}

static void test_every_pair(void)
{
	int s, e;

	for (s = 0; s < CONN_NSTATES; s++)
		for (e = 0; e < CONN_NEVENTS; e++) {
			enum conn_state want = expected(s, e), got = conn_state_next(s, e);

			CHECK(got == want, "%s on %s: %s (got %s)", conn_state_name(s),
			      conn_event_name(e), conn_state_name(want), conn_state_name(got));
		}
	CHECK(conn_state_next(CONN_NSTATES, EV_GONE) == CONN_NSTATES &&
	      conn_state_next(CONN_REQUEST, CONN_NEVENTS) == CONN_REQUEST,
	      "out-of-range states and events change nothing");
	CHECK(strcmp(conn_state_name(CONN_NSTATES), "?") == 0 &&
	      strcmp(conn_event_name(CONN_NEVENTS), "?") == 0, "out-of-range names are \"?\"");
}

/* Which states read the client's bytes, and which parse them as frames. */
static void test_reading(void)
{
	static const struct {
		enum conn_state s;
		int reads, frames;
	} cases[] = {
		{ CONN_HANDSHAKE, 0, 0 }, { CONN_REQUEST, 1, 0 }, { CONN_REFUSING, 0, 0 },
		{ CONN_MEASURING, 1, 1 }, { CONN_CLOSING, 1, 1 }, { CONN_CLOSE_SENT, 1, 1 },
		{ CONN_DRAINING, 1, 0 }, { CONN_DONE, 0, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK(conn_state_reads(cases[i].s) == cases[i].reads &&
		      conn_state_parses_frames(cases[i].s) == cases[i].frames,
		      "%s: reads %d, parses frames %d", conn_state_name(cases[i].s),
		      cases[i].reads, cases[i].frames);
}

#define END (-1)

struct flow {
	const char *name;
	enum conn_state start;
	int events[8];		/* ended by END */
	enum conn_state states[8];	/* after each event */
};

static const struct flow flows[] = {
	{ "wss test completes", CONN_HANDSHAKE,
	  { EV_READY, EV_UPGRADE, EV_WRITTEN, EV_TEST_OVER, EV_CLOSE_SENT, EV_PEER_CLOSE,
	    EV_WRITTEN, END },
	  { CONN_REQUEST, CONN_MEASURING, CONN_MEASURING, CONN_CLOSING, CONN_CLOSE_SENT,
	    CONN_DRAINING, CONN_DONE } },
	{ "client closes before our close is out", CONN_REQUEST,
	  { EV_UPGRADE, EV_TEST_OVER, EV_PEER_CLOSE, EV_CLOSE_SENT, EV_WRITTEN, END },
	  { CONN_MEASURING, CONN_CLOSING, CONN_DRAINING, CONN_DRAINING, CONN_DONE } },
	{ "client closes mid-test", CONN_REQUEST,
	  { EV_UPGRADE, EV_PEER_CLOSE, EV_TEST_OVER, EV_WRITTEN, END },
	  { CONN_MEASURING, CONN_DRAINING, CONN_DRAINING, CONN_DONE } },
	{ "protocol error mid-test", CONN_REQUEST,
	  { EV_UPGRADE, EV_PEER_ERROR, EV_PEER_CLOSE, EV_WRITTEN, END },
	  { CONN_MEASURING, CONN_DRAINING, CONN_DRAINING, CONN_DONE } },
	{ "refused request", CONN_REQUEST,
	  { EV_REFUSE, EV_UPGRADE, EV_WRITTEN, END },
	  { CONN_REFUSING, CONN_REFUSING, CONN_DONE } },
	{ "stalled client reaches the deadline", CONN_REQUEST,
	  { EV_UPGRADE, EV_WRITTEN, EV_DEADLINE, EV_WRITTEN, END },
	  { CONN_MEASURING, CONN_MEASURING, CONN_DONE, CONN_DONE } },
	{ "TLS handshake fails", CONN_HANDSHAKE,
	  { EV_UPGRADE, EV_GONE, EV_READY, END },
	  { CONN_HANDSHAKE, CONN_DONE, CONN_DONE } },
	{ "client vanishes after our close", CONN_MEASURING,
	  { EV_TEST_OVER, EV_CLOSE_SENT, EV_WRITTEN, EV_GONE, END },
	  { CONN_CLOSING, CONN_CLOSE_SENT, CONN_CLOSE_SENT, CONN_DONE } },
};

static void test_flows(void)
{
	size_t i, k;

	for (i = 0; i < sizeof(flows) / sizeof(flows[0]); i++) {
		const struct flow *f = &flows[i];
		enum conn_state s = f->start;
		int ok = 1;

		for (k = 0; f->events[k] != END; k++) {
			s = conn_state_next(s, f->events[k]);
			ok &= s == f->states[k];
		}
		CHECK(ok, "flow: %s (ends %s)", f->name, conn_state_name(s));
	}
}

int main(void)
{
	test_every_pair();
	test_reading();
	test_flows();
	return tap_done();
}
