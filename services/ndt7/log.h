/* One logging function: a line on stderr (init prefixes it with the
 * service name and copies it to the console and /dev/kmsg). */
#ifndef NDT7_LOG_H
#define NDT7_LOG_H

enum log_level { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG };

extern enum log_level log_threshold;

void ndt7_log(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
