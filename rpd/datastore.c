/* rpd's configuration datastores (RFC 6241): libyang trees, edits, commit. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datastore.h"

#define PARSE_CONFIG (LYD_PARSE_NO_STATE | LYD_PARSE_STRICT)

static const char *const ds_names[DS_COUNT] = { "running", "candidate",
						"startup" };

int ds_fail(struct ds_error *err, const char *tag, const char *path,
	    const char *fmt, ...)
{
	va_list ap;

	err->tag = tag;
	err->app_tag[0] = '\0';
	snprintf(err->path, sizeof(err->path), "%s", path ? path : "");
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -1;
}

/* The data path in a libyang error's location ("Data location \"...\",
 * line number 8."), or the location as it is. */
static void location_path(const char *loc, char *buf, size_t len)
{
	const char *q = loc ? strchr(loc, '"') : NULL;

	if (q)
		snprintf(buf, len, "%.*s", (int)strcspn(q + 1, "\""), q + 1);
	else
		snprintf(buf, len, "%s", loc ? loc : "");
}

int ds_fail_ly(struct ds_error *err, const struct ly_ctx *ctx, const char *tag)
{
	static const struct {
		const char *app_tag, *tag;
	} rfc7950[] = {
		/* RFC 7950 15: the rpc-errors of YANG's constraints */
		{ "instance-required", "data-missing" },
		{ "must-violation", "operation-failed" },
		{ "data-not-unique", "operation-failed" },
		{ "too-many-elements", "operation-failed" },
		{ "too-few-elements", "operation-failed" },
		{ "missing-choice", "data-missing" },
	};
	const struct ly_err_item *e = ly_err_last(ctx);
	char path[sizeof(err->path)];

	if (!e)
		return ds_fail(err, tag, NULL, "libyang failed");
	if (e->vecode == LYVE_REFERENCE && strstr(e->msg, "not found as"))
		tag = "unknown-element";
	else if (e->vecode == LYVE_SYNTAX_XML)
		tag = "malformed-message";
	for (size_t i = 0; e->apptag && i < sizeof(rfc7950) / sizeof(*rfc7950);
	     i++)
		if (!strcmp(e->apptag, rfc7950[i].app_tag))
			tag = rfc7950[i].tag;
	location_path(e->path, path, sizeof(path));
	ds_fail(err, tag, path, "%s", e->msg);
	snprintf(err->app_tag, sizeof(err->app_tag), "%s",
		 e->apptag ? e->apptag : "");
	return -1;
}

static int fail_at(struct ds_error *err, const char *tag,
		   const struct lyd_node *n, const char *what)
{
	char path[512];

	if (!lyd_path(n, LYD_PATH_STD, path, sizeof(path)))
		path[0] = '\0';
	return ds_fail(err, tag, path, "%s %s", path, what);
}

static int validate_tree(struct ly_ctx *ctx, struct lyd_node **tree,
			 struct ds_error *err)
{
	ly_err_clean(ctx, NULL);
	if (lyd_validate_all(tree, ctx, LYD_VALIDATE_NO_STATE, NULL))
		return ds_fail_ly(err, ctx, "invalid-value");
	return 0;
}

static int dup_tree(const struct lyd_node *tree, struct lyd_node **out,
		    struct ds_error *err)
{
	*out = NULL;
	if (tree && lyd_dup_siblings(tree, NULL, LYD_DUP_RECURSIVE, out))
		return ds_fail(err, "operation-failed", NULL,
			       "out of memory copying a datastore");
	return 0;
}

/* JSON or XML by the first character that is not white space: the name
 * of a file need not say. */
static LYD_FORMAT format_of(const char *file)
{
	FILE *f = fopen(file, "re");
	int c = EOF;

	if (f) {
		do
			c = getc(f);
		while (c == ' ' || c == '\t' || c == '\n' || c == '\r');
		fclose(f);
	}
	return c == '<' ? LYD_XML : LYD_JSON;
}

/* 0 and a valid tree (NULL if empty), 1 if there is no file, -1 if bad. */
static int load(struct ly_ctx *ctx, const char *file, struct lyd_node **tree,
		struct ds_error *err)
{
	*tree = NULL;
	if (!file || access(file, F_OK))
		return 1;
	ly_err_clean(ctx, NULL);
	if (lyd_parse_data_path(ctx, file, format_of(file), PARSE_CONFIG,
				LYD_VALIDATE_NO_STATE, tree)) {
		ds_fail_ly(err, ctx, "invalid-value");
		snprintf(err->message + strlen(err->message),
			 sizeof(err->message) - strlen(err->message), " in %s",
			 file);
		return -1;
	}
	return validate_tree(ctx, tree, err);
}

/* Write tree to file's side file; rename() makes it the file at once. */
static char *write_side_file(const char *file, const struct lyd_node *tree,
			     struct ds_error *err)
{
	size_t len = strlen(file) + sizeof(".new");
	char *side = malloc(len);
	FILE *f;
	int rc;

	if (!side) {
		ds_fail(err, "operation-failed", NULL, "out of memory");
		return NULL;
	}
	snprintf(side, len, "%s.new", file);
	f = fopen(side, "we");
	if (!f) {
		ds_fail(err, "operation-failed", NULL, "%s: %s", side,
			strerror(errno));
		free(side);
		return NULL;
	}
	rc = tree ? lyd_print_file(f, tree, LYD_JSON,
				   LYD_PRINT_WITHSIBLINGS |
					   LYD_PRINT_WD_EXPLICIT)
		  : (fputs("{}\n", f) < 0);
	if (fflush(f) || fsync(fileno(f)))
		rc = -1;
	if (fclose(f) || rc) {
		ds_fail(err, "operation-failed", NULL, "writing %s failed",
			side);
		unlink(side);
		free(side);
		return NULL;
	}
	return side;
}

static int save(const char *file, const struct lyd_node *tree,
		struct ds_error *err)
{
	char *side;
	int rc = 0;

	if (!file)
		return 0;
	side = write_side_file(file, tree, err);
	if (!side)
		return -1;
	if (rename(side, file)) {
		rc = ds_fail(err, "operation-failed", NULL, "%s: %s", file,
			     strerror(errno));
		unlink(side);
	}
	free(side);
	return rc;
}

/*
 * Make next (a valid tree, owned from here on) the running configuration:
 * saved to a side file, applied, then the side file becomes the running
 * file.  If any step fails, the system goes back to what was running.
 */
static int set_running(struct datastore *ds, struct lyd_node *next,
		       struct ds_error *err)
{
	struct lyd_node *diff = NULL, *undo = NULL;
	char *side = NULL;
	struct ds_error ignored;

	if (lyd_diff_siblings(ds->tree[DS_RUNNING], next, LYD_DIFF_DEFAULTS,
			      &diff)) {
		lyd_free_siblings(next);
		return ds_fail_ly(err, ds->ctx, "operation-failed");
	}
	if (!diff) {
		lyd_free_siblings(next);
		return 0;
	}
	if (ds->running_file) {
		side = write_side_file(ds->running_file, next, err);
		if (!side)
			goto failed;
	}
	if (ds->apply(ds->arg, next, diff, err))
		goto undo;
	if (side && rename(side, ds->running_file)) {
		ds_fail(err, "operation-failed", NULL, "%s: %s",
			ds->running_file, strerror(errno));
		goto undo;
	}
	free(side);
	lyd_free_siblings(diff);
	lyd_free_siblings(ds->tree[DS_RUNNING]);
	ds->tree[DS_RUNNING] = next;
	ds->never_configured = false;
	return 0;

undo:
	if (lyd_diff_reverse_all(diff, &undo) ||
	    ds->apply(ds->arg, ds->tree[DS_RUNNING], undo, &ignored))
		snprintf(err->message + strlen(err->message),
			 sizeof(err->message) - strlen(err->message),
			 "; going back to the running configuration failed "
			 "too: %s",
			 ignored.message);
	lyd_free_siblings(undo);
	if (side)
		unlink(side);
failed:
	free(side);
	lyd_free_siblings(diff);
	lyd_free_siblings(next);
	return -1;
}

int ds_open(struct datastore *ds, struct ly_ctx *ctx, const char *running_file,
	    const char *startup_file, ds_apply_fn apply, void *arg,
	    struct ds_error *err)
{
	struct lyd_node *running = NULL;
	int rc, startup_rc;

	memset(ds, 0, sizeof(*ds));
	ds->ctx = ctx;
	ds->apply = apply;
	ds->arg = arg;
	if ((running_file && !(ds->running_file = strdup(running_file))) ||
	    (startup_file && !(ds->startup_file = strdup(startup_file))))
		goto nomem;
	startup_rc = load(ctx, startup_file, &ds->tree[DS_STARTUP], err);
	if (startup_rc < 0)
		goto failed;
	rc = load(ctx, running_file, &running, err);
	if (rc < 0)
		goto failed;
	ds->never_configured = rc > 0 && startup_rc > 0;
	if (rc > 0 && dup_tree(ds->tree[DS_STARTUP], &running, err))
		goto failed;
	if (ds->apply(ds->arg, running, NULL, err)) {
		lyd_free_siblings(running);
		goto failed;
	}
	ds->tree[DS_RUNNING] = running;
	if (save(running_file, running, err) ||
	    dup_tree(running, &ds->tree[DS_CANDIDATE], err))
		goto failed;
	return 0;

nomem:
	ds_fail(err, "operation-failed", NULL, "out of memory");
failed:
	ds_close(ds);
	return -1;
}

void ds_close(struct datastore *ds)
{
	for (int i = 0; i < DS_COUNT; i++) {
		lyd_free_siblings(ds->tree[i]);
		ds->tree[i] = NULL;
	}
	free(ds->running_file);
	free(ds->startup_file);
	ds->running_file = ds->startup_file = NULL;
}

/* Whether another session's lock keeps session from changing which. */
static int check_lock(const struct datastore *ds, uint32_t session,
		      enum ds_name which, struct ds_error *err)
{
	if (ds->lock[which] && ds->lock[which] != session)
		return ds_fail(err, "in-use", NULL,
			       "the %s datastore is locked by session %u",
			       ds_names[which], (unsigned)ds->lock[which]);
	return 0;
}

struct edit {
	ds_op_fn op_of;
	void *op_arg;
	struct ds_error *err;
};

static int edit_siblings(struct edit *e, struct lyd_node *parent,
			 struct lyd_node **first, const struct lyd_node *edit,
			 enum ds_op inherited);

static int insert(struct lyd_node *parent, struct lyd_node **first,
		  struct lyd_node *node)
{
	if (parent)
		return lyd_insert_child(parent, node) ? -1 : 0;
	if (!*first) {
		*first = node;
		return 0;
	}
	return lyd_insert_sibling(*first, node, first) ? -1 : 0;
}

static void drop(struct lyd_node *parent, struct lyd_node **first,
		 struct lyd_node *node)
{
	if (!parent && *first == node)
		*first = node->next;
	lyd_free_tree(node);
}

static int insert_copy(struct edit *e, struct lyd_node *parent,
		       struct lyd_node **first, const struct lyd_node *n,
		       uint32_t options, struct lyd_node **copy)
{
	if (lyd_dup_single(n, NULL, options | LYD_DUP_NO_META, copy) ||
	    insert(parent, first, *copy)) {
		lyd_free_tree(*copy);
		return fail_at(e->err, "operation-failed", n,
			       "could not be added");
	}
	return 0;
}

const struct lysc_node *ds_opaque_leaf(const struct lyd_node *parent,
				       const struct lyd_node *n)
{
	const struct lyd_node_opaq *o = (const void *)n;
	const struct lys_module *mod;

	if (!parent || !parent->schema || n->schema || !o->name.module_ns)
		return NULL;
	mod = ly_ctx_get_module_implemented_ns(LYD_CTX(parent),
					       o->name.module_ns);
	return mod ? lys_find_child(parent->schema, mod, o->name.name, 0,
				    LYS_LEAF, 0)
		   : NULL;
}

/* The target's node that edit node n is about, if there is one. */
static struct lyd_node *target_of(struct lyd_node *parent,
				  struct lyd_node *first,
				  const struct lyd_node *n)
{
	const struct lysc_node *leaf;
	struct lyd_node *match = NULL;

	if (!first)
		return NULL;
	if (n->schema)
		lyd_find_sibling_first(first, n, &match);
	else if ((leaf = ds_opaque_leaf(parent, n)))
		lyd_find_sibling_val(first, leaf, NULL, 0, &match);
	return match;
}

/* RFC 6241 7.2 for one edit node against the target's siblings. */
static int edit_node(struct edit *e, struct lyd_node *parent,
		     struct lyd_node **first, const struct lyd_node *n,
		     enum ds_op inherited)
{
	enum ds_op op = e->op_of ? e->op_of(n, e->op_arg) : DS_OP_INHERIT;
	struct lyd_node *match = target_of(parent, *first, n), *copy;
	bool exists;

	if (op == DS_OP_INHERIT)
		op = inherited;
	if (!n->schema && op != DS_OP_DELETE && op != DS_OP_REMOVE)
		return fail_at(e->err, "invalid-value", n, "has no value");
	exists = match && !(match->flags & LYD_DEFAULT);
	switch (op) {
	case DS_OP_CREATE:
		if (exists)
			return fail_at(e->err, "data-exists", n,
				       "already exists");
		/* fall through */
	case DS_OP_REPLACE:
		if (match)
			drop(parent, first, match);
		return insert_copy(e, parent, first, n, LYD_DUP_RECURSIVE,
				   &copy);
	case DS_OP_DELETE:
		if (!exists)
			return fail_at(e->err, "data-missing", n,
				       "does not exist");
		/* fall through */
	case DS_OP_REMOVE:
		if (match)
			drop(parent, first, match);
		return 0;
	default:
		break;
	}
	/* merge and none */
	if (n->schema->nodetype & LYD_NODE_TERM) {
		LY_ERR rc;

		if (op == DS_OP_NONE)
			return 0;
		if (!match)
			return insert_copy(e, parent, first, n, 0, &copy);
		if (n->schema->nodetype == LYS_LEAFLIST)
			return 0; /* the value is there */
		rc = lyd_change_term(match, lyd_get_value(n));
		if (rc != LY_SUCCESS && rc != LY_EEXIST && rc != LY_ENOT)
			return fail_at(e->err, "invalid-value", n,
				       "cannot take the value");
		match->flags &= ~LYD_DEFAULT;
		return 0;
	}
	if (!match && insert_copy(e, parent, first, n, 0, &match))
		return -1;
	match->flags &= ~LYD_DEFAULT;
	return edit_siblings(e, match, NULL, lyd_child(n), op);
}

static int edit_siblings(struct edit *e, struct lyd_node *parent,
			 struct lyd_node **first, const struct lyd_node *edit,
			 enum ds_op inherited)
{
	const struct lyd_node *n;

	LY_LIST_FOR (edit, n) {
		struct lyd_node *children = lyd_child(parent);

		if (lysc_is_key(n->schema))
			continue; /* matched with its list entry */
		if (edit_node(e, parent, parent ? &children : first, n,
			      inherited))
			return -1;
	}
	return 0;
}

/* Make tree (valid, owned from here on) the content of target. */
static int store(struct datastore *ds, uint32_t session, enum ds_name target,
		 struct lyd_node *tree, struct ds_error *err)
{
	switch (target) {
	case DS_RUNNING:
		return set_running(ds, tree, err);
	case DS_STARTUP:
		if (save(ds->startup_file, tree, err)) {
			lyd_free_siblings(tree);
			return -1;
		}
		break;
	default:
		ds->candidate_author = session;
		break;
	}
	lyd_free_siblings(ds->tree[target]);
	ds->tree[target] = tree;
	return 0;
}

int ds_edit(struct datastore *ds, uint32_t session, enum ds_name target,
	    const struct lyd_node *edit, ds_op_fn op_of, void *op_arg,
	    enum ds_op default_op, enum ds_test test, struct ds_error *err)
{
	struct edit e = { op_of, op_arg, err };
	struct lyd_node *tree;

	if (check_lock(ds, session, target, err) ||
	    dup_tree(ds->tree[target], &tree, err))
		return -1;
	if (edit_siblings(&e, NULL, &tree, edit, default_op) ||
	    ((test != DS_SET || target == DS_RUNNING) &&
	     validate_tree(ds->ctx, &tree, err))) {
		lyd_free_siblings(tree);
		return -1;
	}
	if (test == DS_TEST_ONLY) {
		lyd_free_siblings(tree);
		return 0;
	}
	return store(ds, session, target, tree, err);
}

int ds_replace(struct datastore *ds, uint32_t session, enum ds_name target,
	       const struct lyd_node *config, struct ds_error *err)
{
	struct lyd_node *tree;

	if (check_lock(ds, session, target, err) ||
	    dup_tree(config, &tree, err))
		return -1;
	if (validate_tree(ds->ctx, &tree, err)) {
		lyd_free_siblings(tree);
		return -1;
	}
	return store(ds, session, target, tree, err);
}

int ds_reload_startup(struct datastore *ds, struct ds_error *err)
{
	struct lyd_node *tree;

	if (load(ds->ctx, ds->startup_file, &tree, err) < 0)
		return -1;
	lyd_free_siblings(ds->tree[DS_STARTUP]);
	ds->tree[DS_STARTUP] = tree;
	return 0;
}

int ds_validate(struct datastore *ds, const struct lyd_node *config,
		struct ds_error *err)
{
	struct lyd_node *tree;
	int rc;

	if (dup_tree(config, &tree, err))
		return -1;
	rc = validate_tree(ds->ctx, &tree, err);
	lyd_free_siblings(tree);
	return rc;
}

int ds_commit(struct datastore *ds, uint32_t session, struct ds_error *err)
{
	if (check_lock(ds, session, DS_CANDIDATE, err) ||
	    ds_replace(ds, session, DS_RUNNING, ds->tree[DS_CANDIDATE], err))
		return -1;
	ds->candidate_author = 0;
	return 0;
}

void ds_discard(struct datastore *ds)
{
	struct lyd_node *tree;
	struct ds_error ignored;

	if (dup_tree(ds->tree[DS_RUNNING], &tree, &ignored))
		return;
	lyd_free_siblings(ds->tree[DS_CANDIDATE]);
	ds->tree[DS_CANDIDATE] = tree;
	ds->candidate_author = 0;
}

int ds_lock(struct datastore *ds, uint32_t session, enum ds_name which,
	    struct ds_error *err)
{
	if (ds->lock[which]) {
		err->session = ds->lock[which];
		return ds_fail(err, "lock-denied", NULL,
			       "the %s datastore is locked by session %u",
			       ds_names[which], (unsigned)ds->lock[which]);
	}
	if (which == DS_CANDIDATE && ds->candidate_author &&
	    ds->candidate_author != session) {
		err->session = ds->candidate_author;
		return ds_fail(err, "lock-denied", NULL,
			       "the candidate has uncommitted changes of "
			       "session %u",
			       (unsigned)ds->candidate_author);
	}
	ds->lock[which] = session;
	return 0;
}

int ds_unlock(struct datastore *ds, uint32_t session, enum ds_name which,
	      struct ds_error *err)
{
	if (ds->lock[which] != session)
		return ds_fail(err, "operation-failed", NULL,
			       "the %s datastore is not locked by this session",
			       ds_names[which]);
	ds->lock[which] = 0;
	return 0;
}

void ds_session_end(struct datastore *ds, uint32_t session)
{
	if (ds->lock[DS_CANDIDATE] == session)
		ds_discard(ds);
	for (int i = 0; i < DS_COUNT; i++)
		if (ds->lock[i] == session)
			ds->lock[i] = 0;
}
