/* libFuzzer target for image/inventory.c: read arbitrary bytes as an
 * inventory, and for every machine it accepts render network.conf and
 * boot.ipxe and check the promises of inventory.h, among them that no
 * input adds an iPXE command; the same bytes as a secrets file
 * (inv_secrets_check). No files are written. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inventory.h"

static void check_error(void *ctx, const char *msg)
{
	size_t len = strlen(msg);

	(void)ctx;
	if (len == 0 || strchr(msg, '\n'))
		abort();
}

/* boot.ipxe's kernel line is one command: its arguments hold nothing iPXE
 * reads as more than text (said again here, apart from inv_ipxe_unsafe). */
static void check_kernel_line(const char *text)
{
	static const char prefix[] = "\nkernel ${base}/vmlinuz ";
	static const char suffix[] = " || goto failed\n";
	const char *args = strstr(text, prefix), *end, *p;

	if (!args)
		abort();
	args += sizeof(prefix) - 1;
	end = strstr(args, suffix);
	if (!end || memchr(args, '\n', (size_t)(end - args)))
		abort();
	for (p = args; p < end; p++) {
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f ||
		    strchr("$#&|;\\\"'`", *p))
			abort();
	}
}

/* An accepted machine always renders, and its network.conf parses back
 * to the same configuration. */
static int check_machine(void *ctx, const struct inv_machine *m)
{
	static char text[INV_TEXT_MAX];
	char msg[INV_MSG_MAX];
	const char *p;
	int len;

	(void)ctx;
	if (m->cfg.hostname[0] == '\0' || m->cfg.ipv4.family == 0 ||
	    strlen(m->cmdline) >= INV_CMDLINE_MAX)
		abort();
	len = inv_network_conf(&m->cfg, text, sizeof(text));
	if (len < 0 || (size_t)len != strlen(text) ||
	    inv_network_conf_check(&m->cfg, text, msg, sizeof(msg)) != 0)
		abort();
	/* The platform columns: platform.* lines only, and the whole parses back. */
	for (p = m->settings; *p; p = strchr(p, '\n') + 1)
		if (strncmp(p, "platform.", 9) != 0 || !strchr(p, '\n'))
			abort();
	len = inv_machine_conf(m, text, sizeof(text));
	if (len < 0 || (size_t)len != strlen(text) ||
	    inv_network_conf_check(&m->cfg, text, msg, sizeof(msg)) != 0)
		abort();
	len = inv_boot_ipxe(m, "http://192.0.2.1/fathom", "console=ttyS0",
			    text, sizeof(text));
	if (len < 0 || (size_t)len != strlen(text) ||
	    strncmp(text, "#!ipxe\n", 7) != 0)
		abort();
	check_kernel_line(text);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct inv_options opt = { "fuzz.csv", "console=ttyS0" };
	struct inv_handler h = { check_machine, check_error, NULL };

	char msg[INV_MSG_MAX], *text = malloc(size + 1);
	const char *why;

	inv_parse((const char *)data, size, &opt, &h);
	/* The same bytes as a secrets file: accepted, or one line saying why. */
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	why = inv_secrets_check(text, msg, sizeof(msg));
	if (why && (why != msg || !msg[0] || strchr(msg, '\n')))
		abort();
	free(text);
	return 0;
}
