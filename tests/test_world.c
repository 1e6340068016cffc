/*
 * The simulator (sim/world.c) running the peer sampling code: a small mesh
 * warms up, half of it fails at once, and the survivors must stay one
 * component and purge the dead from their views, where plain Cyclon (no
 * descriptor lifetime) keeps many.  The same with real Ed25519 signatures
 * on a smaller mesh.  Behind NATs, partners carry the exchanges, and the
 * quota spreads them.
 */
#include <check.h>
#include <stdlib.h>

#include "metrics.h"
#include "rng.h"
#include "runner.h"
#include "world.h"

#define T_MS 10000

static const struct pss_params mdcs = {
	.view_size = 20,
	.shuffle_length = 8,
	.swap = 8,
	.tail = true,
	.period_ms = T_MS,
	.lifetime = 16,
	.attempts = 3,
	.fallback_size = 10,
	.timeout_ms = 2000,
	.max_skew_us = 1000000,
};

struct outcome {
	struct graph_metrics before, at_failure;
	double dead;
};

static void simulate(uint32_t n, const struct pss_params *p, bool ed25519,
		     struct outcome *o)
{
	struct world_params wp = {
		.n = n, .pss = *p, .seed = 7, .ed25519 = ed25519
	};
	struct world *w = world_new(&wp);
	struct graph *g;
	uint64_t dead, all;

	ck_assert_ptr_nonnull(w);
	world_run_until(w, 30 * T_MS);
	g = world_graph(w);
	ck_assert_int_eq(graph_measure(g, world_alive(w), &o->before), 0);
	graph_free(g);
	world_fail(w, 0.5);
	g = world_graph(w);
	ck_assert_int_eq(graph_measure(g, world_alive(w), &o->at_failure), 0);
	graph_free(g);
	world_run_until(w, 50 * T_MS);
	world_dead_links(w, &dead, &all);
	ck_assert_uint_gt(all, 0);
	o->dead = (double)dead / (double)all;
	world_free(w);
}

START_TEST(survives_failure)
{
	struct outcome o;
	struct rng r;
	struct graph *g;
	struct graph_metrics rnd;

	simulate(400, &mdcs, false, &o);
	ck_assert_uint_eq(o.before.nodes, 400);
	ck_assert_uint_eq(o.at_failure.nodes, 200);
	ck_assert_uint_eq(o.at_failure.components, 1);
	ck_assert_double_lt(o.dead, 0.01);
	/* swaps keep in-degrees more even than a random graph's */
	rng_seed(&r, 7);
	g = graph_random_out(400, mdcs.view_size, &r);
	ck_assert_int_eq(graph_measure(g, NULL, &rnd), 0);
	graph_free(g);
	ck_assert_double_lt(o.before.indeg_sd, rnd.indeg_sd);
}
END_TEST

START_TEST(cyclon_keeps_dead_links)
{
	struct pss_params cyclon = mdcs;
	struct outcome o;

	cyclon.lifetime = 0;
	cyclon.attempts = 1;
	cyclon.fallback_size = 0;
	simulate(400, &cyclon, false, &o);
	ck_assert_double_gt(o.dead, 0.05);
}
END_TEST

START_TEST(ed25519_mesh)
{
	struct outcome o;

	simulate(60, &mdcs, true, &o);
	ck_assert_uint_eq(o.at_failure.components, 1);
	ck_assert_double_lt(o.dead, 0.01);
	/* views stay (nearly) full */
	ck_assert_uint_ge(o.before.edges, 60 * mdcs.view_size * 9 / 10);
}
END_TEST

/* The share of exchanges answered in 30 rounds, 80 % of 400 RPs behind
 * NATs and firewalls, and the overlay's components. */
static double answered_behind_nats(const struct pss_params *p,
				   unsigned *components,
				   uint32_t *misclassified)
{
	uint32_t right, all;
	struct world_params wp = {
		.n = 400, .pss = *p, .seed = 7, .nat_share = 0.8
	};
	struct world *w = world_new(&wp);
	struct graph_metrics m;
	struct pss_stats st;
	struct graph *g;

	ck_assert_ptr_nonnull(w);
	world_run_until(w, 30 * T_MS);
	world_stats(w, &st);
	world_classified(w, &right, &all);
	ck_assert_uint_eq(all, p->classify ? wp.n : 0);
	*misclassified = all - right;
	g = world_graph(w);
	ck_assert_int_eq(graph_measure(g, world_alive(w), &m), 0);
	graph_free(g);
	world_free(w);
	*components = m.components;
	ck_assert_uint_gt(st.started, 0);
	return (double)st.completed / (double)st.started;
}

/* mdcs's parameters with partners, relaying and classification. */
static struct pss_params across_nats(void)
{
	struct pss_params p = mdcs;

	p.partners = 2;
	p.relay = true;
	p.max_clients = 64;
	p.keepalive_ms = 20000;
	p.classify = true;
	return p;
}

/*
 * Every RP finds the class of the box in front of it with two others, and
 * through partners nearly every exchange is answered; without, those with
 * RPs whose filters keep strangers out are lost.
 */
START_TEST(partners_reach_rps_behind_nats)
{
	struct pss_params traverse = across_nats(), plain = mdcs;
	uint32_t misclassified;
	unsigned components;

	ck_assert_double_gt(
		answered_behind_nats(&traverse, &components, &misclassified),
		0.95);
	ck_assert_uint_eq(components, 1);
	ck_assert_uint_eq(misclassified, 0);
	ck_assert_double_lt(
		answered_behind_nats(&plain, &components, &misclassified), 0.6);
}
END_TEST

/* How much more RPs anyone reaches serve than RPs behind filters, over
 * 30 periods with 80 % behind NATs; *busy: answers over quota. */
static double load_ratio(const struct pss_params *p, uint64_t *busy)
{
	struct world_params wp = {
		.n = 400, .pss = *p, .seed = 7, .nat_share = 0.8
	};
	struct world *w = world_new(&wp);
	struct world_load load;
	struct pss_stats st;

	ck_assert_ptr_nonnull(w);
	world_run_until(w, 30 * T_MS);
	world_load(w, &load);
	world_stats(w, &st);
	world_free(w);
	*busy = st.busy;
	ck_assert_double_gt(load.filtered, 0);
	return load.reachable / load.filtered;
}

/* Leitao's quota moves exchanges from the RPs anyone reaches to those
 * behind filters. */
START_TEST(quota_spreads_exchanges)
{
	struct pss_params traverse = across_nats();
	uint64_t busy;
	double without;

	without = load_ratio(&traverse, &busy);
	ck_assert_uint_eq(busy, 0);
	traverse.quota = 4;
	ck_assert_double_lt(load_ratio(&traverse, &busy), without);
	ck_assert_uint_gt(busy, 0);
}
END_TEST

static Suite *world_suite(void)
{
	Suite *s = suite_create("world");
	TCase *t = tcase_create("mesh");

	tcase_set_timeout(t, 120);
	tcase_add_test(t, survives_failure);
	tcase_add_test(t, cyclon_keeps_dead_links);
	tcase_add_test(t, ed25519_mesh);
	tcase_add_test(t, partners_reach_rps_behind_nats);
	tcase_add_test(t, quota_spreads_exchanges);
	suite_add_tcase(s, t);
	return s;
}

CHECK_MAIN(world_suite)
