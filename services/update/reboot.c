/* fathom-update's reboot policy (update.reboot): parsing it, and how long
 * to wait before rebooting into a freshly written slot. Pure: no clock,
 * no randomness of its own, so a table tests it. */
#include "reboot.h"

#include <stdio.h>
#include <string.h>

/* "HH:MM" at s: minutes after midnight, or -1. */
static int hhmm(const char *s)
{
	int h, m;

	if (strlen(s) < 5 || s[2] != ':')
		return -1;
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' ||
	    s[3] < '0' || s[3] > '9' || s[4] < '0' || s[4] > '9')
		return -1;
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	return h < 24 && m < 60 ? h * 60 + m : -1;
}

int reboot_policy_parse(const char *text, struct reboot_policy *p)
{
	int a, b;

	if (strcmp(text, "now") == 0) {
		*p = (struct reboot_policy){ .kind = REBOOT_NOW };
		return 0;
	}
	if (strcmp(text, "never") == 0) {
		*p = (struct reboot_policy){ .kind = REBOOT_NEVER };
		return 0;
	}
	if (strlen(text) != 11 || text[5] != '-')
		return -1;
	a = hhmm(text);
	b = hhmm(text + 6);
	if (a < 0 || b < 0 || a == b)
		return -1;
	*p = (struct reboot_policy){ .kind = REBOOT_WINDOW, .start = (unsigned)a, .end = (unsigned)b };
	return 0;
}

void reboot_policy_format(const struct reboot_policy *p, char *buf, size_t size)
{
	if (p->kind == REBOOT_NOW)
		snprintf(buf, size, "now");
	else if (p->kind == REBOOT_NEVER)
		snprintf(buf, size, "never");
	else
		snprintf(buf, size, "%02u:%02u-%02u:%02u", p->start / 60, p->start % 60,
			 p->end / 60, p->end % 60);
}

long reboot_delay(const struct reboot_policy *p, time_t now, unsigned long jitter)
{
	long day = 86400, t, start, len, since;

	if (p->kind == REBOOT_NEVER)
		return -1;
	if (p->kind == REBOOT_NOW)
		return 0;
	t = (long)(now % day);
	if (t < 0)
		t += day;
	start = (long)p->start * 60;
	len = (((long)p->end - (long)p->start + 1440) % 1440) * 60;
	since = (t - start + day) % day;	/* seconds since the window last opened */
	if (since < len)
		return 0;
	return (day - since) + (long)(jitter % (unsigned long)len);
}
