/* Loading kernel modules from files (finit_module), singly or from a list
 * in dependency order; used by /init at boot and by netcfg for the boot
 * medium's drivers. */
#ifndef FATHOM_LIB_KMOD_H
#define FATHOM_LIB_KMOD_H

/* Load one .ko: 0 when it is loaded, also by someone before us (EEXIST),
 * or -1 with errno. */
int module_load(const char *path);

/* Load the modules listed in list_path, one path per line, in order.
 * A module that fails is logged (log.h) and the others still load; a
 * missing list is no error. 0, or -1 if any module failed. */
int modules_load_list(const char *list_path);

/* From now on module_load writes "PATH\n" to fd before it loads PATH and
 * "\n" once it is done, so that another process can tell which module is
 * taking long (/init's bounded loading, init/modules.c). -1: no more. */
void modules_report_to(int fd);

/* Test mode (/init's pidns tests): "loading" a module only opens its file,
 * so the kernel is never touched and a FIFO stands for a probe that hangs. */
void modules_dry_run(int on);

#endif
