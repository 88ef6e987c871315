/* netcfg's messages, prefixed "netcfg: " (contract: log.h). */
#include "log.h"

#include <stdio.h>

void nc_log(enum log_level level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_msg(level, "netcfg: %s", msg);
}
