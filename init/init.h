/* Internal interfaces of /init, one file per concern. */
#ifndef FATHOM_INIT_H
#define FATHOM_INIT_H

#include <sys/types.h>

#include "lib/clock.h"	/* monotonic_ms */
#include "lib/file.h"	/* file_read, sysfs_read */
#include "lib/kmod.h"	/* modules_load_list */

#define SERVICES_DIR "/etc/fathom/services"
#define MODULES_LIST "/etc/fathom/modules"
#define COLDPLUG_TABLE "/etc/fathom/coldplug"
#define STATE_MODULES_LIST "/etc/fathom/state-modules"
#define MEDIA_MODULES_LIST "/etc/fathom/media-modules"	/* in media.cpio.zst */
#define SERVICES_MAX 32

/* mount.c: proc, sys, dev, run, tmp. Failures are logged. */
void mount_early(void);

/* modules.c: the board's MODULES, then coldplug (table NULL: none), in a
 * child of PID 1, so that a probe that hangs cannot stop the boot. _start
 * forks it (or, if it cannot, loads them itself: -1); _wait runs the
 * event loop until it is done, or until a module has been loading for
 * MODULES_WAIT_S: then that is logged, the boot goes on (it returns 1)
 * and late() runs once the loader ends. _start returns 1 (and loads
 * nothing) while the last loader still runs. */
#define MODULES_WAIT_S 10
int modules_load_start(const char *list, const char *coldplug_table);
int modules_load_wait(void (*late)(void));

/* state.c: find the fathom-data partition on a non-removable disk,
 * e2fsck -p it and mount it on /data (read-only if errors are left); one
 * line says where state is kept. Test mode: FATHOM_TEST_DATA, if set, is a
 * directory standing in for /data. */
void state_setup(const char *test_root);
/* A service's state= directory test_root/dir (test_root may be NULL)
 * with owner and mode: a bind mount of /data/state/dir, or a directory in
 * RAM. 0, or -1 (logged). */
int state_dir_prepare(const char *svc, const char *test_root, const char *dir,
		      uid_t uid, gid_t gid, mode_t mode);
/* At shutdown, every service gone: /data read-only. */
void state_shutdown(void);

/* coldplug.c: load the modules for the devices present (the table is
 * described in modalias.h); log network devices left without a driver. */
void coldplug_run(const char *table_path);

/* supervise.c: the services, children in child.h's table */
int services_load(const char *dir);
void services_start(int network_ready);
void services_stop_all(int sig);
/* the longest run of consecutive failures, and whose */
unsigned services_max_failures(const char **name);

/* shutdown.c: stop everything, then halt, power off or reboot. */
void shutdown_begin(int how);
void shutdown_poll(int processes_left);
long shutdown_deadline_ms(void);
int shutdown_in_progress(void);

/* watchdog.c: the hardware watchdog, fed from the event loop */
struct init_config;
/* Arm it if its device is there; last_try: also say that it is not
 * (before the modules load it may still come). Once armed, or failed
 * otherwise, further calls do nothing. */
void watchdog_start(const struct init_config *cfg, int last_try);
long watchdog_interval_ms(void);
/* Register the timer that feeds it (none without a watchdog). */
void watchdog_timer_watch(void);
void watchdog_release(void);
/* fathom.watchdog=ipmi: arm the BMC's once the BMC helper found it. */
void watchdog_bmc_found(void);

/* network.c: /usr/sbin/netcfg (under root, "" but in test mode) as a
 * supervised child; on_ready runs each time it reports the uplink ready.
 * Returns -1 when it is not started (test mode without one). */
#define NETCFG_PATH "/usr/sbin/netcfg"
int network_start(const char *root, const struct init_config *cfg, void (*on_ready)(void));

/* shell.c: the rescue shell on the console (fathom.shell) */
void shell_enable(void);

/* power.c: watch the ACPI power buttons; a press powers off. In test mode
 * (pidns tests) test_path is watched instead (FATHOM_TEST_POWER). */
void power_buttons_watch(const char *test_path);

#endif
