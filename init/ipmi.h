/* The BMC (iDRAC) through the kernel's IPMI driver, /dev/ipmi0. */
#ifndef FATHOM_INIT_IPMI_H
#define FATHOM_INIT_IPMI_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ipmi_msg.h"

#define IPMI_DEVICE "/dev/ipmi0"
#define IPMI_MODULES_LIST "/etc/fathom/ipmi-modules"
/* How long the BMC child waits for /dev/ipmi0 once the drivers are loaded. */
#define IPMI_DEVICE_WAIT_MS 30000
/* How long one request may take (the kernel gives up after ~5 s itself). */
#define IPMI_REQUEST_TIMEOUT_MS 10000
/* A response's largest size (the kernel's IPMI_MAX_MSG_LENGTH). */
#define IPMI_RSP_MAX 272

/* ipmi.c: /dev/ipmi0, the system interface (the BMC itself). Every
 * function returns -1 with errno set on failure. */
int ipmi_open(int nonblock);
/* Queue a request; the answer comes later, tagged with msgid. */
int ipmi_send(int fd, const struct ipmi_request *req, long msgid);
/* One waiting response (completion code first) into rsp: its length
 * (>= 1), or 0 when none is waiting. */
ssize_t ipmi_recv(int fd, long *msgid, uint8_t *rsp, size_t size);
/* Send with msgid and wait up to timeout_ms for its answer (ETIMEDOUT);
 * other answers that arrive meanwhile are dropped. Blocks: for the BMC
 * child and the shutdown, never PID 1's loop. */
ssize_t ipmi_call(int fd, const struct ipmi_request *req, long msgid, uint8_t *rsp,
		  size_t size, int timeout_ms);

/* ipmi_lan.c: give LAN channel 1 the address in want unless it has it,
 * through call (ipmi_call() on /dev/ipmi0; a fake BMC in the unit tests),
 * which returns the answer's length or -1 with errno set.
 * Returns 0 (*changed says whether something was written; was holds the
 * settings found), 1 for an error worth retrying, 2 for one that is not;
 * why then names the request that failed and how. */
typedef ssize_t (*ipmi_call_fn)(void *ctx, const struct ipmi_request *req, uint8_t *rsp,
				size_t size);
int ipmi_lan_apply(ipmi_call_fn call, void *ctx, const struct ipmi_lan *want,
		   struct ipmi_lan *was, int *changed, char *why, size_t why_len);

/* ipmi_bmc.c: a child of PID 1 (/init run again as `/init bmc`) loads the
 * IPMI drivers, waits for the BMC, tells PID 1 whether there is one (for
 * fathom.watchdog=ipmi) and sets its address (fathom.drac.ipv4), so a slow
 * or absent BMC never holds up the supervisor. */
#define BMC_HELPER_ARG "bmc"
struct init_config;
void bmc_start(const struct init_config *cfg);
int bmc_helper_main(void);

#endif
