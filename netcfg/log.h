/* netcfg's internal logging: "netcfg: ..." through the hook set by init. */
#ifndef FATHOM_NETCFG_LOG_H
#define FATHOM_NETCFG_LOG_H

#define NC_ERR 3
#define NC_WARN 4
#define NC_INFO 6

void nc_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
