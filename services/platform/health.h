/* The health score sent to Locate: 1 only when every registered port
 * accepts a TCP connection (on --ipv4 if given, else loopback) and the
 * service's health URL answers 200; else 0 with the reason. */
#ifndef PLATFORM_HEALTH_H
#define PLATFORM_HEALTH_H

#include <stddef.h>

#include "config.h"

int health_score(const struct platform_config *c, char *why, size_t whylen);

#endif
