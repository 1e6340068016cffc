/* Test helpers for crafted packets: the builders, and addresses. */
#include <arpa/inet.h>
#include <check.h>

#include "packets.h"

void addr(struct in6_addr *a, const char *s)
{
	ck_assert(inet_pton(AF_INET6, s, a) == 1);
}
