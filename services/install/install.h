/* fathom-install: installs the appliance from its boot stick onto an
 * internal disk (fathom.install=TARGET), or prepares a data disk
 * (fathom.data.format=ID). Run once at boot by init as root. */
#ifndef FATHOM_INSTALL_H
#define FATHOM_INSTALL_H
#include <stddef.h>
#include <stdint.h>

#include "lib/disk/disk.h"
#include "lib/disk/gpt.h"

#define INSTALL_RUN "/run/fathom/install"
#define STICK_DIR INSTALL_RUN "/stick"
#define ESP_DIR INSTALL_RUN "/esp"

struct install_settings {
	char install[DISK_ID_MAX + 32];	/* fathom.install= */
	char wipe[DISK_ID_MAX + 32];		/* fathom.install.wipe= */
	char format[DISK_ID_MAX + 32];		/* fathom.data.format= */
	char media[32];				/* fathom.media= (the stick's ID) */
	char stick_dev[64];			/* /dev/sda1 once found */
	char cmdline[4096];			/* /proc/cmdline */
};

/* One line on standard output: init logs it as "install: ...". */
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* settings.c: a fathom.conf line's install keys into s (cmdline wins). */
void settings_from_conf(struct install_settings *s, const char *conf, int cmdline_has_install,
			int cmdline_has_wipe, int cmdline_has_format);
/* The stick's fathom.conf without the install keys: what the installed
 * machine boots with. */
size_t conf_for_disk(const char *conf, char *out, size_t size);
/* The kernel command line for the installed disk: the stick's, without
 * its boot loader's, media and install arguments. */
void cmdline_for_disk(const char *cmdline, char *out, size_t size);
/* The serial port and speed of the last console=ttySN[,SPEED]: GRUB's
 * (ttyS0 at 115200 without one). */
void serial_for_grub(const char *cmdline, int *unit, long *speed);

/* stick.c: find and mount (read-only, STICK_DIR) the medium with
 * /boot/fathom-ID: 0, or -1 after timeout_s. */
int stick_mount(const char *id, unsigned timeout_s, char *dev, size_t dev_size);

/* write.c: the layout on disk d, files from STICK_DIR: 0, or -1 (said). */
int install_to(const struct disk *d, const struct install_settings *s, char *esp_dev, size_t n,
	       char *new_id, size_t id_size);
/* A data-only disk (fathom.data.format): 0, or -1 (said). */
int format_data(const struct disk *d);
/* Run a program, its output to ours: its exit status, or -1. */
int run(const char *const argv[]);

/* efiboot.c: Boot#### "Fathom" -> \EFI\fathom\grubx64.efi on the ESP,
 * first in BootOrder. 0, 1 when not booted by UEFI, -1 (said). */
int efi_add_boot_entry(const struct gpt_part *esp);
#endif
