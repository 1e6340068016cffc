/*
 * mesh-sim: the RP mesh's peer sampling at scale, in virtual time.
 *
 * Runs the protocol code rpd links (lib/pss.c, lib/desc.c, lib/control.c)
 * for N RPs over a simulated network: a warm-up, then the failure of a
 * share of the RPs at once, then more rounds.  The overlay is measured
 * beside a random graph of the same size and degree and beside plain
 * Cyclon, judged against the thresholds, and written out as edge lists.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "metrics.h"
#include "rng.h"
#include "world.h"

struct options {
	struct world_params wp;
	unsigned warmup, after;
	double fail;
	const char *out;
};

/* What one protocol run measured. */
struct result {
	const char *name;
	struct graph_metrics before, at_failure, after;
	uint64_t dead_mid, dead_end, links_mid, links_end;
	struct pss_stats stats;	  /* of the survivors, at the end */
	struct pss_stats at_fail; /* of the survivors, up to the failure */
	struct world_load load;	  /* of the survivors, at the end */
	uint32_t classified, classifying; /* right, of all, before it */
	double seconds;
};

static double pct(uint64_t a, uint64_t b)
{
	return b ? 100.0 * (double)a / (double)b : 0.0;
}

static int write_edges(const struct options *o, const char *name,
		       const char *when, const struct graph *g)
{
	char path[4096];
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), "%s/%s-%s.edges", o->out, name, when);
	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "mesh-sim: %s: %s\n", path, strerror(errno));
		return -1;
	}
	rc = graph_write_edges(g, f);
	if (fclose(f) || rc) {
		fprintf(stderr, "mesh-sim: could not write %s\n", path);
		return -1;
	}
	return 0;
}

static int write_nodes(const struct options *o, const char *name,
		       const struct world *w)
{
	const bool *alive = world_alive(w);

	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s-nodes.txt", o->out, name);
	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "mesh-sim: %s: %s\n", path, strerror(errno));
		return -1;
	}
	fprintf(f, "# id alive-after-the-failure box\n");
	for (uint32_t i = 0; i < o->wp.n; i++)
		fprintf(f, "%u %d %s\n", i, alive[i],
			nm_profile_name(world_profile(w, i)));
	return fclose(f) ? -1 : 0;
}

/* Measure the overlay as it is now, and write it out as `when`. */
static int snapshot(const struct options *o, struct world *w, const char *name,
		    const char *when, struct graph_metrics *m)
{
	struct graph *g = world_graph(w);
	int rc;

	if (!g)
		return -1;
	rc = graph_measure(g, world_alive(w), m);
	if (!rc && when)
		rc = write_edges(o, name, when, g);
	graph_free(g);
	return rc;
}

static int run(const struct options *o, const struct pss_params *pp,
	       const char *name, struct result *r)
{
	struct world_params wp = o->wp;
	uint64_t T = pp->period_ms;
	struct timespec t0, t1;
	struct world *w;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	r->name = name;
	wp.pss = *pp;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	w = world_new(&wp);
	if (!w) {
		fprintf(stderr, "mesh-sim: could not build %s's world\n", name);
		return -1;
	}
	world_run_until(w, o->warmup * T);
	if (snapshot(o, w, name, "before", &r->before))
		goto out;
	world_classified(w, &r->classified, &r->classifying);
	world_fail(w, o->fail);
	world_stats(w, &r->at_fail);
	if (snapshot(o, w, name, NULL, &r->at_failure) ||
	    write_nodes(o, name, w))
		goto out;
	world_run_until(w, (o->warmup + o->after / 2) * T);
	world_dead_links(w, &r->dead_mid, &r->links_mid);
	world_run_until(w, (o->warmup + o->after) * T);
	world_dead_links(w, &r->dead_end, &r->links_end);
	world_stats(w, &r->stats);
	world_load(w, &r->load);
	if (snapshot(o, w, name, "after", &r->after))
		goto out;
	rc = 0;
out:
	world_free(w);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	r->seconds = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	return rc;
}

/* One line of the table; columns before `from` did not measure it. */
static void row(const char *label, const char *fmt, const struct result *rs,
		unsigned from, double (*get)(const struct result *r))
{
	printf("%-40s", label);
	for (unsigned i = 0; i < 3; i++) {
		char cell[32] = "-";

		if (i >= from)
			snprintf(cell, sizeof(cell), fmt, get(&rs[i]));
		printf(" %12s", cell);
	}
	printf("\n");
}

#define GETTER(name, expr)                                                     \
	static double name(const struct result *r)                             \
	{                                                                      \
		return (double)(expr);                                         \
	}

GETTER(g_sd, r->before.indeg_sd)
GETTER(g_max, r->before.indeg_max)
GETTER(g_cc, r->before.clustering)
GETTER(g_apl, r->before.path_length)
GETTER(g_comp, r->before.components)
GETTER(g_comp_fail, r->at_failure.components)
GETTER(g_largest_fail, r->at_failure.largest_component)
GETTER(g_comp_end, r->after.components)
GETTER(g_dead_mid, pct(r->dead_mid, r->links_mid))
GETTER(g_dead_end, pct(r->dead_end, r->links_end))
GETTER(g_done_before, pct(r->at_fail.completed, r->at_fail.started))
GETTER(g_done_after, pct(r->stats.completed - r->at_fail.completed,
			 r->stats.started - r->at_fail.started))
GETTER(g_relayed, pct(r->stats.relayed_out, r->stats.sent))
GETTER(g_classified, pct(r->classified, r->classifying))
GETTER(g_secs, r->seconds)

/* Mean of a counter per living RP per round after the failure. */
static unsigned g_n, g_rounds;
GETTER(g_msgs, (double)r->stats.sent / g_n / g_rounds)
GETTER(g_load_max, (double)r->load.max / g_rounds)
GETTER(g_load_open, r->load.reachable / g_rounds)
GETTER(g_load_nat, r->load.filtered / g_rounds)
GETTER(g_busy, pct(r->stats.busy, r->stats.served + r->stats.busy))
GETTER(g_bytes, (double)r->stats.sent_bytes / g_n / g_rounds)

static bool judge(const char *what, bool ok, const char *fmt, double got,
		  double limit)
{
	char line[160];

	snprintf(line, sizeof(line), fmt, got, limit);
	printf("  %-4s %-46s %s\n", ok ? "ok" : "FAIL", what, line);
	return ok;
}

static int random_failure(const struct options *o, const struct graph *g,
			  struct rng *rng, struct graph_metrics *m)
{
	bool *alive = malloc(o->wp.n * sizeof(*alive));
	int rc;

	if (!alive)
		return -1;
	for (uint32_t i = 0; i < o->wp.n; i++)
		alive[i] = true;
	fail_at_random(alive, o->wp.n, o->fail, rng);
	rc = graph_measure(g, alive, m);
	free(alive);
	return rc;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: mesh-sim [-n RPS] [-c VIEW] [-l SHUFFLE] [-L LIFETIME]\n"
		"                [-w WARMUP] [-r ROUNDS] [-f SHARE] [-x LOSS]\n"
		"                [-N SHARE] [-s SEED] [-E] [-o DIR]\n"
		"  -n  RPs (10000)            -c  view size (20)\n"
		"  -l  shuffle length (8)     -L  descriptor lifetime, periods (16)\n"
		"  -w  rounds before the failure (50)\n"
		"  -r  rounds after it (20)   -f  share of RPs failing (0.5)\n"
		"  -x  share of messages lost (0)\n"
		"  -N  share of RPs behind a NAT or firewall (0.8)\n"
		"  -q  exchange quota of reachable RPs, messages (4; 0: none)\n"
		"  -s  seed (1)               -E  real Ed25519 signatures\n"
		"  -o  where edge lists go (mesh-sim)\n");
}

static bool parse_num(const char *s, double lo, double hi, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return !errno && end != s && !*end && *out >= lo && *out <= hi;
}

static int parse(int argc, char **argv, struct options *o, struct pss_params *p)
{
	double v;
	int c;

	while ((c = getopt(argc, argv, "n:c:l:L:w:r:f:x:N:q:s:Eo:h")) != -1) {
		if (c == 'h') {
			usage(stdout);
			exit(0);
		}
		if (c == 'E') {
			o->wp.ed25519 = true;
			continue;
		}
		if (c == 'o') {
			o->out = optarg;
			continue;
		}
		if (c == '?' || !parse_num(optarg, 0, 1e9, &v)) {
			fprintf(stderr, "mesh-sim: bad value for -%c: %s\n",
				c == '?' ? optopt : c, c == '?' ? "" : optarg);
			usage(stderr);
			return -1;
		}
		switch (c) {
		case 'n':
			o->wp.n = (uint32_t)v;
			break;
		case 'c':
			p->view_size = (unsigned)v;
			break;
		case 'l':
			p->shuffle_length = (unsigned)v;
			break;
		case 'L':
			p->lifetime = (unsigned)v;
			break;
		case 'w':
			o->warmup = (unsigned)v;
			break;
		case 'r':
			o->after = (unsigned)v;
			break;
		case 'f':
			o->fail = v;
			break;
		case 'x':
			o->wp.loss = v;
			break;
		case 'N':
			o->wp.nat_share = v;
			break;
		case 'q':
			p->quota = (unsigned)v;
			break;
		case 's':
			o->wp.seed = (uint64_t)v;
			break;
		}
	}
	p->swap = p->shuffle_length;
	if (optind != argc || o->wp.n <= p->view_size || o->fail > 1 ||
	    o->wp.loss >= 1 || o->wp.nat_share > 1 || !o->warmup ||
	    o->after < 2) {
		fprintf(stderr,
			"mesh-sim: need more RPs than the view holds, "
			"shares below 1, a warm-up and 2 rounds after\n");
		usage(stderr);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct options o = {
		.wp = { .n = 10000, .seed = 1, .nat_share = 0.8 },
		.warmup = 50,
		.after = 20,
		.fail = 0.5,
		.out = "mesh-sim",
	};
	struct pss_params mdcs = {
		.view_size = 20,
		.shuffle_length = 8,
		.tail = true,
		.period_ms = 10000,
		.lifetime = 16,
		.attempts = 3,
		.fallback_size = 10,
		.timeout_ms = 2000,
		.max_skew_us = 1000000,
		.partners = 2,
		.relay = true,
		.max_clients = 64,
		.keepalive_ms = 20000,
		.classify = true,
		.quota = 4,
	};
	struct pss_params cyclon;
	struct result rs[3];
	struct graph *rnd;
	struct rng rng;
	bool ok = true;

	if (parse(argc, argv, &o, &mdcs))
		return 2;
	/* plain Cyclon: no expiry, one target a period, no fallback */
	cyclon = mdcs;
	cyclon.lifetime = 0;
	cyclon.attempts = 1;
	cyclon.fallback_size = 0;
	cyclon.partners = 0;
	cyclon.relay = false;
	cyclon.classify = false;
	cyclon.quota = 0;
	if (mkdir(o.out, 0755) && errno != EEXIST) {
		fprintf(stderr, "mesh-sim: %s: %s\n", o.out, strerror(errno));
		return 2;
	}
	printf("mesh-sim: %u RPs, view %u, shuffle %u, lifetime %u periods, "
	       "%u rounds, %.0f%% fail, %u more rounds, loss %.1f%%, %.0f%% "
	       "behind NAT or firewall, quota %u, seed "
	       "%llu, %s signatures\n",
	       o.wp.n, mdcs.view_size, mdcs.shuffle_length, mdcs.lifetime,
	       o.warmup, 100 * o.fail, o.after, 100 * o.wp.loss,
	       100 * o.wp.nat_share, mdcs.quota, (unsigned long long)o.wp.seed,
	       o.wp.ed25519 ? "Ed25519" : "fast (keyed BLAKE2b)");

	memset(&rs[0], 0, sizeof(rs[0]));
	rs[0].name = "random";
	rng_seed(&rng, o.wp.seed);
	rnd = graph_random_out(o.wp.n, mdcs.view_size, &rng);
	if (!rnd || graph_measure(rnd, NULL, &rs[0].before) ||
	    write_edges(&o, "random", "before", rnd)) {
		fprintf(stderr, "mesh-sim: no random baseline\n");
		return 2;
	}
	/* the same share removed from the random graph, for comparison */
	if (random_failure(&o, rnd, &rng, &rs[0].at_failure)) {
		fprintf(stderr, "mesh-sim: out of memory\n");
		return 2;
	}
	graph_free(rnd);
	if (run(&o, &cyclon, "cyclon", &rs[1]) ||
	    run(&o, &mdcs, "mdcs", &rs[2]))
		return 2;

	g_n = (unsigned)(o.wp.n - (unsigned)(o.wp.n * o.fail + 0.5));
	g_rounds = o.warmup + o.after;
	printf("\n%-40s %12s %12s %12s\n", "", "random", "cyclon", "mdcs");
	row("in-degree sd", "%.2f", rs, 0, g_sd);
	row("in-degree max", "%.0f", rs, 0, g_max);
	row("clustering coefficient", "%.4f", rs, 0, g_cc);
	row("average path length", "%.3f", rs, 0, g_apl);
	row("components", "%.0f", rs, 0, g_comp);
	printf("after %.0f%% failed at once:\n", 100 * o.fail);
	row("  components", "%.0f", rs, 0, g_comp_fail);
	row("  largest component", "%.0f", rs, 0, g_largest_fail);
	row("  dead links after half the rounds, %", "%.2f", rs, 1, g_dead_mid);
	row("  dead links at the end, %", "%.2f", rs, 1, g_dead_end);
	row("  components at the end", "%.0f", rs, 1, g_comp_end);
	row("exchanges answered before the failure, %", "%.1f", rs, 1,
	    g_done_before);
	row("exchanges answered after it, %", "%.1f", rs, 1, g_done_after);
	row("messages sent through a partner, %", "%.1f", rs, 1, g_relayed);
	row("own NAT class found, %", "%.1f", rs, 2, g_classified);
	row("shuffles served per round: busiest RP", "%.2f", rs, 1, g_load_max);
	row("  mean of RPs anyone reaches", "%.2f", rs, 1, g_load_open);
	row("  mean of RPs behind filters", "%.2f", rs, 1, g_load_nat);
	row("  answered BUSY over quota, %", "%.1f", rs, 1, g_busy);
	row("messages sent per RP and round", "%.2f", rs, 1, g_msgs);
	row("octets sent per RP and round", "%.0f", rs, 1, g_bytes);
	row("run time, s", "%.1f", rs, 1, g_secs);

	printf("\nthresholds (mdcs against the random graph):\n");
	ok &= judge("in-degree sd <= random's",
		    rs[2].before.indeg_sd <= rs[0].before.indeg_sd,
		    "%.2f <= %.2f", rs[2].before.indeg_sd,
		    rs[0].before.indeg_sd);
	ok &= judge("clustering <= 3 x random's",
		    rs[2].before.clustering <= 3 * rs[0].before.clustering,
		    "%.4f <= %.4f", rs[2].before.clustering,
		    3 * rs[0].before.clustering);
	ok &= judge("path length <= random's + 0.5",
		    rs[2].before.path_length <= rs[0].before.path_length + 0.5,
		    "%.3f <= %.3f", rs[2].before.path_length,
		    rs[0].before.path_length + 0.5);
	ok &= judge("one component after the failure",
		    rs[2].at_failure.components == 1, "%.0f == %.0f",
		    rs[2].at_failure.components, 1);
	ok &= judge("dead links at the end < 1%",
		    pct(rs[2].dead_end, rs[2].links_end) < 1.0,
		    "%.2f%% < %.0f%%", pct(rs[2].dead_end, rs[2].links_end), 1);
	printf("edge lists: %s/{random,cyclon,mdcs}-before.edges, "
	       "{cyclon,mdcs}-after.edges, {cyclon,mdcs}-nodes.txt\n",
	       o.out);
	printf("mesh-sim: %s\n", ok ? "PASS" : "FAIL");
	return ok ? 0 : 1;
}
