/* The BMC address syntax "ADDR/PLEN,GW" (contract: drac.h). */
#include "lib/bootcfg/drac.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

static int parse_ipv4(struct span sp, unsigned char out[4])
{
	char str[INET_ADDRSTRLEN];

	return span_to_cstr(sp, str, sizeof(str)) && inet_pton(AF_INET, str, out) == 1;
}

const char *drac_ipv4_parse(struct span value, struct drac_ipv4 *d)
{
	struct span at[2], addr[2];
	struct drac_ipv4 out = { .set = 1 };
	uint32_t a, gw, mask;

	if (span_split(value, ',', at, 2) != 2 || span_split(at[0], '/', addr, 2) != 2)
		return "expected " DRAC_FORM;
	if (!parse_ipv4(addr[0], out.addr))
		return "the address is not IPv4; expected " DRAC_FORM;
	if (!span_to_uint(addr[1], 32, &out.prefixlen) || out.prefixlen == 0)
		return "prefix length must be 1-32";
	if (!parse_ipv4(at[1], out.gateway))
		return "the gateway is not IPv4; expected " DRAC_FORM;
	memcpy(&a, out.addr, 4);
	memcpy(&gw, out.gateway, 4);
	mask = htonl(out.prefixlen >= 32 ? 0xffffffffu : ~(0xffffffffu >> out.prefixlen));
	/* The BMC has no route of its own: its gateway must be on its link. */
	if ((a & mask) != (gw & mask) || a == gw)
		return "the gateway must be another address inside ADDR/PLEN";
	*d = out;
	return NULL;
}
