/* The relay: ports this RP opens for pairs of RPs that cannot punch. */
#ifndef RPD_RELAY_H
#define RPD_RELAY_H

#include <stdint.h>
#include <netinet/in.h>

#include "control.h"
#include "loop.h"

/*
 * Two RPs that cannot punch through the NATs between them meet at a port
 * of this RP's (TURN's allocations, RFC 8656, in the mesh's own messages):
 * each binds its endpoint there with a KEEPALIVE signed for this RP, and
 * the relay passes control and AMT data messages from one bound endpoint
 * to the other.  An allocation lives RELAY_LIFETIME_S after its last bind.
 */
#define RELAY_MAX_ALLOCS 64
#define RELAY_LIFETIME_S 60

struct relay_stats {
	uint64_t allocated; /* ports opened */
	uint64_t refused;   /* no room, or no socket */
	uint64_t binds;	    /* KEEPALIVEs that bound or refreshed an end */
	uint64_t packets;   /* passed from one end to the other */
	uint64_t octets;
	/* Not from a bound end, not a control or AMT data message, or to
	 * an end not bound yet. */
	uint64_t dropped;
};

struct relay_alloc;

struct relay {
	struct loop *loop;
	struct in6_addr addr;	      /* where the ports are opened */
	uint8_t pk[MDCS_CTL_KEY_LEN]; /* binds are signed for it */
	uint64_t max_skew_us;
	struct relay_alloc *allocs[RELAY_MAX_ALLOCS];
	struct timer expiry;
	struct relay_stats stats;
};

void relay_init(struct relay *r, struct loop *loop, const struct in6_addr *addr,
		const uint8_t *pk, uint64_t max_skew_us);

/* Close every port. */
void relay_fini(struct relay *r);

/* The port of the path between client and peer, and its socket in *sock:
 * the one they have, or a new one; 0 if none can be had (counted). */
uint16_t relay_allocate(struct relay *r, const uint8_t *client,
			const uint8_t *peer, int *sock);

/* Ports open now. */
unsigned relay_count(const struct relay *r);

#endif
