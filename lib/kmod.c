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

static int report_fd = -1;
static int dry_run;

void modules_report_to(int fd)
{
	report_fd = fd;
}

void modules_dry_run(int on)
{
	dry_run = on;
}

/* "PATH\n" (starting) or "\n" (done) to the report fd, if any; a full line
 * or nothing (a pipe write this short is atomic). */
static void report(const char *path)
{
	char line[512];
	int n = snprintf(line, sizeof(line), "%s\n", path);

	if (report_fd >= 0 && n > 0 && n < (int)sizeof(line))
		(void)!write(report_fd, line, (size_t)n);
}

int module_load(const char *path)
{
	int fd, rc = 0, err = 0;

	report(path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
	} else {
		if (!dry_run)
			rc = (int)syscall(SYS_finit_module, fd, "", 0);
		err = errno;	/* the caller's message names finit_module's error */
		close(fd);
	}
	report("");
	errno = err;
	return fd < 0 || (rc < 0 && err != EEXIST) ? -1 : 0;
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
