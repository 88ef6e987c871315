/* Unit tests for lib/backoff.c: the exponential growth, the
 * cap, the jitter's range, the reset, and the re-registration interval. */
#include "lib/backoff.h"
#include "tap.h"

static void test_backoff(void)
{
	static const unsigned want[] = { 5000, 10000, 20000, 40000, 80000, 160000, 320000,
					 600000, 600000, 600000 };
	struct backoff b;
	unsigned i, lo_ok = 1, hi_ok = 1;

	backoff_init(&b, 5000, 600000);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		unsigned d = backoff_next(&b, 1000);	/* the top of the jitter */

		CHECK(d == want[i], "failure %u: %u ms (got %u)", i + 1, want[i], d);
	}
	backoff_reset(&b);
	CHECK(backoff_next(&b, 0) == 2500, "after a reset: half of the base at the bottom");
	for (i = 0; i < 100000; i += 7) {
		unsigned d;

		backoff_reset(&b);
		d = backoff_next(&b, i * 2654435761u);
		if (d < 2500)
			lo_ok = 0;
		if (d > 5000)
			hi_ok = 0;
	}
	CHECK(lo_ok && hi_ok, "the jitter stays within [base/2, base]");
	for (i = 0; i < 200; i++)
		backoff_next(&b, 1000);
	CHECK(backoff_next(&b, 1000) == 600000, "many failures stay at the cap");
	backoff_init(&b, 0, 0);
	CHECK(backoff_next(&b, 1000) == 1, "a zero base is 1 ms, not a busy loop of 0");
}

static void test_jitter(void)
{
	unsigned i, lo = ~0u, hi = 0;

	for (i = 0; i < 200000; i++) {
		unsigned s = jittered_s(3600, 300, i * 2654435761u);

		lo = s < lo ? s : lo;
		hi = s > hi ? s : hi;
	}
	CHECK(lo == 3300 && hi == 3900, "3600 +- 300 s covers 55 to 65 min (%u..%u)", lo, hi);
	CHECK(jittered_s(10, 100, 0) == 1, "never below 1 s");
	CHECK(jittered_s(60, 0, 12345) == 60, "no jitter: the interval");
}

int main(void)
{
	test_backoff();
	test_jitter();
	return tap_done();
}
