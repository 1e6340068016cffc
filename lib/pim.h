/* Encoding and decoding of the PIM messages rpd exchanges with pim6d. */
#ifndef MDCS_PIM_H
#define MDCS_PIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "proto/pim.h"

struct pim_hello {
	uint16_t holdtime;
	bool has_genid;
	uint32_t genid;
	uint32_t dr_priority;
};

/* One (S,G) entry of a Join/Prune message. */
struct pim_jp_entry {
	struct in6_addr source;
	struct in6_addr group;
	bool join;
};

typedef void (*pim_jp_cb)(void *arg, const struct pim_jp_entry *e);

/*
 * An IPv6 packet carrying a PIM message from src to dst (hop limit 1,
 * checksum filled in).  Returns the packet's length, or 0 if cap is short.
 */
size_t pim_packet(uint8_t *pkt, size_t cap, const struct in6_addr *src,
		  const struct in6_addr *dst, const uint8_t *msg, size_t len);

size_t pim_build_hello(uint8_t *buf, size_t cap, uint16_t holdtime,
		       uint32_t dr_priority, uint32_t genid);

/*
 * Join/Prune(S,G) entries for the neighbor upstream, as many as fit cap;
 * *used tells how many.  Entries of one group must be adjacent.
 */
size_t pim_build_join_prune(uint8_t *buf, size_t cap,
			    const struct in6_addr *upstream, uint16_t holdtime,
			    const struct pim_jp_entry *e, unsigned n,
			    unsigned *used);

/*
 * Check an IPv6 packet read from the overlay: 0 and the PIM message's place
 * if it is PIM with a good checksum, -1 otherwise.
 */
int pim_unwrap(const uint8_t *pkt, size_t len, struct in6_addr *src,
	       const uint8_t **msg, size_t *msg_len);

int pim_parse_hello(const uint8_t *msg, size_t len, struct pim_hello *h);

/*
 * Parse a Join/Prune message; cb gets each (S,G) entry (sources without
 * the S bit, or with W or R, are not (S,G) state and are skipped).
 */
int pim_parse_join_prune(const uint8_t *msg, size_t len,
			 struct in6_addr *upstream, uint16_t *holdtime,
			 pim_jp_cb cb, void *arg);

#endif
