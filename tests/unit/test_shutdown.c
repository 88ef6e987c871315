/* The shutdown state machine with a fake clock. */
#include "shutdown.h"
#include "tap.h"

struct step_case {
	enum shutdown_phase phase;
	long deadline, now;
	int left;
	enum shutdown_phase want;
	const char *what;
};

static const struct step_case cases[] = {
	{ SHUTDOWN_NONE, 0, 100, 1, SHUTDOWN_NONE, "running stays running" },
	{ SHUTDOWN_TERM, 5000, 100, 1, SHUTDOWN_TERM, "TERM waits while processes are left" },
	{ SHUTDOWN_TERM, 5000, 4999, 1, SHUTDOWN_TERM, "TERM waits until the deadline" },
	{ SHUTDOWN_TERM, 5000, 5000, 1, SHUTDOWN_KILL, "TERM -> KILL at the deadline" },
	{ SHUTDOWN_TERM, 5000, 9000, 1, SHUTDOWN_KILL, "TERM -> KILL after the deadline" },
	{ SHUTDOWN_TERM, 5000, 100, 0, SHUTDOWN_FINAL, "TERM -> FINAL as soon as all exited" },
	{ SHUTDOWN_KILL, 1000, 500, 1, SHUTDOWN_KILL, "KILL waits for the reaping" },
	{ SHUTDOWN_KILL, 1000, 500, 0, SHUTDOWN_FINAL, "KILL -> FINAL when all are gone" },
	{ SHUTDOWN_KILL, 1000, 1000, 1, SHUTDOWN_FINAL, "KILL -> FINAL at its deadline anyway" },
	{ SHUTDOWN_FINAL, 0, 100, 1, SHUTDOWN_FINAL, "FINAL stays FINAL" },
};

int main(void)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct step_case *c = &cases[i];
		struct shutdown sd = { c->phase, 0, c->deadline };

		CHECK(shutdown_next(&sd, c->now, c->left) == c->want, "%s", c->what);
	}
	CHECK(shutdown_deadline(SHUTDOWN_TERM, 1000) == 1000 + SHUTDOWN_GRACE_MS,
	      "TERM's deadline is the grace period");
	CHECK(shutdown_deadline(SHUTDOWN_KILL, 1000) == 1000 + SHUTDOWN_KILL_MS,
	      "KILL's deadline is short");
	CHECK(shutdown_deadline(SHUTDOWN_FINAL, 1000) == 0, "FINAL has no deadline");

	/* A whole shutdown on a fake clock: a service ignores TERM. */
	{
		struct shutdown sd = { SHUTDOWN_TERM, 0, shutdown_deadline(SHUTDOWN_TERM, 0) };
		long t;

		for (t = 0; sd.phase == SHUTDOWN_TERM && t < 60000; t += 100)
			sd.phase = shutdown_next(&sd, t, 1);
		CHECK(sd.phase == SHUTDOWN_KILL && t == SHUTDOWN_GRACE_MS + 100,
		      "a stubborn service is killed right after the grace period (t=%ld)", t);
		sd.deadline_ms = shutdown_deadline(SHUTDOWN_KILL, t);
		sd.phase = shutdown_next(&sd, t + 10, 0);
		CHECK(sd.phase == SHUTDOWN_FINAL, "then the system goes down once it is reaped");
	}
	return tap_done();
}
