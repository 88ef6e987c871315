/* A set of names, case-insensitive, each with the line it was first seen
 * on: open addressing, FNV-1a, grown at 2/3 full (contract: name_set.h). */
#include "name_set.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t name_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;	/* FNV-1a */

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return h;
}

static struct seen_name *name_slot(const struct name_set *set,
				   const char *name)
{
	size_t i = (size_t)name_hash(name) & (set->capacity - 1);

	while (set->slots[i].name && strcmp(set->slots[i].name, name) != 0)
		i = (i + 1) & (set->capacity - 1);
	return &set->slots[i];
}

static int name_set_grow(struct name_set *set)
{
	struct name_set bigger = { NULL, set->count, set->capacity ?
				   set->capacity * 2 : 1024 };
	size_t i;

	bigger.slots = calloc(bigger.capacity, sizeof(*bigger.slots));
	if (!bigger.slots)
		return -1;
	for (i = 0; i < set->capacity; i++) {
		if (set->slots[i].name)
			*name_slot(&bigger, set->slots[i].name) = set->slots[i];
	}
	free(set->slots);
	*set = bigger;
	return 0;
}

long name_set_add(struct name_set *set, const char *name,
			 unsigned line)
{
	char lower[NAME_SET_NAME_MAX + 1];
	struct seen_name *slot;
	size_t i;

	for (i = 0; name[i] && i < NAME_SET_NAME_MAX; i++)
		lower[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ?
				  name[i] + 'a' - 'A' : name[i]);
	lower[i] = '\0';
	if ((set->count + 1) * 3 > set->capacity * 2 && name_set_grow(set) < 0)
		return -1;
	slot = name_slot(set, lower);
	if (slot->name)
		return slot->line;
	slot->name = strdup(lower);
	if (!slot->name)
		return -1;
	slot->line = line;
	set->count++;
	return 0;
}

void name_set_free(struct name_set *set)
{
	size_t i;

	for (i = 0; i < set->capacity; i++)
		free(set->slots[i].name);
	free(set->slots);
}
