/* The test page (www.h): the files of the fixed list read into memory at
 * startup, and their responses, with headers that let nothing but the
 * page's own scripts, workers and WebSockets run. */
#define _GNU_SOURCE
#include "www.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

/* Scripts, workers and connections only to where the page came from
 * ('self' covers ws: and wss: of the same host and port); no inline code,
 * no frames, no forms. Workers get it with their script too. */
#define WWW_CSP "default-src 'none'; script-src 'self'; worker-src 'self'; " \
	"connect-src 'self'; style-src 'self'; base-uri 'none'; form-action 'none'; " \
	"frame-ancestors 'none'"

struct www_entry {
	char head[640];			/* the response's status line and headers */
	size_t head_len;
	char *body;
	size_t body_len;
};

static struct www_entry files[WWW_NFILES];
static int loaded;

/* Read dir/name into e->body; -1 with a reason in why. */
static int read_file(int dirfd, const char *name, struct www_entry *e, const char **why)
{
	struct stat st;
	size_t got = 0;
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0 || fstat(fd, &st) < 0) {
		*why = strerror(errno);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > (off_t)WWW_FILE_MAX) {
		*why = S_ISREG(st.st_mode) ? "larger than 256 KiB" : "not a regular file";
		close(fd);
		return -1;
	}
	e->body = malloc(st.st_size ? (size_t)st.st_size : 1);
	while (e->body && got < (size_t)st.st_size) {
		ssize_t n = read(fd, e->body + got, (size_t)st.st_size - got);

		if (n <= 0) {
			*why = n < 0 ? strerror(errno) : "shorter than its size";
			close(fd);
			return -1;
		}
		got += (size_t)n;
	}
	close(fd);
	if (!e->body) {
		*why = "out of memory";
		return -1;
	}
	e->body_len = got;
	return 0;
}

static void make_head(struct www_entry *e, enum www_file f)
{
	int n = snprintf(e->head, sizeof(e->head),
			 "HTTP/1.1 200 OK\r\n"
			 "Content-Type: %s\r\n"
			 "Content-Length: %zu\r\n"
			 "Cache-Control: no-cache\r\n"
			 "X-Content-Type-Options: nosniff\r\n"
			 "Content-Security-Policy: " WWW_CSP "\r\n"
			 "Referrer-Policy: no-referrer\r\n"
			 "Connection: close\r\n"
			 "\r\n", www_file_type(f), e->body_len);

	e->head_len = n > 0 && (size_t)n < sizeof(e->head) ? (size_t)n : 0;
}

static void www_unload(void)
{
	int f;

	for (f = 0; f < WWW_NFILES; f++) {
		free(files[f].body);
		memset(&files[f], 0, sizeof(files[f]));
	}
	loaded = 0;
}

int www_load(const char *dir)
{
	const char *why = NULL;
	size_t total = 0;
	int dirfd, f;

	www_unload();
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		ndt7_log(errno == ENOENT ? LOG_INFO : LOG_WARN,
			 "test page: %s: %s; this server serves no page (--www-dir)", dir,
			 strerror(errno));
		return 0;
	}
	for (f = 0; f < WWW_NFILES; f++) {
		if (read_file(dirfd, www_file_name((enum www_file)f), &files[f], &why) < 0)
			break;
		make_head(&files[f], (enum www_file)f);
		total += files[f].body_len;
	}
	close(dirfd);
	if (f < WWW_NFILES) {
		ndt7_log(LOG_WARN, "test page: %s/%s: %s; this server serves no page "
			 "(rebuild the image, or fix --www-dir)", dir, www_file_name((enum www_file)f),
			 why);
		www_unload();
		return 0;
	}
	loaded = 1;
	ndt7_log(LOG_INFO, "test page: %d files from %s (%zu bytes) at /", WWW_NFILES, dir, total);
	return 1;
}

int www_respond(struct ws_out *q, enum www_file f, int head)
{
	const struct www_entry *e = &files[f];

	if (!loaded) {
		struct http_verdict v = { 404, "this server has no test page (--www-dir)", head };
		char resp[512];

		ws_out_raw(q, resp, http_error_response(resp, sizeof(resp), &v));
		return 404;
	}
	ws_out_raw(q, e->head, e->head_len);
	if (!head)
		ws_out_body(q, e->body, e->body_len);
	return 200;
}

/* A challenge file: 0 with body[0..*len), or -1. */
static int acme_read(const char *dir, const char *token, char *body, size_t *len)
{
	char path[4096];
	struct stat st;
	ssize_t n;
	int fd, k = snprintf(path, sizeof(path), "%s/%s", dir, token);

	if (k < 0 || (size_t)k >= sizeof(path))
		return -1;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > WWW_ACME_MAX) {
		close(fd);
		return -1;
	}
	n = read(fd, body, WWW_ACME_MAX);
	close(fd);
	if (n < 0)
		return -1;
	*len = (size_t)n;
	return 0;
}

int www_acme_respond(struct ws_out *q, const char *dir, const char *token, int head)
{
	char body[WWW_ACME_MAX], resp[512 + WWW_ACME_MAX];
	size_t len = 0;
	int n;

	if (!dir || acme_read(dir, token, body, &len) < 0) {
		struct http_verdict v = { 404, "no such ACME challenge", head };

		ws_out_raw(q, resp, http_error_response(resp, sizeof(resp), &v));
		return 404;
	}
	n = snprintf(resp, sizeof(resp),
		     "HTTP/1.1 200 OK\r\n"
		     "Content-Type: text/plain\r\n"
		     "Content-Length: %zu\r\n"
		     "Cache-Control: no-store\r\n"
		     "X-Content-Type-Options: nosniff\r\n"
		     "Connection: close\r\n"
		     "\r\n", len);
	if (!head)	/* copied with the head: body is on this stack */
		memcpy(resp + n, body, len);
	ws_out_raw(q, resp, (size_t)n + (head ? 0 : len));
	return 200;
}
