/* What a child writes on its stdout/stderr pipe, logged line by line
 * through PID 1's logger. */
#ifndef FATHOM_INIT_OUTPUT_H
#define FATHOM_INIT_OUTPUT_H

#include <stddef.h>

struct output {
	char prefix[72];	/* "NAME: " before every line, or "" */
	int levels;		/* lines may start with "<N>", a syslog level */
	int fd;			/* the pipe's read end, or -1 */
	size_t len;
	char buf[512];		/* a partial line not yet logged */
};

/* Watch fd (made non-blocking) for out; a previous fd is closed first.
 * At EOF the rest is logged and fd closed. */
void output_watch(struct output *out, int fd);
/* Stop watching and close (the rest is logged). */
void output_close(struct output *out);

#endif
