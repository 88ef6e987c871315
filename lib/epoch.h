/* SOURCE_DATE_EPOCH (reproducible-builds.org): the one timestamp every
 * file of a reproducible build carries. */
#ifndef FATHOM_LIB_EPOCH_H
#define FATHOM_LIB_EPOCH_H

#include <stdint.h>

/* value (NULL = unset = 0) as seconds that fit 32 bits (a newc cpio
 * mtime): plain decimal, nothing else. Returns 0, or -1 if malformed. */
int epoch_parse(const char *value, uint32_t *seconds);

/* The environment's SOURCE_DATE_EPOCH into *seconds; if malformed, says
 * so on stderr as "TOOL: SOURCE_DATE_EPOCH ...: must be ..." and returns -1. */
int source_date_epoch(const char *tool, uint32_t *seconds);

#endif
