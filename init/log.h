/* One logging function for PID 1 and everything linked into it. */
#ifndef FATHOM_LOG_H
#define FATHOM_LOG_H

#include <stdarg.h>

/* syslog priorities, as /dev/kmsg expects them in "<N>". */
enum log_level { LOG_ERR = 3, LOG_WARN = 4, LOG_INFO = 6, LOG_DEBUG = 7 };

/* Write "<pri>fathom: msg" to /dev/kmsg and "fathom: msg" to the console
 * (stderr). Before log_open() only the console is used. */
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level level, const char *fmt, va_list ap);

/* Open /dev/kmsg once /dev is mounted. */
void log_open(void);

#define log_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)

#endif
