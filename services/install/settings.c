/* fathom-install's settings: the install keys of the stick's fathom.conf
 * (the kernel command line outranks them), and what of the stick's
 * fathom.conf and command line the installed disk keeps. Pure. */
#include "install.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Trimmed key and value of a KEY=VALUE line ("fathom." optional): 1, or 0
 * for comments and other lines. */
static int split_line(const char *line, size_t len, char *key, size_t ksize, char *val, size_t vsize)
{
	const char *eq = memchr(line, '=', len), *end = line + len, *k = line, *ke;

	while (k < end && isspace((unsigned char)*k))
		k++;
	if (!eq || *k == '#')
		return 0;
	ke = eq;
	while (ke > k && isspace((unsigned char)ke[-1]))
		ke--;
	if ((size_t)(ke - k) > 7 && strncmp(k, "fathom.", 7) == 0)
		k += 7;
	snprintf(key, ksize, "%.*s", (int)(ke - k), k);
	eq++;
	while (eq < end && isspace((unsigned char)*eq))
		eq++;
	while (end > eq && isspace((unsigned char)end[-1]))
		end--;
	snprintf(val, vsize, "%.*s", (int)(end - eq), eq);
	return 1;
}

static int install_key(const char *key)
{
	return strcmp(key, "install") == 0 || strcmp(key, "install.wipe") == 0 ||
	       strcmp(key, "data.format") == 0;
}

void settings_from_conf(struct install_settings *s, const char *conf, int has_install,
			int has_wipe, int has_format)
{
	char key[64], val[DISK_ID_MAX + 32];
	const char *p = conf;

	while (*p) {
		size_t len = strcspn(p, "\n");

		if (split_line(p, len, key, sizeof(key), val, sizeof(val))) {
			if (strcmp(key, "install") == 0 && !has_install)
				snprintf(s->install, sizeof(s->install), "%s", val);
			else if (strcmp(key, "install.wipe") == 0 && !has_wipe)
				snprintf(s->wipe, sizeof(s->wipe), "%s", val);
			else if (strcmp(key, "data.format") == 0 && !has_format)
				snprintf(s->format, sizeof(s->format), "%s", val);
		}
		p += len + (p[len] == '\n');
	}
}

size_t conf_for_disk(const char *conf, char *out, size_t size)
{
	char key[64], val[8];
	const char *p = conf;
	size_t n = 0;

	out[0] = '\0';
	while (*p) {
		size_t len = strcspn(p, "\n");
		int drop = split_line(p, len, key, sizeof(key), val, sizeof(val)) && install_key(key);

		if (!drop && n + len + 2 < size) {
			memcpy(out + n, p, len);
			n += len;
			out[n++] = '\n';
			out[n] = '\0';
		}
		p += len + (p[len] == '\n');
	}
	return n;
}

void cmdline_for_disk(const char *cmdline, char *out, size_t size)
{
	static const char *const drop[] = { "BOOT_IMAGE=", "initrd=", "fathom.media=",
					    "fathom.install", "fathom.data.format=", "fathom.slot=" };
	const char *p = cmdline;
	size_t n = 0, i;

	out[0] = '\0';
	while (*p) {
		size_t len;
		int keep = 1;

		while (isspace((unsigned char)*p))
			p++;
		len = strcspn(p, " \t\n");
		if (!len)
			break;
		for (i = 0; i < sizeof(drop) / sizeof(drop[0]); i++)
			keep &= strncmp(p, drop[i], strlen(drop[i])) != 0;
		if (keep && n + len + 2 < size) {
			n += (size_t)snprintf(out + n, size - n, "%s%.*s", n ? " " : "", (int)len, p);
		}
		p += len;
	}
}

/* GRUB talks on the serial console the kernel is given (the last
 * console=ttySN,SPEED), as the stick's boot loaders do; ttyS0 at 115200
 * without one. */
void serial_for_grub(const char *cmdline, int *unit, long *speed)
{
	const char *p = cmdline, *hit;

	*unit = 0, *speed = 115200;
	while ((hit = strstr(p, "console=ttyS")) != NULL) {
		char *end;
		long u = strtol(hit + 12, &end, 10);

		if (end != hit + 12 && u >= 0 && u < 4) {
			*unit = (int)u;
			*speed = *end == ',' ? strtol(end + 1, NULL, 10) : 9600;
			if (*speed <= 0)
				*speed = 115200;
		}
		p = hit + 12;
	}
}
