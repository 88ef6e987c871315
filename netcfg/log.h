/* netcfg's messages: "SUBJECT: ..." lines through lib/log.h, whose sink
 * (netcfg/log.c) writes them to stderr; with --appliance each line starts
 * with "<N>" (its syslog level) for /init, which logs them. */
#ifndef FATHOM_NETCFG_LOG_H
#define FATHOM_NETCFG_LOG_H

#include "lib/log.h"

#define NC_ERR LOG_ERR
#define NC_WARN LOG_WARN
#define NC_INFO LOG_INFO

void nc_log(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same with another subject than "netcfg" (e.g. "media"). */
void nc_log_as(enum log_level level, const char *who, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prefix each line with "<N>" from now on. */
void nc_log_levels(int on);

#endif
