/* NETCONF filters (RFC 6241 6, 8.9): subtree and XPath, over libyang trees. */
#define _GNU_SOURCE /* asprintf */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"

/* A filter node's module: its schema's, or for a node the schema does
 * not know, the module of its XML namespace. */
static const char *module_of(const struct lyd_node *n)
{
	const struct lyd_node_opaq *o = (const struct lyd_node_opaq *)n;
	const struct lys_module *m;

	if (n->schema)
		return n->schema->module->name;
	if (o->format != LY_VALUE_XML || !o->name.module_ns)
		return NULL;
	m = ly_ctx_get_module_implemented_ns(o->ctx, o->name.module_ns);
	return m ? m->name : NULL;
}

static const char *name_of(const struct lyd_node *n)
{
	return n->schema ? n->schema->name
			 : ((const struct lyd_node_opaq *)n)->name.name;
}

/* A leaf of the filter with text in it: it selects by value. */
static bool is_content_match(const struct lyd_node *n)
{
	const char *v = lyd_child(n) ? NULL : lyd_get_value(n);

	if (!v)
		return false;
	while (isspace((unsigned char)*v))
		v++;
	return *v != '\0';
}

struct walk {
	FILE *out; /* the union of paths */
	bool any;  /* a path was written */
	struct ds_error *err;
};

static int step(struct walk *w, const struct lyd_node *n, char **path,
		const char *base)
{
	const char *mod = module_of(n);

	if (!mod)
		return ds_fail(w->err, "unknown-namespace", NULL,
			       "filter element %s is in no known module",
			       name_of(n));
	if (asprintf(path, "%s/%s:%s", base, mod, name_of(n)) < 0)
		return ds_fail(w->err, "operation-failed", NULL,
			       "out of memory");
	return 0;
}

static void emit(struct walk *w, const char *path)
{
	fprintf(w->out, "%s%s", w->any ? " | " : "", path);
	w->any = true;
}

/* base[predicates of the content match nodes among first's siblings]. */
static int with_predicates(struct walk *w, const char *base,
			   const struct lyd_node *first, char **out)
{
	size_t len;
	FILE *f = open_memstream(out, &len);
	const struct lyd_node *n;

	if (!f)
		return ds_fail(w->err, "operation-failed", NULL,
			       "out of memory");
	fputs(base, f);
	LY_LIST_FOR (first, n) {
		const char *v = lyd_get_value(n), *mod = module_of(n);
		char q = strchr(v ? v : "", '\'') ? '"' : '\'';

		if (!is_content_match(n))
			continue;
		if (!mod || (q == '"' && strchr(v, '"'))) {
			fclose(f);
			free(*out);
			return ds_fail(
				w->err, "invalid-value", NULL,
				"content match node %s cannot be matched",
				name_of(n));
		}
		fprintf(f, "[%s:%s=%c%s%c]", mod, name_of(n), q, v, q);
	}
	fclose(f);
	return 0;
}

/* Select what the siblings from first select below base (RFC 6241 6.2). */
static int select_below(struct walk *w, const char *base,
			const struct lyd_node *first)
{
	const struct lyd_node *n;
	char *matched, *path;
	bool selects = false;
	int rc = 0;

	if (with_predicates(w, base, first, &matched))
		return -1;
	LY_LIST_FOR (first, n)
		selects = selects || !is_content_match(n);
	if (!selects) {
		emit(w, matched);
		free(matched);
		return 0;
	}
	LY_LIST_FOR (first, n) {
		if (step(w, n, &path, matched)) {
			rc = -1;
			break;
		}
		if (lyd_child(n))
			rc = select_below(w, path, lyd_child(n));
		else
			emit(w, path);
		free(path);
		if (rc)
			break;
	}
	free(matched);
	return rc;
}

static const char *meta_value(const struct lyd_node *n, const char *name)
{
	struct lyd_meta *m = lyd_find_meta(n->meta, NULL, name);

	return m ? lyd_get_meta_value(m) : NULL;
}

int filter_xpath(const struct lyd_node *filter, char **xpath,
		 struct ds_error *err)
{
	const struct lyd_node_any *any = (const struct lyd_node_any *)filter;
	const char *type, *select;
	struct walk w = { .err = err };
	const struct lyd_node *top;
	size_t len;
	int rc = 0;

	*xpath = NULL;
	if (!filter)
		return 0;
	type = meta_value(filter, "ietf-netconf:type");
	if (type && !strcmp(type, "xpath")) {
		select = meta_value(filter, "ietf-netconf:select");
		if (!select)
			return ds_fail(
				err, "missing-attribute", NULL,
				"an xpath filter needs a select attribute");
		*xpath = strdup(select);
		return *xpath ? 0
			      : ds_fail(err, "operation-failed", NULL,
					"out of memory");
	}
	if (any->value_type != LYD_ANYDATA_DATATREE && any->value.str &&
	    any->value.str[0])
		return ds_fail(err, "invalid-value", NULL,
			       "a subtree filter holds elements, not text");
	w.out = open_memstream(xpath, &len);
	if (!w.out)
		return ds_fail(err, "operation-failed", NULL, "out of memory");
	top = any->value_type == LYD_ANYDATA_DATATREE ? any->value.tree : NULL;
	for (const struct lyd_node *n = top; n && !rc; n = n->next)
		if (is_content_match(n))
			rc = ds_fail(err, "invalid-value", NULL,
				     "top-level filter element %s has a value",
				     name_of(n));
	if (!rc && top)
		rc = select_below(&w, "", top);
	fclose(w.out);
	if (rc) {
		free(*xpath);
		*xpath = NULL;
	}
	return rc;
}

int filter_apply(const struct lyd_node *tree, const char *xpath,
		 struct lyd_node **out, struct ds_error *err)
{
	struct ly_set *set = NULL;
	int rc = 0;

	*out = NULL;
	if (!tree || (xpath && !xpath[0]))
		return 0;
	if (!xpath) {
		if (lyd_dup_siblings(tree, NULL,
				     LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS,
				     out))
			return ds_fail(err, "operation-failed", NULL,
				       "out of memory");
		return 0;
	}
	if (lyd_find_xpath(tree, xpath, &set))
		return ds_fail(err, "invalid-value", NULL, "filter %s: %s",
			       xpath, ly_errmsg(LYD_CTX(tree)));
	for (uint32_t i = 0; i < set->count && !rc; i++) {
		struct lyd_node *dup;

		if (lyd_dup_single(set->dnodes[i], NULL,
				   LYD_DUP_RECURSIVE | LYD_DUP_WITH_PARENTS |
					   LYD_DUP_WITH_FLAGS,
				   &dup)) {
			rc = ds_fail(err, "operation-failed", NULL,
				     "out of memory");
			break;
		}
		while (dup->parent)
			dup = lyd_parent(dup);
		if (lyd_merge_siblings(out, dup, LYD_MERGE_DESTRUCT))
			rc = ds_fail(err, "operation-failed", NULL,
				     "merging the selected data failed");
	}
	ly_set_free(set, NULL);
	if (rc) {
		lyd_free_siblings(*out);
		*out = NULL;
	}
	return rc;
}
