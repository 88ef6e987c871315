#define _GNU_SOURCE
#include "init.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define SHUTDOWN_GRACE_MS 3000

/* Reap children until none is left or the grace period is over. */
static void reap_for(long ms)
{
	long deadline = monotonic_ms() + ms;
	struct timespec tick = { 0, 50 * 1000 * 1000 };

	while (monotonic_ms() < deadline) {
		pid_t pid = waitpid(-1, NULL, WNOHANG);

		if (pid < 0 && errno == ECHILD)
			return;
		if (pid <= 0)
			nanosleep(&tick, NULL);
	}
}

/* how is RB_HALT_SYSTEM, RB_POWER_OFF or RB_AUTOBOOT. Returns only if the
 * kernel refused, and then PID 1 goes on supervising what is left. */
void shutdown_system(int how)
{
	static const char *const umounts[] = { "/tmp", "/run", "/dev/shm", "/dev/pts" };
	size_t i;

	log_info("shutdown: stopping services (%s follows)",
		 how == RB_POWER_OFF ? "power off" : how == RB_AUTOBOOT ? "reboot" : "halt");
	services_stop_all(SIGTERM);
	kill(-1, SIGTERM);
	reap_for(SHUTDOWN_GRACE_MS);
	kill(-1, SIGKILL);
	reap_for(500);
	sync();
	for (i = 0; i < sizeof(umounts) / sizeof(umounts[0]); i++)
		umount2(umounts[i], MNT_DETACH);
	log_info("shutdown: done");
	if (reboot(how) < 0)
		log_err("shutdown: reboot(): %s", strerror(errno));
}
