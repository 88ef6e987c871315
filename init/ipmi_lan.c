/* Setting the BMC's LAN address (fathom.drac.ipv4) as a sequence of IPMI
 * LAN Configuration requests, through a call table so it is unit-tested
 * against fake BMCs. */
#define _GNU_SOURCE
#include "ipmi.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Why a request failed, as a message: "Get LAN Configuration Parameters
 * (subnet mask): completion code 0xc1 (invalid command)". Returns 1 when
 * trying again may help, 2 when not. */
static int failed(const struct ipmi_request *req, int cc, int err, char *why, size_t len)
{
	const char *what = req->cmd == IPMI_CMD_GET_LAN_CONFIG ? "Get" : "Set";

	if (cc == 0) {		/* no answer at all */
		snprintf(why, len, "%s LAN Configuration Parameters (%s): %s", what,
			 ipmi_lan_param_name(req->data[1]),
			 err == ETIMEDOUT ? "no answer from the BMC" : strerror(err));
		return 1;
	}
	if (cc == IPMI_ERR_SHORT)
		snprintf(why, len, "%s LAN Configuration Parameters (%s): answer too short", what,
			 ipmi_lan_param_name(req->data[1]));
	else
		snprintf(why, len, "%s LAN Configuration Parameters (%s): completion code 0x%02x (%s)",
			 what, ipmi_lan_param_name(req->data[1]), (unsigned)cc,
			 ipmi_cc_name(req->netfn, req->cmd, cc));
	return ipmi_cc_transient(cc) || cc == IPMI_CC_SET_IN_PROGRESS ? 1 : 2;
}

struct bmc {
	ipmi_call_fn call;
	void *ctx;
};

/* One request; 0 or the failure as failed() reports it. */
static int lan_request(const struct bmc *b, const struct ipmi_request *req, uint8_t *value,
		       size_t want, int *cc_out, char *why, size_t len)
{
	uint8_t rsp[IPMI_RSP_MAX];
	ssize_t n = b->call(b->ctx, req, rsp, sizeof(rsp));
	int cc;

	*cc_out = 0;
	if (n < 0)
		return failed(req, 0, errno, why, len);
	cc = value ? ipmi_rsp_get_lan(rsp, (size_t)n, value, want) : ipmi_rsp_status(rsp, (size_t)n);
	*cc_out = cc;
	return cc == 0 ? 0 : failed(req, cc, 0, why, len);
}

static int lan_read(const struct bmc *b, struct ipmi_lan *lan, char *why, size_t len)
{
	struct ipmi_request req;
	int cc, rc;

	ipmi_req_get_lan(&req, IPMI_LAN_CHANNEL, IPMI_LAN_IP_SOURCE);
	if ((rc = lan_request(b, &req, &lan->source, 1, &cc, why, len)))
		return rc;
	lan->source &= 0x0f;
	ipmi_req_get_lan(&req, IPMI_LAN_CHANNEL, IPMI_LAN_IP_ADDR);
	if ((rc = lan_request(b, &req, lan->addr, 4, &cc, why, len)))
		return rc;
	ipmi_req_get_lan(&req, IPMI_LAN_CHANNEL, IPMI_LAN_SUBNET_MASK);
	if ((rc = lan_request(b, &req, lan->mask, 4, &cc, why, len)))
		return rc;
	ipmi_req_get_lan(&req, IPMI_LAN_CHANNEL, IPMI_LAN_DEFAULT_GW);
	return lan_request(b, &req, lan->gateway, 4, &cc, why, len);
}

/* Parameter 0, "set in progress": lock before writing, commit after and
 * unlock. Support for it is optional (0x80: go on without); a BMC such as
 * ipmi_sim drops changes made without it. */
static int lan_progress(const struct bmc *b, uint8_t state, int *supported, char *why, size_t len)
{
	struct ipmi_request req;
	int cc, rc;

	if (!*supported)
		return 0;
	ipmi_req_set_lan(&req, IPMI_LAN_CHANNEL, IPMI_LAN_SET_IN_PROGRESS, &state, 1);
	rc = lan_request(b, &req, NULL, 0, &cc, why, len);
	if (rc && cc == IPMI_CC_PARAM_UNSUPPORTED) {
		*supported = 0;
		why[0] = '\0';
		return 0;
	}
	return rc;
}

static int lan_write(const struct bmc *b, const struct ipmi_lan *want, const uint8_t *params, size_t n,
		     char *why, size_t len)
{
	struct ipmi_request req;
	int locking = 1, cc, rc;
	size_t i;

	if ((rc = lan_progress(b, IPMI_LAN_SET_LOCK, &locking, why, len)))
		return rc;
	for (i = 0; i < n; i++) {
		uint8_t value[4];
		size_t vlen = ipmi_lan_value(want, params[i], value);

		ipmi_req_set_lan(&req, IPMI_LAN_CHANNEL, params[i], value, vlen);
		if ((rc = lan_request(b, &req, NULL, 0, &cc, why, len))) {
			char ignored[8];

			/* Unlock, or the BMC refuses everyone until it times out. */
			lan_progress(b, IPMI_LAN_SET_COMPLETE, &locking, ignored, sizeof(ignored));
			return rc;
		}
	}
	if ((rc = lan_progress(b, IPMI_LAN_COMMIT_WRITE, &locking, why, len)))
		return rc;
	return lan_progress(b, IPMI_LAN_SET_COMPLETE, &locking, why, len);
}

int ipmi_lan_apply(ipmi_call_fn call, void *ctx, const struct ipmi_lan *want,
		   struct ipmi_lan *was, int *changed, char *why, size_t why_len)
{
	const struct bmc bmc = { call, ctx }, *b = &bmc;
	struct ipmi_lan now;
	uint8_t params[4];
	size_t n;
	int rc;

	*changed = 0;
	if ((rc = lan_read(b, was, why, why_len)))
		return rc;
	n = ipmi_lan_plan(was, want, params);
	if (n == 0)
		return 0;
	if ((rc = lan_write(b, want, params, n, why, why_len)))
		return rc;
	*changed = 1;
	/* Believe the BMC only once it reads back what was written. */
	if ((rc = lan_read(b, &now, why, why_len)))
		return rc;
	if (ipmi_lan_plan(&now, want, params) != 0) {
		char got[64];

		ipmi_lan_describe(&now, 1, got, sizeof(got));
		snprintf(why, why_len, "the BMC accepted the settings but reads back %s", got);
		return 1;
	}
	return 0;
}
