/* A fake target for the uploader's unit tests: results from a script, and
 * every upload attempt kept (object name, bytes). */
#ifndef UPLOADER_FAKE_TARGET_H
#define UPLOADER_FAKE_TARGET_H

#include <stddef.h>

#include "target.h"

#define FAKE_MAX 256

struct fake_upload {
	char object[512];
	unsigned char *data;
	size_t len;
	enum target_result result;
};

extern struct fake_upload fake_uploads[FAKE_MAX];
extern size_t fake_nuploads;
/* The results of the next attempts, in order; after them: TARGET_OK. */
extern enum target_result fake_script[FAKE_MAX];
extern size_t fake_nscript;

/* The last target_set_timeout's value (0: never called). */
extern int fake_timeout_ms;

void fake_reset(void);

#endif
