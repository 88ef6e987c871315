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

#endif
