/* IPMI messages (init/ipmi_msg.c): requests byte for byte, responses
 * including short, failed and quirky ones, and the LAN settings logic. */
#include <string.h>

#include "ipmi_msg.h"
#include "tap.h"

static int bytes_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	return alen == blen && memcmp(a, b, alen) == 0;
}

static void hex(const uint8_t *b, size_t n, char *out, size_t len)
{
	size_t i, at = 0;

	out[0] = '\0';
	for (i = 0; i < n && at + 4 < len; i++)
		at += (size_t)snprintf(out + at, len - at, "%s%02x", i ? " " : "", b[i]);
}

struct req_case {
	const char *name;
	struct ipmi_request req;	/* built by the test below */
	uint8_t netfn, cmd;
	uint8_t data[16];
	size_t len;
};

static void test_requests(void)
{
	static const uint8_t addr[4] = { 192, 0, 2, 3 }, mask[4] = { 255, 255, 255, 240 };
	static const uint8_t gw[4] = { 192, 0, 2, 1 }, lock = 1, stat = 1;
	struct req_case c[] = {
		{ "Get LAN: IP source", { 0 }, 0x0c, 0x02, { 0x01, 0x04, 0x00, 0x00 }, 4 },
		{ "Get LAN: IP address", { 0 }, 0x0c, 0x02, { 0x01, 0x03, 0x00, 0x00 }, 4 },
		{ "Get LAN: gateway, channel masked to 4 bits", { 0 }, 0x0c, 0x02, { 0x01, 0x0c, 0, 0 }, 4 },
		{ "Set LAN: lock", { 0 }, 0x0c, 0x01, { 0x01, 0x00, 0x01 }, 3 },
		{ "Set LAN: static", { 0 }, 0x0c, 0x01, { 0x01, 0x04, 0x01 }, 3 },
		{ "Set LAN: address", { 0 }, 0x0c, 0x01, { 0x01, 0x03, 192, 0, 2, 3 }, 6 },
		{ "Set LAN: mask", { 0 }, 0x0c, 0x01, { 0x01, 0x06, 255, 255, 255, 240 }, 6 },
		{ "Set LAN: gateway", { 0 }, 0x0c, 0x01, { 0x01, 0x0c, 192, 0, 2, 1 }, 6 },
		/* SMS/OS, hard reset, no pre-timeout, clear SMS/OS flag, 60 s = 600 = 0x0258 */
		{ "Set Watchdog: arm 60 s", { 0 }, 0x06, 0x24, { 0x04, 0x01, 0x00, 0x10, 0x58, 0x02 }, 6 },
		{ "Set Watchdog: arm 6 s", { 0 }, 0x06, 0x24, { 0x04, 0x01, 0x00, 0x10, 0x3c, 0x00 }, 6 },
		{ "Set Watchdog: arm 3600 s", { 0 }, 0x06, 0x24, { 0x04, 0x01, 0x00, 0x10, 0xa0, 0x8c }, 6 },
		{ "Set Watchdog: stop", { 0 }, 0x06, 0x24, { 0x04, 0x00, 0x00, 0x10, 0x58, 0x02 }, 6 },
		{ "Reset Watchdog", { 0 }, 0x06, 0x22, { 0 }, 0 },
		{ "Get Watchdog", { 0 }, 0x06, 0x25, { 0 }, 0 },
	};
	size_t i;

	ipmi_req_get_lan(&c[0].req, 1, 4);
	ipmi_req_get_lan(&c[1].req, 1, 3);
	ipmi_req_get_lan(&c[2].req, 0x11, 12);
	ipmi_req_set_lan(&c[3].req, 1, 0, &lock, 1);
	ipmi_req_set_lan(&c[4].req, 1, 4, &stat, 1);
	ipmi_req_set_lan(&c[5].req, 1, 3, addr, 4);
	ipmi_req_set_lan(&c[6].req, 1, 6, mask, 4);
	ipmi_req_set_lan(&c[7].req, 1, 12, gw, 4);
	ipmi_req_set_watchdog(&c[8].req, 60, 1);
	ipmi_req_set_watchdog(&c[9].req, 6, 1);
	ipmi_req_set_watchdog(&c[10].req, 3600, 1);
	ipmi_req_set_watchdog(&c[11].req, 60, 0);
	ipmi_req_reset_watchdog(&c[12].req);
	ipmi_req_get_watchdog(&c[13].req);
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char got[64];

		hex(c[i].req.data, c[i].req.len, got, sizeof(got));
		CHECK(c[i].req.netfn == c[i].netfn && c[i].req.cmd == c[i].cmd &&
		      bytes_equal(c[i].req.data, c[i].req.len, c[i].data, c[i].len),
		      "%s: netfn 0x%02x cmd 0x%02x data [%s]", c[i].name, c[i].req.netfn,
		      c[i].req.cmd, got);
	}
	{
		struct ipmi_request r;
		uint8_t big[32] = { 0 };

		CHECK(ipmi_req_set_watchdog(&r, 0, 1) < 0, "Set Watchdog refuses 0 s");
		CHECK(ipmi_req_set_watchdog(&r, IPMI_WATCHDOG_MAX_S + 1, 1) < 0,
		      "Set Watchdog refuses %d s (over 16 bits of 100 ms)", IPMI_WATCHDOG_MAX_S + 1);
		CHECK(ipmi_req_set_watchdog(&r, IPMI_WATCHDOG_MAX_S, 1) == 0 &&
		      r.data[4] == (IPMI_WATCHDOG_MAX_S * 10) % 256 &&
		      r.data[5] == (IPMI_WATCHDOG_MAX_S * 10) / 256,
		      "Set Watchdog takes %d s", IPMI_WATCHDOG_MAX_S);
		CHECK(ipmi_req_set_lan(&r, 1, 3, big, sizeof(big)) < 0 && r.len == 0,
		      "Set LAN refuses a value over the request size");
	}
}

struct lan_rsp_case {
	const char *name;
	uint8_t rsp[12];
	size_t len, want;
	int rc;
	uint8_t value[4];
};

static const struct lan_rsp_case lan_rsp_cases[] = {
	{ "address", { 0x00, 0x11, 192, 0, 2, 3 }, 6, 4, 0, { 192, 0, 2, 3 } },
	{ "source dhcp", { 0x00, 0x11, 0x02 }, 3, 1, 0, { 2 } },
	{ "extra bytes ignored", { 0x00, 0x11, 10, 0, 0, 1, 0xaa, 0xbb }, 8, 4, 0, { 10, 0, 0, 1 } },
	{ "one byte short", { 0x00, 0x11, 192, 0, 2 }, 5, 4, IPMI_ERR_SHORT, { 0 } },
	{ "revision only", { 0x00, 0x11 }, 2, 1, IPMI_ERR_SHORT, { 0 } },
	{ "empty", { 0 }, 0, 4, IPMI_ERR_SHORT, { 0 } },
	{ "unsupported parameter", { 0x80 }, 1, 4, 0x80, { 0 } },
	{ "invalid command (QEMU's ipmi-bmc-sim)", { 0xc1 }, 1, 4, 0xc1, { 0 } },
	{ "error code with data", { 0xd5, 0x11, 1, 2, 3, 4 }, 6, 4, 0xd5, { 0 } },
};

static void test_lan_responses(void)
{
	size_t i;

	for (i = 0; i < sizeof(lan_rsp_cases) / sizeof(lan_rsp_cases[0]); i++) {
		const struct lan_rsp_case *c = &lan_rsp_cases[i];
		uint8_t value[4] = { 0 };
		int rc = ipmi_rsp_get_lan(c->rsp, c->len, value, c->want);

		CHECK(rc == c->rc && (rc != 0 || memcmp(value, c->value, c->want) == 0),
		      "Get LAN response, %s: %d", c->name, rc);
	}
}

struct status_case {
	const char *name;
	uint8_t rsp[4];
	size_t len;
	int rc;
};

static const struct status_case status_cases[] = {
	{ "success", { 0x00 }, 1, 0 },
	{ "success with trailing bytes (ipmi_sim's Set Watchdog)", { 0x00, 0x12, 0x34 }, 3, 0 },
	{ "watchdog not initialized", { 0x80 }, 1, 0x80 },
	{ "timeout from the driver", { 0xc3 }, 1, 0xc3 },
	{ "nothing", { 0 }, 0, IPMI_ERR_SHORT },
};

struct wdt_case {
	const char *name;
	uint8_t rsp[10];
	size_t len;
	int rc;
	struct ipmi_watchdog_state st;
};

static const struct wdt_case wdt_cases[] = {
	{ "running, SMS/OS, hard reset, 6 s, 4.2 s left",
	  { 0x00, 0x44, 0x01, 0x00, 0x00, 0x3c, 0x00, 0x2a, 0x00 }, 9, 0, { 4, 1, 1, 60, 1, 42 } },
	{ "stopped, no action, 3600 s",
	  { 0x00, 0x04, 0x00, 0x00, 0x10, 0xa0, 0x8c, 0xa0, 0x8c }, 9, 0, { 4, 0, 0, 36000, 1, 36000 } },
	/* ipmi_sim's answer lacks the last byte: no present countdown. */
	{ "one byte short (ipmi_sim)",
	  { 0x00, 0x44, 0x01, 0x00, 0x00, 0x3c, 0x00, 0x2a }, 8, 0, { 4, 1, 1, 60, 0, 0 } },
	{ "too short for the initial countdown", { 0x00, 0x44, 0x01, 0x00, 0x00, 0x3c }, 6,
	  IPMI_ERR_SHORT, { 0 } },
	{ "error", { 0xc1 }, 1, 0xc1, { 0 } },
	{ "empty", { 0 }, 0, IPMI_ERR_SHORT, { 0 } },
};

static void test_watchdog_responses(void)
{
	size_t i;

	for (i = 0; i < sizeof(status_cases) / sizeof(status_cases[0]); i++) {
		const struct status_case *c = &status_cases[i];

		CHECK(ipmi_rsp_status(c->rsp, c->len) == c->rc, "status, %s", c->name);
	}
	for (i = 0; i < sizeof(wdt_cases) / sizeof(wdt_cases[0]); i++) {
		const struct wdt_case *c = &wdt_cases[i];
		struct ipmi_watchdog_state st;
		int rc = ipmi_rsp_get_watchdog(c->rsp, c->len, &st);

		CHECK(rc == c->rc && st.use == c->st.use && st.running == c->st.running &&
		      st.action == c->st.action && st.initial_ds == c->st.initial_ds &&
		      st.has_present == c->st.has_present && st.present_ds == c->st.present_ds,
		      "Get Watchdog, %s: rc %d use %u running %d action %u initial %u present %d/%u",
		      c->name, rc, st.use, st.running, st.action, st.initial_ds, st.has_present,
		      st.present_ds);
	}
}

struct cc_case {
	uint8_t netfn, cmd;
	int cc;
	const char *name;
	int transient;
};

static const struct cc_case cc_cases[] = {
	{ 0x0c, 0x01, 0x00, "success", 0 },
	{ 0x0c, 0x01, 0x80, "parameter not supported", 0 },
	{ 0x0c, 0x01, 0x81, "set in progress", 0 },
	{ 0x0c, 0x01, 0x82, "read-only", 0 },
	{ 0x0c, 0x02, 0x80, "parameter not supported", 0 },
	{ 0x06, 0x22, 0x80, "watchdog not set up", 0 },
	{ 0x06, 0x24, 0x80, "unknown error", 0 },
	{ 0x06, 0x24, 0x01, "OEM-specific", 0 },
	{ 0x06, 0x22, 0xc0, "node busy", 1 },
	{ 0x06, 0x22, 0xc1, "invalid command", 0 },
	{ 0x06, 0x22, 0xc3, "timeout", 1 },
	{ 0x06, 0x22, 0xcc, "invalid data field", 0 },
	{ 0x06, 0x22, 0xd2, "BMC initialization in progress", 1 },
	{ 0x06, 0x22, 0xd4, "insufficient privilege", 0 },
	{ 0x06, 0x22, 0xd5, "not supported in present state", 0 },
	{ 0x06, 0x22, 0xd6, "sub-function disabled", 0 },
	{ 0x06, 0x22, 0xd7, "unknown error", 0 },
	{ 0x06, 0x22, 0xff, "unspecified error", 1 },
	{ 0x06, 0x22, IPMI_ERR_SHORT, "too short", 1 },
};

static void test_completion_codes(void)
{
	size_t i;

	for (i = 0; i < sizeof(cc_cases) / sizeof(cc_cases[0]); i++) {
		const struct cc_case *c = &cc_cases[i];
		const char *name = ipmi_cc_name(c->netfn, c->cmd, c->cc);

		CHECK(strstr(name, c->name) && ipmi_cc_transient(c->cc) == c->transient,
		      "completion code 0x%02x for %02x/%02x: \"%s\", transient %d", c->cc & 0xff,
		      c->netfn, c->cmd, name, ipmi_cc_transient(c->cc));
	}
}

struct prefix_case {
	uint8_t mask[4];
	int plen;
};

static const struct prefix_case prefix_cases[] = {
	{ { 255, 255, 255, 240 }, 28 }, { { 255, 255, 255, 255 }, 32 }, { { 0, 0, 0, 0 }, 0 },
	{ { 128, 0, 0, 0 }, 1 }, { { 255, 255, 254, 0 }, 23 }, { { 255, 0, 255, 0 }, -1 },
	{ { 255, 255, 255, 241 }, -1 }, { { 0, 0, 0, 1 }, -1 },
};

struct plan_case {
	const char *name;
	struct ipmi_lan cur;
	size_t n;
	uint8_t params[4];
	const char *described;	/* cur, with its source */
};

#define WANT { 1, { 192, 0, 2, 3 }, { 255, 255, 255, 240 }, { 192, 0, 2, 1 } }
static const struct plan_case plan_cases[] = {
	{ "already set", WANT, 0, { 0 }, "static 192.0.2.3/28 via 192.0.2.1" },
	{ "fresh BMC on DHCP: everything, source first", { 2, { 0 }, { 0 }, { 0 } }, 4,
	  { 4, 3, 6, 12 }, "dhcp 0.0.0.0" },
	{ "DHCP lease of the same address: all the same", { 2, { 192, 0, 2, 3 },
	  { 255, 255, 255, 240 }, { 192, 0, 2, 1 } }, 4, { 4, 3, 6, 12 },
	  "dhcp 192.0.2.3/28 via 192.0.2.1" },
	{ "another static address", { 1, { 192, 0, 2, 9 }, { 255, 255, 255, 240 },
	  { 192, 0, 2, 1 } }, 1, { 3 }, "static 192.0.2.9/28 via 192.0.2.1" },
	{ "another mask and gateway", { 1, { 192, 0, 2, 3 }, { 255, 255, 255, 0 },
	  { 192, 0, 2, 254 } }, 2, { 6, 12 }, "static 192.0.2.3/24 via 192.0.2.254" },
	{ "no gateway", { 1, { 192, 0, 2, 3 }, { 255, 255, 255, 240 }, { 0 } }, 1, { 12 },
	  "static 192.0.2.3/28" },
	{ "odd mask", { 1, { 192, 0, 2, 3 }, { 255, 0, 255, 0 }, { 192, 0, 2, 1 } }, 1, { 6 },
	  "static 192.0.2.3 mask 255.0.255.0 via 192.0.2.1" },
	{ "BIOS-set source", { 3, { 192, 0, 2, 3 }, { 255, 255, 255, 240 }, { 192, 0, 2, 1 } }, 4,
	  { 4, 3, 6, 12 }, "bios 192.0.2.3/28 via 192.0.2.1" },
	{ "unknown source number", { 9, { 0 }, { 0 }, { 0 } }, 4, { 4, 3, 6, 12 },
	  "unknown 0.0.0.0" },
};

static void test_lan_settings(void)
{
	static const uint8_t addr[4] = { 192, 0, 2, 3 }, gw[4] = { 192, 0, 2, 1 };
	struct ipmi_lan want;
	char buf[96];
	size_t i;

	for (i = 0; i < sizeof(prefix_cases) / sizeof(prefix_cases[0]); i++) {
		const uint8_t *m = prefix_cases[i].mask;

		CHECK(ipmi_mask_prefixlen(m) == prefix_cases[i].plen, "mask %u.%u.%u.%u: %d",
		      m[0], m[1], m[2], m[3], ipmi_mask_prefixlen(m));
	}
	ipmi_lan_static(&want, addr, 28, gw);
	CHECK(memcmp(&want, &(struct ipmi_lan)WANT, sizeof(want)) == 0,
	      "192.0.2.3/28,192.0.2.1 is static, mask 255.255.255.240");
	ipmi_lan_describe(&want, 0, buf, sizeof(buf));
	CHECK(strcmp(buf, "192.0.2.3/28 via 192.0.2.1") == 0, "described without source: %s", buf);
	for (i = 0; i < sizeof(plan_cases) / sizeof(plan_cases[0]); i++) {
		const struct plan_case *c = &plan_cases[i];
		uint8_t params[4];
		size_t n = ipmi_lan_plan(&c->cur, &want, params);

		ipmi_lan_describe(&c->cur, 1, buf, sizeof(buf));
		CHECK(n == c->n && memcmp(params, c->params, n) == 0 && strcmp(buf, c->described) == 0,
		      "plan, %s: %zu parameters, was \"%s\"", c->name, n, buf);
	}
	{
		struct ipmi_lan l;
		uint8_t v[4];

		ipmi_lan_static(&l, addr, 32, gw);
		CHECK(l.mask[0] == 255 && l.mask[3] == 255, "/32 is 255.255.255.255");
		ipmi_lan_static(&l, addr, 1, gw);
		CHECK(l.mask[0] == 128 && l.mask[1] == 0, "/1 is 128.0.0.0");
		CHECK(ipmi_lan_value(&want, IPMI_LAN_IP_SOURCE, v) == 1 && v[0] == 1 &&
		      ipmi_lan_value(&want, IPMI_LAN_DEFAULT_GW, v) == 4 && v[3] == 1 &&
		      ipmi_lan_value(&want, IPMI_LAN_SET_IN_PROGRESS, v) == 0,
		      "parameter values: source 1 byte, gateway 4, others none");
		ipmi_lan_describe(&want, 1, buf, 12);
		CHECK(strlen(buf) == 11, "describe cuts to the buffer: \"%s\"", buf);
	}
	CHECK(strcmp(ipmi_lan_param_name(IPMI_LAN_SUBNET_MASK), "subnet mask") == 0 &&
	      strcmp(ipmi_lan_param_name(99), "parameter") == 0, "parameter names");
}

int main(void)
{
	test_requests();
	test_lan_responses();
	test_watchdog_responses();
	test_completion_codes();
	test_lan_settings();
	return tap_done();
}
