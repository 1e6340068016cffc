/* The bench tools' numbering of remote RPs: RP i is FIRST + i. */
#ifndef BENCH_RP_ADDR_H
#define BENCH_RP_ADDR_H

#include <netinet/in.h>
#include <stdint.h>

/* FIRST + i in the last two octets, as run.py gives the sink's neighbors. */
static inline struct in6_addr rp_addr(const struct in6_addr *first, int i)
{
	struct in6_addr a = *first;
	unsigned low = (a.s6_addr[14] << 8 | a.s6_addr[15]) + (unsigned)i;

	a.s6_addr[14] = (uint8_t)(low >> 8);
	a.s6_addr[15] = (uint8_t)low;
	return a;
}

#endif
