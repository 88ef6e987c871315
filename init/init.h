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
#define SERVICES_MAX 32

/* mount.c: proc, sys, dev, run, tmp. Failures are logged. */
void mount_early(void);

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
void watchdog_start(const struct init_config *cfg);
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
