/* Unit tests for services/install/settings.c: the stick's fathom.conf
 * install keys (the command line wins), and what the installed disk keeps
 * of fathom.conf and of the command line. */
#include <stdarg.h>
#include <string.h>

#include "install.h"
#include "tap.h"

void say(const char *fmt, ...)
{
	(void)fmt;
}

static void test_from_conf(void)
{
	static const struct {
		const char *conf;
		int cl_install, cl_wipe, cl_format;
		const char *install, *wipe, *format;
	} cases[] = {
		{ "install=auto\n", 0, 0, 0, "auto", "", "" },
		{ "fathom.install = FATHOMDISK1 \ninstall.wipe=FATHOMDISK1", 0, 0, 0, "FATHOMDISK1",
		  "FATHOMDISK1", "" },
		{ "# install=auto\nipv4=192.0.2.10/28\n", 0, 0, 0, "", "", "" },
		{ "install=auto\n", 1, 0, 0, "CMD", "", "" },
		{ "data.format=X\ninstall.wipe=Y\n", 0, 1, 0, "", "CMD", "X" },
		{ "data.format=X\n", 0, 0, 1, "", "", "CMD" },
		{ "installer=x\ninstall\n", 0, 0, 0, "", "", "" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct install_settings s;

		memset(&s, 0, sizeof(s));
		if (cases[i].cl_install)
			strcpy(s.install, "CMD");
		if (cases[i].cl_wipe)
			strcpy(s.wipe, "CMD");
		if (cases[i].cl_format)
			strcpy(s.format, "CMD");
		settings_from_conf(&s, cases[i].conf, cases[i].cl_install, cases[i].cl_wipe,
				   cases[i].cl_format);
		CHECK(strcmp(s.install, cases[i].install) == 0 && strcmp(s.wipe, cases[i].wipe) == 0 &&
		      strcmp(s.format, cases[i].format) == 0, "conf case %zu: install=%s wipe=%s format=%s",
		      i, s.install, s.wipe, s.format);
	}
}

static void test_for_disk(void)
{
	char out[512];

	conf_for_disk("# node1\nipv4 = 192.0.2.10/28,192.0.2.1\ninstall=auto\nfathom.install.wipe=X\n"
		      "data.format = Y\nndt7.label=a\n", out, sizeof(out));
	CHECK(strcmp(out, "# node1\nipv4 = 192.0.2.10/28,192.0.2.1\nndt7.label=a\n") == 0,
	      "conf for disk drops the install keys");
	cmdline_for_disk("BOOT_IMAGE=/boot/vmlinuz console=ttyS0,115200 fathom.install=auto "
			 "fathom.install.wipe=X quiet fathom.media=0123456789abcdef fathom.data.format=Z "
			 "fathom.ipv4=192.0.2.10/28\n", out, sizeof(out));
	CHECK(strcmp(out, "console=ttyS0,115200 quiet fathom.ipv4=192.0.2.10/28") == 0,
	      "command line for disk: %s", out);
}

static void test_serial(void)
{
	static const struct { const char *cmdline; int unit; long speed; } cases[] = {
		{ "console=ttyS0,115200 quiet", 0, 115200 },
		{ "console=tty0 console=ttyS1,57600n8", 1, 57600 },
		{ "console=ttyS1,115200 console=ttyS0,9600", 0, 9600 },
		{ "console=ttyS1", 1, 9600 },
		{ "quiet", 0, 115200 },
		{ "console=ttyS9,115200", 0, 115200 },
		{ "console=ttySx", 0, 115200 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int unit;
		long speed;

		serial_for_grub(cases[i].cmdline, &unit, &speed);
		CHECK(unit == cases[i].unit && speed == cases[i].speed, "serial for GRUB from \"%s\": %d %ld",
		      cases[i].cmdline, unit, speed);
	}
}

int main(void)
{
	test_serial();
	test_from_conf();
	test_for_disk();
	return tap_done();
}
