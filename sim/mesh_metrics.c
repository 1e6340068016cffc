/* mesh-metrics: the graph metrics of one overlay snapshot's edge list. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: mesh-metrics [-a ALIVE_FILE] EDGES_FILE\n"
		"\n"
		"  -a ALIVE_FILE   \"id alive\" lines, alive 0 or 1 (later "
		"columns are\n"
		"                  ignored); nodes it does not list are alive\n"
		"  -h              this help\n"
		"\n"
		"EDGES_FILE has one \"from to\" line per view entry (- for "
		"stdin); both\n"
		"files take '#' comments. Prints one \"name value\" line per "
		"metric.\n");
}

static FILE *open_input(const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;

	if (!f)
		fprintf(stderr, "mesh-metrics: %s: %s\n", path,
			strerror(errno));
	return f;
}

static void close_input(FILE *f)
{
	if (f != stdin)
		fclose(f);
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Digits only, so "-1" or "+1" are refused rather than wrapped. */
static bool parse_u32(const char **p, uint32_t *v, uint32_t max)
{
	uint64_t x = 0;
	const char *s = *p;

	if (*s < '0' || *s > '9')
		return false;
	for (; *s >= '0' && *s <= '9'; s++) {
		x = x * 10 + (uint64_t)(*s - '0');
		if (x > max)
			return false;
	}
	if (*s && !is_blank(*s))
		return false;
	*p = s;
	*v = (uint32_t)x;
	return true;
}

/* Make alive cover g's nodes, the new ones alive; false if out of memory. */
static bool cover(bool **alive, uint32_t *n, const struct graph *g)
{
	bool *a;

	if (*n >= graph_nodes(g) && *alive)
		return true;
	a = realloc(*alive, ((size_t)graph_nodes(g) + 1) * sizeof(*a));
	if (!a) {
		fprintf(stderr, "mesh-metrics: out of memory\n");
		return false;
	}
	for (*alive = a; *n < graph_nodes(g); (*n)++)
		a[*n] = true;
	return true;
}

/*
 * Mark g's nodes as the file says; every node starts alive.  A live node
 * past the edge list's largest id is a node with no edges, so g grows to
 * hold it; a dead one there changes nothing.
 */
static bool *read_alive(const char *path, struct graph *g)
{
	FILE *f = open_input(path);
	bool *alive = NULL;
	uint32_t n = 0;
	char *line = NULL;
	size_t len = 0;
	unsigned long lineno = 0;

	if (!f)
		return NULL;
	while (getline(&line, &len, f) >= 0) {
		const char *p = line;
		char *hash = strchr(line, '#');
		uint32_t id, up;

		lineno++;
		if (hash)
			*hash = '\0';
		while (is_blank(*p))
			p++;
		if (!*p)
			continue;
		if (!parse_u32(&p, &id, UINT32_MAX - 1) || !is_blank(*p))
			goto malformed;
		while (is_blank(*p))
			p++;
		if (!parse_u32(&p, &up, 1))
			goto malformed;
		if (id >= graph_nodes(g) && up)
			graph_grow(g, id + 1);
		if (!cover(&alive, &n, g))
			goto fail;
		if (id < n)
			alive[id] = up;
	}
	if (ferror(f)) {
		fprintf(stderr, "mesh-metrics: %s: read error\n", path);
		goto fail;
	}
	if (!cover(&alive, &n, g))
		goto fail;
	free(line);
	close_input(f);
	return alive;
malformed:
	fprintf(stderr,
		"mesh-metrics: %s: line %lu: expected \"id alive\", a node id "
		"and 0 or 1\n",
		path, lineno);
fail:
	free(line);
	free(alive);
	close_input(f);
	return NULL;
}

int main(int argc, char **argv)
{
	const char *alive_path = NULL, *edges_path;
	struct graph_metrics m;
	struct graph *g;
	bool *alive = NULL;
	char err[256];
	FILE *f;
	int opt;

	while ((opt = getopt(argc, argv, "a:h")) != -1) {
		switch (opt) {
		case 'a':
			alive_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (argc - optind != 1) {
		usage(stderr);
		return 1;
	}
	edges_path = argv[optind];
	f = open_input(edges_path);
	if (!f)
		return 1;
	g = graph_read_edges(f, err, sizeof(err));
	close_input(f);
	if (!g) {
		fprintf(stderr, "mesh-metrics: %s: %s\n", edges_path, err);
		return 1;
	}
	if (alive_path) {
		alive = read_alive(alive_path, g);
		if (!alive) {
			graph_free(g);
			return 1;
		}
	}
	if (graph_measure(g, alive, &m)) {
		fprintf(stderr, "mesh-metrics: out of memory\n");
		free(alive);
		graph_free(g);
		return 1;
	}
	printf("nodes %u\n", m.nodes);
	printf("edges %llu\n", (unsigned long long)m.edges);
	printf("indegree-mean %.6f\n", m.indeg_mean);
	printf("indegree-sd %.6f\n", m.indeg_sd);
	printf("indegree-max %u\n", m.indeg_max);
	printf("clustering %.6f\n", m.clustering);
	printf("path-length %.6f\n", m.path_length);
	printf("unreachable-pairs %llu\n",
	       (unsigned long long)m.unreachable_pairs);
	printf("components %u\n", m.components);
	printf("largest-component %u\n", m.largest_component);
	free(alive);
	graph_free(g);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "mesh-metrics: cannot write the metrics\n");
		return 1;
	}
	return 0;
}
