/* Test helpers for crafted packets: the builders, and addresses. */
#ifndef MDCS_TEST_PACKETS_H
#define MDCS_TEST_PACKETS_H

#include <netinet/in.h>

#include "frames.h"

/* Parse an IPv6 address; the test fails on a bad one. */
void addr(struct in6_addr *a, const char *s);

#endif
