/* The logging front end: level filter and formatting (contract: log.h). */
#include "lib/log.h"

#include <stdio.h>

enum log_level log_threshold = LOG_INFO;

void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	char line[1024];

	if (level > log_threshold)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	log_sink(level, line);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}
