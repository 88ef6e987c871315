/* The EFI system partition of the disk this machine was installed to: the
 * partition whose GPT name is "fathom-esp" (PARTNAME in its sysfs uevent)
 * on a non-removable disk, mounted read-write for the time of a slot write
 * or a commit (esp.c). --esp auto in fathom-update. */
#ifndef FATHOM_UPDATE_ESP_H
#define FATHOM_UPDATE_ESP_H

#include <stddef.h>

#define ESP_PARTNAME "fathom-esp"
#define ESP_MOUNT_DIR "/run/fathom/esp"

/* The ESP's device name ("vda1") under sysroot ("/sys"): 0, or -1 when
 * there is none (a removable disk's does not count). */
int esp_find(const char *sysroot, char *name, size_t size);

/* Mount /dev/NAME (vfat) on dir, created if needed, read-only when
 * rdonly (netcfg may be reading the same ESP as the boot medium, read-only:
 * a read-write mount beside it fails with EBUSY): 0, or -1 (err). */
int esp_mount(const char *name, const char *dir, int rdonly, char *err, size_t errlen);
void esp_umount(const char *dir);

#endif
