/* The mdcs configuration as FRR-style "mdcs ..." command lines, both ways. */
#define _GNU_SOURCE /* asprintf */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_config.h"
#include "conf.h"

#define MDCS_SCHEMA                                                            \
	"/ietf-routing:routing/control-plane-protocols"                        \
	"/control-plane-protocol/mdcs:mdcs"
#define MAX_TOKENS 64
#define PATH_LEN   2048

/* One line being applied. */
struct line {
	const struct ly_ctx *ctx;
	struct lyd_node **config;
	char *tok[MAX_TOKENS];
	unsigned n, at;
	bool no;
	size_t instance_len; /* of the path to the instance, for "rp NAME" */
	const char *text;
	char *err;
	size_t errlen;
};

static int fail(struct line *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct line *l, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(l->err, l->errlen, "\"%s\": %s", l->text, why);
	return -1;
}

static const char *next(struct line *l)
{
	return l->at < l->n ? l->tok[l->at++] : NULL;
}

struct lyd_node *cli_config_instance(const struct lyd_node *config)
{
	struct lyd_node *inst = NULL;
	struct ly_set *set = NULL;

	if (config && !lyd_find_xpath(config, CONF_INSTANCE_XPATH, &set) &&
	    set->count)
		inst = set->dnodes[0];
	ly_set_free(set, NULL);
	return inst;
}

static const char *instance_name(const struct lyd_node *inst)
{
	struct lyd_node *name = NULL;

	lyd_find_path(inst, "name", 0, &name);
	return name ? lyd_get_value(name) : "";
}

/* Append fmt to path, failing if it does not fit. */
static int append(struct line *l, char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int append(struct line *l, char *path, const char *fmt, ...)
{
	size_t len = strlen(path);
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(path + len, PATH_LEN - len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= PATH_LEN - len)
		return fail(l, "too long");
	return 0;
}

/* A predicate [name='value'], quoted so that the value may hold either
 * kind of quote (not both). */
static int predicate(struct line *l, char *path, const char *name,
		     const char *value)
{
	if (!strchr(value, '\''))
		return append(l, path, "[%s='%s']", name, value);
	if (!strchr(value, '"'))
		return append(l, path, "[%s=\"%s\"]", name, value);
	return fail(l, "%s holds both kinds of quotes", value);
}

/* A configuration node of parent's schema called name, or NULL. */
static const struct lysc_node *config_child(const struct lysc_node *parent,
					    const char *name)
{
	const struct lysc_node *c = NULL;

	while ((c = lys_getnext(c, parent, NULL, 0)))
		if (!strcmp(c->name, name) && (c->flags & LYS_CONFIG_W))
			return c;
	return NULL;
}

static int ly_fail(struct line *l)
{
	const struct ly_err_item *e = ly_err_last(l->ctx);

	return fail(l, "%s", e && e->msg ? e->msg : "refused by libyang");
}

/* Create path (with value, for a leaf); an existing node is updated. */
static int set_node(struct line *l, const char *path, const char *value)
{
	struct lyd_node *first = NULL;

	if (lyd_new_path(*l->config, l->ctx, path, value, LYD_NEW_PATH_UPDATE,
			 &first))
		return ly_fail(l);
	*l->config = *l->config ? lyd_first_sibling(*l->config) : first;
	return 0;
}

/* Remove the node at path, if there is one. */
static void remove_node(struct line *l, const char *path)
{
	struct lyd_node *n = NULL;

	if (*l->config && !lyd_find_path(*l->config, path, 0, &n))
		lyd_free_tree(n);
}

/*
 * Walk the entry the line names: "rp NAME", or a container or list (with
 * its keys) of the mdcs container, and the containers and lists below it.
 * Leaves path at the entry and *schema at its schema; *instance says that
 * the line ends at "rp NAME", which then names the whole instance.
 * Returns 1 for a "no" line with no RP to remove anything from.
 */
static int walk_entry(struct line *l, char *path,
		      const struct lysc_node **schema, bool *instance)
{
	const struct lysc_node *mdcs =
		lys_find_path(l->ctx, NULL, MDCS_SCHEMA, 0);
	struct lyd_node *inst = cli_config_instance(*l->config);
	const char *tok = next(l), *name;

	*instance = false;
	if (!mdcs)
		return fail(l, "the mdcs model is not loaded");
	if (!tok)
		return fail(l, "incomplete");
	strcpy(path, CONF_INSTANCE_XPATH);
	if (!strcmp(tok, "rp")) {
		name = next(l);
		if (!name)
			return fail(l, "rp needs this RP's name");
		if (inst && strcmp(instance_name(inst), name))
			return fail(l,
				    "this RP is named %s: \"no mdcs rp %s\" "
				    "removes it",
				    instance_name(inst), instance_name(inst));
		*instance = l->at == l->n;
		*schema = config_child(mdcs, "rp");
		if (predicate(l, path, "name", name))
			return -1;
		l->instance_len = strlen(path);
		return append(l, path, "/mdcs:mdcs/rp");
	}
	if (!inst && l->no)
		return 1; /* nothing to remove */
	if (!inst)
		return fail(l, "no RP is configured: \"mdcs rp NAME ...\" "
			       "comes first");
	if (predicate(l, path, "name", instance_name(inst)) ||
	    append(l, path, "/mdcs:mdcs"))
		return -1;
	*schema = mdcs;
	for (; tok; tok = next(l)) {
		const struct lysc_node *c = config_child(*schema, tok);

		if (!c || !(c->nodetype & (LYS_CONTAINER | LYS_LIST))) {
			if (*schema != mdcs) {
				l->at--;
				return 0;
			}
			return fail(l, "mdcs has no %s", tok);
		}
		*schema = c;
		if (append(l, path, "/%s", tok))
			return -1;
		if (c->nodetype == LYS_LIST) {
			const struct lysc_node *key = NULL;

			while ((key = lys_getnext(key, c, NULL, 0)) &&
			       lysc_is_key(key)) {
				const char *v = next(l);

				if (!v)
					return fail(l, "%s needs its %s", tok,
						    key->name);
				if (predicate(l, path, key->name, v))
					return -1;
			}
		}
	}
	return 0;
}

/* The leaf or leaf-list of entry that tok names. */
static const struct lysc_node *
leaf_of(struct line *l, const struct lysc_node *entry, const char *tok)
{
	const struct lysc_node *c = config_child(entry, tok);

	if (!c || !(c->nodetype & (LYS_LEAF | LYS_LEAFLIST))) {
		fail(l, "%s has no %s", entry->name, tok);
		return NULL;
	}
	if (lysc_is_key(c)) {
		fail(l, "%s is %s's name, given before", tok, entry->name);
		return NULL;
	}
	return c;
}

/* "leaf value" pairs, set in the entry at path. */
static int set_pairs(struct line *l, const char *path,
		     const struct lysc_node *entry)
{
	char at[PATH_LEN];
	const char *tok;

	if (l->at == l->n)
		return set_node(l, path, NULL);
	while ((tok = next(l))) {
		const struct lysc_node *leaf = leaf_of(l, entry, tok);
		const char *value = next(l);

		if (!leaf)
			return -1;
		if (!value)
			return fail(l, "%s needs a value", tok);
		strcpy(at, path);
		if (append(l, at, "/%s", tok))
			return -1;
		if (leaf->nodetype == LYS_LEAFLIST) {
			if (predicate(l, at, ".", value) ||
			    set_node(l, at, NULL))
				return -1;
		} else if (set_node(l, at, value)) {
			return -1;
		}
	}
	return 0;
}

/* "no ...": the entry, one leaf, or one value of a leaf-list (all of them
 * without a value).  Removing what is not there is no error. */
static int remove_pairs(struct line *l, const char *path,
			const struct lysc_node *entry, bool instance)
{
	const char *tok = next(l), *value;
	const struct lysc_node *leaf;
	char at[PATH_LEN];
	struct ly_set *set = NULL;

	if (!tok) {
		strcpy(at, path);
		if (instance)
			at[l->instance_len] = '\0';
		remove_node(l, at);
		return 0;
	}
	leaf = leaf_of(l, entry, tok);
	if (!leaf)
		return -1;
	value = next(l);
	if (l->at != l->n)
		return fail(l, "unexpected %s", l->tok[l->at]);
	strcpy(at, path);
	if (append(l, at, "/%s", tok))
		return -1;
	if (leaf->nodetype == LYS_LEAFLIST && value) {
		if (predicate(l, at, ".", value))
			return -1;
		remove_node(l, at);
		return 0;
	}
	if (*l->config && !lyd_find_xpath(*l->config, at, &set))
		for (uint32_t i = 0; i < set->count; i++)
			lyd_free_tree(set->dnodes[i]);
	ly_set_free(set, NULL);
	return 0;
}

/* Whether the line's words (after "no") begin "mdcs rp". */
static bool names_rp(const struct line *l)
{
	unsigned at = l->n && !strcmp(l->tok[0], "no");

	return l->n > at + 1 && !strcmp(l->tok[at], "mdcs") &&
	       !strcmp(l->tok[at + 1], "rp");
}

/* Apply text if it is a line of this pass: the "mdcs rp" lines first, so
 * that the RP exists before the rest of a transaction refers to it. */
static int apply_line(struct line *l, char *text, bool rp_pass)
{
	const struct lysc_node *entry = NULL;
	char path[PATH_LEN], *save = NULL;
	bool instance;
	int rc;

	l->n = l->at = 0;
	for (char *t = strtok_r(text, " \t", &save); t;
	     t = strtok_r(NULL, " \t", &save)) {
		if (l->n == MAX_TOKENS)
			return fail(l, "too many words");
		l->tok[l->n++] = t;
	}
	if (!l->n || l->tok[0][0] == '!' || names_rp(l) != rp_pass)
		return 0;
	l->no = !strcmp(l->tok[0], "no");
	if (l->no)
		l->at++;
	if (l->at == l->n || strcmp(next(l), "mdcs"))
		return fail(l, "not an mdcs command");
	rc = walk_entry(l, path, &entry, &instance);
	if (rc)
		return rc > 0 ? 0 : -1;
	if (l->no)
		return remove_pairs(l, path, entry, instance);
	return set_pairs(l, path, entry);
}

static int apply_pass(struct line *l, const char *lines, bool rp_pass)
{
	char *copy = strdup(lines), *rest = copy, *text;
	int rc = 0;

	if (!copy) {
		snprintf(l->err, l->errlen, "out of memory");
		return -1;
	}
	while (!rc && (text = strsep(&rest, "\n"))) {
		char shown[256];

		snprintf(shown, sizeof(shown), "%s", text);
		l->text = shown;
		rc = apply_line(l, text, rp_pass);
	}
	free(copy);
	return rc;
}

int cli_config_apply(const struct ly_ctx *ctx, struct lyd_node **config,
		     const char *lines, char *err, size_t errlen)
{
	struct line l = {
		.ctx = ctx, .config = config, .err = err, .errlen = errlen
	};

	return apply_pass(&l, lines, true) || apply_pass(&l, lines, false) ? -1
									   : 0;
}

void cli_config_clear(struct lyd_node **config)
{
	struct lyd_node *inst;

	while ((inst = cli_config_instance(*config)))
		lyd_free_tree(inst);
}

static bool rendered(const struct lyd_node *n)
{
	return n->schema && (n->schema->flags & LYS_CONFIG_W) &&
	       !(n->flags & LYD_DEFAULT) && !lysc_is_key(n->schema);
}

/* Whether n goes on its entry's first line: a mandatory leaf, or the first
 * value of a leaf-list that must have one. */
static bool on_first_line(const struct lyd_node *n)
{
	const struct lysc_node *s = n->schema;

	if (s->nodetype == LYS_LEAF)
		return s->flags & LYS_MAND_TRUE;
	return s->nodetype == LYS_LEAFLIST &&
	       ((const struct lysc_node_leaflist *)s)->min > 0 &&
	       (n == lyd_first_sibling(n) || n->prev->schema != s);
}

static void render_entry(FILE *out, const char *prefix,
			 const struct lyd_node *entry);

/* A container or list entry below prefix: "prefix name [keys]". */
static void render_child(FILE *out, const char *prefix,
			 const struct lyd_node *n)
{
	char *sub = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&sub, &len);
	const struct lyd_node *k;

	if (!f)
		return;
	fprintf(f, "%s %s", prefix, n->schema->name);
	LY_LIST_FOR (lyd_child(n), k)
		if (k->schema && lysc_is_key(k->schema))
			fprintf(f, " %s", lyd_get_value(k));
	if (!fclose(f))
		render_entry(out, sub, n);
	free(sub);
}

static void render_entry(FILE *out, const char *prefix,
			 const struct lyd_node *entry)
{
	const struct lyd_node *c;
	bool first = false, others = false;

	LY_LIST_FOR (lyd_child(entry), c) {
		if (!rendered(c))
			continue;
		if (!first && on_first_line(c))
			fputs(prefix, out);
		if (on_first_line(c)) {
			fprintf(out, " %s %s", c->schema->name,
				lyd_get_value(c));
			first = true;
		} else {
			others = true;
		}
	}
	if (first)
		fputc('\n', out);
	else if (!others)
		fprintf(out, "%s\n", prefix);
	LY_LIST_FOR (lyd_child(entry), c) {
		if (!rendered(c) || on_first_line(c))
			continue;
		if (c->schema->nodetype & (LYS_LEAF | LYS_LEAFLIST))
			fprintf(out, "%s %s %s\n", prefix, c->schema->name,
				lyd_get_value(c));
		else
			render_child(out, prefix, c);
	}
}

char *cli_config_render(const struct lyd_node *config)
{
	const struct lyd_node *inst = cli_config_instance(config), *mdcs = NULL,
			      *c;
	char *text = NULL, *prefix = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	if (!out)
		return NULL;
	if (inst)
		lyd_find_path(inst, "mdcs:mdcs", 0, (struct lyd_node **)&mdcs);
	if (mdcs) {
		const struct lyd_node *rp = NULL;

		if (asprintf(&prefix, "mdcs rp %s", instance_name(inst)) < 0) {
			fclose(out);
			free(text);
			return NULL;
		}
		lyd_find_path(mdcs, "rp", 0, (struct lyd_node **)&rp);
		if (rp)
			render_entry(out, prefix, rp);
		else
			fprintf(out, "%s\n", prefix);
		free(prefix);
		LY_LIST_FOR (lyd_child(mdcs), c)
			if (c != rp && rendered(c))
				render_child(out, "mdcs", c);
	}
	if (fclose(out)) {
		free(text);
		return NULL;
	}
	return text;
}
