/* GRUB's environment block (/boot/grub/grubenv on the ESP): exactly 1024
 * bytes, "# GRUB Environment Block\n", "name=value\n" lines, '#' padding.
 * Holds fathom_slot=A|B (the default slot) and fathom_try= (a slot to boot
 * once; grub.cfg clears it before booting it). Pure (grubenv.c): parse,
 * get, set, format; unknown variables are kept as they are. */
#ifndef FATHOM_UPDATE_GRUBENV_H
#define FATHOM_UPDATE_GRUBENV_H

#include <stddef.h>

#define GRUBENV_SIZE 1024
#define GRUBENV_HEADER "# GRUB Environment Block\n"
#define GRUBENV_VARS_MAX 32
#define GRUBENV_NAME_MAX 64
#define GRUBENV_VALUE_MAX 512

struct grubenv {
	size_t count;
	struct {
		char name[GRUBENV_NAME_MAX];
		char value[GRUBENV_VALUE_MAX];	/* as stored (GRUB's '\' escapes kept) */
	} var[GRUBENV_VARS_MAX];
};

void grubenv_init(struct grubenv *e);
/* 0, or -1 with a one-line reason in why. */
int grubenv_parse(const char *buf, size_t n, struct grubenv *e, char *why, size_t whylen);
/* The value, or NULL when unset. */
const char *grubenv_get(const struct grubenv *e, const char *name);
/* Set (value "" keeps the variable, empty, as grub-editenv does): 0, or -1
 * when the name or value is not plain ([A-Za-z0-9_], printable without
 * '\') or the block is full. */
int grubenv_set(struct grubenv *e, const char *name, const char *value);
/* The 1024-byte block: 0, or -1 when the variables do not fit. */
int grubenv_format(const struct grubenv *e, char out[GRUBENV_SIZE]);

#endif
