/* ndt7's messages: the lib/log.h front end (levels, log_threshold, which
 * -v raises to LOG_DEBUG) with ndt7's sink, services/ndt7/log.c. */
#ifndef NDT7_LOG_H
#define NDT7_LOG_H

#include "lib/log.h"

#define ndt7_log log_msg

#endif
