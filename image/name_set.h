/* A set of names compared case-insensitively (host names), each with the
 * line it was first seen on. */
#ifndef FATHOM_IMAGE_NAME_SET_H
#define FATHOM_IMAGE_NAME_SET_H

#include <stddef.h>

#define NAME_SET_NAME_MAX 253	/* longer names are compared by this prefix */

struct seen_name {
	char *name;		/* lower case; NULL = free slot */
	unsigned line;
};

/* Zero-initialized is empty. */
struct name_set {
	struct seen_name *slots;
	size_t count, capacity;	/* capacity: a power of two */
};

/* Returns 0 if added, the line it was first seen on, or -1 (no memory). */
long name_set_add(struct name_set *set, const char *name, unsigned line);

void name_set_free(struct name_set *set);

#endif
