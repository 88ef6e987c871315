/* The IPMI device (/dev/ipmi0) behind a small interface: open, send a
 * request to the BMC, wait for its answer (contract: ipmi.h). */
#define _GNU_SOURCE
#include "ipmi.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/ipmi.h>

#include "lib/clock.h"

int ipmi_open(int nonblock)
{
	return open(IPMI_DEVICE, O_RDWR | O_CLOEXEC | (nonblock ? O_NONBLOCK : 0));
}

int ipmi_send(int fd, const struct ipmi_request *req, long msgid)
{
	struct ipmi_system_interface_addr bmc = {
		.addr_type = IPMI_SYSTEM_INTERFACE_ADDR_TYPE,
		.channel = IPMI_BMC_CHANNEL,
		.lun = 0,
	};
	uint8_t data[IPMI_REQ_DATA_MAX];
	struct ipmi_req r = {
		.addr = (unsigned char *)&bmc,
		.addr_len = sizeof(bmc),
		.msgid = msgid,
		.msg = { .netfn = req->netfn, .cmd = req->cmd, .data_len = req->len, .data = data },
	};

	memcpy(data, req->data, sizeof(data));
	return ioctl(fd, IPMICTL_SEND_COMMAND, &r) < 0 ? -1 : 0;
}

/* The driver's receive never blocks: EAGAIN when nothing is queued. Only
 * responses count; events and commands (not asked for) are dropped. */
ssize_t ipmi_recv(int fd, long *msgid, uint8_t *rsp, size_t size)
{
	struct ipmi_addr from;
	struct ipmi_recv r;

	for (;;) {
		memset(&r, 0, sizeof(r));
		r.addr = (unsigned char *)&from;
		r.addr_len = sizeof(from);
		r.msg.data = rsp;
		r.msg.data_len = (unsigned short)(size > 0xffff ? 0xffff : size);
		/* _TRUNC: a longer answer is cut to size (EMSGSIZE), not left queued. */
		if (ioctl(fd, IPMICTL_RECEIVE_MSG_TRUNC, &r) < 0 && errno != EMSGSIZE) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -1;
		}
		if (r.recv_type != IPMI_RESPONSE_RECV_TYPE)
			continue;
		*msgid = r.msgid;
		if (r.msg.data_len == 0) {	/* never from the driver; keep "cc first" true */
			rsp[0] = 0xff;
			return 1;
		}
		return r.msg.data_len;
	}
}

ssize_t ipmi_call(int fd, const struct ipmi_request *req, long msgid, uint8_t *rsp,
		  size_t size, int timeout_ms)
{
	long got, deadline = monotonic_ms() + timeout_ms;
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (ipmi_send(fd, req, msgid) < 0)
		return -1;
	for (;;) {
		long left = deadline - monotonic_ms();
		ssize_t n;

		if (left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
			return -1;
		/* An answer to an earlier request that timed out is skipped. */
		while ((n = ipmi_recv(fd, &got, rsp, size)) > 0)
			if (got == msgid)
				return n;
		if (n < 0)
			return -1;
	}
}
