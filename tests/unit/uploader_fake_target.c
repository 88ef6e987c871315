/* A scripted target for the uploader's unit tests (uploader_fake_target.h). */
#include "uploader_fake_target.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fake_upload fake_uploads[FAKE_MAX];
size_t fake_nuploads;
enum target_result fake_script[FAKE_MAX];
size_t fake_nscript;
static size_t fake_next;

struct target {
	int unused;
};

void fake_reset(void)
{
	size_t i;

	for (i = 0; i < fake_nuploads; i++)
		free(fake_uploads[i].data);
	memset(fake_uploads, 0, sizeof(fake_uploads));
	fake_nuploads = fake_nscript = fake_next = 0;
}

struct target *target_open(const struct target_config *cfg, char *err, size_t errlen)
{
	(void)cfg;
	(void)err;
	(void)errlen;
	return calloc(1, sizeof(struct target));
}

void target_upload(struct target *t, const char *object, const void *data, size_t len,
		   struct target_outcome *out)
{
	enum target_result r = fake_next < fake_nscript ? fake_script[fake_next] : TARGET_OK;
	struct fake_upload *u;

	(void)t;
	fake_next++;
	memset(out, 0, sizeof(*out));
	out->result = r;
	snprintf(out->reason, sizeof(out->reason), "%s", r == TARGET_OK ? "" :
		 r == TARGET_RETRY ? "http_5xx" : r == TARGET_AUTH ? "auth" : "http_4xx");
	snprintf(out->detail, sizeof(out->detail), "fake %s", target_result_name(r));
	if (fake_nuploads == FAKE_MAX)
		return;
	u = &fake_uploads[fake_nuploads++];
	snprintf(u->object, sizeof(u->object), "%s", object);
	u->data = malloc(len ? len : 1);
	memcpy(u->data, data, len);
	u->len = len;
	u->result = r;
}

int fake_timeout_ms;

void target_set_timeout(struct target *t, int timeout_ms)
{
	(void)t;
	fake_timeout_ms = timeout_ms;
}

void target_close(struct target *t)
{
	free(t);
}

const char *target_result_name(enum target_result r)
{
	static const char *const names[] = { "ok", "retry", "auth", "fatal" };

	return (unsigned)r < 4 ? names[r] : "?";
}
