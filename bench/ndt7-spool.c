/* bench/ndt7 --soak's spool line: the cost of spool_write (services/ndt7/
 * spool.c) into a spool full at its bound, so that every write prunes.
 *
 * Usage: ndt7-spool-bench [RECORDS [WRITES]]   (defaults 25000 and 500)
 * Makes RECORDS records of 1,000 bytes in a temporary directory, bounds the
 * spool at their total, times WRITES writes of one more, removes it all. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "spool.h"

#define RECORD 1000

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int make_records(const char *dir, int n, const char *data)
{
	char path[4200];
	int i;

	for (i = 0; i < n; i++) {
		struct timespec t[2] = { { 1000000 + i, 0 }, { 1000000 + i, 0 } };
		int fd;

		snprintf(path, sizeof(path), "%s/ndt7-download-%08d.json", dir, i);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || write(fd, data, RECORD) != RECORD)
			return -1;
		close(fd);
		utimensat(AT_FDCWD, path, t, 0);
	}
	return 0;
}

static void remove_all(const char *dir)
{
	char path[4200];
	struct dirent *d;
	DIR *dp = opendir(dir);

	while (dp && (d = readdir(dp))) {
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		if (d->d_name[0] != '.' || strstr(d->d_name, ".tmp"))
			unlink(path);
	}
	if (dp)
		closedir(dp);
	rmdir(dir);
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/ndt7-spool-bench.XXXXXX", name[64], data[RECORD];
	int records = argc > 1 ? atoi(argv[1]) : 25000, writes = argc > 2 ? atoi(argv[2]) : 500;
	uint64_t max = (uint64_t)records * RECORD;
	double t, sum = 0, worst = 0;
	int i;

	memset(data, 'x', sizeof(data));
	if (records < 1 || writes < 1 || !mkdtemp(dir) || make_records(dir, records, data) < 0) {
		fprintf(stderr, "ndt7-spool-bench: cannot make the records (usage: "
			"ndt7-spool-bench [RECORDS [WRITES]])\n");
		return 1;
	}
	freopen("/dev/null", "w", stderr);	/* the pruning log */
#ifdef SPOOL_MARGIN
	spool_open(dir, max);
#endif
	for (i = 0; i < writes; i++) {
		snprintf(name, sizeof(name), "ndt7-download-%08d.json", records + i);
		t = now_ms();
		spool_write(dir, name, data, sizeof(data), max);
		t = now_ms() - t;
		sum += t;
		worst = t > worst ? t : worst;
	}
	printf("spool_write, %d records at the bound: %.3f ms per write (mean of %d), "
	       "slowest %.1f ms\n", records, sum / writes, writes, worst);
	remove_all(dir);
	return 0;
}
