/* A pool of small integer identifiers: map slots and counter slots. */
#ifndef RPD_IDPOOL_H
#define RPD_IDPOOL_H

#include <stdbool.h>
#include <stdint.h>

struct idpool {
	uint64_t *used; /* one bit per identifier */
	uint32_t size;
	uint32_t next; /* where the search for a free one starts */
};

int idpool_init(struct idpool *p, uint32_t size);
void idpool_fini(struct idpool *p);

/* Take a free identifier; false if none is left. */
bool idpool_get(struct idpool *p, uint32_t *id);

/* Mark id as taken (e.g. found in state taken over); false if it was. */
bool idpool_take(struct idpool *p, uint32_t id);

void idpool_put(struct idpool *p, uint32_t id);

#endif
