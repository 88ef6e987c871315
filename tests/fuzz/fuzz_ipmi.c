/* libFuzzer target: the BMC's answers as init/ipmi_msg.c decodes them, and
 * the LAN settings logic over arbitrary settings. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ipmi_msg.h"

static void check_responses(const uint8_t *data, size_t size)
{
	struct ipmi_watchdog_state st;
	uint8_t value[4];
	size_t want;
	int rc = ipmi_rsp_status(data, size);

	if (size == 0 ? rc != IPMI_ERR_SHORT : rc != data[0])
		abort();
	for (want = 1; want <= 4; want += 3) {
		rc = ipmi_rsp_get_lan(data, size, value, want);
		if (rc == 0 && (size < 2 + want || memcmp(value, data + 2, want) != 0))
			abort();
		if (rc != 0 && size >= 2 + want && data[0] == 0)
			abort();
	}
	rc = ipmi_rsp_get_watchdog(data, size, &st);
	if (rc == 0 && (size < 7 || st.has_present != (size >= 9) || st.initial_ds > 0xffff ||
			st.present_ds > 0xffff || st.use > 7 || st.action > 7))
		abort();
	if (size >= 3) {
		const char *name = ipmi_cc_name(data[1], data[2], data[0]);

		if (!name || !name[0])
			abort();
	}
}

/* Settings from the input: the plan turns them into the wanted ones. */
static void check_lan(const uint8_t *data, size_t size)
{
	struct ipmi_lan cur, want, after;
	uint8_t params[4], value[4];
	char buf[80], small[9];
	size_t n, i, len;

	if (size < 2 * 13 + 1)
		return;
	cur.source = data[0];
	memcpy(cur.addr, data + 1, 4);
	memcpy(cur.mask, data + 5, 4);
	memcpy(cur.gateway, data + 9, 4);
	ipmi_lan_static(&want, data + 13, data[26] % 33, data + 17);
	if (ipmi_mask_prefixlen(want.mask) != data[26] % 33)
		abort();
	n = ipmi_lan_plan(&cur, &want, params);
	if (n > 4)
		abort();
	after = cur;
	for (i = 0; i < n; i++) {
		len = ipmi_lan_value(&want, params[i], value);
		if (len == 0)
			abort();
		switch (params[i]) {
		case IPMI_LAN_IP_SOURCE: after.source = value[0]; break;
		case IPMI_LAN_IP_ADDR: memcpy(after.addr, value, 4); break;
		case IPMI_LAN_SUBNET_MASK: memcpy(after.mask, value, 4); break;
		case IPMI_LAN_DEFAULT_GW: memcpy(after.gateway, value, 4); break;
		default: abort();
		}
	}
	/* Checked field by field, not by the plan itself. */
	if (after.source != want.source || memcmp(after.addr, want.addr, 4) != 0 ||
	    memcmp(after.mask, want.mask, 4) != 0 || memcmp(after.gateway, want.gateway, 4) != 0 ||
	    ipmi_lan_plan(&after, &want, params) != 0)
		abort();
	ipmi_lan_describe(&cur, 1, buf, sizeof(buf));
	if (strlen(buf) >= sizeof(buf) || strchr(buf, '\n'))
		abort();
	ipmi_lan_describe(&cur, data[0] & 1, small, sizeof(small));
	if (strlen(small) >= sizeof(small))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_responses(data, size);
	check_lan(data, size);
	return 0;
}
