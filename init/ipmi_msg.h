/* IPMI messages for the BMC's LAN address and its watchdog: requests
 * encoded and responses decoded as plain bytes, no I/O (init/ipmi.c talks
 * to /dev/ipmi0). Numbers and layouts from the IPMI 2.0 specification. */
#ifndef FATHOM_IPMI_MSG_H
#define FATHOM_IPMI_MSG_H

#include <stddef.h>
#include <stdint.h>

#define IPMI_NETFN_APP 0x06
#define IPMI_NETFN_TRANSPORT 0x0c
#define IPMI_CMD_RESET_WATCHDOG 0x22
#define IPMI_CMD_SET_WATCHDOG 0x24
#define IPMI_CMD_GET_WATCHDOG 0x25
#define IPMI_CMD_SET_LAN_CONFIG 0x01
#define IPMI_CMD_GET_LAN_CONFIG 0x02

/* The BMC's first LAN channel: the iDRAC's (and ipmi_sim's) network port. */
#define IPMI_LAN_CHANNEL 1

/* LAN configuration parameters (table 23-4) */
#define IPMI_LAN_SET_IN_PROGRESS 0
#define IPMI_LAN_IP_ADDR 3
#define IPMI_LAN_IP_SOURCE 4
#define IPMI_LAN_SUBNET_MASK 6
#define IPMI_LAN_DEFAULT_GW 12

/* Values of IPMI_LAN_SET_IN_PROGRESS */
#define IPMI_LAN_SET_COMPLETE 0
#define IPMI_LAN_SET_LOCK 1
#define IPMI_LAN_COMMIT_WRITE 2

/* Values of IPMI_LAN_IP_SOURCE */
#define IPMI_IP_SOURCE_UNSPECIFIED 0
#define IPMI_IP_SOURCE_STATIC 1
#define IPMI_IP_SOURCE_DHCP 2
#define IPMI_IP_SOURCE_BIOS 3
#define IPMI_IP_SOURCE_OTHER 4

/* Completion codes beyond 0 (success) that the code acts on */
#define IPMI_CC_PARAM_UNSUPPORTED 0x80	/* LAN parameters */
#define IPMI_CC_SET_IN_PROGRESS 0x81	/* LAN parameter 0 */
#define IPMI_CC_WATCHDOG_UNINITIALIZED 0x80	/* Reset Watchdog Timer */

/* A response too short for its command (not a completion code). */
#define IPMI_ERR_SHORT (-1)

/* The BMC watchdog counts in 100 ms units, 16 bits. */
#define IPMI_WATCHDOG_MAX_S 6553

#define IPMI_REQ_DATA_MAX 16

struct ipmi_request {
	uint8_t netfn, cmd;
	uint8_t data[IPMI_REQ_DATA_MAX];
	uint16_t len;
};

/* A LAN channel's address settings. */
struct ipmi_lan {
	uint8_t source;			/* IPMI_IP_SOURCE_* */
	uint8_t addr[4], mask[4], gateway[4];	/* network byte order */
};

/* Get Watchdog Timer's answer. */
struct ipmi_watchdog_state {
	uint8_t use;			/* timer use, bits 2:0 (4 = SMS/OS) */
	int running;
	uint8_t action;			/* timeout action, bits 2:0 (1 = hard reset) */
	unsigned initial_ds;		/* initial countdown, 100 ms units */
	int has_present;		/* some BMCs (ipmi_sim) leave it out */
	unsigned present_ds;		/* present countdown, 100 ms units */
};

/* Requests */
void ipmi_req_get_lan(struct ipmi_request *req, uint8_t channel, uint8_t param);
/* Returns -1 if len is over what a request holds. */
int ipmi_req_set_lan(struct ipmi_request *req, uint8_t channel, uint8_t param,
		     const uint8_t *value, size_t len);
/* Set Watchdog Timer, SMS/OS use: arm=1 for a hard reset after timeout_s
 * seconds (started by the next Reset Watchdog Timer), arm=0 to stop it
 * with no action. Returns -1 if timeout_s is 0 or over IPMI_WATCHDOG_MAX_S. */
int ipmi_req_set_watchdog(struct ipmi_request *req, unsigned timeout_s, int arm);
void ipmi_req_reset_watchdog(struct ipmi_request *req);
void ipmi_req_get_watchdog(struct ipmi_request *req);

/* Responses (as the kernel hands them over: completion code first).
 * Each returns 0, the BMC's non-zero completion code, or IPMI_ERR_SHORT. */
int ipmi_rsp_status(const uint8_t *rsp, size_t len);
/* Get LAN Configuration Parameters: the value's first want bytes (after
 * the parameter revision) into value. */
int ipmi_rsp_get_lan(const uint8_t *rsp, size_t len, uint8_t *value, size_t want);
int ipmi_rsp_get_watchdog(const uint8_t *rsp, size_t len, struct ipmi_watchdog_state *st);

/* What a completion code means, for messages ("invalid command"). The
 * command-specific codes (0x80-0xbe) depend on netfn and cmd. */
const char *ipmi_cc_name(uint8_t netfn, uint8_t cmd, int cc);
/* Whether trying again later may succeed (busy, timeout, initializing). */
int ipmi_cc_transient(int cc);
/* "IP address", "subnet mask", ...: LAN parameter names for messages. */
const char *ipmi_lan_param_name(uint8_t param);

/* LAN settings */
void ipmi_lan_static(struct ipmi_lan *lan, const uint8_t addr[4], unsigned prefixlen,
		     const uint8_t gateway[4]);
/* The prefix length of a contiguous mask, or -1. */
int ipmi_mask_prefixlen(const uint8_t mask[4]);
/* The parameters to set to go from cur to want, in the order to set
 * them (the source first: a BMC takes a static address only once it is
 * static); all four when the source changes. Returns how many (0-4). */
size_t ipmi_lan_plan(const struct ipmi_lan *cur, const struct ipmi_lan *want, uint8_t params[4]);
/* A parameter's value in lan (IP source: 1 byte, the others 4) into
 * value[4]; returns its length, 0 for another parameter. */
size_t ipmi_lan_value(const struct ipmi_lan *lan, uint8_t param, uint8_t value[4]);
/* "static 192.0.2.3/28 via 192.0.2.1", "dhcp 0.0.0.0"; with_source=0
 * leaves the source out. */
void ipmi_lan_describe(const struct ipmi_lan *lan, int with_source, char *buf, size_t len);
const char *ipmi_ip_source_name(uint8_t source);

#endif
