/* A machine's iPXE script: its static addresses, then the kernel, the
 * image and its config.cpio, with retries (contract: inventory.h). */
#include "inventory.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/strbuf.h"

#define FETCH_TRIES 5

/*
 * iPXE reads a script a line at a time (a line ending in '\' goes on with
 * the next), splits each at blanks, treats the words "&&", "||" and ";" as
 * command separators and a word starting with '#' as a comment to the end
 * of the line, and expands ${...} in every word, again and again. The
 * kernel's own parser gives '"' a meaning. None of them is needed in a
 * kernel argument or a URL, so they are refused wherever they appear.
 */
static const struct {
	const char *chars;
	const char *why;
} ipxe_special[] = {
	{ "$", "must not contain '$': iPXE expands ${...}" },
	{ "#", "must not contain '#': iPXE would read a comment" },
	{ "&|;", "must not contain '&', '|' or ';': iPXE chains commands with"
		 " &&, || and ;" },
	{ "\\", "must not contain '\\': iPXE joins a line ending in '\\'"
	       " with the next" },
	{ "\"'`", "must not contain quotes: iPXE splits quoted words at their"
		 " blanks" },
};

const char *inv_ipxe_unsafe(const char *s, size_t len)
{
	size_t i, k;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			return "must not contain control characters: a line"
			       " break would end the iPXE command";
		if (c >= 0x80)
			return "must be ASCII";
		for (k = 0; k < sizeof(ipxe_special) / sizeof(ipxe_special[0]); k++) {
			if (strchr(ipxe_special[k].chars, c))
				return ipxe_special[k].why;
		}
	}
	return NULL;
}

static int ipxe_safe(const char *s)
{
	return !s || !inv_ipxe_unsafe(s, strlen(s));
}

static void ipxe_add_addresses(struct strbuf *t, const struct netcfg_config *cfg)
{
	const struct netcfg_addr *v4 = &cfg->ipv4, *v6 = &cfg->ipv6;
	char s[INET6_ADDRSTRLEN];
	uint32_t mask = v4->prefixlen ? 0xffffffffu << (32 - v4->prefixlen) : 0;
	struct in_addr netmask = { htonl(mask) };

	if (v4->family) {
		inet_ntop(AF_INET, v4->addr, s, sizeof(s));
		strbuf_addf(t, "set net0/ip %s\n", s);
		inet_ntop(AF_INET, &netmask, s, sizeof(s));
		strbuf_addf(t, "set net0/netmask %s\n", s);
		if (v4->has_gateway && inet_ntop(AF_INET, v4->gateway, s, sizeof(s)))
			strbuf_addf(t, "set net0/gateway %s\n", s);
		if (v4->ndns > 0 && inet_ntop(AF_INET, v4->dns[0], s, sizeof(s)))
			strbuf_addf(t, "set dns %s\n", s);
	}
	if (v6->family) {
		inet_ntop(AF_INET6, v6->addr, s, sizeof(s));
		strbuf_addf(t, "set net0/ip6 %s\nset net0/len6 %u\n", s,
			 v6->prefixlen);
		if (v6->has_gateway && inet_ntop(AF_INET6, v6->gateway, s, sizeof(s)))
			strbuf_addf(t, "set net0/gateway6 %s\n", s);
		if (v6->ndns > 0 && inet_ntop(AF_INET6, v6->dns[0], s, sizeof(s)))
			strbuf_addf(t, "set dns6 %s\n", s);
	}
}

/* Each failed try waits twice as long as the one before: 1, 2, 4, 8 s. */
static void ipxe_add_retries(struct strbuf *t, const char *host)
{
	int try;

	strbuf_addf(t, ":failed\ngoto wait${try}\n");
	for (try = 1; try < FETCH_TRIES; try++)
		strbuf_addf(t, ":wait%d\nsleep %d\nset try %d\ngoto fetch\n", try,
			 1 << (try - 1), try + 1);
	strbuf_addf(t, ":wait%d\necho Fathom: %s: no boot files from ${base} after"
		 " %d tries, rebooting in 60 s\nsleep 60\nreboot\n", FETCH_TRIES,
		 host, FETCH_TRIES);
}

int inv_boot_ipxe(const struct inv_machine *m, const char *base_url,
		  const char *board_cmdline, char *buf, size_t len)
{
	const char *host = m->cfg.hostname;
	int has_board = board_cmdline && *board_cmdline;
	struct strbuf t;

	strbuf_init(&t, buf, len);
	/* The callers have checked these; a script is never written with
	 * something iPXE would run in it. */
	if (!ipxe_safe(host) || !ipxe_safe(base_url) || !ipxe_safe(m->cmdline) ||
	    !ipxe_safe(board_cmdline)) {
		if (len > 0)
			buf[0] = '\0';
		return -1;
	}
	strbuf_addf(&t, "#!ipxe\n# Fathom netboot of %s, written by mkmachines.\n"
		 "set base %s\n", host, base_url);
	ipxe_add_addresses(&t, &m->cfg);
	strbuf_addf(&t, "set try 1\n:fetch\n"
		 "echo Fathom: %s: fetching from ${base}, try ${try} of %d\n"
		 "ifopen net0 || goto failed\nimgfree\n", host, FETCH_TRIES);
	strbuf_addf(&t, "kernel ${base}/vmlinuz initrd=initramfs.cpio.zst"
		 " initrd=config.cpio %s%s%s || goto failed\n", m->cmdline,
		 has_board ? " " : "", has_board ? board_cmdline : "");
	strbuf_addf(&t, "initrd ${base}/initramfs.cpio.zst || goto failed\n"
		 "initrd ${base}/machines/%s/config.cpio || goto failed\n"
		 "boot || goto failed\n", host);
	ipxe_add_retries(&t, host);
	return strbuf_finish(&t);
}
