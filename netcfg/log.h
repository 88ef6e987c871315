/* netcfg's logging: "netcfg: ..." lines on stderr; with --appliance each
 * starts with "<N>" (its syslog level) for /init, which logs them. */
#ifndef FATHOM_NETCFG_LOG_H
#define FATHOM_NETCFG_LOG_H

#define NC_ERR 3
#define NC_WARN 4
#define NC_INFO 6

void nc_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same with another subject than "netcfg" (e.g. "media"). */
void nc_log_as(int level, const char *who, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prefix each line with "<N>" from now on. */
void nc_log_levels(int on);

#endif
