/* An overlay's graph measured as PeerSim's GraphStats measures it. */
#ifndef MDCS_SIM_METRICS_H
#define MDCS_SIM_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct rng;

/* A directed graph on nodes 0..n-1: one edge per view entry. */
struct graph;

struct graph *graph_new(uint32_t n);
void graph_free(struct graph *g);
uint32_t graph_nodes(const struct graph *g);

/* Give g at least n nodes; the new ones have no edges. */
void graph_grow(struct graph *g, uint32_t n);

/*
 * -1 if from or to is out of range, or out of memory.  Self loops and
 * duplicates are stored, so graph_write_edges gives back what was added,
 * but the metrics ignore them.
 */
int graph_add_edge(struct graph *g, uint32_t from, uint32_t to);

/*
 * The random baseline an overlay is judged against: every node gets c
 * distinct out-neighbours, uniformly, never itself.  NULL if c > n - 1
 * (with n > 0) or out of memory.
 */
struct graph *graph_random_out(uint32_t n, uint32_t c, struct rng *r);

struct graph_metrics {
	uint32_t nodes;		     /* alive nodes measured */
	uint64_t edges;		     /* directed edges among them */
	double indeg_mean, indeg_sd; /* population sd, directed graph */
	uint32_t indeg_max;
	double clustering;  /* mean local coefficient, undirected graph */
	double path_length; /* mean over reachable ordered pairs, undirected */
	uint64_t unreachable_pairs; /* ordered pairs u != v with no path */
	uint32_t components, largest_component; /* undirected */
};

/*
 * The metrics of the subgraph induced by the nodes with alive[i] (alive
 * NULL: all of them); an edge from or to a dead node does not count.
 * A node of degree 1 has clustering 1 (PeerSim's convention), one of
 * degree 0 is left out of the mean.  Unlike PeerSim, unreachable pairs
 * are counted apart instead of weighing on the mean path length.
 * 0, or -1 if out of memory.
 */
int graph_measure(const struct graph *g, const bool *alive,
		  struct graph_metrics *m);

/*
 * Read an edge list: "from to" per line, '#' comments and blank lines
 * allowed; n is the largest node id plus one.  NULL and the reason in err
 * (naming the line) if a line is malformed or reading fails.
 */
struct graph *graph_read_edges(FILE *f, char *err, size_t errlen);

/* One "from to" line per edge, in insertion order; -1 on a write error. */
int graph_write_edges(const struct graph *g, FILE *f);

#endif
