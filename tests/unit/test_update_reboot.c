/* Unit tests: fathom-update's reboot policy (services/update/reboot.c):
 * a table of update.reboot values, then the delay before a reboot at
 * chosen moments of the day. */
#include "reboot.h"

#include <string.h>

#include "tap.h"

static void parses(void)
{
	static const struct {
		const char *text, *back;	/* back NULL: refused */
	} t[] = {
		{ "now", "now" }, { "never", "never" },
		{ "02:00-04:00", "02:00-04:00" }, { "23:30-00:30", "23:30-00:30" },
		{ "00:00-23:59", "00:00-23:59" },
		{ "", NULL }, { "Now", NULL }, { "now ", NULL }, { "2:00-4:00", NULL },
		{ "24:00-01:00", NULL }, { "01:60-02:00", NULL }, { "02:00-02:00", NULL },
		{ "02:00_04:00", NULL }, { "02:00-04:00x", NULL }, { "aa:bb-cc:dd", NULL },
		{ "-1:00-02:00", NULL }, { "02:00-", NULL },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct reboot_policy p;
		char back[32] = "";
		int rc = reboot_policy_parse(t[i].text, &p);

		if (rc == 0)
			reboot_policy_format(&p, back, sizeof(back));
		if (t[i].back)
			CHECK(rc == 0 && strcmp(back, t[i].back) == 0, "\"%s\" reads as %s", t[i].text, back);
		else
			CHECK(rc < 0, "\"%s\" refused", t[i].text);
	}
}

static void delays(void)
{
	static const struct {
		const char *policy;
		long now;		/* seconds after 00:00 UTC, on day 20000 */
		unsigned long jitter;
		long delay;
	} t[] = {
		{ "now", 3600, 99, 0 },
		{ "never", 3600, 0, -1 },
		{ "02:00-04:00", 2 * 3600, 0, 0 },			/* opens now */
		{ "02:00-04:00", 3 * 3600, 12345, 0 },			/* inside */
		{ "02:00-04:00", 4 * 3600, 0, 22 * 3600 },		/* closed at 04:00 */
		{ "02:00-04:00", 3600, 0, 3600 },			/* an hour before */
		{ "02:00-04:00", 3600, 7200 + 60, 3600 + 60 },		/* jitter within 2 h */
		{ "02:00-04:00", 12 * 3600, 59, 14 * 3600 + 59 },	/* tomorrow */
		{ "23:30-00:30", 23 * 3600 + 45 * 60, 0, 0 },		/* wraps past midnight */
		{ "23:30-00:30", 15 * 60, 0, 0 },
		{ "23:30-00:30", 30 * 60, 0, 23 * 3600 },
		{ "23:30-00:30", 23 * 3600, 3600 + 5, 30 * 60 + 5 },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct reboot_policy p;
		long d = -2;

		if (reboot_policy_parse(t[i].policy, &p) == 0)
			d = reboot_delay(&p, (time_t)(20000L * 86400 + t[i].now), t[i].jitter);
		CHECK(d == t[i].delay, "%s at %lds (jitter %lu): %ld s, expected %ld", t[i].policy,
		      t[i].now, t[i].jitter, d, t[i].delay);
	}
}

int main(void)
{
	parses();
	delays();
	return tap_done();
}
