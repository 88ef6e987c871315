/* Setting the BMC's LAN address (init/ipmi_lan.c) against fake BMCs: what
 * is read, what is written and in which order, what a refusal, a timeout
 * or a BMC that ignores the change gives. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ipmi.h"
#include "tap.h"

/* A BMC with channel 1's four settings, as ipmi_sim behaves: writes made
 * under "set in progress" take effect at the commit. */
struct fake_bmc {
	struct ipmi_lan lan, pending;
	int locked;
	/* misbehaviour */
	int lock_cc;		/* answer to Set parameter 0 = 1 */
	int all_cc;		/* answer to every request (QEMU's BMC: 0xc1) */
	int get_cc;		/* answer to every Get */
	uint8_t fail_param;	/* Set of this parameter answers fail_cc */
	int fail_cc;
	int silent;		/* no answer: the driver times out */
	int ignore_writes;	/* says yes, changes nothing */
	int short_get;		/* Get answers without the value */
	/* what it was asked */
	char log[512];
};

static void log_request(struct fake_bmc *b, const char *s)
{
	size_t n = strlen(b->log);

	snprintf(b->log + n, sizeof(b->log) - n, "%s%s", n ? "," : "", s);
}

static uint8_t *field(struct ipmi_lan *l, uint8_t param)
{
	switch (param) {
	case IPMI_LAN_IP_SOURCE: return &l->source;
	case IPMI_LAN_IP_ADDR: return l->addr;
	case IPMI_LAN_SUBNET_MASK: return l->mask;
	case IPMI_LAN_DEFAULT_GW: return l->gateway;
	default: return NULL;
	}
}

static ssize_t fake_call(void *ctx, const struct ipmi_request *req, uint8_t *rsp, size_t size)
{
	struct fake_bmc *b = ctx;
	uint8_t param = req->data[1], *f;
	size_t flen = param == IPMI_LAN_IP_SOURCE ? 1 : 4;
	char entry[16];

	(void)size;
	if (req->cmd == IPMI_CMD_GET_LAN_CONFIG)
		snprintf(entry, sizeof(entry), "g%u", param);
	else if (param == IPMI_LAN_SET_IN_PROGRESS)
		snprintf(entry, sizeof(entry), "s0=%u", req->data[2]);
	else
		snprintf(entry, sizeof(entry), "s%u", param);
	log_request(b, entry);
	if (b->silent) {
		errno = ETIMEDOUT;
		return -1;
	}
	if (b->all_cc) {
		rsp[0] = (uint8_t)b->all_cc;
		return 1;
	}
	if (req->netfn != IPMI_NETFN_TRANSPORT || (req->data[0] & 0x0f) != IPMI_LAN_CHANNEL) {
		rsp[0] = 0xcc;
		return 1;
	}
	if (req->cmd == IPMI_CMD_GET_LAN_CONFIG) {
		if (b->get_cc) {
			rsp[0] = (uint8_t)b->get_cc;
			return 1;
		}
		f = field(&b->lan, param);
		rsp[0] = f ? 0x00 : 0x80;
		rsp[1] = 0x11;
		if (!f)
			return 1;
		if (b->short_get)
			return 2;
		memcpy(rsp + 2, f, flen);
		return (ssize_t)(2 + flen);
	}
	rsp[0] = 0x00;
	if (param == IPMI_LAN_SET_IN_PROGRESS) {
		if (req->data[2] == IPMI_LAN_SET_LOCK && b->lock_cc) {
			rsp[0] = (uint8_t)b->lock_cc;
		} else if (req->data[2] == IPMI_LAN_SET_LOCK) {
			b->locked = 1;
			b->pending = b->lan;
		} else if (req->data[2] == IPMI_LAN_COMMIT_WRITE && b->locked && !b->ignore_writes) {
			b->lan = b->pending;
		} else if (req->data[2] == IPMI_LAN_SET_COMPLETE) {
			b->locked = 0;
		}
		return 1;
	}
	if (param == b->fail_param) {
		rsp[0] = (uint8_t)b->fail_cc;
		return 1;
	}
	f = field(b->locked ? &b->pending : &b->lan, param);
	if (!f || req->len != 2 + flen) {
		rsp[0] = f ? 0xc7 : 0x80;
		return 1;
	}
	if (!b->ignore_writes)
		memcpy(f, req->data + 2, flen);
	return 1;
}

#define READ "g4,g3,g6,g12"
#define WANT { 1, { 192, 0, 2, 3 }, { 255, 255, 255, 240 }, { 192, 0, 2, 1 } }
#define DHCP { 2, { 0 }, { 0 }, { 0 } }

struct apply_case {
	const char *name;
	struct fake_bmc bmc;
	int rc, changed;
	const char *log;	/* the requests, in order */
	const char *why;	/* substring of the reason, when rc != 0 */
	const char *was;
	int ends_as_wanted;
};

static const struct apply_case cases[] = {
	{ "fresh BMC on DHCP: everything, under set in progress, read back",
	  { .lan = DHCP }, 0, 1,
	  READ ",s0=1,s4,s3,s6,s12,s0=2,s0=0," READ, NULL, "dhcp 0.0.0.0", 1 },
	{ "already set: only read",
	  { .lan = WANT }, 0, 0, READ, NULL, "static 192.0.2.3/28 via 192.0.2.1", 1 },
	{ "only the gateway differs: only the gateway written",
	  { .lan = { 1, { 192, 0, 2, 3 }, { 255, 255, 255, 240 }, { 192, 0, 2, 14 } } }, 0, 1,
	  READ ",s0=1,s12,s0=2,s0=0," READ, NULL, "static 192.0.2.3/28 via 192.0.2.14", 1 },
	{ "set in progress unsupported (0x80): written without it",
	  { .lan = DHCP, .lock_cc = 0x80 }, 0, 1,
	  READ ",s0=1,s4,s3,s6,s12," READ, NULL, "dhcp 0.0.0.0", 1 },
	{ "another client holds the lock (0x81): worth retrying",
	  { .lan = DHCP, .lock_cc = 0x81 }, 1, 0, READ ",s0=1",
	  "Set LAN Configuration Parameters (set in progress): completion code 0x81", NULL, 0 },
	{ "gateway refused (0xcc): final, and the lock released",
	  { .lan = DHCP, .fail_param = 12, .fail_cc = 0xcc }, 2, 0,
	  READ ",s0=1,s4,s3,s6,s12,s0=0",
	  "Set LAN Configuration Parameters (default gateway): completion code 0xcc (invalid data field)",
	  NULL, 0 },
	{ "BMC initializing (0xd2): worth retrying",
	  { .lan = DHCP, .fail_param = 4, .fail_cc = 0xd2 }, 1, 0, READ ",s0=1,s4,s0=0",
	  "(IP address source): completion code 0xd2 (BMC initialization in progress)", NULL, 0 },
	{ "no LAN commands at all (QEMU's ipmi-bmc-sim, 0xc1): final",
	  { .all_cc = 0xc1 }, 2, 0, "g4",
	  "Get LAN Configuration Parameters (IP address source): completion code 0xc1 (invalid command)",
	  NULL, 0 },
	{ "busy (0xc0) when read: worth retrying",
	  { .lan = DHCP, .get_cc = 0xc0 }, 1, 0, "g4", "completion code 0xc0 (node busy)", NULL, 0 },
	{ "no answer: worth retrying",
	  { .lan = DHCP, .silent = 1 }, 1, 0, "g4",
	  "Get LAN Configuration Parameters (IP address source): no answer from the BMC", NULL, 0 },
	{ "answer without the value: worth retrying",
	  { .lan = DHCP, .short_get = 1 }, 1, 0, "g4", "(IP address source): answer too short", NULL, 0 },
	{ "says yes but keeps its settings: caught when read back",
	  { .lan = DHCP, .ignore_writes = 1 }, 1, 1,
	  READ ",s0=1,s4,s3,s6,s12,s0=2,s0=0," READ,
	  "the BMC accepted the settings but reads back dhcp 0.0.0.0", "dhcp 0.0.0.0", 0 },
};

int main(void)
{
	static const uint8_t addr[4] = { 192, 0, 2, 3 }, gw[4] = { 192, 0, 2, 1 };
	struct ipmi_lan want;
	size_t i;

	ipmi_lan_static(&want, addr, 28, gw);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct apply_case *c = &cases[i];
		struct fake_bmc bmc = c->bmc;
		struct ipmi_lan was;
		char why[256] = "", was_text[64] = "";
		int changed = -1;
		int rc = ipmi_lan_apply(fake_call, &bmc, &want, &was, &changed, why, sizeof(why));

		if (c->was)
			ipmi_lan_describe(&was, 1, was_text, sizeof(was_text));
		CHECK(rc == c->rc && changed == c->changed, "%s: rc %d, changed %d", c->name, rc, changed);
		CHECK(strcmp(bmc.log, c->log) == 0, "%s: requests %s", c->name, bmc.log);
		CHECK(c->rc == 0 ? why[0] == '\0' : strstr(why, c->why) != NULL,
		      "%s: reason \"%s\"", c->name, why);
		CHECK(!c->was || strcmp(was_text, c->was) == 0, "%s: was \"%s\"", c->name, was_text);
		CHECK(!c->ends_as_wanted || (memcmp(&bmc.lan, &want, sizeof(want)) == 0 && !bmc.locked),
		      "%s: the BMC ends with the wanted settings, unlocked", c->name);
	}
	return tap_done();
}
