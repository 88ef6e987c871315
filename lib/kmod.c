/* Kernel modules from files: finit_module, singly or from a list
 * (contract: kmod.h). */
#define _GNU_SOURCE
#include "lib/kmod.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/log.h"

int module_load(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int rc, err;

	if (fd < 0)
		return -1;
	rc = (int)syscall(SYS_finit_module, fd, "", 0);
	err = errno;	/* the caller's message names finit_module's error */
	close(fd);
	errno = err;
	return rc < 0 && err != EEXIST ? -1 : 0;
}

int modules_load_list(const char *list_path)
{
	char line[512];
	int loaded = 0, failed = 0;
	FILE *f = fopen(list_path, "re");

	if (!f) {
		if (errno != ENOENT)
			log_err("modules: %s: %s", list_path, strerror(errno));
		return 0;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		if (module_load(line) == 0)
			loaded++;
		else if (errno == ENODEV || errno == ENXIO)
			/* e.g. a CPU-specific crypto helper on another CPU */
			log_info("modules: %s: not for this hardware (%s)", line, strerror(errno));
		else {
			log_err("modules: %s: %s", line, strerror(errno));
			failed++;
		}
	}
	fclose(f);
	log_info("modules: %d loaded, %d failed", loaded, failed);
	return failed ? -1 : 0;
}
