/* "show mdcs ..." for vtysh: rpd's configuration and state as text or JSON. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_config.h"
#include "cli_show.h"

/* A table's column: its heading and the leaf under each entry it shows. */
struct column {
	const char *head;
	const char *path;
};

/* What "show mdcs WHAT" shows: the nodes under mdcs, and as a table. */
struct view {
	const char *what;
	const char *nodes;	   /* XPath under the mdcs container */
	const struct column *cols; /* NULL: the nodes as a tree */
	unsigned n_cols;
};

static const struct column remote_cols[] = {
	{ "Name", "name" },
	{ "Address", "address" },
	{ "Port", "port" },
	{ "Status", "status" },
	{ "Last heard", "last-heard" },
	{ "Sent", "sent/packets" },
	{ "Received", "received/packets" },
};
static const struct column channel_cols[] = {
	{ "Group", "group" },
	{ "Source", "source" },
	{ "Remote RPs", "remote-rp" },
};
static const struct column subscription_cols[] = {
	{ "Group", "group" },		{ "Source", "source" },
	{ "Remote RP", "remote-rp" },	{ "Direction", "direction" },
	{ "Configured", "configured" }, { "Expires in", "expires-in" },
};
static const struct column tunnel_cols[] = {
	{ "Group", "group" },
	{ "Source", "source" },
	{ "Remote RPs", "remote-rp" },
	{ "Packets", "forwarded/packets" },
	{ "Octets", "forwarded/octets" },
	{ "Copies", "forwarded/copies" },
};
static const struct column member_cols[] = {
	{ "Address", "address" },
	{ "Port", "port" },
	{ "Name", "name" },
	{ "Age", "age" },
};
static const struct column learned_cols[] = {
	{ "Learned RP", "name" }, { "Address", "address" },
	{ "Port", "port" },	  { "Source prefixes", "source-prefix" },
	{ "Status", "status" },	  { "Last heard", "last-heard" },
};

#define COLS(c) c, sizeof(c) / sizeof(c[0])

static const struct view views[] = {
	{ "remote-rp", "remote-rp", COLS(remote_cols) },
	{ "channel", "channel", COLS(channel_cols) },
	{ "subscription", "subscription", COLS(subscription_cols) },
	{ "tunnel", "tunnel", COLS(tunnel_cols) },
	{ "statistics", "statistics", NULL, 0 },
	{ "membership", "membership", NULL, 0 },
	{ "peers", "peers", NULL, 0 },
};

/* The values of path under n, comma-separated ("-" for none). */
static char *values(const struct lyd_node *n, const char *path)
{
	struct ly_set *set = NULL;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	if (!lyd_find_xpath(n, path, &set))
		for (uint32_t i = 0; i < set->count; i++)
			fprintf(f, "%s%s", i ? "," : "",
				lyd_get_value(set->dnodes[i]));
	if (!set || !set->count)
		fputc('-', f);
	ly_set_free(set, NULL);
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	return text;
}

/* A cell padded to its column's width; the last of a row ends it. */
static void print_cell(FILE *out, const char *v, size_t width, bool last)
{
	if (last)
		fprintf(out, "%s\n", v ? v : "?");
	else
		fprintf(out, "%-*s  ", (int)width, v ? v : "?");
}

static void print_table(FILE *out, const struct ly_set *rows,
			const struct column *cols, unsigned n_cols)
{
	char **cell = calloc((size_t)rows->count * n_cols + 1, sizeof(*cell));
	size_t *width = calloc(n_cols, sizeof(*width));

	if (!cell || !width) {
		free(cell);
		free(width);
		return;
	}
	for (unsigned j = 0; j < n_cols; j++)
		width[j] = strlen(cols[j].head);
	for (uint32_t i = 0; i < rows->count; i++)
		for (unsigned j = 0; j < n_cols; j++) {
			char *v = values(rows->dnodes[i], cols[j].path);

			cell[i * n_cols + j] = v;
			if (v && strlen(v) > width[j])
				width[j] = strlen(v);
		}
	for (unsigned j = 0; j < n_cols; j++)
		print_cell(out, cols[j].head, width[j], j + 1 == n_cols);
	for (uint32_t i = 0; i < rows->count; i++)
		for (unsigned j = 0; j < n_cols; j++)
			print_cell(out, cell[i * n_cols + j], width[j],
				   j + 1 == n_cols);
	for (size_t i = 0; i < (size_t)rows->count * n_cols; i++)
		free(cell[i]);
	free(cell);
	free(width);
}

/* n and what is below it, a node a line, indented by depth. */
static void print_tree(FILE *out, const struct lyd_node *n, int depth)
{
	const struct lyd_node *c;

	if (n->schema->nodetype & (LYS_LEAF | LYS_LEAFLIST)) {
		if (!lysc_is_key(n->schema))
			fprintf(out, "%*s%s %s\n", depth * 2, "",
				n->schema->name, lyd_get_value(n));
		return;
	}
	fprintf(out, "%*s%s", depth * 2, "", n->schema->name);
	LY_LIST_FOR (lyd_child(n), c)
		if (lysc_is_key(c->schema))
			fprintf(out, " %s", lyd_get_value(c));
	c = lyd_child_no_keys(n);
	if (c && !c->next && c->schema->nodetype == LYS_LEAF) {
		/* A list entry of one value, such as a drop reason's count,
		 * reads best on one line. */
		fprintf(out, " %s %s\n", c->schema->name, lyd_get_value(c));
		return;
	}
	fputc('\n', out);
	LY_LIST_FOR (lyd_child(n), c)
		if (!(c->schema->nodetype & LYS_LIST) ||
		    (strcmp(c->schema->name, "member") &&
		     strcmp(c->schema->name, "learned-rp")))
			print_tree(out, c, depth + 1);
}

static void print_view(FILE *out, const struct lyd_node *mdcs,
		       const struct view *v)
{
	struct ly_set *set = NULL;

	if (lyd_find_xpath(mdcs, v->nodes, &set))
		return;
	if (v->cols) {
		print_table(out, set, v->cols, v->n_cols);
	} else {
		for (uint32_t i = 0; i < set->count; i++)
			print_tree(out, set->dnodes[i], 0);
		if (!strcmp(v->what, "membership")) {
			ly_set_free(set, NULL);
			set = NULL;
			if (!lyd_find_xpath(mdcs, "membership/member", &set))
				print_table(out, set, COLS(member_cols));
			ly_set_free(set, NULL);
			set = NULL;
			if (!lyd_find_xpath(mdcs, "membership/learned-rp",
					    &set))
				print_table(out, set, COLS(learned_cols));
		}
	}
	ly_set_free(set, NULL);
}

static unsigned count(const struct lyd_node *n, const char *xpath)
{
	struct ly_set *set = NULL;
	unsigned c = 0;

	if (!lyd_find_xpath(n, xpath, &set))
		c = set->count;
	ly_set_free(set, NULL);
	return c;
}

/* How many peers announced themselves, how many of them are in tunnel
 * mode, and how many channel sources the directory lists for them. */
static void print_peer_lines(FILE *out, const struct lyd_node *mdcs)
{
	char *peers = values(mdcs, "peers/peers");
	char *tunnel = values(mdcs, "peers/tunnel-mode-peers");
	char *listed = values(mdcs, "directory/entries");

	if (peers && tunnel)
		fprintf(out, "  %-16s %s, %s in tunnel mode\n", "peers", peers,
			tunnel);
	if (listed)
		fprintf(out, "  %-16s %s channel sources\n", "directory",
			listed);
	free(peers);
	free(tunnel);
	free(listed);
}

static void print_summary(FILE *out, const struct lyd_node *inst,
			  const struct lyd_node *mdcs)
{
	static const struct column rows[] = {
		{ "tunnel address", "rp/tunnel-address" },
		{ "tunnel port", "rp/tunnel-port" },
		{ "discovery", "rp/discovery-address" },
		{ "uplink", "rp/uplink-interface" },
		{ "overlay", "rp/overlay-interface" },
		{ "rpd on overlay", "rp/overlay-address" },
		{ "source prefixes", "rp/source-prefix" },
		{ "channel source", "publishing/channel-source-address" },
	};
	char *name = values(inst, "name");

	fprintf(out, "RP %s\n", name ? name : "?");
	free(name);
	for (unsigned i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *v = values(mdcs, rows[i].path);

		fprintf(out, "  %-16s %s\n", rows[i].head, v ? v : "?");
		free(v);
	}
	fprintf(out, "  %-16s %u, %u up\n", "remote RPs",
		count(mdcs, "remote-rp"),
		count(mdcs, "remote-rp[status='up']"));
	fprintf(out, "  %-16s %u mapped, %u tunnelled\n", "channels",
		count(mdcs, "channel"), count(mdcs, "tunnel"));
	fprintf(out, "  %-16s %u\n", "subscriptions",
		count(mdcs, "subscription"));
	print_peer_lines(out, mdcs);
}

/* The nodes of the view (the whole mdcs container without one) with their
 * parents, as RFC 7951 JSON. */
static int print_json(FILE *out, const struct lyd_node *mdcs,
		      const struct view *v)
{
	struct lyd_node *top = NULL, *dup = NULL;
	struct ly_set *set = NULL;
	char *json = NULL;
	int rc = -1;

	if (!v) {
		if (lyd_dup_single(mdcs, NULL,
				   LYD_DUP_RECURSIVE | LYD_DUP_WITH_PARENTS,
				   &top))
			return -1;
	} else {
		if (lyd_dup_single(mdcs, NULL, LYD_DUP_WITH_PARENTS, &dup) ||
		    lyd_find_xpath(mdcs, v->nodes, &set))
			goto out;
		for (uint32_t i = 0; i < set->count; i++)
			if (lyd_dup_single(set->dnodes[i],
					   (struct lyd_node_inner *)dup,
					   LYD_DUP_RECURSIVE, NULL))
				goto out;
		top = dup;
		dup = NULL;
	}
	while (lyd_parent(top))
		top = lyd_parent(top);
	if (!lyd_print_mem(&json, top, LYD_JSON,
			   LYD_PRINT_WITHSIBLINGS | LYD_PRINT_WD_ALL)) {
		fputs(json, out);
		rc = 0;
	}
out:
	free(json);
	ly_set_free(set, NULL);
	while (dup && lyd_parent(dup))
		dup = lyd_parent(dup);
	lyd_free_all(dup);
	while (top && lyd_parent(top))
		top = lyd_parent(top);
	lyd_free_all(top);
	return rc;
}

char *cli_show(const struct lyd_node *data, const char *line, char *err,
	       size_t errlen)
{
	const struct lyd_node *inst = cli_config_instance(data);
	const struct view *v = NULL;
	struct lyd_node *mdcs = NULL;
	char words[4][32] = { { 0 } }, *text = NULL;
	size_t len = 0;
	bool json = false;
	int rc = 0;
	FILE *out;
	int n = sscanf(line, "%31s %31s %31s %31s", words[0], words[1],
		       words[2], words[3]);

	if (n < 2 || strcmp(words[0], "show") || strcmp(words[1], "mdcs")) {
		snprintf(err, errlen, "not a show mdcs command: %s", line);
		return NULL;
	}
	for (int i = 2; i < n; i++) {
		json |= !strcmp(words[i], "json");
		for (unsigned j = 0; j < sizeof(views) / sizeof(views[0]); j++)
			if (!strcmp(words[i], views[j].what))
				v = &views[j];
	}
	if (n - 2 != (v != NULL) + json) {
		snprintf(err, errlen, "show mdcs has no %s", line);
		return NULL;
	}
	if (!inst || lyd_find_path(inst, "mdcs:mdcs", 0, &mdcs)) {
		snprintf(err, errlen, "no RP is configured");
		return NULL;
	}
	out = open_memstream(&text, &len);
	if (!out) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (json)
		rc = print_json(out, mdcs, v);
	else if (v)
		print_view(out, mdcs, v);
	else
		print_summary(out, inst, mdcs);
	if (fclose(out) || rc) {
		snprintf(err, errlen, "out of memory");
		free(text);
		return NULL;
	}
	return text;
}
