/* A pool of small integer identifiers: map slots and counter slots. */
#include <stdlib.h>

#include "idpool.h"

int idpool_init(struct idpool *p, uint32_t size)
{
	p->size = size;
	p->next = 0;
	p->used = calloc((size + 63) / 64, sizeof(*p->used));
	return p->used ? 0 : -1;
}

void idpool_fini(struct idpool *p)
{
	free(p->used);
	p->used = NULL;
}

static bool is_used(const struct idpool *p, uint32_t id)
{
	return p->used[id / 64] >> (id % 64) & 1;
}

bool idpool_take(struct idpool *p, uint32_t id)
{
	if (id >= p->size || is_used(p, id))
		return false;
	p->used[id / 64] |= 1ULL << (id % 64);
	return true;
}

/* The first free identifier at or after from, word by word; size if none. */
static uint32_t first_free(const struct idpool *p, uint32_t from)
{
	for (uint32_t w = from / 64; w < (p->size + 63) / 64; w++) {
		uint64_t free_bits = ~p->used[w];

		if (w == from / 64)
			free_bits &= ~0ULL << (from % 64);
		if (free_bits) {
			uint32_t id = w * 64 + __builtin_ctzll(free_bits);

			return id < p->size ? id : p->size;
		}
	}
	return p->size;
}

bool idpool_get(struct idpool *p, uint32_t *id)
{
	/* Round-robin, so that a freed identifier is not reused at once. */
	uint32_t c = first_free(p, p->next);

	if (c == p->size)
		c = first_free(p, 0);
	if (c == p->size)
		return false;
	idpool_take(p, c);
	p->next = (c + 1) % p->size;
	*id = c;
	return true;
}

void idpool_put(struct idpool *p, uint32_t id)
{
	if (id < p->size)
		p->used[id / 64] &= ~(1ULL << (id % 64));
}
