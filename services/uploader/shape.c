/* Record shape checks before bundling (contract: shape.h). */
#include "shape.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

/* An ndt7 record names its test: Download.UUID or Upload.UUID (upstream's
 * data.NDT7Result), a non-empty string without control characters. */
static int ndt7_id(json_t *root, struct shape *s)
{
	static const char *const tests[] = { "Download", "Upload" };
	size_t i;

	for (i = 0; i < 2; i++) {
		json_t *t = json_object_get(root, tests[i]);
		json_t *u = json_is_object(t) ? json_object_get(t, "UUID") : NULL;
		const char *v = json_is_string(u) ? json_string_value(u) : NULL;
		size_t k, n;

		if (!v)
			continue;
		n = strlen(v);
		if (n == 0 || n >= sizeof(s->id)) {
			snprintf(s->why, sizeof(s->why), "%s.UUID is empty or too long", tests[i]);
			return -1;
		}
		for (k = 0; k < n; k++)
			if ((unsigned char)v[k] < 0x20 || v[k] == 0x7f) {
				snprintf(s->why, sizeof(s->why), "%s.UUID has control characters",
					 tests[i]);
				return -1;
			}
		memcpy(s->id, v, n + 1);
		return 0;
	}
	snprintf(s->why, sizeof(s->why), "no Download.UUID or Upload.UUID (not an ndt7 result)");
	return -1;
}

int shape_check(const char *datatype, const char *data, size_t len, struct shape *s)
{
	json_error_t e;
	json_t *root;
	size_t i, body = len;
	int rc = 0;

	memset(s, 0, sizeof(*s));
	if (len == 0) {
		snprintf(s->why, sizeof(s->why), "empty file");
		return -1;
	}
	if (memchr(data, '\0', len)) {
		snprintf(s->why, sizeof(s->why), "NUL byte in the record");
		return -1;
	}
	root = json_loadb(data, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &e);
	if (!root) {
		snprintf(s->why, sizeof(s->why), "not JSON: %.60s (line %d)", e.text, e.line);
		return -1;
	}
	if (!json_is_object(root) || json_object_size(root) == 0) {
		snprintf(s->why, sizeof(s->why), "not a JSON object with fields");
		rc = -1;
	} else if (strcmp(datatype, "ndt7") == 0) {
		rc = ndt7_id(root, s);
	}
	json_decref(root);
	if (rc < 0)
		return -1;
	while (body > 0 && (data[body - 1] == '\n' || data[body - 1] == '\r' ||
			    data[body - 1] == ' ' || data[body - 1] == '\t'))
		body--;
	s->one_line = 1;
	for (i = 0; i < body; i++)
		if (data[i] == '\n' || data[i] == '\r') {
			s->one_line = 0;
			break;
		}
	return 0;
}
