/* Internal interfaces of /init, one file per concern. */
#ifndef FATHOM_INIT_H
#define FATHOM_INIT_H

#include <sys/types.h>

#define SERVICES_DIR "/etc/fathom/services"
#define MODULES_LIST "/etc/fathom/modules"
#define SERVICES_MAX 32

/* mount.c: proc, sys, dev, run, tmp. Failures are logged. */
void mount_early(void);

/* modules.c: load the modules listed in a file, in order. */
int modules_load_list(const char *list_path);

/* supervise.c */
int services_load(const char *dir);
void services_start(int network_ready);
void services_child_exited(pid_t pid, int status, long now_ms);
void services_restart_due(long now_ms);
long services_next_restart_ms(void);
void services_stop_all(int sig);

/* shutdown.c: stop everything, then halt, power off or reboot. */
void shutdown_system(int how);

/* clock.c */
long monotonic_ms(void);

#endif
