/* ndt7's log sink (lib/log.h): "ndt7: error: ..." on stderr, which init
 * prefixes with the service name and copies to the console and /dev/kmsg. */
#include "log.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *label(enum log_level level)
{
	switch (level) {
	case LOG_ERR:
		return "error: ";
	case LOG_WARN:
		return "warning: ";
	case LOG_DEBUG:
		return "debug: ";
	default:
		return "";
	}
}

void log_sink(enum log_level level, const char *msg)
{
	char line[1100];
	int n = snprintf(line, sizeof(line), "ndt7: %s%s\n", label(level), msg);

	/* One write per line, so lines from several workers do not mix. */
	if (n > 0)
		(void)!write(STDERR_FILENO, line, strnlen(line, sizeof(line)));
}
