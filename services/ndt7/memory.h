/* A worker's memory (memory.c): what the allocator holds, reported on
 * request (SIGUSR2), with LeakSanitizer's check in an ASan build. */
#ifndef NDT7_MEMORY_H
#define NDT7_MEMORY_H

#include <signal.h>

/* Set by the SIGUSR2 handler (main.c); the loop calls memory_report(). */
extern volatile sig_atomic_t memory_report_requested;

/* Log the heap's use (mallinfo2) and, in an ASan build, run a leak check
 * now (recoverable: the server goes on). who names the process. */
void memory_report(const char *who, int conns);

/* Once per process before serving: the allocator's settings (memory.c). */
void memory_setup(void);

/* From the loop, with its connection count: when a worker falls idle, the
 * free pages of its heap go back to the system (malloc_trim). */
void memory_idle(int conns);

#endif
