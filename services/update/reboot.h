/* When fathom-update reboots the machine into a freshly written slot:
 * update.reboot=now (the default), never (the next reboot, whenever it
 * comes, tries it) or a daily window HH:MM-HH:MM in UTC, inside which a
 * moment is drawn at random so a fleet does not reboot all at once. */
#ifndef FATHOM_UPDATE_REBOOT_H
#define FATHOM_UPDATE_REBOOT_H

#include <time.h>

enum reboot_kind { REBOOT_NOW, REBOOT_NEVER, REBOOT_WINDOW };

struct reboot_policy {
	enum reboot_kind kind;
	unsigned start, end;	/* REBOOT_WINDOW: minutes after 00:00 UTC; end may wrap past midnight */
};

/* 0, or -1 when text is none of now, never, HH:MM-HH:MM (a window of one
 * minute or more, 00:00-23:59). */
int reboot_policy_parse(const char *text, struct reboot_policy *p);

/* The policy as the operator wrote it ("now", "never", "02:00-04:00"). */
void reboot_policy_format(const struct reboot_policy *p, char *buf, size_t size);

/* Seconds from now (UTC seconds since the epoch) until the reboot: 0 for
 * now or when inside the window; else until the window opens plus
 * jitter (reduced modulo the window's length in seconds). -1 for never. */
long reboot_delay(const struct reboot_policy *p, time_t now, unsigned long jitter);

#endif
