/* A small seeded PRNG (xoshiro256**), one state per user, reproducible. */
#ifndef MDCS_RNG_H
#define MDCS_RNG_H

#include <stdint.h>

struct rng {
	uint64_t s[4];
};

/* Seed the state from one 64-bit value (expanded with splitmix64). */
void rng_seed(struct rng *r, uint64_t seed);
uint64_t rng_next(struct rng *r);

/* Uniform in [0, n), without modulo bias; n > 0. */
uint64_t rng_below(struct rng *r, uint64_t n);

/* Uniform in [0, 1). */
double rng_unit(struct rng *r);

#endif
