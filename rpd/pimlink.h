/* PIM on the overlay link: rpd as pim6d's one neighbor there. */
#ifndef RPD_PIMLINK_H
#define RPD_PIMLINK_H

#include <stdbool.h>

#include "loop.h"
#include "overlay.h"
#include "pim.h"

struct pimlink_ops {
	/* pim6d joined (S,G) through rpd, for holdtime seconds. */
	void (*join)(void *arg, const struct in6_addr *source,
		     const struct in6_addr *group, unsigned holdtime);
	/* pim6d pruned (S,G) from rpd. */
	void (*prune)(void *arg, const struct in6_addr *source,
		      const struct in6_addr *group);
	/* pim6d appeared or restarted: it needs all of rpd's Joins again. */
	void (*neighbor_up)(void *arg);
};

struct pimlink {
	struct loop *loop;
	struct overlay *overlay;
	struct in6_addr self; /* rpd's address on the link */
	unsigned hello_interval;
	uint32_t genid;

	bool has_neighbor;
	struct in6_addr neighbor; /* pim6d's address on the link */
	bool neighbor_has_genid;
	uint32_t neighbor_genid;

	struct timer hello_timer;
	struct timer neighbor_timer;
	const struct pimlink_ops *ops;
	void *arg;
};

int pimlink_start(struct pimlink *pl, struct loop *loop, struct overlay *o,
		  const struct in6_addr *self, unsigned hello_interval,
		  const struct pimlink_ops *ops, void *arg);

/*
 * Stop; with goodbye, first a Hello with holdtime 0, so that pim6d drops
 * rpd as neighbor at once.  Without, a successor on the same link takes
 * over before the neighbor expires.
 */
void pimlink_stop(struct pimlink *pl, bool goodbye);

/* Send Join/Prune(S,G) entries to pim6d, in as many messages as needed;
 * entries of one group must be adjacent. */
int pimlink_send(struct pimlink *pl, const struct pim_jp_entry *e, unsigned n,
		 unsigned holdtime);

#endif
