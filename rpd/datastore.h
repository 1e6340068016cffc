/* rpd's configuration datastores (RFC 6241): libyang trees, edits, commit. */
#ifndef RPD_DATASTORE_H
#define RPD_DATASTORE_H

/*
 * Candidate, running and startup are libyang data trees of the same
 * context.  Running is what the system does: a change to it goes through
 * the apply hook, and if the hook fails, the hook is called again with the
 * configuration that was running, so that the system returns to it.
 * Running is saved to a file on every change, so that a restart finds it.
 */

#include <stdbool.h>
#include <stdint.h>
#include <libyang/libyang.h>

enum ds_name { DS_RUNNING, DS_CANDIDATE, DS_STARTUP, DS_COUNT };

/* RFC 6241 7.2: what an edit does to a node. */
enum ds_op {
	DS_OP_INHERIT, /* the operation of the parent, or the default */
	DS_OP_MERGE,
	DS_OP_REPLACE,
	DS_OP_CREATE,
	DS_OP_DELETE,
	DS_OP_REMOVE,
	DS_OP_NONE,
};

/* RFC 6241 8.6: what an edit is checked against before it is made. */
enum ds_test { DS_TEST_THEN_SET, DS_SET, DS_TEST_ONLY };

/* An rpc-error's parts (RFC 6241 appendix A). */
struct ds_error {
	const char *tag; /* "data-exists", "invalid-value", ... */
	char path[512];	 /* the offending node's path, or "" */
	char message[512];
	char app_tag[64]; /* error-app-tag, or "" */
	uint32_t session; /* lock-denied: the session holding the lock */
};

/* Fill err; returns -1. */
int ds_fail(struct ds_error *err, const char *tag, const char *path,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* libyang's last error in ctx as an rpc-error: tag, unless the error is
 * one RFC 7950 section 15 or RFC 6241 give another tag. */
int ds_fail_ly(struct ds_error *err, const struct ly_ctx *ctx, const char *tag);

/*
 * Make the system do config (a valid tree, NULL for none), coming from
 * what it did before; diff is libyang's difference between the two.  On
 * failure, return -1 with the reason in err: whatever was done is undone
 * by a second call back to the old configuration.
 */
typedef int (*ds_apply_fn)(void *arg, const struct lyd_node *config,
			   const struct lyd_node *diff, struct ds_error *err);

struct datastore {
	struct ly_ctx *ctx;
	struct lyd_node *tree[DS_COUNT];
	uint32_t lock[DS_COUNT];   /* session holding the lock, 0 if none */
	uint32_t candidate_author; /* session with uncommitted edits, or 0 */
	/* Neither a running nor a startup file when rpd started, and running
	 * unchanged since: rpd has lost or never had a configuration. */
	bool never_configured;
	char *running_file;
	char *startup_file;
	ds_apply_fn apply;
	void *arg;
};

/*
 * Load running from running_file if it exists, else from startup_file, and
 * apply it; startup comes from startup_file.  Either file may be NULL: no
 * such datastore is saved.
 */
int ds_open(struct datastore *ds, struct ly_ctx *ctx, const char *running_file,
	    const char *startup_file, ds_apply_fn apply, void *arg,
	    struct ds_error *err);
void ds_close(struct datastore *ds);

/*
 * Change target by edit (top-level siblings of the same context).  op_of
 * gives each edit node's own operation (DS_OP_INHERIT if it has none);
 * default_op is the top level's.  An edit of running is applied at once,
 * and validated even with DS_SET: the system runs no invalid configuration.
 * An opaque edit node may name, without its value, a leaf of its parent to
 * delete or remove (see ds_opaque_leaf()).
 */
typedef enum ds_op (*ds_op_fn)(const struct lyd_node *node, void *arg);
int ds_edit(struct datastore *ds, uint32_t session, enum ds_name target,
	    const struct lyd_node *edit, ds_op_fn op_of, void *op_arg,
	    enum ds_op default_op, enum ds_test test, struct ds_error *err);

/* The leaf of parent's schema that opaque node n names, or NULL. */
const struct lysc_node *ds_opaque_leaf(const struct lyd_node *parent,
				       const struct lyd_node *n);

/* Replace target by a copy of config (copy-config); NULL empties it. */
int ds_replace(struct datastore *ds, uint32_t session, enum ds_name target,
	       const struct lyd_node *config, struct ds_error *err);

/* Read startup again from its file (absent: empty). */
int ds_reload_startup(struct datastore *ds, struct ds_error *err);

/* Whether config (a datastore's tree or any other) is a valid
 * configuration of the context. */
int ds_validate(struct datastore *ds, const struct lyd_node *config,
		struct ds_error *err);

/* Make the candidate running. */
int ds_commit(struct datastore *ds, uint32_t session, struct ds_error *err);

/* Set the candidate back to running. */
void ds_discard(struct datastore *ds);

int ds_lock(struct datastore *ds, uint32_t session, enum ds_name which,
	    struct ds_error *err);
int ds_unlock(struct datastore *ds, uint32_t session, enum ds_name which,
	      struct ds_error *err);

/* A session ended: its locks go, and with the candidate's lock its
 * uncommitted changes (RFC 6241 7.5). */
void ds_session_end(struct datastore *ds, uint32_t session);

#endif
