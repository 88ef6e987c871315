/* netcfg's logging (log.h), and init's log.h interface for the init code
 * netcfg links (module loading): one line per message, on stderr. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../init/log.h"

static int with_levels;

void nc_log_levels(int on)
{
	with_levels = on;
}

/* One write per line, so that lines from a pipe are never torn. */
static void log_line(int level, const char *who, const char *fmt, va_list ap)
{
	char line[1100];
	int n = 0;

	if (with_levels)
		n = snprintf(line, sizeof(line), "<%d>", level);
	if (who)
		n += snprintf(line + n, sizeof(line) - (size_t)n, "%s: ", who);
	vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	n = (int)strlen(line);
	line[n++] = '\n';
	(void)!write(STDERR_FILENO, line, (size_t)n);
}

void nc_log_as(int level, const char *who, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line(level, who, fmt, ap);
	va_end(ap);
}

void nc_log(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line(level, "netcfg", fmt, ap);
	va_end(ap);
}

void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	log_line((int)level, NULL, fmt, ap);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line((int)level, NULL, fmt, ap);
	va_end(ap);
}
