/* The address to give a BMC's (iDRAC's) LAN channel: fathom.drac.ipv4=,
 * ePoxy's drac.ipv4= and the inventory's drac_ipv4 column, one syntax
 * "ADDR/PLEN,GW" (IPv4) and one parser. Pure. */
#ifndef FATHOM_LIB_BOOTCFG_DRAC_H
#define FATHOM_LIB_BOOTCFG_DRAC_H

#include "lib/span.h"

#define DRAC_FORM "ADDR/PLEN,GW such as 192.0.2.3/28,192.0.2.1"

struct drac_ipv4 {
	int set;			/* 0: leave the BMC's address alone */
	unsigned char addr[4];		/* network byte order */
	unsigned prefixlen;		/* 1-32: a BMC needs a subnet, /0 is none */
	unsigned char gateway[4];	/* another address inside ADDR/PLEN */
};

/* "ADDR/PLEN,GW" into d (set = 1): NULL, or what is wrong (d untouched). */
const char *drac_ipv4_parse(struct span value, struct drac_ipv4 *d);

#endif
