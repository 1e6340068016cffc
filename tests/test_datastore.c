/*
 * rpd's datastores (rpd/datastore.c) over the real mdcs model: NETCONF edit
 * operations, commit with roll-back when applying fails, locks, and the
 * running configuration surviving a restart.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rpd/datastore.h"
#include "runner.h"

#define HEAD                                                                   \
	"{\"ietf-routing:routing\": {\"control-plane-protocols\": {"           \
	"\"control-plane-protocol\": [{\"type\": \"mdcs:mdcs\", "              \
	"\"name\": \"rp1\", \"mdcs:mdcs\": {"
#define TAIL "}}]}}}"
#define RP                                                                     \
	"\"rp\": {\"tunnel-address\": \"2001:db8:ff::1\", "                    \
	"\"uplink-interface\": \"eth1\", "                                     \
	"\"private-key-file\": \"/etc/mdcs/rp1.key\", "                        \
	"\"source-prefix\": [\"2001:db8:1::/48\"]}"
#define REMOTE(name, n)                                                        \
	"{\"name\": \"" name "\", \"address\": \"2001:db8:ff::" n "\", "       \
	"\"public-key\": \"0123456789abcdef0123456789abcdef"                   \
	"0123456789abcdef0123456789abcdef\", "                                 \
	"\"source-prefix\": [\"2001:db8:" n "::/48\"]}"

#define PROTO                                                                  \
	"/ietf-routing:routing/control-plane-protocols/control-plane-protocol" \
	"[type='mdcs:mdcs'][name='rp1']/mdcs:mdcs"

static const char base[] =
	HEAD RP ", \"remote-rp\": [" REMOTE("rp2", "2") "]" TAIL;

static struct ly_ctx *ctx;
static struct datastore ds;
static char dir[64], running_file[128], startup_file[128];

/* What the system was told to do: the apply hook's calls. */
static struct {
	unsigned calls;
	unsigned fail_call; /* 1-based call that fails; 0: none */
	char last[8192];    /* the config of the last call, as JSON */
} sys;

static int apply(void *arg, const struct lyd_node *config,
		 const struct lyd_node *diff, struct ds_error *err)
{
	char *json = NULL;

	(void)arg;
	(void)diff;
	sys.calls++;
	if (sys.calls == sys.fail_call) {
		err->tag = "operation-failed";
		snprintf(err->message, sizeof(err->message), "refused");
		return -1;
	}
	if (config)
		lyd_print_mem(&json, config, LYD_JSON,
			      LYD_PRINT_WITHSIBLINGS | LYD_PRINT_WD_EXPLICIT);
	snprintf(sys.last, sizeof(sys.last), "%s", json ? json : "");
	free(json);
	return 0;
}

static struct lyd_node *parse(const char *json)
{
	struct lyd_node *tree = NULL;

	ck_assert_int_eq(lyd_parse_data_mem(ctx, json, LYD_JSON,
					    LYD_PARSE_ONLY | LYD_PARSE_STRICT |
						    LYD_PARSE_NO_STATE,
					    0, &tree),
			 LY_SUCCESS);
	return tree;
}

/* A datastore as JSON, explicit nodes only. */
static char *dump(enum ds_name which)
{
	char *json = NULL;

	if (ds.tree[which])
		lyd_print_mem(&json, ds.tree[which], LYD_JSON,
			      LYD_PRINT_WITHSIBLINGS | LYD_PRINT_WD_EXPLICIT);
	return json ? json : strdup("");
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 65536);

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(buf);
	fread(buf, 1, 65535, f);
	fclose(f);
	return buf;
}

/* Per-node operations for an edit: (node path, operation) pairs. */
struct ops {
	const char *path;
	enum ds_op op;
};

static enum ds_op op_of(const struct lyd_node *node, void *arg)
{
	const struct ops *o = arg;
	char path[512];

	lyd_path(node, LYD_PATH_STD, path, sizeof(path));
	for (; o && o->path; o++)
		if (!strcmp(o->path, path))
			return o->op;
	return DS_OP_INHERIT;
}

static int edit(enum ds_name target, const char *json, const struct ops *o,
		enum ds_op default_op, enum ds_test test, struct ds_error *err)
{
	struct lyd_node *e = parse(json);
	int rc = ds_edit(&ds, 1, target, e, op_of, (void *)o, default_op, test,
			 err);

	lyd_free_all(e);
	return rc;
}

static void open_ds(void)
{
	struct ds_error err = { 0 };

	ck_assert_msg(ds_open(&ds, ctx, running_file, startup_file, apply, NULL,
			      &err) == 0,
		      "%s", err.message);
}

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/mdcs-ds-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(running_file, sizeof(running_file), "%s/running.json", dir);
	snprintf(startup_file, sizeof(startup_file), "%s/startup.json", dir);
	ly_log_options(LY_LOSTORE_LAST); /* errors are asserted, not shown */
	ck_assert_int_eq(ly_ctx_new(TEST_YANG_PATH, 0, &ctx), LY_SUCCESS);
	ck_assert_ptr_nonnull(ly_ctx_load_module(ctx, "mdcs", NULL, NULL));
	memset(&sys, 0, sizeof(sys));
	open_ds();
}

static void teardown(void)
{
	char cmd[128];

	ds_close(&ds);
	ly_ctx_destroy(ctx);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void commit_base(void)
{
	struct ds_error err = { 0 };

	ck_assert_msg(edit(DS_CANDIDATE, base, NULL, DS_OP_MERGE,
			   DS_TEST_THEN_SET, &err) == 0,
		      "%s", err.message);
	ck_assert_msg(ds_commit(&ds, 1, &err) == 0, "%s", err.message);
}

/* No file of any kind: nothing to run, and rpd knows it was never
 * configured, until its first change. */
START_TEST(empty_start_applies_nothing)
{
	ck_assert_uint_eq(sys.calls, 1);
	ck_assert_str_eq(sys.last, "");
	ck_assert_ptr_null(ds.tree[DS_RUNNING]);
	ck_assert(ds.never_configured);
	commit_base();
	ck_assert(!ds.never_configured);
}
END_TEST

START_TEST(commit_applies_saves_and_survives_restart)
{
	char *running, *saved, *restored;

	commit_base();
	ck_assert_uint_eq(sys.calls, 2);
	ck_assert_ptr_nonnull(strstr(sys.last, "2001:db8:ff::2"));
	running = dump(DS_RUNNING);
	saved = read_file(running_file);
	ck_assert_ptr_nonnull(strstr(saved, "2001:db8:ff::2"));

	/* rpd starts again: running comes back from its file. */
	ds_close(&ds);
	sys.calls = 0;
	open_ds();
	ck_assert(!ds.never_configured);
	restored = dump(DS_RUNNING);
	ck_assert_str_eq(restored, running);
	ck_assert_uint_eq(sys.calls, 1);
	ck_assert_ptr_nonnull(strstr(sys.last, "2001:db8:ff::2"));
	free(running);
	free(saved);
	free(restored);
}
END_TEST

START_TEST(failed_apply_rolls_back)
{
	static const char more[] =
		HEAD "\"remote-rp\": [" REMOTE("rp3", "3") "]" TAIL;
	struct ds_error err = { 0 };
	char *before, *file_before, *after, *file_after, side[160];

	commit_base();
	before = dump(DS_RUNNING);
	file_before = read_file(running_file);
	ck_assert_int_eq(edit(DS_CANDIDATE, more, NULL, DS_OP_MERGE,
			      DS_TEST_THEN_SET, &err),
			 0);
	sys.fail_call = sys.calls + 1;
	ck_assert_int_eq(ds_commit(&ds, 1, &err), -1);
	ck_assert_str_eq(err.tag, "operation-failed");
	ck_assert_str_eq(err.message, "refused");
	/* Called again, back to the old configuration. */
	ck_assert_uint_eq(sys.calls, 4);
	ck_assert_ptr_null(strstr(sys.last, "rp3"));
	ck_assert_ptr_nonnull(strstr(sys.last, "rp2"));
	after = dump(DS_RUNNING);
	file_after = read_file(running_file);
	ck_assert_str_eq(after, before);
	ck_assert_str_eq(file_after, file_before);
	snprintf(side, sizeof(side), "%s.new", running_file);
	ck_assert_int_ne(access(side, F_OK), 0);
	free(before);
	free(after);
	free(file_before);
	free(file_after);
}
END_TEST

START_TEST(invalid_edit_names_node_and_changes_nothing)
{
	static const char dangling[] =
		HEAD "\"channel\": [{\"group\": \"ff3e::1\", "
		     "\"source\": \"2001:db8:1::10\", "
		     "\"remote-rp\": [\"rp9\"]}]" TAIL;
	struct ds_error err = { 0 };
	char *before, *after;
	unsigned calls;

	commit_base();
	before = dump(DS_RUNNING);
	calls = sys.calls;
	ck_assert_int_eq(edit(DS_RUNNING, dangling, NULL, DS_OP_MERGE,
			      DS_TEST_THEN_SET, &err),
			 -1);
	/* RFC 7950 15.5: a missing leafref target */
	ck_assert_str_eq(err.tag, "data-missing");
	ck_assert_str_eq(err.app_tag, "instance-required");
	ck_assert_ptr_nonnull(strstr(err.path, "remote-rp"));
	ck_assert_ptr_null(strstr(err.path, "Data location"));
	ck_assert_uint_eq(sys.calls, calls);
	after = dump(DS_RUNNING);
	ck_assert_str_eq(after, before);
	free(before);
	free(after);
}
END_TEST

START_TEST(edit_operations_per_rfc6241)
{
	static const char timers[] = HEAD "\"timers\": {\"hello-interval\": 10,"
					  " \"join-prune-interval\": 20}" TAIL;
	static const char hello5[] =
		HEAD "\"timers\": {\"hello-interval\": 5}" TAIL;
	static const char rp2[] =
		HEAD "\"remote-rp\": [{\"name\": \"rp2\"}]" TAIL;
	static const char rp2_port[] = HEAD "\"remote-rp\": [{\"name\": "
					    "\"rp2\", \"port\": 9}]" TAIL;
	static const struct ops replace_timers[] = {
		{ PROTO "/timers", DS_OP_REPLACE }, { 0 }
	};
	static const struct ops delete_rp2[] = {
		{ PROTO "/remote-rp[name='rp2']", DS_OP_DELETE }, { 0 }
	};
	static const struct ops create_rp2[] = {
		{ PROTO "/remote-rp[name='rp2']", DS_OP_CREATE }, { 0 }
	};
	static const struct ops remove_rp2[] = {
		{ PROTO "/remote-rp[name='rp2']", DS_OP_REMOVE }, { 0 }
	};
	struct ds_error err = { 0 };
	char *s;

	commit_base();
	/* merge: one leaf changes, its sibling stays */
	ck_assert_int_eq(edit(DS_CANDIDATE, timers, NULL, DS_OP_MERGE,
			      DS_TEST_THEN_SET, &err),
			 0);
	ck_assert_int_eq(edit(DS_CANDIDATE, hello5, NULL, DS_OP_MERGE,
			      DS_TEST_THEN_SET, &err),
			 0);
	s = dump(DS_CANDIDATE);
	ck_assert_ptr_nonnull(strstr(s, "\"hello-interval\": 5"));
	ck_assert_ptr_nonnull(strstr(s, "\"join-prune-interval\": 20"));
	free(s);
	/* replace: the container becomes exactly the edit */
	ck_assert_int_eq(edit(DS_CANDIDATE, hello5, replace_timers, DS_OP_MERGE,
			      DS_SET, &err),
			 0);
	s = dump(DS_CANDIDATE);
	ck_assert_ptr_null(strstr(s, "join-prune-interval"));
	ck_assert_ptr_nonnull(strstr(s, "\"hello-interval\": 5"));
	ck_assert_ptr_nonnull(strstr(s, "rp2"));
	free(s);
	/* create of an existing entry, delete of a missing one: errors */
	ck_assert_int_eq(edit(DS_CANDIDATE, rp2_port, create_rp2, DS_OP_MERGE,
			      DS_SET, &err),
			 -1);
	ck_assert_str_eq(err.tag, "data-exists");
	ck_assert_str_eq(err.path, PROTO "/remote-rp[name='rp2']");
	ck_assert_int_eq(
		edit(DS_CANDIDATE, rp2, delete_rp2, DS_OP_MERGE, DS_SET, &err),
		0);
	ck_assert_int_eq(
		edit(DS_CANDIDATE, rp2, delete_rp2, DS_OP_MERGE, DS_SET, &err),
		-1);
	ck_assert_str_eq(err.tag, "data-missing");
	/* remove of a missing one is fine */
	ck_assert_int_eq(
		edit(DS_CANDIDATE, rp2, remove_rp2, DS_OP_MERGE, DS_SET, &err),
		0);
	s = dump(DS_CANDIDATE);
	ck_assert_ptr_null(strstr(s, "rp2"));
	free(s);
	/* running did not move; discard brings the candidate back */
	s = dump(DS_RUNNING);
	ck_assert_ptr_nonnull(strstr(s, "rp2"));
	free(s);
	ds_discard(&ds);
	s = dump(DS_CANDIDATE);
	ck_assert_ptr_nonnull(strstr(s, "rp2"));
	free(s);
}
END_TEST

/* Operations by node kind: op for opaque nodes, none of their own else. */
static enum ds_op opaque_op(const struct lyd_node *node, void *arg)
{
	return node->schema ? DS_OP_INHERIT : *(const enum ds_op *)arg;
}

/* An edit of timers with one opaque node: hello-interval, no value. */
static int edit_valueless_hello(enum ds_op op, struct ds_error *err)
{
	struct lyd_node *e = parse(HEAD "\"timers\": {\"join-prune-interval\": "
					"20}" TAIL),
			*timers, *hello;
	int rc;

	ck_assert_int_eq(lyd_find_path(e, PROTO "/timers", 0, &timers), 0);
	ck_assert_int_eq(lyd_new_opaq2(timers, NULL, "hello-interval", "", NULL,
				       "urn:mdcs:yang:mdcs", &hello),
			 LY_SUCCESS);
	ck_assert_ptr_eq(ds_opaque_leaf(timers, hello)->parent, timers->schema);
	rc = ds_edit(&ds, 1, DS_CANDIDATE, e, opaque_op, &op, DS_OP_MERGE,
		     DS_TEST_THEN_SET, err);
	lyd_free_all(e);
	return rc;
}

/* RFC 6241 lets a delete or remove name a leaf without its value. */
START_TEST(leaf_deleted_without_its_value)
{
	static const char hello10[] =
		HEAD "\"timers\": {\"hello-interval\": 10}" TAIL;
	struct ds_error err = { 0 };
	char *s;

	commit_base();
	ck_assert_int_eq(
		edit(DS_CANDIDATE, hello10, NULL, DS_OP_MERGE, DS_SET, &err),
		0);
	ck_assert_msg(edit_valueless_hello(DS_OP_DELETE, &err) == 0, "%s",
		      err.message);
	s = dump(DS_CANDIDATE);
	ck_assert_ptr_null(strstr(s, "hello-interval"));
	ck_assert_ptr_nonnull(strstr(s, "\"join-prune-interval\": 20"));
	free(s);
	/* gone, so a delete is refused and a remove is not */
	ck_assert_int_eq(edit_valueless_hello(DS_OP_DELETE, &err), -1);
	ck_assert_str_eq(err.tag, "data-missing");
	ck_assert_int_eq(edit_valueless_hello(DS_OP_REMOVE, &err), 0);
	/* any other operation needs the value */
	ck_assert_int_eq(edit_valueless_hello(DS_OP_MERGE, &err), -1);
	ck_assert_str_eq(err.tag, "invalid-value");
	ck_assert_ptr_nonnull(strstr(err.path, "hello-interval"));
}
END_TEST

START_TEST(test_only_changes_nothing)
{
	struct ds_error err = { 0 };

	ck_assert_int_eq(
		edit(DS_CANDIDATE, base, NULL, DS_OP_MERGE, DS_TEST_ONLY, &err),
		0);
	ck_assert_ptr_null(ds.tree[DS_CANDIDATE]);
	/* Without testing, an invalid candidate is taken, and commit
	 * refuses it. */
	ck_assert_int_eq(edit(DS_CANDIDATE, HEAD "\"timers\": {}" TAIL, NULL,
			      DS_OP_MERGE, DS_SET, &err),
			 0);
	ck_assert_int_eq(ds_validate(&ds, ds.tree[DS_CANDIDATE], &err), -1);
	ck_assert_ptr_nonnull(strstr(err.path, "tunnel-address"));
	ck_assert_int_eq(ds_commit(&ds, 1, &err), -1);
	ck_assert_uint_eq(sys.calls, 1);
}
END_TEST

START_TEST(locks_per_rfc6241)
{
	struct ds_error err = { 0 };
	struct lyd_node *e = parse(base);

	ck_assert_int_eq(ds_lock(&ds, 1, DS_RUNNING, &err), 0);
	ck_assert_int_eq(ds_lock(&ds, 2, DS_RUNNING, &err), -1);
	ck_assert_str_eq(err.tag, "lock-denied");
	ck_assert_int_eq(ds_edit(&ds, 2, DS_RUNNING, e, NULL, NULL, DS_OP_MERGE,
				 DS_TEST_THEN_SET, &err),
			 -1);
	ck_assert_str_eq(err.tag, "in-use");
	ck_assert_int_eq(ds_unlock(&ds, 2, DS_RUNNING, &err), -1);
	ck_assert_str_eq(err.tag, "operation-failed");
	/* The holder's session ends: the lock goes with it. */
	ds_session_end(&ds, 1);
	ck_assert_int_eq(ds_edit(&ds, 2, DS_RUNNING, e, NULL, NULL, DS_OP_MERGE,
				 DS_TEST_THEN_SET, &err),
			 0);

	/* A candidate others changed cannot be locked. */
	ck_assert_int_eq(ds_edit(&ds, 3, DS_CANDIDATE, e, NULL, NULL,
				 DS_OP_REPLACE, DS_TEST_THEN_SET, &err),
			 0);
	ck_assert_int_eq(ds_lock(&ds, 4, DS_CANDIDATE, &err), -1);
	ck_assert_str_eq(err.tag, "lock-denied");
	ck_assert_int_eq(ds_lock(&ds, 3, DS_CANDIDATE, &err), 0);
	ck_assert_int_eq(ds_commit(&ds, 4, &err), -1);
	ck_assert_str_eq(err.tag, "in-use");
	ck_assert_int_eq(ds_unlock(&ds, 3, DS_CANDIDATE, &err), 0);
	lyd_free_all(e);
}
END_TEST

START_TEST(ending_candidate_lock_discards_changes)
{
	struct ds_error err = { 0 };
	struct lyd_node *e = parse(base);

	ck_assert_int_eq(ds_lock(&ds, 7, DS_CANDIDATE, &err), 0);
	ck_assert_int_eq(ds_edit(&ds, 7, DS_CANDIDATE, e, NULL, NULL,
				 DS_OP_MERGE, DS_SET, &err),
			 0);
	ck_assert_ptr_nonnull(ds.tree[DS_CANDIDATE]);
	ck_assert_int_eq(
		edit(DS_CANDIDATE, base, NULL, DS_OP_MERGE, DS_SET, &err),
		-1); /* session 1 does not hold the lock */
	ck_assert_str_eq(err.tag, "in-use");
	ds_session_end(&ds, 7);
	ck_assert_ptr_null(ds.tree[DS_CANDIDATE]);
	ck_assert_int_eq(ds_lock(&ds, 1, DS_CANDIDATE, &err), 0);
	lyd_free_all(e);
}
END_TEST

static void write_startup(const char *text)
{
	FILE *f = fopen(startup_file, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert(fputs(text, f) >= 0);
	ck_assert_int_eq(fclose(f), 0);
}

START_TEST(startup_reload_replaces_running)
{
	struct ds_error err = { 0 };
	char *before, *after;

	write_startup(base);
	ck_assert_int_eq(ds_reload_startup(&ds, &err), 0);
	ck_assert_int_eq(
		ds_replace(&ds, 0, DS_RUNNING, ds.tree[DS_STARTUP], &err), 0);
	before = dump(DS_RUNNING);
	ck_assert_ptr_nonnull(strstr(before, "rp2"));
	ck_assert_uint_eq(sys.calls, 2);

	/* A broken file is refused, naming it; nothing else changes. */
	write_startup(HEAD RP ", \"timers\": {\"hello-interval\": 0}" TAIL);
	ck_assert_int_eq(ds_reload_startup(&ds, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, startup_file));
	ck_assert_ptr_nonnull(strstr(err.path, "hello-interval"));
	after = dump(DS_RUNNING);
	ck_assert_str_eq(after, before);
	ck_assert_ptr_nonnull(ds.tree[DS_STARTUP]);
	ck_assert_uint_eq(sys.calls, 2);
	free(before);
	free(after);
}
END_TEST

static Suite *datastore_suite(void)
{
	Suite *s = suite_create("datastore");
	TCase *tc = tcase_create("datastore");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, empty_start_applies_nothing);
	tcase_add_test(tc, commit_applies_saves_and_survives_restart);
	tcase_add_test(tc, failed_apply_rolls_back);
	tcase_add_test(tc, invalid_edit_names_node_and_changes_nothing);
	tcase_add_test(tc, edit_operations_per_rfc6241);
	tcase_add_test(tc, leaf_deleted_without_its_value);
	tcase_add_test(tc, test_only_changes_nothing);
	tcase_add_test(tc, locks_per_rfc6241);
	tcase_add_test(tc, ending_candidate_lock_discards_changes);
	tcase_add_test(tc, startup_reload_replaces_running);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(datastore_suite)
