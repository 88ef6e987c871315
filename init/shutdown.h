/* Shutdown as a state machine driven by the event loop: no sleeping. */
#ifndef FATHOM_SHUTDOWN_H
#define FATHOM_SHUTDOWN_H

enum shutdown_phase {
	SHUTDOWN_NONE = 0,	/* running normally */
	SHUTDOWN_TERM,		/* SIGTERM sent; waiting for processes to exit */
	SHUTDOWN_KILL,		/* SIGKILL sent; waiting for the kernel to reap */
	SHUTDOWN_FINAL,		/* sync, unmount, reboot() */
};

#define SHUTDOWN_GRACE_MS 5000
#define SHUTDOWN_KILL_MS 1000

struct shutdown {
	enum shutdown_phase phase;
	int how;		/* RB_HALT_SYSTEM, RB_POWER_OFF or RB_AUTOBOOT */
	long deadline_ms;
};

/* Pure: the phase to move to, given the time and whether any process is
 * left. Moves on early when everything has exited. */
enum shutdown_phase shutdown_next(const struct shutdown *sd, long now_ms, int processes_left);

/* The deadline of a phase entered at now_ms (0 if it has none). */
long shutdown_deadline(enum shutdown_phase phase, long now_ms);

#endif
