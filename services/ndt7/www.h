/* The test page (docs/ndt7.md, "The test page"): its few files, read once
 * at startup from --www-dir and served from memory to plain GET and HEAD
 * requests. */
#ifndef NDT7_WWW_H
#define NDT7_WWW_H

#include "http.h"
#include "ws_out.h"

#define WWW_DIR_DEFAULT "/usr/share/ndt7/www"
#define WWW_FILE_MAX (256u << 10)	/* bytes per file */

/* Read every file of the list (http.h) from dir: 1 if the page is served,
 * 0 if not, said once in the log (no such directory: no page on this
 * server; a file missing, unreadable or too large: named). Call before the
 * workers start; they share the copy. */
int www_load(const char *dir);

/* Queue the response to a request for file f on q (its headers only if
 * head): 200, or 404 when there is no page. Returns the status. */
int www_respond(struct ws_out *q, enum www_file f, int head);

/* ACME HTTP-01 (RFC 8555 8.3): queue the response to a request for
 * token: the file dir/token (read now, at most WWW_ACME_MAX bytes, a
 * regular file, no symbolic link) as text/plain, or 404 when dir is NULL
 * or there is no such file. Returns the status. */
#define WWW_ACME_MAX 4096u
int www_acme_respond(struct ws_out *q, const char *dir, const char *token, int head);

#endif
