/* The platform agent's one status line (/run/fathom/platform/status,
 * shown by fathom-status): what it is registered as, how the heartbeat
 * goes, which certificate ndt7 serves. Pure formatting, unit-tested. */
#ifndef PLATFORM_STATUS_H
#define PLATFORM_STATUS_H

#include <stddef.h>

struct status_info {
	const char *state;	/* "stopped" prefixes the line; others are implied */
	const char *hostname;	/* the registered name, "" or NULL: not (yet) registered */
	const char *detail;	/* unregistered: why (the last line logged) */
	const char *reg_error;	/* registered, but the renewal failed: why ("" none) */
	int hb_ok;		/* the heartbeat is connected */
	long hb_sent_ago;	/* seconds since the last beat sent, -1 none yet */
	const char *hb_error;	/* the heartbeat's last error, "" none */
	const char *cert_issuer; /* "" or NULL: ndt7 serves its self-signed one */
	const char *cert_until;	/* the certificate's notAfter, YYYY-MM-DD */
};

/* "registered as NAME; heartbeat ok (last sent N s ago) | heartbeat: ERROR;
 * certificate ISSUER until DATE | self-signed" ("registered as NAME (last
 * re-registration: WHY)" when it failed since), or "not registered: WHY;
 * ..." before registration, "stopped; ..." after SIGTERM. One line, no
 * control characters, truncated to fit cap. Returns its length. */
size_t status_format(char *out, size_t cap, const struct status_info *s);

#endif
