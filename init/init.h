/* Internal interfaces of /init, one file per concern. */
#ifndef FATHOM_INIT_H
#define FATHOM_INIT_H

#include <sys/types.h>

#include "lib/file.h"	/* file_read, sysfs_read */

#define SERVICES_DIR "/etc/fathom/services"
#define MODULES_LIST "/etc/fathom/modules"
#define COLDPLUG_TABLE "/etc/fathom/coldplug"
#define MEDIA_MODULES_LIST "/etc/fathom/media-modules"
#define SERVICES_MAX 32

/* mount.c: proc, sys, dev, run, tmp. Failures are logged. */
void mount_early(void);

/* modules.c: load the modules listed in a file, in order. */
int modules_load_list(const char *list_path);
int module_load(const char *path);

/* coldplug.c: load the modules for the devices present (the table is
 * described in modalias.h); log network devices left without a driver. */
void coldplug_run(const char *table_path);

/* supervise.c */
int services_load(const char *dir);
void services_start(int network_ready);
void services_child_exited(pid_t pid, int status, long now_ms);
void services_restart_due(long now_ms);
long services_next_restart_ms(void);
void services_stop_all(int sig);
void services_output_read(int fd);
int services_output_fds(int *fds, int max);
int services_running(void);

/* shutdown.c: stop everything, then halt, power off or reboot. */
void shutdown_begin(int how);
void shutdown_poll(int processes_left);
long shutdown_deadline_ms(void);
int shutdown_in_progress(void);

/* watchdog.c: the hardware watchdog, fed from the event loop */
struct init_config;
void watchdog_start(const struct init_config *cfg);
long watchdog_interval_ms(void);
void watchdog_tick(long now_ms);
void watchdog_release(void);
/* fathom.watchdog=ipmi: arm the BMC's once the BMC child found it; its
 * answers come on watchdog_fd() (-1 when none), read by watchdog_read(). */
void watchdog_bmc_found(void);
int watchdog_fd(void);
void watchdog_read(void);

/* supervise.c: the longest run of consecutive failures, and whose */
unsigned services_max_failures(const char **name);

/* media.c: find the boot medium with /boot/fathom-ID (waiting up to
 * timeout_s for its drivers) and read its fathom.conf into conf; where
 * names it for messages. Returns 1 if the medium was found. */
int media_read_conf(const char *id, unsigned timeout_s, char *conf, size_t size,
		    char *where, size_t where_size);

/* network.c: netcfg in a child of PID 1, reporting readiness; with
 * fathom.media, the child first reads the boot medium's fathom.conf. */
void network_start(const char *cmdline, const struct init_config *cfg);
int network_ready_fd(void);
int network_ready_read(void);
int network_child_exited(pid_t pid, int status, long now_ms);
long network_next_start_ms(void);
void network_start_due(long now_ms);

/* shell.c: the rescue shell on the console (fathom.shell) */
void shell_enable(void);
int shell_child_exited(pid_t pid, long now_ms);
long shell_next_start_ms(void);
void shell_start_due(long now_ms);

/* power.c: the ACPI power button */
int power_button_open(int *fds, int max);
int power_button_pressed(int fd);

/* clock.c */
long monotonic_ms(void);

#endif
