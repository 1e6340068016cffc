/* Per-CPU BPF map values, summed over the CPUs. */
#ifndef MDCS_PERCPU_H
#define MDCS_PERCPU_H

#include <stdint.h>

/* How many 64-bit counters a per-CPU map value v is made of. */
#define PERCPU_COUNTERS(v) (sizeof(v) / sizeof(uint64_t))

/* The value under key of the per-CPU map fd, as n 64-bit counters each
 * summed over the CPUs; -1 (sum zeroed) if it could not be read. */
int percpu_sum(int fd, uint32_t key, uint64_t *sum, unsigned n);

#endif
