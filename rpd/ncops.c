/* NETCONF operations (RFC 6241) on rpd's datastores, state and actions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "ncops.h"

#define PARSE_EDIT (LYD_PARSE_ONLY | LYD_PARSE_STRICT | LYD_PARSE_NO_STATE)

static const struct {
	const char *tag;
	NC_ERR err;
	NC_ERR_TYPE type;
} tags[] = {
	{ "in-use", NC_ERR_IN_USE, NC_ERR_TYPE_PROT },
	{ "invalid-value", NC_ERR_INVALID_VALUE, NC_ERR_TYPE_APP },
	{ "missing-attribute", NC_ERR_MISSING_ATTR, NC_ERR_TYPE_PROT },
	{ "missing-element", NC_ERR_MISSING_ELEM, NC_ERR_TYPE_PROT },
	{ "unknown-element", NC_ERR_UNKNOWN_ELEM, NC_ERR_TYPE_APP },
	{ "unknown-namespace", NC_ERR_UNKNOWN_NS, NC_ERR_TYPE_PROT },
	{ "lock-denied", NC_ERR_LOCK_DENIED, NC_ERR_TYPE_PROT },
	{ "data-exists", NC_ERR_DATA_EXISTS, NC_ERR_TYPE_APP },
	{ "data-missing", NC_ERR_DATA_MISSING, NC_ERR_TYPE_APP },
	{ "operation-not-supported", NC_ERR_OP_NOT_SUPPORTED,
	  NC_ERR_TYPE_PROT },
	{ "malformed-message", NC_ERR_MALFORMED_MSG, NC_ERR_TYPE_RPC },
};

/* The element an error is about: the first quoted name in its message,
 * else the last step of its path without predicates. */
static void bad_element(const struct ds_error *err, char *buf, size_t len)
{
	const char *q = strchr(err->message, '"');
	const char *s = strrchr(err->path, '/');

	if (q)
		snprintf(buf, len, "%.*s", (int)strcspn(q + 1, "\""), q + 1);
	else
		snprintf(buf, len, "%.*s", s ? (int)strcspn(s + 1, "[") : 0,
			 s ? s + 1 : "");
}

struct nc_server_reply *ncops_error(const struct ly_ctx *ctx,
				    const struct ds_error *err)
{
	struct lyd_node *e = NULL;
	char elem[128];
	size_t i;

	for (i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
		if (err->tag && !strcmp(err->tag, tags[i].tag))
			break;
	bad_element(err, elem, sizeof(elem));
	switch (i < sizeof(tags) / sizeof(tags[0]) ? tags[i].err
						   : NC_ERR_OP_FAILED) {
	case NC_ERR_MISSING_ATTR:
		e = nc_err(ctx, NC_ERR_MISSING_ATTR, tags[i].type, "select",
			   "filter");
		break;
	case NC_ERR_MISSING_ELEM:
	case NC_ERR_UNKNOWN_ELEM:
		e = nc_err(ctx, tags[i].err, tags[i].type, elem);
		break;
	case NC_ERR_UNKNOWN_NS:
		e = nc_err(ctx, NC_ERR_UNKNOWN_NS, tags[i].type, elem, "");
		break;
	case NC_ERR_LOCK_DENIED:
		e = nc_err(ctx, NC_ERR_LOCK_DENIED, err->session);
		break;
	case NC_ERR_DATA_EXISTS:
	case NC_ERR_DATA_MISSING:
	case NC_ERR_MALFORMED_MSG:
		e = nc_err(ctx, tags[i].err);
		break;
	case NC_ERR_OP_FAILED:
		e = nc_err(ctx, NC_ERR_OP_FAILED, NC_ERR_TYPE_APP);
		break;
	default:
		e = nc_err(ctx, tags[i].err, tags[i].type);
		break;
	}
	if (e && err->path[0])
		nc_err_set_path(e, err->path);
	if (e && err->message[0])
		nc_err_set_msg(e, err->message, "en");
	if (e && err->app_tag[0])
		nc_err_set_app_tag(e, err->app_tag);
	return e ? nc_server_reply_err(e) : NULL;
}

/* The datastore a target or source container names, or DS_COUNT. */
static enum ds_name datastore_in(const struct lyd_node *rpc, const char *name)
{
	static const char *const names[DS_COUNT] = { "running", "candidate",
						     "startup" };
	struct lyd_node *c, *which;

	if (lyd_find_path(rpc, name, 0, &c) || !(which = lyd_child(c)))
		return DS_COUNT;
	for (int i = 0; i < DS_COUNT; i++)
		if (!strcmp(which->schema->name, names[i]))
			return (enum ds_name)i;
	return DS_COUNT;
}

/* The datastore named in rpc's container name, or an error. */
static int datastore(const struct lyd_node *rpc, const char *name,
		     enum ds_name *which, struct ds_error *err)
{
	*which = datastore_in(rpc, name);
	if (*which == DS_COUNT)
		return ds_fail(err, "operation-not-supported", NULL,
			       "the %s must be running, candidate or startup",
			       name);
	return 0;
}

static const char *leaf_value(const struct lyd_node *rpc, const char *name)
{
	struct lyd_node *n;

	return lyd_find_path(rpc, name, 0, &n) ? NULL : lyd_get_value(n);
}

/* The configuration inside an anyxml <config>, parsed strictly, as data
 * (options PARSE_EDIT) or with opaque nodes for invalid values too. */
static int parse_config(const struct lyd_node *any, uint32_t options,
			struct lyd_node **tree, struct ds_error *err)
{
	const struct ly_ctx *ctx = LYD_CTX(any);
	char *xml = NULL;
	LY_ERR rc;

	*tree = NULL;
	if (lyd_any_value_str(any, &xml))
		return ds_fail(err, "operation-failed", NULL,
			       "the configuration could not be read");
	if (!xml)
		return 0;
	ly_err_clean((struct ly_ctx *)ctx, NULL);
	rc = lyd_parse_data_mem(ctx, xml, LYD_XML, options, 0, tree);
	free(xml);
	if (rc == LY_SUCCESS)
		return 0;
	return ds_fail_ly(err, ctx, "invalid-value");
}

/* The operation attribute of an edit's node (RFC 6241 7.2), as a string:
 * metadata on a node of the schema, an attribute on an opaque one. */
static const char *op_attribute(const struct lyd_node *n)
{
	const struct lyd_meta *m;
	const struct lyd_attr *a;

	if (n->schema) {
		m = lyd_find_meta(n->meta, NULL, "ietf-netconf:operation");
		return m ? lyd_get_meta_value(m) : NULL;
	}
	for (a = ((const struct lyd_node_opaq *)n)->attr; a; a = a->next)
		if (!strcmp(a->name.name, "operation") && a->name.module_ns &&
		    !strcmp(a->name.module_ns, NC_NS_BASE))
			return a->value;
	return NULL;
}

static enum ds_op op_of(const struct lyd_node *n, void *arg)
{
	static const char *const ops[] = { "",	     "merge",  "replace",
					   "create", "delete", "remove",
					   "none" };
	const char *v = op_attribute(n);

	(void)arg;
	for (size_t i = 1; v && i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strcmp(v, ops[i]))
			return (enum ds_op)i;
	return DS_OP_INHERIT;
}

/* Whether an opaque node of an edit is a leaf of the model, without a
 * value, to delete or remove. */
static bool valueless_removal(const struct lyd_node *n)
{
	const struct lyd_node_opaq *o = (const void *)n;
	enum ds_op op = op_of(n, NULL);

	return !(o->value && o->value[0]) && !o->child &&
	       (op == DS_OP_DELETE || op == DS_OP_REMOVE) &&
	       ds_opaque_leaf(lyd_parent(n), n);
}

static bool only_valueless_removals(const struct lyd_node *tree)
{
	const struct lyd_node *top, *n;

	LY_LIST_FOR (tree, top) {
		LYD_TREE_DFS_BEGIN (top, n) {
			if (!n->schema && !valueless_removal(n))
				return false;
			LYD_TREE_DFS_END(top, n);
		}
	}
	return true;
}

/*
 * An edit-config's <config>.  RFC 6241 lets a delete or remove name a
 * leaf without its value (<hop-limit nc:operation="delete"/>), which a
 * strict parse refuses as an invalid value: such leaves are taken as
 * opaque nodes.  Any other error is the strict parse's.
 */
static int parse_edit(const struct lyd_node *any, struct lyd_node **tree,
		      struct ds_error *err)
{
	struct ds_error strict = { 0 }, opaque = { 0 };

	if (parse_config(any, PARSE_EDIT, tree, &strict) == 0)
		return 0;
	if (parse_config(any, PARSE_EDIT | LYD_PARSE_OPAQ, tree, &opaque) ==
		    0 &&
	    only_valueless_removals(*tree))
		return 0;
	lyd_free_siblings(*tree);
	*tree = NULL;
	*err = strict;
	return -1;
}

/* rpc's node with output data, which libnetconf2 sends as the reply. */
static struct nc_server_reply *reply_data(const struct lyd_node *rpc,
					  const char *leaf, const void *value,
					  LYD_ANYDATA_VALUETYPE type)
{
	struct lyd_node *out;

	if (lyd_dup_single(rpc, NULL, 0, &out))
		return NULL;
	if (lyd_new_any(out, NULL, leaf, value, 1, type, 1, NULL)) {
		lyd_free_tree(out);
		return NULL;
	}
	return nc_server_reply_data(out, NC_WD_EXPLICIT, NC_PARAMTYPE_FREE);
}

static struct nc_server_reply *filtered(const struct lyd_node *rpc,
					const struct lyd_node *tree,
					struct ds_error *err)
{
	struct lyd_node *filter = NULL, *data;
	char *xpath;
	int rc;

	lyd_find_path(rpc, "filter", 0, &filter);
	if (filter_xpath(filter, &xpath, err))
		return NULL;
	rc = filter_apply(tree, xpath, &data, err);
	free(xpath);
	if (rc)
		return NULL;
	return reply_data(rpc, "data", data, LYD_ANYDATA_DATATREE);
}

/*
 * RFC 8525: the modules of the context, which the hello's yang-library 1.1
 * capability (with the same content-id) points clients to.
 */
static int add_yang_library(const struct ly_ctx *ctx, struct lyd_node **tree,
			    struct ds_error *err)
{
	struct lyd_node *lib = NULL;

	if (ly_ctx_get_yanglib_data(ctx, &lib, "%u",
				    ly_ctx_get_change_count(ctx)))
		return ds_fail_ly(err, ctx, "operation-failed");
	if (!*tree) {
		*tree = lib;
		return 0;
	}
	if (lyd_merge_siblings(tree, lib, LYD_MERGE_DESTRUCT)) {
		lyd_free_siblings(lib);
		return ds_fail_ly(err, ctx, "operation-failed");
	}
	return 0;
}

int ncops_running_state(struct ncops *ops, struct lyd_node **tree,
			struct ds_error *err)
{
	*tree = NULL;
	if (ops->ds->tree[DS_RUNNING] &&
	    lyd_dup_siblings(ops->ds->tree[DS_RUNNING], NULL,
			     LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS, tree))
		return ds_fail(err, "operation-failed", NULL, "out of memory");
	if (ops->hooks.state && ops->hooks.state(ops->hooks.arg, tree, err)) {
		lyd_free_siblings(*tree);
		*tree = NULL;
		return -1;
	}
	return 0;
}

static struct nc_server_reply *
get(struct ncops *ops, const struct lyd_node *rpc, struct ds_error *err)
{
	struct nc_server_reply *r = NULL;
	struct lyd_node *tree;

	if (ncops_running_state(ops, &tree, err) == 0 &&
	    add_yang_library(ops->ds->ctx, &tree, err) == 0)
		r = filtered(rpc, tree, err);
	lyd_free_siblings(tree);
	return r;
}

static enum ds_test test_option(const struct lyd_node *rpc)
{
	const char *t = leaf_value(rpc, "test-option");

	if (t && !strcmp(t, "set"))
		return DS_SET;
	if (t && !strcmp(t, "test-only"))
		return DS_TEST_ONLY;
	return DS_TEST_THEN_SET;
}

/*
 * An edit is made whole or not at all: stop-on-error and rollback-on-error
 * both leave the target as it was after an error; continue-on-error, which
 * would keep a part, is refused.
 */
static int edit_config(struct ncops *ops, const struct lyd_node *rpc,
		       uint32_t session, struct ds_error *err)
{
	const char *dflt = leaf_value(rpc, "default-operation");
	const char *eopt = leaf_value(rpc, "error-option");
	struct lyd_node *config, *edit;
	enum ds_op op = DS_OP_MERGE;
	enum ds_name target;
	int rc;

	if (datastore(rpc, "target", &target, err))
		return -1;
	if (eopt && !strcmp(eopt, "continue-on-error"))
		return ds_fail(err, "operation-not-supported", NULL,
			       "continue-on-error is not supported: an edit is "
			       "made whole or not at all");
	if (lyd_find_path(rpc, "config", 0, &config))
		return ds_fail(err, "operation-not-supported", NULL,
			       "only inline <config> edits are supported");
	if (dflt && !strcmp(dflt, "replace"))
		op = DS_OP_REPLACE;
	else if (dflt && !strcmp(dflt, "none"))
		op = DS_OP_NONE;
	if (parse_edit(config, &edit, err))
		return -1;
	rc = ds_edit(ops->ds, session, target, edit, op_of, NULL, op,
		     test_option(rpc), err);
	lyd_free_siblings(edit);
	return rc;
}

/* copy-config and validate: a datastore or an inline <config>. */
static int source_config(struct ncops *ops, const struct lyd_node *rpc,
			 struct lyd_node **tree, bool *owned,
			 struct ds_error *err)
{
	enum ds_name src = datastore_in(rpc, "source");
	struct lyd_node *config;

	*owned = false;
	if (src != DS_COUNT) {
		*tree = ops->ds->tree[src];
		return 0;
	}
	if (lyd_find_path(rpc, "source/config", 0, &config))
		return ds_fail(err, "operation-not-supported", NULL,
			       "the source must be a datastore or <config>");
	*owned = true;
	return parse_config(config, PARSE_EDIT, tree, err);
}

static int copy_config(struct ncops *ops, const struct lyd_node *rpc,
		       uint32_t session, struct ds_error *err)
{
	struct lyd_node *tree;
	enum ds_name target;
	bool owned;
	int rc;

	if (datastore(rpc, "target", &target, err))
		return -1;
	if (source_config(ops, rpc, &tree, &owned, err))
		return -1;
	rc = ds_replace(ops->ds, session, target, tree, err);
	if (owned)
		lyd_free_siblings(tree);
	return rc;
}

static int validate(struct ncops *ops, const struct lyd_node *rpc,
		    struct ds_error *err)
{
	struct lyd_node *tree;
	bool owned;
	int rc;

	if (source_config(ops, rpc, &tree, &owned, err))
		return -1;
	rc = ds_validate(ops->ds, tree, err);
	if (owned)
		lyd_free_siblings(tree);
	return rc;
}

static struct nc_server_reply *get_schema(const struct lyd_node *rpc,
					  struct ds_error *err)
{
	const struct ly_ctx *ctx = LYD_CTX(rpc);
	const char *id = leaf_value(rpc, "identifier");
	const char *version = leaf_value(rpc, "version");
	const char *format = leaf_value(rpc, "format");
	const struct lys_module *mod;
	bool yin = format && strstr(format, "yin");
	char *text = NULL;

	if (format && !yin && !strstr(format, "yang")) {
		ds_fail(err, "invalid-value", NULL,
			"schemas are served as yang or yin, not %s", format);
		return NULL;
	}
	mod = version && version[0] ? ly_ctx_get_module(ctx, id, version)
				    : ly_ctx_get_module_latest(ctx, id);
	if (!mod) {
		ds_fail(err, "invalid-value", NULL, "no module %s%s%s", id,
			version ? "@" : "", version ? version : "");
		return NULL;
	}
	if (lys_print_mem(&text, mod, yin ? LYS_OUT_YIN : LYS_OUT_YANG, 0)) {
		ds_fail(err, "operation-failed", NULL, "module %s not printed",
			id);
		return NULL;
	}
	return reply_data(rpc, "data", text, LYD_ANYDATA_STRING);
}

/* The operation of an RPC, or the action inside an action's tree. */
static const struct lyd_node *operation_of(const struct lyd_node *rpc)
{
	const struct lyd_node *n;

	LYD_TREE_DFS_BEGIN (rpc, n) {
		if (n->schema->nodetype & (LYS_RPC | LYS_ACTION))
			return n;
		LYD_TREE_DFS_END(rpc, n);
	}
	return NULL;
}

static int delete_config(struct ncops *ops, const struct lyd_node *rpc,
			 uint32_t session, struct ds_error *err)
{
	if (datastore_in(rpc, "target") != DS_STARTUP)
		return ds_fail(err, "operation-not-supported", NULL,
			       "only startup can be deleted");
	return ds_replace(ops->ds, session, DS_STARTUP, NULL, err);
}

struct nc_server_reply *
ncops_reply(struct ncops *ops, const struct lyd_node *rpc, uint32_t session)
{
	const struct lyd_node *op = operation_of(rpc);
	const char *name = op ? op->schema->name : "";
	struct nc_server_reply *reply = NULL;
	struct datastore *ds = ops->ds;
	struct ds_error err = { 0 };
	enum ds_name which;

	if (op && op->schema->nodetype == LYS_ACTION) {
		if (!ops->hooks.action)
			ds_fail(&err, "operation-not-supported", NULL,
				"no such action");
		else
			ops->hooks.action(ops->hooks.arg, op, &err);
	} else if (!strcmp(name, "get")) {
		reply = get(ops, op, &err);
	} else if (!strcmp(name, "get-config")) {
		if (datastore(op, "source", &which, &err) == 0)
			reply = filtered(op, ds->tree[which], &err);
	} else if (!strcmp(name, "edit-config")) {
		edit_config(ops, op, session, &err);
	} else if (!strcmp(name, "copy-config")) {
		copy_config(ops, op, session, &err);
	} else if (!strcmp(name, "delete-config")) {
		delete_config(ops, op, session, &err);
	} else if (!strcmp(name, "validate")) {
		validate(ops, op, &err);
	} else if (!strcmp(name, "commit")) {
		ds_commit(ds, session, &err);
	} else if (!strcmp(name, "discard-changes")) {
		ds_discard(ds);
	} else if (!strcmp(name, "lock")) {
		if (datastore(op, "target", &which, &err) == 0)
			ds_lock(ds, session, which, &err);
	} else if (!strcmp(name, "unlock")) {
		if (datastore(op, "target", &which, &err) == 0)
			ds_unlock(ds, session, which, &err);
	} else if (!strcmp(name, "get-schema")) {
		reply = get_schema(op, &err);
	} else {
		return NULL;
	}
	if (err.tag) {
		nc_server_reply_free(reply);
		return ncops_error(LYD_CTX(rpc), &err);
	}
	return reply ? reply : nc_server_reply_ok();
}
