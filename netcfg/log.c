#include "log.h"

#include <stdio.h>

#include "netcfg.h"

static void log_to_stderr(int level, const char *fmt, va_list ap)
{
	(void)level;
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static netcfg_log_fn log_hook = log_to_stderr;

void netcfg_set_log(netcfg_log_fn fn)
{
	log_hook = fn ? fn : log_to_stderr;
}

static void forward(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_hook(level, fmt, ap);
	va_end(ap);
}

void nc_log(int level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	forward(level, "netcfg: %s", msg);
}
