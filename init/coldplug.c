/* Coldplug: the devices present at boot get their drivers from the
 * COLDPLUG_MODULES shipped in the image, as udev would load them, without
 * udev. The board's MODULES are already loaded; devices they drive are
 * skipped. */
#define _GNU_SOURCE
#include "init.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "modalias.h"

#define SYS_BUS "/sys/bus"
/* Loading a module can add devices (a USB host controller brings its
 * hub and ports), so the walk repeats while it loads something. */
#define PASSES_MAX 4
#define MATCHES_MAX 8

struct coldplug {
	struct coldplug_table t;
	unsigned char *tried;	/* per module: loaded or failed already */
	int loaded, failed;
};

static int has_driver(const char *dir)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/driver", dir);
	return lstat(path, &st) == 0;
}

static void table_error(void *ctx, const char *msg)
{
	log_err("coldplug: %s: %s", (const char *)ctx, msg);
}

/* Read and parse the table; returns its text (which the table points
 * into) or NULL, logged unless the image has no table. */
static char *table_load(struct coldplug_table *t, const char *path)
{
	char *text;
	size_t len;

	if (file_read_all(path, &text, &len) < 0) {
		if (errno != ENOENT)
			log_err("coldplug: %s: cannot read it: %s", path, strerror(errno));
		return NULL;
	}
	if (coldplug_parse(t, text, table_error, (void *)path) < 0) {
		log_err("coldplug: %s: out of memory; devices get no driver from it", path);
		free(text);
		return NULL;
	}
	return text;
}

/* Load a module's dependencies, then the module. */
static int module_load_deps(struct coldplug *cp, size_t m, const char *dev,
			    const char *modalias)
{
	const struct coldplug_module *mod = &cp->t.modules[m];
	size_t i;

	cp->tried[m] = 1;
	for (i = 0; i < mod->npaths; i++)
		if (module_load(mod->paths[i]) < 0) {
			log_err("coldplug: %s (%s): %s: %s: %s", dev, modalias, mod->name,
				mod->paths[i], strerror(errno));
			cp->failed++;
			return 0;
		}
	log_info("coldplug: %s (%s): loaded %s", dev, modalias, mod->name);
	cp->loaded++;
	return 1;
}

/* Load the modules matching one device until one of them takes it. */
static int device_coldplug(struct coldplug *cp, const char *dir, const char *dev)
{
	char modalias[512];
	size_t match[MATCHES_MAX], n, i;
	int loaded = 0;

	if (sysfs_read(dir, "modalias", modalias, sizeof(modalias)) < 0 ||
	    !modalias[0] || has_driver(dir))
		return 0;
	n = coldplug_match(&cp->t, modalias, match, MATCHES_MAX);
	for (i = 0; i < n && !has_driver(dir); i++)
		if (!cp->tried[match[i]])
			loaded += module_load_deps(cp, match[i], dev, modalias);
	return loaded;
}

static int visible(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* Sorted, so that the log reads the same on every boot. */
static int bus_coldplug(struct coldplug *cp, const char *bus)
{
	char devices[256], dir[512];
	struct dirent **ents;
	int i, n, loaded = 0;

	snprintf(devices, sizeof(devices), SYS_BUS "/%s/devices", bus);
	n = scandir(devices, &ents, visible, alphasort);
	for (i = 0; i < n; i++) {
		snprintf(dir, sizeof(dir), "%s/%s", devices, ents[i]->d_name);
		loaded += device_coldplug(cp, dir, ents[i]->d_name);
		free(ents[i]);
	}
	if (n >= 0)
		free(ents);
	return loaded;
}

static int buses_coldplug(struct coldplug *cp)
{
	struct dirent **ents;
	int i, n, loaded = 0;

	n = scandir(SYS_BUS, &ents, visible, alphasort);
	if (n < 0)
		log_err("coldplug: " SYS_BUS ": %s", strerror(errno));
	for (i = 0; i < n; i++) {
		loaded += bus_coldplug(cp, ents[i]->d_name);
		free(ents[i]);
	}
	if (n >= 0)
		free(ents);
	return loaded;
}

/* Name the network devices nothing drives: the likeliest reason a board
 * boots without its uplink. */
static void network_drivers_check(void)
{
	const char *devices = SYS_BUS "/pci/devices";
	char dir[512], class[16], vendor[16], device[16];
	struct dirent **ents;
	int i, n = scandir(devices, &ents, visible, alphasort);

	for (i = 0; i < n; i++) {
		snprintf(dir, sizeof(dir), "%s/%s", devices, ents[i]->d_name);
		if (sysfs_read(dir, "class", class, sizeof(class)) == 0 &&
		    strncmp(class, "0x02", 4) == 0 && !has_driver(dir) &&
		    sysfs_read(dir, "vendor", vendor, sizeof(vendor)) == 0 &&
		    sysfs_read(dir, "device", device, sizeof(device)) == 0)
			log_warn("coldplug: %s: network device %s:%s has no driver; add its "
				 "module to the board's MODULES or COLDPLUG_MODULES",
				 ents[i]->d_name, vendor + 2, device + 2);
		free(ents[i]);
	}
	if (n >= 0)
		free(ents);
}

void coldplug_run(const char *table_path)
{
	struct coldplug cp = { 0 };
	char *text = table_load(&cp.t, table_path);
	int pass;

	if (text && (cp.tried = calloc(cp.t.nmodules + 1, 1))) {
		for (pass = 0; pass < PASSES_MAX; pass++)
			if (buses_coldplug(&cp) == 0)
				break;
		log_info("coldplug: %d loaded, %d failed", cp.loaded, cp.failed);
	}
	free(cp.tried);
	coldplug_free(&cp.t);
	free(text);
	network_drivers_check();
}
