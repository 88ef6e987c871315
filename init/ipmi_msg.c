/* IPMI messages as bytes: building LAN configuration and watchdog requests
 * and decoding their answers; pure, table-tested and fuzzed. */
#include "ipmi_msg.h"

#include <stdio.h>
#include <string.h>

void ipmi_req_get_lan(struct ipmi_request *req, uint8_t channel, uint8_t param)
{
	memset(req, 0, sizeof(*req));
	req->netfn = IPMI_NETFN_TRANSPORT;
	req->cmd = IPMI_CMD_GET_LAN_CONFIG;
	req->data[0] = channel & 0x0f;	/* bit 7 clear: the value, not only its revision */
	req->data[1] = param;
	req->data[2] = 0;		/* set selector */
	req->data[3] = 0;		/* block selector */
	req->len = 4;
}

int ipmi_req_set_lan(struct ipmi_request *req, uint8_t channel, uint8_t param,
		     const uint8_t *value, size_t len)
{
	memset(req, 0, sizeof(*req));
	if (len > IPMI_REQ_DATA_MAX - 2)
		return -1;
	req->netfn = IPMI_NETFN_TRANSPORT;
	req->cmd = IPMI_CMD_SET_LAN_CONFIG;
	req->data[0] = channel & 0x0f;
	req->data[1] = param;
	if (len)
		memcpy(req->data + 2, value, len);
	req->len = (uint16_t)(len + 2);
	return 0;
}

int ipmi_req_set_watchdog(struct ipmi_request *req, unsigned timeout_s, int arm)
{
	unsigned ds = timeout_s * 10;

	memset(req, 0, sizeof(*req));
	if (timeout_s == 0 || timeout_s > IPMI_WATCHDOG_MAX_S)
		return -1;
	req->netfn = IPMI_NETFN_APP;
	req->cmd = IPMI_CMD_SET_WATCHDOG;
	/* Timer use SMS/OS; "don't stop" (bit 6) clear, so this Set stops
	 * the timer and the next Reset Watchdog Timer starts it. Expirations
	 * are logged in the SEL (bit 7 clear). */
	req->data[0] = 0x04;
	req->data[1] = arm ? 0x01 : 0x00;	/* hard reset, or no action; no pre-timeout */
	req->data[2] = 0;			/* pre-timeout interval */
	req->data[3] = 0x10;			/* clear the SMS/OS expiration flag */
	req->data[4] = (uint8_t)(ds & 0xff);
	req->data[5] = (uint8_t)(ds >> 8);
	req->len = 6;
	return 0;
}

void ipmi_req_reset_watchdog(struct ipmi_request *req)
{
	memset(req, 0, sizeof(*req));
	req->netfn = IPMI_NETFN_APP;
	req->cmd = IPMI_CMD_RESET_WATCHDOG;
}

void ipmi_req_get_watchdog(struct ipmi_request *req)
{
	memset(req, 0, sizeof(*req));
	req->netfn = IPMI_NETFN_APP;
	req->cmd = IPMI_CMD_GET_WATCHDOG;
}

/* Trailing bytes after a success code are ignored: ipmi_sim sends some. */
int ipmi_rsp_status(const uint8_t *rsp, size_t len)
{
	return len < 1 ? IPMI_ERR_SHORT : rsp[0];
}

int ipmi_rsp_get_lan(const uint8_t *rsp, size_t len, uint8_t *value, size_t want)
{
	int cc = ipmi_rsp_status(rsp, len);

	if (cc != 0)
		return cc;
	/* completion code, parameter revision, then the value */
	if (len < 2 + want)
		return IPMI_ERR_SHORT;
	memcpy(value, rsp + 2, want);
	return 0;
}

int ipmi_rsp_get_watchdog(const uint8_t *rsp, size_t len, struct ipmi_watchdog_state *st)
{
	int cc = ipmi_rsp_status(rsp, len);

	memset(st, 0, sizeof(*st));
	if (cc != 0)
		return cc;
	/* cc, use, actions, pre-timeout, expiration flags, initial LS/MS,
	 * present LS/MS; ipmi_sim's answer lacks the last byte. */
	if (len < 7)
		return IPMI_ERR_SHORT;
	st->use = rsp[1] & 0x07;
	st->running = (rsp[1] & 0x40) != 0;
	st->action = rsp[2] & 0x07;
	st->initial_ds = (unsigned)rsp[5] | (unsigned)rsp[6] << 8;
	if (len >= 9) {
		st->has_present = 1;
		st->present_ds = (unsigned)rsp[7] | (unsigned)rsp[8] << 8;
	}
	return 0;
}

static const char *generic_cc_name(int cc)
{
	static const char *const names[] = {
		"node busy", "invalid command", "command invalid for this LUN", "timeout",
		"out of space", "reservation cancelled", "request data truncated",
		"request data length invalid", "request data field length limit exceeded",
		"parameter out of range", "cannot return the number of requested bytes",
		"requested sensor, data or record not present", "invalid data field",
		"command illegal for this sensor or record type", "response could not be provided",
		"duplicated request", "SDR repository in update mode", "firmware in update mode",
		"BMC initialization in progress", "destination unavailable",
		"insufficient privilege", "command not supported in present state",
		"sub-function disabled or unavailable",
	};

	if (cc >= 0xc0 && cc < 0xc0 + (int)(sizeof(names) / sizeof(names[0])))
		return names[cc - 0xc0];
	return cc == 0xff ? "unspecified error" : NULL;
}

const char *ipmi_cc_name(uint8_t netfn, uint8_t cmd, int cc)
{
	const char *name;

	if (cc == 0)
		return "success";
	if (cc == IPMI_ERR_SHORT)
		return "response too short";
	name = generic_cc_name(cc);
	if (name)
		return name;
	if (netfn == IPMI_NETFN_TRANSPORT &&
	    (cmd == IPMI_CMD_SET_LAN_CONFIG || cmd == IPMI_CMD_GET_LAN_CONFIG)) {
		if (cc == IPMI_CC_PARAM_UNSUPPORTED)
			return "parameter not supported";
		if (cc == IPMI_CC_SET_IN_PROGRESS && cmd == IPMI_CMD_SET_LAN_CONFIG)
			return "another client is changing the LAN settings (set in progress)";
		if (cc == 0x82 && cmd == IPMI_CMD_SET_LAN_CONFIG)
			return "parameter is read-only";
	}
	if (netfn == IPMI_NETFN_APP && cmd == IPMI_CMD_RESET_WATCHDOG &&
	    cc == IPMI_CC_WATCHDOG_UNINITIALIZED)
		return "watchdog not set up (no Set Watchdog Timer since the BMC started)";
	return cc >= 0x01 && cc <= 0x7e ? "OEM-specific error" : "unknown error";
}

int ipmi_cc_transient(int cc)
{
	switch (cc) {
	case 0xc0:		/* node busy */
	case 0xc3:		/* timeout */
	case 0xc4:		/* out of space */
	case 0xce:		/* response could not be provided */
	case 0xcf:		/* duplicated request */
	case 0xd1:		/* firmware update mode */
	case 0xd2:		/* BMC initialization in progress */
	case 0xd3:		/* destination unavailable */
	case 0xff:		/* unspecified */
	case IPMI_ERR_SHORT:
		return 1;
	default:
		return 0;
	}
}

const char *ipmi_lan_param_name(uint8_t param)
{
	switch (param) {
	case IPMI_LAN_SET_IN_PROGRESS:
		return "set in progress";
	case IPMI_LAN_IP_ADDR:
		return "IP address";
	case IPMI_LAN_IP_SOURCE:
		return "IP address source";
	case IPMI_LAN_SUBNET_MASK:
		return "subnet mask";
	case IPMI_LAN_DEFAULT_GW:
		return "default gateway";
	default:
		return "parameter";
	}
}

void ipmi_lan_static(struct ipmi_lan *lan, const uint8_t addr[4], unsigned prefixlen,
		     const uint8_t gateway[4])
{
	uint32_t mask = prefixlen == 0 ? 0 : prefixlen >= 32 ? 0xffffffffu
					     : ~(0xffffffffu >> prefixlen);
	int i;

	memset(lan, 0, sizeof(*lan));
	lan->source = IPMI_IP_SOURCE_STATIC;
	memcpy(lan->addr, addr, 4);
	memcpy(lan->gateway, gateway, 4);
	for (i = 0; i < 4; i++)
		lan->mask[i] = (uint8_t)(mask >> (24 - 8 * i));
}

int ipmi_mask_prefixlen(const uint8_t mask[4])
{
	uint32_t m = (uint32_t)mask[0] << 24 | (uint32_t)mask[1] << 16 |
		     (uint32_t)mask[2] << 8 | mask[3];
	int n = 0;

	while (n < 32 && (m & (0x80000000u >> n)))
		n++;
	/* contiguous: nothing set after the first clear bit */
	if (n < 32 && (m << n) != 0)
		return -1;
	return n;
}

size_t ipmi_lan_value(const struct ipmi_lan *lan, uint8_t param, uint8_t value[4])
{
	switch (param) {
	case IPMI_LAN_IP_SOURCE:
		value[0] = lan->source;
		return 1;
	case IPMI_LAN_IP_ADDR:
		memcpy(value, lan->addr, 4);
		return 4;
	case IPMI_LAN_SUBNET_MASK:
		memcpy(value, lan->mask, 4);
		return 4;
	case IPMI_LAN_DEFAULT_GW:
		memcpy(value, lan->gateway, 4);
		return 4;
	default:
		return 0;
	}
}

size_t ipmi_lan_plan(const struct ipmi_lan *cur, const struct ipmi_lan *want, uint8_t params[4])
{
	static const uint8_t order[4] = {
		IPMI_LAN_IP_SOURCE, IPMI_LAN_IP_ADDR, IPMI_LAN_SUBNET_MASK, IPMI_LAN_DEFAULT_GW,
	};
	/* A BMC leaving DHCP may keep or clear its leased address: set all. */
	int all = cur->source != want->source;
	size_t i, n = 0;

	for (i = 0; i < 4; i++) {
		uint8_t a[4], b[4];
		size_t len = ipmi_lan_value(cur, order[i], a);

		ipmi_lan_value(want, order[i], b);
		if (all || memcmp(a, b, len) != 0)
			params[n++] = order[i];
	}
	return n;
}

const char *ipmi_ip_source_name(uint8_t source)
{
	static const char *const names[] = { "unspecified", "static", "dhcp", "bios", "other" };

	return source < sizeof(names) / sizeof(names[0]) ? names[source] : "unknown";
}

void ipmi_lan_describe(const struct ipmi_lan *lan, int with_source, char *buf, size_t len)
{
	static const uint8_t zero[4];
	const uint8_t *a = lan->addr, *g = lan->gateway, *m = lan->mask;
	int plen = ipmi_mask_prefixlen(m);
	char mask[24] = "", via[32] = "";

	if (plen > 0)
		snprintf(mask, sizeof(mask), "/%d", plen);
	else if (plen < 0)
		snprintf(mask, sizeof(mask), " mask %u.%u.%u.%u", m[0], m[1], m[2], m[3]);
	if (memcmp(g, zero, 4) != 0)
		snprintf(via, sizeof(via), " via %u.%u.%u.%u", g[0], g[1], g[2], g[3]);
	snprintf(buf, len, "%s%s%u.%u.%u.%u%s%s", with_source ? ipmi_ip_source_name(lan->source) : "",
		 with_source ? " " : "", a[0], a[1], a[2], a[3], mask, via);
}
