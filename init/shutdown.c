/* The shutdown: stop the services, kill what is left, then halt, power
 * off or reboot; driven by the event loop through shutdown_fsm.c. */
#define _GNU_SOURCE
#include "init.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "log.h"
#include "shutdown.h"

static struct shutdown sd;

static const char *how_name(int how)
{
	return how == RB_POWER_OFF ? "power off" : how == RB_AUTOBOOT ? "reboot" : "halt";
}

/* Start an orderly shutdown; a second request only changes what follows. */
void shutdown_begin(int how)
{
	sd.how = how;
	if (sd.phase != SHUTDOWN_NONE)
		return;
	log_info("shutdown: stopping services (%s follows)", how_name(how));
	sd.phase = SHUTDOWN_TERM;
	sd.deadline_ms = shutdown_deadline(SHUTDOWN_TERM, monotonic_ms());
	children_stop();
	services_stop_all(SIGTERM);
	kill(-1, SIGTERM);
}

/* reboot() from a child: when halting or powering off fails, the kernel
 * ends the calling process, which for PID 1 would be a panic. */
static void reboot_from_child(int how)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		child_close_fds();
		reboot(how);
		_exit(errno);
	}
	if (pid < 0 && reboot(how) < 0) {
		log_err("shutdown: reboot(): %s", strerror(errno));
		return;
	}
	if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status))
		log_err("shutdown: reboot(): %s", strerror(WEXITSTATUS(status)));
}

static void shutdown_final(void)
{
	static const char *const umounts[] = { "/tmp", "/run", "/dev/shm", "/dev/pts" };
	size_t i;

	sync();
	state_shutdown();
	for (i = 0; i < sizeof(umounts) / sizeof(umounts[0]); i++)
		umount2(umounts[i], MNT_DETACH);
	watchdog_release();
	log_info("shutdown: %s now", how_name(sd.how));
	reboot_from_child(sd.how);
	/* Still here: keep supervising; a new request may try again. */
	sd.phase = SHUTDOWN_NONE;
}

/* Advance the shutdown; called by the event loop after every event. */
void shutdown_poll(int processes_left)
{
	long now = monotonic_ms();
	enum shutdown_phase next = shutdown_next(&sd, now, processes_left);

	if (next == sd.phase)
		return;
	sd.phase = next;
	sd.deadline_ms = shutdown_deadline(next, now);
	if (next == SHUTDOWN_KILL) {
		log_warn("shutdown: processes left after %ds; killing them", SHUTDOWN_GRACE_MS / 1000);
		kill(-1, SIGKILL);
	} else if (next == SHUTDOWN_FINAL) {
		shutdown_final();
	}
}

/* When the event loop must wake up for the shutdown, or 0. */
long shutdown_deadline_ms(void)
{
	return sd.phase == SHUTDOWN_NONE ? 0 : sd.deadline_ms;
}

int shutdown_in_progress(void)
{
	return sd.phase != SHUTDOWN_NONE;
}
