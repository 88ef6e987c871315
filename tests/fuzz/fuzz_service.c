/* libFuzzer target for init/service.c: parse arbitrary bytes as a service
 * file and check the promises of service.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "service.h"

#define ERR_SIZE 256

/* The error is one non-empty line that names the service. */
static void check_error(const char *err)
{
	if (strncmp(err, "service fuzz: ", 14) != 0 || strchr(err, '\n'))
		abort();
}

/* group and workdir are terminated, workdir absolute; envp is at most the
 * two defaults and SERVICE_ENV_MAX "KEY=..." entries; only known limits and
 * capabilities are set. */
static void check_new_keys(const struct service *svc)
{
	int i;

	if (strnlen(svc->group, sizeof(svc->group)) == sizeof(svc->group) ||
	    strnlen(svc->workdir, sizeof(svc->workdir)) == sizeof(svc->workdir) ||
	    svc->workdir[0] != '/')
		abort();
	if (svc->nenv < 0 || svc->nenv > SERVICE_ENV_MAX)
		abort();
	for (i = 0; svc->envp[i]; i++)
		if (i > svc->nenv + 1 || !strchr(svc->envp[i], '=') || svc->envp[i][0] == '=')
			abort();
	if (i < svc->nenv || svc->limits_set >= 1u << SERVICE_LIMITS ||
	    svc->capabilities >> 41)
		abort();
}

/* argv is NULL-terminated within bounds, argv[0] is an absolute path, and
 * every argument is a non-empty string inside exec. */
static void check_service(const struct service *svc)
{
	size_t i;

	if (!svc->argv[0] || svc->argv[0][0] != '/')
		abort();
	for (i = 0; i <= SERVICE_ARGS_MAX && svc->argv[i]; i++) {
		const char *a = svc->argv[i];

		if (a < svc->exec || a >= svc->exec + sizeof(svc->exec) ||
		    a[0] == '\0' || strpbrk(a, " \t"))
			abort();
		if (memchr(a, '\0', svc->exec + sizeof(svc->exec) - a) == NULL)
			abort();
	}
	if (i > SERVICE_ARGS_MAX)
		abort();
	if (strnlen(svc->user, sizeof(svc->user)) == sizeof(svc->user) ||
	    strcmp(svc->name, "fuzz") != 0)
		abort();
	if (svc->restart != RESTART_ALWAYS && svc->restart != RESTART_ON_FAILURE &&
	    svc->restart != RESTART_NEVER)
		abort();
	if (svc->after_network != 0 && svc->after_network != 1)
		abort();
	check_new_keys(svc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	char err[ERR_SIZE];
	struct service svc;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	err[0] = '\0';
	if (service_parse(&svc, "fuzz", text, err, sizeof(err)) == 0)
		check_service(&svc);
	else
		check_error(err);
	free(text);
	return 0;
}
