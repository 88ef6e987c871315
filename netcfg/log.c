/* netcfg's log sink for lib/log.h: one write per line on stderr, so lines
 * in /init's pipe are never torn; and the "netcfg: " subject (log.h). */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

static int with_levels;

void nc_log_levels(int on)
{
	with_levels = on;
}

void log_sink(enum log_level level, const char *msg)
{
	char line[1100];
	int n = with_levels ? snprintf(line, sizeof(line), "<%d>", (int)level) : 0;

	n += snprintf(line + n, sizeof(line) - (size_t)n - 1, "%s", msg);
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	(void)!write(STDERR_FILENO, line, (size_t)n);
}

static void log_as(enum log_level level, const char *who, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	log_msg(level, "%s: %s", who, msg);
}

void nc_log_as(enum log_level level, const char *who, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_as(level, who, fmt, ap);
	va_end(ap);
}

void nc_log(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_as(level, "netcfg", fmt, ap);
	va_end(ap);
}
