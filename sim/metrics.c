/*
 * An overlay's graph measured as PeerSim's GraphStats measures it, fast
 * enough for 10,000 nodes of 20 view entries every snapshot: the alive
 * nodes are renumbered densely, the edges go into sorted, deduplicated
 * adjacency arrays (CSR), and the all-pairs shortest paths run as
 * bit-parallel BFS, 64 sources at once, which keeps them exact.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "rng.h"

struct edge {
	uint32_t from, to;
};

struct graph {
	uint32_t n;
	size_t m, cap;
	struct edge *e; /* in insertion order, for graph_write_edges */
};

struct graph *graph_new(uint32_t n)
{
	struct graph *g = calloc(1, sizeof(*g));

	if (g)
		g->n = n;
	return g;
}

void graph_free(struct graph *g)
{
	if (!g)
		return;
	free(g->e);
	free(g);
}

uint32_t graph_nodes(const struct graph *g)
{
	return g->n;
}

void graph_grow(struct graph *g, uint32_t n)
{
	if (n > g->n)
		g->n = n;
}

static int reserve(struct graph *g, size_t cap)
{
	struct edge *e;

	if (cap <= g->cap)
		return 0;
	if (cap > SIZE_MAX / sizeof(*e))
		return -1;
	e = realloc(g->e, cap * sizeof(*e));
	if (!e)
		return -1;
	g->e = e;
	g->cap = cap;
	return 0;
}

int graph_add_edge(struct graph *g, uint32_t from, uint32_t to)
{
	if (from >= g->n || to >= g->n)
		return -1;
	if (g->m == g->cap && reserve(g, g->cap ? g->cap * 2 : 64))
		return -1;
	g->e[g->m++] = (struct edge){ from, to };
	return 0;
}

struct graph *graph_random_out(uint32_t n, uint32_t c, struct rng *r)
{
	struct graph *g;
	uint32_t *mark;

	if (n > 0 && c > n - 1)
		return NULL;
	g = graph_new(n);
	if (!g || !n || !c)
		return g;
	mark = calloc(n - 1 ? n - 1 : 1, sizeof(*mark));
	if (!mark || reserve(g, (size_t)n * c)) {
		free(mark);
		graph_free(g);
		return NULL;
	}
	/*
	 * Floyd's sampling of c of the n - 1 other nodes: one draw per pick
	 * however close c is to n, where rejecting repeats would crawl.
	 * Candidate t stands for node t, or t + 1 from i on, to skip i.
	 * mark[t] == i + 1 says t is taken for node i, so mark needs no
	 * clearing between nodes.
	 */
	for (uint32_t i = 0; i < n; i++) {
		for (uint32_t j = n - 1 - c; j < n - 1; j++) {
			uint32_t t = (uint32_t)rng_below(r, (uint64_t)j + 1);

			if (mark[t] == i + 1)
				t = j;
			mark[t] = i + 1;
			g->e[g->m++] = (struct edge){ i, t < i ? t : t + 1 };
		}
	}
	free(mark);
	return g;
}

/* Adjacency arrays: node u's neighbours are adj[off[u]..off[u + 1]). */
struct csr {
	uint32_t n;
	size_t *off;
	uint32_t *adj;
};

static void csr_free(struct csr *c)
{
	free(c->off);
	free(c->adj);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/*
 * With off[u + 1] holding u's count, make off the prefix sums and adj
 * room for them.  csr_put then fills adj, moving off[u] to u's end,
 * and csr_seal shifts off back, sorts each list and drops repeats.
 */
static int csr_alloc(struct csr *c)
{
	for (uint32_t u = 0; u < c->n; u++)
		c->off[u + 1] += c->off[u];
	c->adj = malloc((c->off[c->n] ? c->off[c->n] : 1) * sizeof(*c->adj));
	return c->adj ? 0 : -1;
}

static void csr_put(struct csr *c, uint32_t u, uint32_t v)
{
	c->adj[c->off[u]++] = v;
}

static void csr_seal(struct csr *c)
{
	size_t w = 0, start = 0;

	memmove(c->off + 1, c->off, c->n * sizeof(*c->off));
	c->off[0] = 0;
	for (uint32_t u = 0; u < c->n; u++) {
		size_t end = c->off[u + 1];

		qsort(c->adj + start, end - start, sizeof(*c->adj), cmp_u32);
		c->off[u] = w;
		for (size_t p = start; p < end; p++)
			if (p == start || c->adj[p] != c->adj[p - 1])
				c->adj[w++] = c->adj[p];
		start = end;
	}
	c->off[c->n] = w;
}

/* The directed graph among alive nodes, renumbered by id[]. */
static int build_directed(const struct graph *g, const uint32_t *id,
			  struct csr *d)
{
	for (size_t i = 0; i < g->m; i++) {
		uint32_t u = id[g->e[i].from], v = id[g->e[i].to];

		if (u != UINT32_MAX && v != UINT32_MAX && u != v)
			d->off[u + 1]++;
	}
	if (csr_alloc(d))
		return -1;
	for (size_t i = 0; i < g->m; i++) {
		uint32_t u = id[g->e[i].from], v = id[g->e[i].to];

		if (u != UINT32_MAX && v != UINT32_MAX && u != v)
			csr_put(d, u, v);
	}
	csr_seal(d);
	return 0;
}

static int build_undirected(const struct csr *d, struct csr *un)
{
	for (uint32_t u = 0; u < d->n; u++) {
		for (size_t p = d->off[u]; p < d->off[u + 1]; p++) {
			un->off[u + 1]++;
			un->off[d->adj[p] + 1]++;
		}
	}
	if (csr_alloc(un))
		return -1;
	for (uint32_t u = 0; u < d->n; u++) {
		for (size_t p = d->off[u]; p < d->off[u + 1]; p++) {
			csr_put(un, u, d->adj[p]);
			csr_put(un, d->adj[p], u);
		}
	}
	csr_seal(un);
	return 0;
}

static int indegrees(const struct csr *d, struct graph_metrics *m)
{
	uint32_t *in = calloc(d->n, sizeof(*in));
	double ss = 0;

	if (!in)
		return -1;
	for (size_t p = 0; p < d->off[d->n]; p++)
		in[d->adj[p]]++;
	m->indeg_mean = (double)m->edges / d->n;
	for (uint32_t u = 0; u < d->n; u++) {
		double dev = in[u] - m->indeg_mean;

		ss += dev * dev;
		if (in[u] > m->indeg_max)
			m->indeg_max = in[u];
	}
	m->indeg_sd = sqrt(ss / d->n);
	free(in);
	return 0;
}

/*
 * t counts each edge among i's k neighbours twice, once from each end,
 * hence t / (k (k - 1)) rather than over k (k - 1) / 2.
 */
static int clustering(const struct csr *un, struct graph_metrics *m)
{
	uint32_t *mark = malloc(un->n * sizeof(*mark));
	uint32_t counted = 0;
	double sum = 0;

	if (!mark)
		return -1;
	memset(mark, 0xff, un->n * sizeof(*mark));
	for (uint32_t i = 0; i < un->n; i++) {
		size_t k = un->off[i + 1] - un->off[i];
		uint64_t t = 0;

		if (k == 0)
			continue;
		counted++;
		if (k == 1) {
			sum += 1.0;
			continue;
		}
		for (size_t p = un->off[i]; p < un->off[i + 1]; p++)
			mark[un->adj[p]] = i;
		for (size_t p = un->off[i]; p < un->off[i + 1]; p++) {
			uint32_t j = un->adj[p];

			for (size_t q = un->off[j]; q < un->off[j + 1]; q++)
				t += mark[un->adj[q]] == i;
		}
		sum += (double)t / ((double)k * (double)(k - 1));
	}
	m->clustering = counted ? sum / counted : 0;
	free(mark);
	return 0;
}

/*
 * Bit j of seen[v] says source base + j has reached v.  A level ORs the
 * neighbours' frontiers, so each pass over the edges moves 64 BFS one
 * step; a node every source has reached is skipped.
 */
static int path_lengths(const struct csr *un, struct graph_metrics *m)
{
	uint32_t n = un->n;
	uint64_t *seen = malloc(n * sizeof(*seen));
	uint64_t *front = malloc(n * sizeof(*front));
	uint64_t *next = malloc(n * sizeof(*next));
	uint64_t sum = 0, pairs = 0;

	if (!seen || !front || !next) {
		free(seen);
		free(front);
		free(next);
		return -1;
	}
	for (uint32_t base = 0; base < n; base += 64) {
		uint32_t w = n - base < 64 ? n - base : 64;
		uint64_t full = w == 64 ? UINT64_MAX : (1ULL << w) - 1;
		bool moved = true;

		memset(seen, 0, n * sizeof(*seen));
		memset(front, 0, n * sizeof(*front));
		for (uint32_t j = 0; j < w; j++)
			seen[base + j] = front[base + j] = 1ULL << j;
		for (uint64_t level = 1; moved; level++) {
			uint64_t *tmp;

			moved = false;
			for (uint32_t v = 0; v < n; v++) {
				uint64_t x = 0;

				if (seen[v] == full) {
					next[v] = 0;
					continue;
				}
				for (size_t p = un->off[v]; p < un->off[v + 1];
				     p++)
					x |= front[un->adj[p]];
				x &= ~seen[v];
				next[v] = x;
				if (x) {
					uint64_t k = __builtin_popcountll(x);

					seen[v] |= x;
					sum += level * k;
					pairs += k;
					moved = true;
				}
			}
			tmp = front;
			front = next;
			next = tmp;
		}
	}
	m->path_length = pairs ? (double)sum / (double)pairs : 0;
	m->unreachable_pairs = (uint64_t)n * (n - 1) - pairs;
	free(seen);
	free(front);
	free(next);
	return 0;
}

static uint32_t find(uint32_t *parent, uint32_t u)
{
	while (parent[u] != u) {
		parent[u] = parent[parent[u]];
		u = parent[u];
	}
	return u;
}

static int components(const struct csr *un, struct graph_metrics *m)
{
	uint32_t *parent = malloc(un->n * sizeof(*parent));
	uint32_t *size = malloc(un->n * sizeof(*size));

	if (!parent || !size) {
		free(parent);
		free(size);
		return -1;
	}
	for (uint32_t u = 0; u < un->n; u++) {
		parent[u] = u;
		size[u] = 1;
	}
	for (uint32_t u = 0; u < un->n; u++) {
		for (size_t p = un->off[u]; p < un->off[u + 1]; p++) {
			uint32_t a = find(parent, u),
				 b = find(parent, un->adj[p]);

			if (a == b)
				continue;
			if (size[a] < size[b]) {
				uint32_t t = a;

				a = b;
				b = t;
			}
			parent[b] = a;
			size[a] += size[b];
		}
	}
	for (uint32_t u = 0; u < un->n; u++) {
		if (parent[u] != u)
			continue;
		m->components++;
		if (size[u] > m->largest_component)
			m->largest_component = size[u];
	}
	free(parent);
	free(size);
	return 0;
}

int graph_measure(const struct graph *g, const bool *alive,
		  struct graph_metrics *m)
{
	struct csr d = { 0 }, un = { 0 };
	uint32_t *id = malloc((g->n ? g->n : 1) * sizeof(*id));
	uint32_t na = 0;
	int ret = -1;

	memset(m, 0, sizeof(*m));
	if (!id)
		return -1;
	for (uint32_t u = 0; u < g->n; u++)
		id[u] = !alive || alive[u] ? na++ : UINT32_MAX;
	m->nodes = na;
	if (!na) {
		free(id);
		return 0;
	}
	d.n = un.n = na;
	d.off = calloc((size_t)na + 1, sizeof(*d.off));
	un.off = calloc((size_t)na + 1, sizeof(*un.off));
	if (!d.off || !un.off || build_directed(g, id, &d))
		goto out;
	m->edges = d.off[na];
	if (indegrees(&d, m) || build_undirected(&d, &un))
		goto out;
	/* The directed arrays are done with: let the BFS have the memory. */
	csr_free(&d);
	d = (struct csr){ 0 };
	if (clustering(&un, m) || components(&un, m) || path_lengths(&un, m))
		goto out;
	ret = 0;
out:
	csr_free(&d);
	csr_free(&un);
	free(id);
	return ret;
}

static void skip_blanks(const char **p)
{
	while (**p == ' ' || **p == '\t' || **p == '\r' || **p == '\n')
		(*p)++;
}

/*
 * Decimal digits only: strtoul would take a sign and wrap "-1".  -1 if
 * there is no number, -2 if it is too large for n = id + 1 to fit.
 */
static int parse_id(const char **p, uint32_t *id)
{
	uint64_t v = 0;
	const char *s = *p;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (uint64_t)(*s - '0');
		if (v >= UINT32_MAX)
			return -2;
	}
	*p = s;
	*id = (uint32_t)v;
	return 0;
}

struct graph *graph_read_edges(FILE *f, char *err, size_t errlen)
{
	struct graph *g = graph_new(0);
	char *line = NULL;
	size_t len = 0;
	unsigned long lineno = 0;
	ssize_t got;

	if (!g) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (errno = 0; (got = getline(&line, &len, f)) >= 0; errno = 0) {
		const char *p = line;
		char *hash;
		uint32_t from, to;
		int bad;

		lineno++;
		if (strlen(line) != (size_t)got) {
			snprintf(err, errlen, "line %lu: a NUL byte", lineno);
			goto fail;
		}
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		skip_blanks(&p);
		if (!*p)
			continue;
		bad = parse_id(&p, &from);
		if (!bad && *p != ' ' && *p != '\t')
			bad = -1;
		skip_blanks(&p);
		if (!bad)
			bad = parse_id(&p, &to);
		skip_blanks(&p);
		if (!bad && *p)
			bad = -1;
		if (bad == -2) {
			snprintf(err, errlen,
				 "line %lu: node id too large (the largest is "
				 "%u)",
				 lineno, UINT32_MAX - 1);
			goto fail;
		}
		if (bad) {
			snprintf(err, errlen,
				 "line %lu: expected \"from to\", two node ids",
				 lineno);
			goto fail;
		}
		graph_grow(g, (from > to ? from : to) + 1);
		if (graph_add_edge(g, from, to)) {
			snprintf(err, errlen, "line %lu: out of memory",
				 lineno);
			goto fail;
		}
	}
	if (ferror(f) || errno == ENOMEM) {
		snprintf(err, errlen, "after line %lu: %s", lineno,
			 strerror(errno ? errno : EIO));
		goto fail;
	}
	free(line);
	return g;
fail:
	free(line);
	graph_free(g);
	return NULL;
}

int graph_write_edges(const struct graph *g, FILE *f)
{
	for (size_t i = 0; i < g->m; i++)
		if (fprintf(f, "%u %u\n", g->e[i].from, g->e[i].to) < 0)
			return -1;
	return ferror(f) ? -1 : 0;
}
