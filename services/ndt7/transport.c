/* The transport over plain TCP: recv and sendmsg on a non-blocking socket,
 * and the reset and close both kinds of transport share. */
#include "transport.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Result of one system call: > 0 bytes, 0 would block, -1 connection over. */
static ssize_t plain_result(struct transport *t, ssize_t rc)
{
	if (rc > 0)
		return rc;
	if (rc < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (!t->why)
		t->why = rc == 0 ? "client closed the connection" : strerror(errno);
	t->failed = rc < 0;
	return -1;
}

static int plain_handshake(struct transport *t)
{
	t->ready = 1;
	return 1;
}

static ssize_t plain_read(struct transport *t, void *buf, size_t cap)
{
	return plain_result(t, recv(t->fd, buf, cap, MSG_DONTWAIT));
}

static ssize_t plain_writev(struct transport *t, const struct iovec *iov, int n)
{
	struct msghdr mh = { .msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)n };

	while (mh.msg_iovlen > 1 && mh.msg_iov->iov_len == 0) {
		mh.msg_iov++;
		mh.msg_iovlen--;
	}
	return plain_result(t, sendmsg(t->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT));
}

static int plain_flush(struct transport *t)
{
	(void)t;
	return 1;	/* the kernel has it all */
}

static size_t plain_pending(const struct transport *t)
{
	(void)t;
	return 0;
}

static void plain_shutdown(struct transport *t)
{
	(void)t;
}

static int plain_bulk(struct transport *t)
{
	(void)t;
	return 0;
}

static const struct transport_ops plain_ops = {
	plain_handshake, plain_read, plain_writev, plain_flush, plain_pending, plain_shutdown,
	plain_bulk,
};

void transport_plain(struct transport *t, int fd)
{
	memset(t, 0, sizeof(*t));
	t->ops = &plain_ops;
	t->fd = fd;
	t->ready = 1;
}

void transport_abort(struct transport *t)
{
	struct linger lg = { 1, 0 };

	/* The kernel keeps no unsent data of a stalled client. */
	setsockopt(t->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	t->failed = 1;
}

void transport_close(struct transport *t)
{
	t->ops->shutdown(t);
	close(t->fd);
	t->fd = -1;
}
