/* Child output (output.h): read from the pipe when the loop says so, log
 * complete lines with the child's prefix, close at EOF. */
#define _GNU_SOURCE
#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "watch.h"

/* One line; with levels, a leading "<N>" (N 0-7) sets its level. */
static void output_line(const struct output *out, const char *s, int len)
{
	enum log_level level = LOG_INFO;

	if (out->levels && len >= 3 && s[0] == '<' && s[1] >= '0' && s[1] <= '7' && s[2] == '>') {
		level = (enum log_level)(s[1] - '0');
		s += 3;
		len -= 3;
	}
	log_msg(level, "%s%.*s", out->prefix, len, s);
}

static void output_flush(struct output *out, int all)
{
	char *start = out->buf, *nl;
	size_t left = out->len;

	while ((nl = memchr(start, '\n', left)) != NULL) {
		output_line(out, start, (int)(nl - start));
		left -= (size_t)(nl - start) + 1;
		start = nl + 1;
	}
	/* A line longer than the buffer is logged in pieces. */
	if (left > 0 && (all || left == sizeof(out->buf))) {
		output_line(out, start, (int)left);
		left = 0;
	}
	memmove(out->buf, start, left);
	out->len = left;
}

void output_close(struct output *out)
{
	if (out->fd < 0)
		return;
	output_flush(out, 1);
	watch_remove(out->fd);
	close(out->fd);
	out->fd = -1;
}

static void output_ready(int fd, short revents, void *ctx)
{
	struct output *out = ctx;
	ssize_t n;

	(void)revents;
	if (fd != out->fd)
		return;
	n = read(fd, out->buf + out->len, sizeof(out->buf) - out->len);
	if (n > 0) {
		out->len += (size_t)n;
		output_flush(out, 0);
	} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
		output_close(out);
	}
}

void output_watch(struct output *out, int fd)
{
	output_close(out);	/* a previous run's, after its EOF was missed */
	out->len = 0;
	out->fd = fd;
	if (fd < 0)
		return;
	fcntl(fd, F_SETFL, O_NONBLOCK);
	if (watch_add(fd, POLLIN, output_ready, out) < 0) {
		close(fd);
		out->fd = -1;
	}
}
