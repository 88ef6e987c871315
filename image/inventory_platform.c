/* The inventory's platform columns (iata, uplink, probability): their
 * checks, and the platform.* lines of network.conf they become (contract:
 * inventory.h). Pure. */
#include "inventory.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/strbuf.h"

/* IATA: 3 ASCII letters. */
static int iata_valid(struct span v)
{
	size_t i;

	for (i = 0; i < v.len; i++)
		if (!((v.s[i] >= 'a' && v.s[i] <= 'z') || (v.s[i] >= 'A' && v.s[i] <= 'Z')))
			return 0;
	return v.len == 3;
}

/* An uplink speed: 1-999 (no leading 0) then 'g'. */
static int uplink_valid(struct span v)
{
	size_t i;

	if (v.len < 2 || v.len > 4 || v.s[v.len - 1] != 'g' || v.s[0] == '0')
		return 0;
	for (i = 0; i + 1 < v.len; i++)
		if (v.s[i] < '0' || v.s[i] > '9')
			return 0;
	return 1;
}

/* A probability: 0, 1, or a decimal in between ("0.5", "1.0", ".25"). */
static int probability_valid(struct span v)
{
	size_t i, dots = 0, digits = 0;
	char text[32];

	if (v.len == 0 || v.len >= sizeof(text))
		return 0;
	for (i = 0; i < v.len; i++) {
		if (v.s[i] == '.')
			dots++;
		else if (v.s[i] >= '0' && v.s[i] <= '9')
			digits++;
		else
			return 0;
	}
	if (dots > 1 || digits == 0)
		return 0;
	memcpy(text, v.s, v.len);
	text[v.len] = '\0';
	return strtod(text, NULL) <= 1.0;
}

const char *inv_platform_check(struct span iata, struct span up, struct span p, char *msg,
			       size_t len)
{
	if (iata.len > 0 && !iata_valid(iata))
		snprintf(msg, len, "iata: \"%.*s\": expected the 3-letter IATA code of the"
			 " site's nearest airport, such as lga", (int)(iata.len > 64 ? 64 : iata.len),
			 iata.s);
	else if (up.len > 0 && !uplink_valid(up))
		snprintf(msg, len, "uplink: \"%.*s\": expected the uplink's speed as 1g, 10g,"
			 " 25g, 40g or 100g", (int)(up.len > 64 ? 64 : up.len), up.s);
	else if (p.len > 0 && !probability_valid(p))
		snprintf(msg, len, "probability: \"%.*s\": expected a number from 0 to 1,"
			 " such as 0.5", (int)(p.len > 64 ? 64 : p.len), p.s);
	else
		return NULL;
	return msg;
}

void inv_platform_settings(struct span iata, struct span up, struct span p, char *out,
			   size_t size)
{
	struct strbuf t;
	size_t i;

	strbuf_init(&t, out, size);
	if (iata.len > 0) {
		strbuf_addf(&t, "platform.iata=");
		for (i = 0; i < iata.len; i++)
			strbuf_addf(&t, "%c", iata.s[i] | 0x20);	/* letters only */
		strbuf_addf(&t, "\n");
	}
	if (up.len > 0)
		strbuf_addf(&t, "platform.uplink=%.*s\n", (int)up.len, up.s);
	if (p.len > 0)
		strbuf_addf(&t, "platform.probability=%.*s\n", (int)p.len, p.s);
	strbuf_finish(&t);
}
