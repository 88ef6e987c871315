/* Names the uploader derives: the archive object of a bundle (jostler's
 * layout, so M-Lab's autoloader finds it) and, from the name registration
 * gave this machine, its organisation, project and bucket. Pure. */
#ifndef UPLOADER_NAMING_H
#define UPLOADER_NAMING_H

#include <stddef.h>
#include <time.h>

#define NAME_PART_MAX 128

/* PREFIX/ORG/EXPERIMENT/DATATYPE/YYYY/MM/DD/YYYYMMDDTHHMMSS.uuuuuuZ-
 * DATATYPE-NODE-EXPERIMENT-data.jsonl.gz for a bundle started at t (UTC).
 * Its length, or -1 if it does not fit cap (out is then ""). */
int object_name(char *out, size_t cap, const char *prefix, const char *org,
		const char *experiment, const char *datatype, const char *node,
		const struct timespec *t);

/* What an M-Lab name tells (the v3 names autojoin gives, as m-lab/go's
 * host package reads them for jostler): "ndt-lga3356-c0a80001.rnp.
 * autojoin.measurement-lab.org" is organisation rnp in project
 * mlab-autojoin (the third label with "mlab-" before it), so bucket
 * archive-mlab-autojoin, and node "c0a80001-lga3356" (MACHINE-SITE: the
 * node part of jostler's object names). The service ("ndt-") is optional.
 * -1 when the name has not that shape. */
struct node_names {
	char org[NAME_PART_MAX];
	char project[NAME_PART_MAX + 8];
	char bucket[NAME_PART_MAX + 16];
	char node[32];
};
int node_names_parse(const char *hostname, struct node_names *n);

/* Whether s is a safe path component for an object name (letters, digits,
 * '-', '_', '.', not empty, not "." or ".."). */
int name_part_ok(const char *s);

#endif
