/* SOURCE_DATE_EPOCH parsing for the host tools (contract: epoch.h). */
#include "lib/epoch.h"

#include <stdio.h>
#include <stdlib.h>

int epoch_parse(const char *value, uint32_t *seconds)
{
	unsigned long long n = 0;
	const char *p;

	*seconds = 0;
	if (!value)
		return 0;
	for (p = value; *p >= '0' && *p <= '9' && n <= UINT32_MAX; p++)
		n = n * 10 + (unsigned long long)(*p - '0');
	if (p == value || *p != '\0' || n > UINT32_MAX)
		return -1;
	*seconds = (uint32_t)n;
	return 0;
}

int source_date_epoch(const char *tool, uint32_t *seconds)
{
	const char *value = getenv("SOURCE_DATE_EPOCH");

	if (epoch_parse(value, seconds) == 0)
		return 0;
	fprintf(stderr, "%s: SOURCE_DATE_EPOCH \"%s\": must be decimal seconds, 0-%lu\n",
		tool, value, (unsigned long)UINT32_MAX);
	return -1;
}
