/* Per-CPU BPF map values, summed over the CPUs. */
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "percpu.h"

int percpu_sum(int fd, uint32_t key, uint64_t *sum, unsigned n)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *v;
	int rc;

	memset(sum, 0, n * sizeof(*sum));
	/* calloc: valgrind cannot tell that bpf(2) fills a per-CPU value */
	if (ncpu <= 0 || !(v = calloc((size_t)ncpu * n, sizeof(*v))))
		return -1;
	rc = bpf_map_lookup_elem(fd, &key, v) ? -1 : 0;
	for (int cpu = 0; rc == 0 && cpu < ncpu; cpu++)
		for (unsigned i = 0; i < n; i++)
			sum[i] += v[cpu * n + i];
	free(v);
	return rc;
}
