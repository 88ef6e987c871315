/* A worker's memory (memory.h): the allocator's settings, and a report of
 * what it holds on request, with a leak check when built with ASan. */
#define _GNU_SOURCE
#include "memory.h"

#include <malloc.h>
#include <stdlib.h>

#include "log.h"

volatile sig_atomic_t memory_report_requested;

/* The sanitizers' interface, linked only into an ASan build. */
int __lsan_do_recoverable_leak_check(void) __attribute__((weak));
void __sanitizer_print_memory_profile(size_t top_percent, size_t max_contexts)
	__attribute__((weak));

/* glibc's malloc serves a block of 128 KiB or more with its own mmap, and
 * unmaps it at free, until the first such free: then it raises that
 * threshold to the freed size (up to 32 MiB), and from there the 256 KiB
 * TLS write buffers, big records and spool listings come from the heap,
 * where a freed one between live small blocks stays resident. A worker's
 * resident memory then follows its highest burst of connections, not its
 * connections now. Fixed thresholds keep big blocks mmapped (a few
 * syscalls per connection) and let free() trim the heap's top early. */
#define MMAP_THRESHOLD (128 << 10)
#define TRIM_THRESHOLD (128 << 10)

static int busy;	/* connections since the last trim */

void memory_setup(void)
{
	mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD);
	mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD);
}

void memory_idle(int conns)
{
	if (conns > 0) {
		busy = 1;
	} else if (busy) {
		busy = 0;
		malloc_trim(0);
	}
}

void memory_report(const char *who, int conns)
{
	struct mallinfo2 mi = mallinfo2();

	ndt7_log(LOG_INFO, "%s: memory: %d connections; heap %zu KiB in use, %zu KiB free "
		 "(%zu KiB from brk, %zu KiB in %zu mmaps)", who, conns, mi.uordblks >> 10,
		 mi.fordblks >> 10, mi.arena >> 10, mi.hblkhd >> 10, mi.hblks);
	/* Where the live heap was allocated, on request (NDT7_HEAP_PROFILE=1). */
	if (__sanitizer_print_memory_profile && getenv("NDT7_HEAP_PROFILE"))
		__sanitizer_print_memory_profile(90, 20);
	if (__lsan_do_recoverable_leak_check)
		ndt7_log(LOG_INFO, "%s: LeakSanitizer: %s", who,
			 __lsan_do_recoverable_leak_check() ? "leaks found (above)" : "no leaks");
}
