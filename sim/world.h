/* A simulated mesh: N RPs running the peer sampling code over a virtual
 * network. */
#ifndef MDCS_SIM_WORLD_H
#define MDCS_SIM_WORLD_H

#include <stdbool.h>
#include <stdint.h>

#include "metrics.h"
#include "netmodel.h"
#include "pss.h"

struct world_params {
	uint32_t n;
	struct pss_params pss;
	uint64_t seed;
	double loss;	  /* share of messages lost */
	bool ed25519;	  /* real signatures, rather than the fast scheme */
	double nat_share; /* behind a NAT66 or a stateful firewall */
};

struct world;

struct world *world_new(const struct world_params *wp);
void world_free(struct world *w);

/* Run the events up to virtual time t (milliseconds). */
int world_run_until(struct world *w, uint64_t t);
uint64_t world_now(const struct world *w);

/* Remove a share of the living RPs at once, chosen at random. */
void world_fail(struct world *w, double share);

/* The same on any set of nodes: a share of those alive[] marks alive. */
void fail_at_random(bool *alive, uint32_t n, double share, struct rng *r);

/* The views as a directed graph on node indices, and who is alive. */
struct graph *world_graph(const struct world *w);
const bool *world_alive(const struct world *w);

/* View entries of living RPs that point at dead ones, and all of them. */
void world_dead_links(const struct world *w, uint64_t *dead, uint64_t *all);

/* Living RPs that classify themselves, and those that found the class
 * of the box in front of them. */
void world_classified(const struct world *w, uint32_t *right, uint32_t *all);

/* The box in front of RP i. */
enum nm_profile world_profile(const struct world *w, uint32_t i);

/* The sum of every living RP's counters. */
void world_stats(const struct world *w, struct pss_stats *sum);

/* Shuffle messages living RPs served so far: the most by one RP, and the
 * mean of the RPs anyone reaches and of those behind filters. */
struct world_load {
	uint64_t max;
	double reachable, filtered;
};
void world_load(const struct world *w, struct world_load *l);

#endif
