/* PID 1's log sink: the lib/log.h front end (log_err, log_info, ...)
 * writes through init/log.c to /dev/kmsg and the consoles. */
#ifndef FATHOM_INIT_LOG_H
#define FATHOM_INIT_LOG_H

#include "lib/log.h"

/* Open /dev/kmsg and the consoles once /dev is mounted; before that (and
 * in the pidns tests, which never call it) lines go to stderr. */
void log_open(void);

#endif
