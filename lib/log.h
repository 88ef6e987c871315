/* One logging front end for every program: levels are syslog priorities
 * (what /dev/kmsg expects in "<N>"), a message is formatted once and
 * handed to the program's sink as one line without its newline.
 *
 * The sink is chosen at link time, as a program's own log_sink(): PID 1
 * writes to /dev/kmsg and the consoles (init/log.c), ndt7 labels levels
 * (services/ndt7/log.c). A program that defines none gets the default
 * from the library archive (lib/log_stderr.c): the line on stderr. */
#ifndef FATHOM_LIB_LOG_H
#define FATHOM_LIB_LOG_H

#include <stdarg.h>

enum log_level { LOG_ERR = 3, LOG_WARN = 4, LOG_INFO = 6, LOG_DEBUG = 7 };

/* Messages above this level are dropped (default LOG_INFO). */
extern enum log_level log_threshold;

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level level, const char *fmt, va_list ap);

/* The program's sink: one complete line, without newline. */
void log_sink(enum log_level level, const char *line);

#define log_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
