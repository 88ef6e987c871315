/* The shutdown sequence as a pure state machine: SIGTERM, a deadline,
 * SIGKILL, then the final halt, power-off or reboot (shutdown.h). */
#include "shutdown.h"

enum shutdown_phase shutdown_next(const struct shutdown *sd, long now_ms, int processes_left)
{
	switch (sd->phase) {
	case SHUTDOWN_TERM:
		if (!processes_left)
			return SHUTDOWN_FINAL;
		return now_ms >= sd->deadline_ms ? SHUTDOWN_KILL : SHUTDOWN_TERM;
	case SHUTDOWN_KILL:
		return !processes_left || now_ms >= sd->deadline_ms ? SHUTDOWN_FINAL : SHUTDOWN_KILL;
	default:
		return sd->phase;
	}
}

long shutdown_deadline(enum shutdown_phase phase, long now_ms)
{
	switch (phase) {
	case SHUTDOWN_TERM:
		return now_ms + SHUTDOWN_GRACE_MS;
	case SHUTDOWN_KILL:
		return now_ms + SHUTDOWN_KILL_MS;
	default:
		return 0;
	}
}
