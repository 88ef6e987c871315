/* netcfg's messages: "netcfg: ..." through the program's log sink
 * (lib/log.h: stderr for the netcfg tool, PID 1's sink when linked into
 * init). */
#ifndef FATHOM_NETCFG_LOG_H
#define FATHOM_NETCFG_LOG_H

#include "lib/log.h"

#define NC_ERR LOG_ERR
#define NC_WARN LOG_WARN
#define NC_INFO LOG_INFO

void nc_log(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
