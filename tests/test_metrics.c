/*
 * Overlay graph metrics (sim/metrics.c): exact values on graphs whose
 * answers are known in closed form, the bit-parallel BFS against a plain
 * one source at a time, the random c-out baseline, and edge list files.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "rng.h"
#include "runner.h"

static void measure(const struct graph *g, const bool *alive,
		    struct graph_metrics *m)
{
	ck_assert_int_eq(graph_measure(g, alive, m), 0);
}

/* i -> i + 1: an undirected cycle once the direction is dropped. */
static struct graph *ring(uint32_t n)
{
	struct graph *g = graph_new(n);

	ck_assert_ptr_nonnull(g);
	for (uint32_t i = 0; i < n; i++)
		ck_assert_int_eq(graph_add_edge(g, i, (i + 1) % n), 0);
	return g;
}

static const uint32_t ring_sizes[] = { 3, 4, 5, 63, 64, 65, 100, 1001 };

/*
 * From any node of a cycle of n, the distances sum to floor(n^2 / 4):
 * 1..m twice if n = 2m + 1; 1..m-1 twice and m once if n = 2m.
 */
START_TEST(ring_closed_form)
{
	uint32_t n = ring_sizes[_i];
	uint64_t per_source = (uint64_t)n * n / 4;
	struct graph *g = ring(n);
	struct graph_metrics m;

	measure(g, NULL, &m);
	ck_assert_uint_eq(m.nodes, n);
	ck_assert_uint_eq(m.edges, n);
	ck_assert_double_eq(m.indeg_mean, 1.0);
	ck_assert_double_eq(m.indeg_sd, 0.0);
	ck_assert_uint_eq(m.indeg_max, 1);
	/* a triangle's two neighbours are adjacent; a longer cycle's not */
	ck_assert_double_eq(m.clustering, n == 3 ? 1.0 : 0.0);
	ck_assert_double_eq(m.path_length,
			    (double)(per_source * n) / ((double)n * (n - 1)));
	ck_assert_double_eq(m.path_length, (double)per_source / (n - 1));
	ck_assert_uint_eq(m.unreachable_pairs, 0);
	ck_assert_uint_eq(m.components, 1);
	ck_assert_uint_eq(m.largest_component, n);
	graph_free(g);
}
END_TEST

/*
 * k leaves pointing at a hub: in-degrees k once and 0 k times, so the sd
 * is k^1.5 / (k + 1); hub-leaf pairs are 1 apart, leaf-leaf pairs 2.
 */
START_TEST(star)
{
	const uint32_t k = 10;
	struct graph *g = graph_new(k + 1);
	struct graph_metrics m;

	for (uint32_t i = 1; i <= k; i++)
		ck_assert_int_eq(graph_add_edge(g, i, 0), 0);
	measure(g, NULL, &m);
	ck_assert_uint_eq(m.nodes, k + 1);
	ck_assert_uint_eq(m.edges, k);
	ck_assert_double_eq(m.indeg_mean, (double)k / (k + 1));
	ck_assert_double_eq_tol(m.indeg_sd, pow(k, 1.5) / (k + 1), 1e-12);
	ck_assert_uint_eq(m.indeg_max, k);
	/* the hub's leaves are not adjacent: 0; a leaf has one neighbour: 1 */
	ck_assert_double_eq(m.clustering, (double)k / (k + 1));
	ck_assert_double_eq(m.path_length, 2.0 * k / (k + 1));
	ck_assert_uint_eq(m.unreachable_pairs, 0);
	ck_assert_uint_eq(m.components, 1);
	ck_assert_uint_eq(m.largest_component, k + 1);
	graph_free(g);
}
END_TEST

START_TEST(complete)
{
	const uint32_t n = 30;
	struct graph *g = graph_new(n);
	struct graph_metrics m;

	for (uint32_t u = 0; u < n; u++)
		for (uint32_t v = 0; v < n; v++)
			if (u != v)
				ck_assert_int_eq(graph_add_edge(g, u, v), 0);
	measure(g, NULL, &m);
	ck_assert_uint_eq(m.nodes, n);
	ck_assert_uint_eq(m.edges, n * (n - 1));
	ck_assert_double_eq(m.indeg_mean, n - 1);
	ck_assert_double_eq(m.indeg_sd, 0.0);
	ck_assert_uint_eq(m.indeg_max, n - 1);
	ck_assert_double_eq(m.clustering, 1.0);
	ck_assert_double_eq(m.path_length, 1.0);
	ck_assert_uint_eq(m.unreachable_pairs, 0);
	ck_assert_uint_eq(m.components, 1);
	ck_assert_uint_eq(m.largest_component, n);
	graph_free(g);
}
END_TEST

/* 6 nodes: 30 ordered pairs, of which 2 x 3 x 2 lie within a triangle. */
START_TEST(two_triangles)
{
	struct graph *g = graph_new(6);
	struct graph_metrics m;

	for (uint32_t t = 0; t < 6; t += 3)
		for (uint32_t i = 0; i < 3; i++)
			graph_add_edge(g, t + i, t + (i + 1) % 3);
	measure(g, NULL, &m);
	ck_assert_uint_eq(m.nodes, 6);
	ck_assert_uint_eq(m.edges, 6);
	ck_assert_double_eq(m.indeg_sd, 0.0);
	ck_assert_double_eq(m.clustering, 1.0);
	ck_assert_double_eq(m.path_length, 1.0);
	ck_assert_uint_eq(m.unreachable_pairs, 30 - 12);
	ck_assert_uint_eq(m.components, 2);
	ck_assert_uint_eq(m.largest_component, 3);
	graph_free(g);
}
END_TEST

/*
 * A ring of 6 without node 0 is the path 1-2-3-4-5: the edges 5->0 and
 * 0->1 go, leaving node 1 no in-edge; the path's distances sum to
 * 2 (4 + 2 x 3 + 3 x 2 + 4 x 1) = 40 over 20 pairs.
 */
START_TEST(alive_mask)
{
	bool alive[6] = { false, true, true, true, true, true };
	struct graph *g = ring(6);
	struct graph_metrics m;

	measure(g, alive, &m);
	ck_assert_uint_eq(m.nodes, 5);
	ck_assert_uint_eq(m.edges, 4);
	ck_assert_double_eq(m.indeg_mean, 4.0 / 5);
	ck_assert_double_eq_tol(m.indeg_sd, 0.4, 1e-15);
	ck_assert_uint_eq(m.indeg_max, 1);
	/* both ends have one neighbour each: 1, the middle three 0 */
	ck_assert_double_eq(m.clustering, 2.0 / 5);
	ck_assert_double_eq(m.path_length, 2.0);
	ck_assert_uint_eq(m.unreachable_pairs, 0);
	ck_assert_uint_eq(m.components, 1);
	ck_assert_uint_eq(m.largest_component, 5);

	/* without 3 too: 1-2 and 4-5, 12 pairs of which 4 connected */
	alive[3] = false;
	measure(g, alive, &m);
	ck_assert_uint_eq(m.nodes, 4);
	ck_assert_uint_eq(m.edges, 2);
	ck_assert_double_eq(m.clustering, 1.0);
	ck_assert_double_eq(m.path_length, 1.0);
	ck_assert_uint_eq(m.unreachable_pairs, 8);
	ck_assert_uint_eq(m.components, 2);
	ck_assert_uint_eq(m.largest_component, 2);

	memset(alive, 0, sizeof(alive));
	measure(g, alive, &m);
	ck_assert_uint_eq(m.nodes, 0);
	ck_assert_uint_eq(m.edges, 0);
	ck_assert_uint_eq(m.components, 0);
	graph_free(g);
}
END_TEST

START_TEST(duplicates_and_self_loops)
{
	struct graph *plain = ring(8), *g = ring(8);
	struct graph_metrics a, b;

	for (uint32_t i = 0; i < 8; i++) {
		ck_assert_int_eq(graph_add_edge(g, i, i), 0);
		ck_assert_int_eq(graph_add_edge(g, i, (i + 1) % 8), 0);
	}
	ck_assert_int_eq(graph_add_edge(g, 3, 4), 0);
	/* a reverse edge is a new directed edge, not a new undirected one */
	ck_assert_int_eq(graph_add_edge(g, 4, 3), 0);
	ck_assert_int_eq(graph_add_edge(g, 8, 0), -1);
	ck_assert_int_eq(graph_add_edge(g, 0, 8), -1);
	ck_assert_int_eq(graph_add_edge(g, UINT32_MAX, 0), -1);
	measure(plain, NULL, &a);
	measure(g, NULL, &b);
	ck_assert_uint_eq(b.edges, a.edges + 1);
	ck_assert_uint_eq(b.indeg_max, 2);
	ck_assert_double_eq(b.clustering, a.clustering);
	ck_assert_double_eq(b.path_length, a.path_length);
	ck_assert_uint_eq(b.components, 1);
	graph_free(plain);
	graph_free(g);
}
END_TEST

START_TEST(empty_and_isolated)
{
	struct graph *g = graph_new(0);
	struct graph_metrics m;

	measure(g, NULL, &m);
	ck_assert_uint_eq(m.nodes, 0);
	ck_assert_uint_eq(m.components, 0);
	graph_free(g);

	/* isolated nodes: own components, no clustering, no path */
	g = graph_new(5);
	graph_add_edge(g, 0, 1);
	measure(g, NULL, &m);
	ck_assert_uint_eq(m.nodes, 5);
	ck_assert_uint_eq(m.edges, 1);
	ck_assert_double_eq(m.clustering, 1.0);
	ck_assert_double_eq(m.path_length, 1.0);
	ck_assert_uint_eq(m.unreachable_pairs, 20 - 2);
	ck_assert_uint_eq(m.components, 4);
	ck_assert_uint_eq(m.largest_component, 2);
	graph_free(g);
}
END_TEST

/* out[u * n + v]: how often u -> v is in g, read back from its edge list. */
static uint32_t *edge_counts(const struct graph *g, uint32_t n)
{
	uint32_t *out = calloc((size_t)n * n + 1, sizeof(*out));
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	unsigned u, v;
	int used;

	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(graph_write_edges(g, f), 0);
	ck_assert_int_eq(fclose(f), 0);
	for (char *p = text; *p; p += used) {
		ck_assert_int_eq(sscanf(p, "%u %u\n%n", &u, &v, &used), 2);
		ck_assert_uint_lt(u, n);
		ck_assert_uint_lt(v, n);
		out[(size_t)u * n + v]++;
	}
	free(text);
	return out;
}

static const struct {
	uint32_t n, c;
} outs[] = {
	{ 1, 0 },  { 2, 1 },	{ 5, 4 },     { 10, 3 },
	{ 64, 0 }, { 100, 20 }, { 300, 299 }, { 257, 128 },
};

START_TEST(random_out_distinct)
{
	uint32_t n = outs[_i].n, c = outs[_i].c;
	struct rng r;
	struct graph *g;
	struct graph_metrics m;
	uint32_t *cnt;

	rng_seed(&r, 1000 + _i);
	g = graph_random_out(n, c, &r);
	ck_assert_ptr_nonnull(g);
	ck_assert_uint_eq(graph_nodes(g), n);
	cnt = edge_counts(g, n);
	for (uint32_t u = 0; u < n; u++) {
		uint32_t deg = 0;

		ck_assert_uint_eq(cnt[(size_t)u * n + u], 0);
		for (uint32_t v = 0; v < n; v++) {
			ck_assert_uint_le(cnt[(size_t)u * n + v], 1);
			deg += cnt[(size_t)u * n + v];
		}
		ck_assert_uint_eq(deg, c);
	}
	measure(g, NULL, &m);
	ck_assert_uint_eq(m.edges, (uint64_t)n * c);
	free(cnt);
	graph_free(g);
}
END_TEST

START_TEST(random_out_refuses_too_many)
{
	struct rng r;
	struct graph *g;

	rng_seed(&r, 1);
	ck_assert_ptr_null(graph_random_out(5, 5, &r));
	ck_assert_ptr_null(graph_random_out(1, 1, &r));
	g = graph_random_out(0, 0, &r);
	ck_assert_ptr_nonnull(g);
	ck_assert_uint_eq(graph_nodes(g), 0);
	graph_free(g);
}
END_TEST

/*
 * Each of the 10 other nodes is one of a node's 3 picks with probability
 * 3/10: over 2000 graphs, 600 times, sd sqrt(2000 x 0.3 x 0.7) = 20.5;
 * 5 sd either side leaves a wrong sampler no room and a right one no
 * false alarm.
 */
START_TEST(random_out_uniform)
{
	const uint32_t n = 11, c = 3, runs = 2000;
	uint32_t total[11 * 11] = { 0 };
	struct rng r;

	rng_seed(&r, 42);
	for (uint32_t k = 0; k < runs; k++) {
		struct graph *g = graph_random_out(n, c, &r);
		uint32_t *cnt = edge_counts(g, n);

		for (uint32_t i = 0; i < n * n; i++)
			total[i] += cnt[i];
		free(cnt);
		graph_free(g);
	}
	for (uint32_t u = 0; u < n; u++) {
		for (uint32_t v = 0; v < n; v++) {
			uint32_t t = total[u * n + v];

			if (u == v) {
				ck_assert_uint_eq(t, 0);
				continue;
			}
			ck_assert_msg(t > 497 && t < 703, "%u -> %u: %u", u, v,
				      t);
		}
	}
}
END_TEST

/* The metrics done the slow, obvious way on an adjacency matrix. */
struct naive {
	uint32_t nodes, indeg_max, components, largest;
	uint64_t edges, sum, pairs, unreachable;
	double indeg_mean, indeg_sd, clustering;
};

static void naive_measure(uint32_t n, const bool *dir, const bool *alive,
			  struct naive *nv)
{
	bool *adj = calloc((size_t)n * n, sizeof(*adj));
	uint32_t *dist = malloc(n * sizeof(*dist)),
		 *queue = malloc(n * sizeof(*queue));
	uint32_t *in = calloc(n, sizeof(*in)), counted = 0;
	bool *done = calloc(n, sizeof(*done));
	double ss = 0;

	ck_assert(adj && dist && queue && in && done);
	memset(nv, 0, sizeof(*nv));
	for (uint32_t u = 0; u < n; u++) {
		if (!alive[u])
			continue;
		nv->nodes++;
		for (uint32_t v = 0; v < n; v++) {
			if (u == v || !alive[v] || !dir[(size_t)u * n + v])
				continue;
			nv->edges++;
			in[v]++;
			adj[(size_t)u * n + v] = adj[(size_t)v * n + u] = true;
		}
	}
	if (nv->nodes)
		nv->indeg_mean = (double)nv->edges / nv->nodes;
	for (uint32_t u = 0; u < n; u++) {
		uint32_t k = 0, t = 0;

		if (!alive[u])
			continue;
		ss += (in[u] - nv->indeg_mean) * (in[u] - nv->indeg_mean);
		if (in[u] > nv->indeg_max)
			nv->indeg_max = in[u];
		for (uint32_t v = 0; v < n; v++) {
			if (!adj[(size_t)u * n + v])
				continue;
			k++;
			for (uint32_t w = v + 1; w < n; w++)
				t += adj[(size_t)u * n + w] &&
				     adj[(size_t)v * n + w];
		}
		if (k) {
			counted++;
			nv->clustering +=
				k == 1 ? 1.0 : 2.0 * t / (k * (k - 1.0));
		}
	}
	if (nv->nodes)
		nv->indeg_sd = sqrt(ss / nv->nodes);
	if (counted)
		nv->clustering /= counted;

	for (uint32_t s = 0; s < n; s++) {
		uint32_t head = 0, tail = 0;

		if (!alive[s])
			continue;
		for (uint32_t v = 0; v < n; v++)
			dist[v] = UINT32_MAX;
		dist[s] = 0;
		queue[tail++] = s;
		while (head < tail) {
			uint32_t u = queue[head++];

			for (uint32_t v = 0; v < n; v++) {
				if (!adj[(size_t)u * n + v] ||
				    dist[v] != UINT32_MAX)
					continue;
				dist[v] = dist[u] + 1;
				nv->sum += dist[v];
				nv->pairs++;
				queue[tail++] = v;
			}
		}
		if (done[s])
			continue;
		/* s is the first of a component not seen yet */
		nv->components++;
		if (tail > nv->largest)
			nv->largest = tail;
		for (uint32_t i = 0; i < tail; i++)
			done[queue[i]] = true;
	}
	nv->unreachable =
		(uint64_t)nv->nodes * (nv->nodes ? nv->nodes - 1 : 0) -
		nv->pairs;
	free(adj);
	free(dist);
	free(queue);
	free(in);
	free(done);
}

/*
 * Sizes either side of the 64 sources a pass takes, sparse enough to
 * split into components or dense; some with dead nodes.
 */
static const struct {
	uint32_t n, maxdeg;
	double dead;
} cases[] = {
	{ 1, 0, 0 },	 { 2, 1, 0 },	   { 10, 3, 0 },     { 63, 2, 0 },
	{ 64, 4, 0 },	 { 65, 3, 0.1 },   { 127, 1, 0 },    { 128, 8, 0 },
	{ 129, 2, 0.3 }, { 200, 1, 0.05 }, { 300, 20, 0.2 }, { 257, 6, 0 },
};

START_TEST(bfs_matches_naive)
{
	uint32_t n = cases[_i].n;
	bool *dir = calloc((size_t)n * n, sizeof(*dir));
	bool *alive = malloc(n * sizeof(*alive));
	struct graph *g = graph_new(n);
	struct graph_metrics m;
	struct naive nv;
	struct rng r;

	ck_assert(dir && alive && g);
	rng_seed(&r, 7 * _i + 3);
	/* self loops and repeats included on purpose */
	for (uint32_t u = 0; u < n; u++) {
		uint64_t d = rng_below(&r, cases[_i].maxdeg + 1);

		alive[u] = rng_unit(&r) >= cases[_i].dead;
		for (uint64_t k = 0; k < d; k++) {
			uint32_t v = (uint32_t)rng_below(&r, n);

			ck_assert_int_eq(graph_add_edge(g, u, v), 0);
			dir[(size_t)u * n + v] = true;
		}
	}
	naive_measure(n, dir, alive, &nv);
	measure(g, alive, &m);
	ck_assert_uint_eq(m.nodes, nv.nodes);
	ck_assert_uint_eq(m.edges, nv.edges);
	ck_assert_double_eq_tol(m.indeg_mean, nv.indeg_mean, 1e-12);
	ck_assert_double_eq_tol(m.indeg_sd, nv.indeg_sd, 1e-12);
	ck_assert_uint_eq(m.indeg_max, nv.indeg_max);
	ck_assert_double_eq_tol(m.clustering, nv.clustering, 1e-12);
	ck_assert_uint_eq(m.unreachable_pairs, nv.unreachable);
	ck_assert_double_eq(m.path_length,
			    nv.pairs ? (double)nv.sum / nv.pairs : 0.0);
	ck_assert_uint_eq(m.components, nv.components);
	ck_assert_uint_eq(m.largest_component, nv.largest);
	free(dir);
	free(alive);
	graph_free(g);
}
END_TEST

/* A sparse random graph that is disconnected for sure: two halves. */
START_TEST(bfs_matches_naive_split)
{
	const uint32_t n = 150;
	bool *dir = calloc((size_t)n * n, sizeof(*dir));
	bool *alive = malloc(n * sizeof(*alive));
	struct graph *g = graph_new(n);
	struct graph_metrics m;
	struct naive nv;
	struct rng r;

	ck_assert(dir && alive && g);
	rng_seed(&r, 99);
	for (uint32_t u = 0; u < n; u++) {
		uint32_t half = u < 70 ? 0 : 70, size = u < 70 ? 70 : n - 70;

		alive[u] = true;
		for (int k = 0; k < 3; k++) {
			uint32_t v = half + (uint32_t)rng_below(&r, size);

			graph_add_edge(g, u, v);
			dir[(size_t)u * n + v] = true;
		}
	}
	naive_measure(n, dir, alive, &nv);
	measure(g, NULL, &m);
	ck_assert_uint_ge(m.components, 2);
	ck_assert_uint_ge(m.unreachable_pairs, 2 * 70 * 80);
	ck_assert_uint_eq(m.unreachable_pairs, nv.unreachable);
	ck_assert_double_eq(m.path_length, (double)nv.sum / nv.pairs);
	ck_assert_uint_eq(m.components, nv.components);
	ck_assert_uint_eq(m.largest_component, nv.largest);
	ck_assert_double_eq_tol(m.clustering, nv.clustering, 1e-12);
	free(dir);
	free(alive);
	graph_free(g);
}
END_TEST

static char *write_text(const struct graph *g)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(graph_write_edges(g, f), 0);
	ck_assert_int_eq(fclose(f), 0);
	return text;
}

static struct graph *read_text(const char *text, char *err, size_t errlen)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	struct graph *g;

	ck_assert_ptr_nonnull(f);
	g = graph_read_edges(f, err, errlen);
	fclose(f);
	return g;
}

START_TEST(edges_round_trip)
{
	struct rng r;
	struct graph *g, *back;
	struct graph_metrics a, b;
	char err[128], *text, *again;

	rng_seed(&r, 5);
	g = graph_random_out(500, 7, &r);
	/* the repeats and self loops come back too, in their places */
	graph_add_edge(g, 3, 3);
	graph_add_edge(g, 0, 499);
	graph_add_edge(g, 0, 499);
	text = write_text(g);
	back = read_text(text, err, sizeof(err));
	ck_assert_msg(back != NULL, "%s", err);
	ck_assert_uint_eq(graph_nodes(back), 500);
	again = write_text(back);
	ck_assert_str_eq(again, text);
	measure(g, NULL, &a);
	measure(back, NULL, &b);
	ck_assert_mem_eq(&a, &b, sizeof(a));
	free(text);
	free(again);
	graph_free(g);
	graph_free(back);
}
END_TEST

START_TEST(read_edges_accepts)
{
	const char *text = "# a comment\n"
			   "\n"
			   "0 1\n"
			   "  1\t2   # trailing comment\r\n"
			   "\t \n"
			   "2 0\r\n"
			   "7 7";
	char err[128];
	struct graph *g = read_text(text, err, sizeof(err));
	struct graph_metrics m;

	ck_assert_msg(g != NULL, "%s", err);
	ck_assert_uint_eq(graph_nodes(g), 8);
	measure(g, NULL, &m);
	ck_assert_uint_eq(m.nodes, 8);
	ck_assert_uint_eq(m.edges, 3);
	ck_assert_uint_eq(m.components, 6);
	graph_free(g);

	g = read_text("# nothing\n\n", err, sizeof(err));
	ck_assert_ptr_nonnull(g);
	ck_assert_uint_eq(graph_nodes(g), 0);
	graph_free(g);

	g = read_text("4294967294 0\n", err, sizeof(err));
	ck_assert_ptr_nonnull(g);
	ck_assert_uint_eq(graph_nodes(g), UINT32_MAX);
	graph_free(g);
}
END_TEST

static const struct {
	const char *text, *line;
} malformed[] = {
	{ "0 1\nx y\n", "line 2:" },
	{ "0 1\n\n# c\n3\n", "line 4:" },
	{ "0 1 2\n", "line 1:" },
	{ "0 1\n-1 2\n", "line 2:" },
	{ "+1 2\n", "line 1:" },
	{ "1 -2\n", "line 1:" },
	{ "1 2x\n", "line 1:" },
	{ "1x 2\n", "line 1:" },
	{ "1,2\n", "line 1:" },
	{ "1 2.0\n", "line 1:" },
	{ "0 1\n1 2\n2 4294967295\n", "line 3: node id too large" },
	{ "99999999999999999999999 1\n", "line 1: node id too large" },
	{ "0 1\n0x10 1\n", "line 2:" },
};

START_TEST(read_edges_rejects)
{
	char err[128] = "";

	ck_assert_ptr_null(read_text(malformed[_i].text, err, sizeof(err)));
	ck_assert_msg(strncmp(err, malformed[_i].line,
			      strlen(malformed[_i].line)) == 0,
		      "%s: %s", malformed[_i].text, err);
}
END_TEST

START_TEST(read_edges_rejects_nul)
{
	static const char text[] = "0 1\n1 2\0 3\n";
	FILE *f = fmemopen((void *)text, sizeof(text) - 1, "r");
	char err[128];

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_null(graph_read_edges(f, err, sizeof(err)));
	ck_assert_str_eq(err, "line 2: a NUL byte");
	fclose(f);
}
END_TEST

/*
 * The size the simulator measures: a random 20-out graph of 10,000 nodes
 * has in-degree sd about 4.4, mean path about 2.85 and clustering about
 * 0.0039.
 */
START_TEST(random_out_10000)
{
	struct rng r;
	struct graph *g;
	struct graph_metrics m;

	rng_seed(&r, 2024);
	g = graph_random_out(10000, 20, &r);
	ck_assert_ptr_nonnull(g);
	measure(g, NULL, &m);
	ck_assert_uint_eq(m.nodes, 10000);
	ck_assert_uint_eq(m.edges, 200000);
	ck_assert_double_eq(m.indeg_mean, 20.0);
	ck_assert_msg(m.indeg_sd >= 4.2 && m.indeg_sd <= 4.7, "sd %f",
		      m.indeg_sd);
	ck_assert_msg(m.path_length >= 2.75 && m.path_length <= 2.95, "path %f",
		      m.path_length);
	ck_assert_msg(m.clustering < 0.006, "clustering %f", m.clustering);
	ck_assert_uint_eq(m.unreachable_pairs, 0);
	ck_assert_uint_eq(m.components, 1);
	ck_assert_uint_eq(m.largest_component, 10000);
	graph_free(g);
}
END_TEST

static Suite *metrics_suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *k = tcase_create("known"), *o = tcase_create("random_out"),
	      *b = tcase_create("bfs"), *f = tcase_create("files"),
	      *big = tcase_create("big");

	tcase_add_loop_test(k, ring_closed_form, 0,
			    sizeof(ring_sizes) / sizeof(ring_sizes[0]));
	tcase_add_test(k, star);
	tcase_add_test(k, complete);
	tcase_add_test(k, two_triangles);
	tcase_add_test(k, alive_mask);
	tcase_add_test(k, duplicates_and_self_loops);
	tcase_add_test(k, empty_and_isolated);
	suite_add_tcase(s, k);

	tcase_add_loop_test(o, random_out_distinct, 0,
			    sizeof(outs) / sizeof(outs[0]));
	tcase_add_test(o, random_out_refuses_too_many);
	tcase_add_test(o, random_out_uniform);
	/* 2000 graphs: slow under valgrind */
	tcase_set_timeout(o, 300);
	suite_add_tcase(s, o);

	tcase_add_loop_test(b, bfs_matches_naive, 0,
			    sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(b, bfs_matches_naive_split);
	tcase_set_timeout(b, 300);
	suite_add_tcase(s, b);

	tcase_add_test(f, edges_round_trip);
	tcase_add_loop_test(f, read_edges_rejects, 0,
			    sizeof(malformed) / sizeof(malformed[0]));
	tcase_add_test(f, read_edges_accepts);
	tcase_add_test(f, read_edges_rejects_nul);
	suite_add_tcase(s, f);

	/* well under a second optimised; sanitizers take far longer */
	tcase_add_test(big, random_out_10000);
	tcase_set_timeout(big, 600);
	suite_add_tcase(s, big);
	return s;
}

CHECK_MAIN(metrics_suite)
