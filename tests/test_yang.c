/*
 * The mdcs YANG model: yanglint finds nothing to report, every node says
 * what it is, and libyang refuses bad instance data naming the node.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libyang/libyang.h>

#include "runner.h"

#define MODEL TEST_YANG_DIR "/mdcs.yang"

/* Warnings and errors libyang logged while loading the model. */
static char logged[4096];

static void keep_log(LY_LOG_LEVEL level, const char *msg, const char *path)
{
	size_t used = strlen(logged);

	if (level <= LY_LLWRN)
		snprintf(logged + used, sizeof(logged) - used, "%s (%s)\n", msg,
			 path ? path : "");
}

static struct ly_ctx *load_model(void)
{
	struct ly_ctx *ctx = NULL;

	logged[0] = '\0';
	ly_set_log_clb(keep_log, 1);
	ly_log_level(LY_LLWRN);
	ck_assert_int_eq(ly_ctx_new(TEST_YANG_PATH, 0, &ctx), LY_SUCCESS);
	ck_assert_ptr_nonnull(ly_ctx_load_module(ctx, "mdcs", NULL, NULL));
	ck_assert_msg(!logged[0], "libyang: %s", logged);
	return ctx;
}

START_TEST(yanglint_reports_nothing)
{
	char cmd[1024], out[4096];
	size_t n;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "yanglint -p %s -p %s %s 2>&1",
		 TEST_YANG_DIR, TEST_IETF_YANG_DIR, MODEL);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	ck_assert_int_eq(pclose(p), 0);
	ck_assert_msg(n == 0, "yanglint: %s", out);
}
END_TEST

/* Nodes of the mdcs module without a description, and enums too. */
static LY_ERR find_undescribed(struct lysc_node *node, void *data,
			       ly_bool *dfs_continue)
{
	const struct lys_module *mdcs = data;
	const struct lysc_type_enum *en;

	(void)dfs_continue;
	/* An action's input and output have no statement of their own. */
	if (node->module != mdcs || node->nodetype & (LYS_INPUT | LYS_OUTPUT))
		return LY_SUCCESS;
	ck_assert_msg(node->dsc, "%s has no description", node->name);
	if (node->nodetype != LYS_LEAF)
		return LY_SUCCESS;
	en = (const struct lysc_type_enum *)((struct lysc_node_leaf *)node)
		     ->type;
	if (en->basetype != LY_TYPE_ENUM)
		return LY_SUCCESS;
	LY_ARRAY_COUNT_TYPE i;
	LY_ARRAY_FOR(en->enums, i)
	ck_assert_msg(en->enums[i].dsc, "%s: enum %s has no description",
		      node->name, en->enums[i].name);
	return LY_SUCCESS;
}

START_TEST(every_node_described)
{
	struct ly_ctx *ctx = load_model();
	const struct lys_module *mdcs =
		ly_ctx_get_module_implemented(ctx, "mdcs");
	const struct lys_module *rt =
		ly_ctx_get_module_implemented(ctx, "ietf-routing");

	ck_assert_ptr_nonnull(mdcs);
	ck_assert_ptr_nonnull(rt);
	/* The augment puts every mdcs node in ietf-routing's tree. */
	ck_assert_int_eq(
		lysc_module_dfs_full(rt, find_undescribed, (void *)mdcs),
		LY_SUCCESS);
	ly_ctx_destroy(ctx);
}
END_TEST

#define INSTANCE_HEAD                                                          \
	"{\"ietf-routing:routing\": {\"control-plane-protocols\": {"           \
	"\"control-plane-protocol\": [{\"type\": \"mdcs:mdcs\", "              \
	"\"name\": \"rp1\", \"mdcs:mdcs\": {"
#define INSTANCE_TAIL "}}]}}}"
#define RP                                                                     \
	"\"rp\": {\"tunnel-address\": \"2001:db8:ff::1\", "                    \
	"\"uplink-interface\": \"eth1\", "                                     \
	"\"private-key-file\": \"/etc/mdcs/rp1.key\", "                        \
	"\"source-prefix\": [\"2001:db8:1::/48\"]}"
#define REMOTE                                                                 \
	"\"remote-rp\": [{\"name\": \"rp2\", "                                 \
	"\"address\": \"2001:db8:ff::2\", \"public-key\": "                    \
	"\"0123456789abcdef0123456789abcdef"                                   \
	"0123456789abcdef0123456789abcdef\", "                                 \
	"\"source-prefix\": [\"2001:db8:2::/48\"]}]"

/* Parse and validate data; the error's message and path, or "" if valid. */
static const char *validate(struct ly_ctx *ctx, const char *json,
			    uint32_t parse, uint32_t valid)
{
	static char err[1024];
	struct lyd_node *tree = NULL;
	const struct ly_err_item *e;

	err[0] = '\0';
	ly_err_clean(ctx, NULL);
	if (lyd_parse_data_mem(ctx, json, LYD_JSON, parse | LYD_PARSE_STRICT,
			       valid, &tree) != LY_SUCCESS) {
		e = ly_err_last(ctx);
		snprintf(err, sizeof(err), "%s at %s", e ? e->msg : "?",
			 e && e->path ? e->path : "?");
	}
	lyd_free_all(tree);
	return err;
}

START_TEST(valid_config_and_state_accepted)
{
	static const char config[] = INSTANCE_HEAD RP
		", " REMOTE ", \"channel\": [{\"group\": \"ff3e::1\", "
		"\"source\": \"2001:db8:1::10\", \"remote-rp\": [\"rp2\"]}], "
		"\"membership\": {\"view-size\": 30, \"shuffle-length\": 10}" //
		INSTANCE_TAIL;
	static const char state[] = INSTANCE_HEAD RP
		", " REMOTE ", \"subscription\": [{\"group\": \"ff3e::1\", "
		"\"source\": \"2001:db8:2::10\", \"remote-rp\": \"rp2\", "
		"\"direction\": \"received\", \"expires-in\": 90}], "
		"\"statistics\": {\"drop\": [{\"reason\": \"unknown-rp\", "
		"\"packets\": \"3\"}]}" INSTANCE_TAIL;
	struct ly_ctx *ctx = load_model();

	ck_assert_str_eq(validate(ctx, config, LYD_PARSE_NO_STATE,
				  LYD_VALIDATE_NO_STATE),
			 "");
	/*
	 * Types, ranges and keys only: the operational datastore's other
	 * constraints belong to ietf-routing's deprecated routing-state too.
	 */
	ck_assert_str_eq(validate(ctx, state, LYD_PARSE_ONLY, 0), "");
	/* State is no configuration. */
	ck_assert_ptr_nonnull(strstr(
		validate(ctx, state, LYD_PARSE_NO_STATE, LYD_VALIDATE_NO_STATE),
		"subscription"));
	ly_ctx_destroy(ctx);
}
END_TEST

/* Each bad configuration, and the node its error must name. */
static const struct {
	const char *json;
	const char *names;
} bad[] = {
	{ INSTANCE_HEAD
	  "\"rp\": {\"tunnel-address\": \"2001:db8:ff::1\", "
	  "\"uplink-interface\": \"eth1\", "
	  "\"private-key-file\": \"/k\", "
	  "\"source-prefix\": [\"2001:db8:1::/129\"]}" INSTANCE_TAIL,
	  "source-prefix" },
	{ INSTANCE_HEAD RP
	  ", \"timers\": {\"hello-intervall\": 5}" INSTANCE_TAIL,
	  "hello-intervall" },
	{ INSTANCE_HEAD RP
	  ", \"timers\": {\"hello-interval\": 0}" INSTANCE_TAIL,
	  "hello-interval" },
	{ INSTANCE_HEAD RP
	  ", " REMOTE ", \"channel\": [{\"group\": \"ff3e::1\", "
	  "\"source\": \"2001:db8:1::10\", \"remote-rp\": [\"rp9\"]}]" //
	  INSTANCE_TAIL,
	  "remote-rp" },
	{ INSTANCE_HEAD RP ", \"channel\": [{\"group\": \"ff0e::1\", "
			   "\"source\": \"2001:db8:1::10\", "
			   "\"remote-rp\": [\"rp2\"]}]" INSTANCE_TAIL,
	  "group" },
	{ INSTANCE_HEAD RP ", \"membership\": {\"view-size\": 8, "
			   "\"shuffle-length\": 9}" INSTANCE_TAIL,
	  "shuffle-length" },
	{ INSTANCE_HEAD RP ", \"timers\": {\"subscription-refresh\": 60, "
			   "\"subscription-hold\": 60}" INSTANCE_TAIL,
	  "subscription-hold" },
	/* NAT mappings would lapse between two KEEPALIVEs */
	{ INSTANCE_HEAD RP ", \"membership\": {\"keepalive-interval\": 26}" //
	  INSTANCE_TAIL,
	  "keepalive-interval" },
	/* more prefixes than a descriptor carries */
	{ INSTANCE_HEAD
	  "\"rp\": {\"tunnel-address\": \"2001:db8:ff::1\", "
	  "\"uplink-interface\": \"eth1\", "
	  "\"private-key-file\": \"/etc/mdcs/rp1.key\", "
	  "\"source-prefix\": [\"2001:db8:1::/48\", \"2001:db8:2::/48\", "
	  "\"2001:db8:3::/48\", \"2001:db8:4::/48\", \"2001:db8:5::/48\", "
	  "\"2001:db8:6::/48\", \"2001:db8:7::/48\", \"2001:db8:8::/48\", "
	  "\"2001:db8:9::/48\"]}" INSTANCE_TAIL,
	  "source-prefix" },
};

START_TEST(bad_config_refused_naming_the_node)
{
	struct ly_ctx *ctx = load_model();
	const char *err = validate(ctx, bad[_i].json, LYD_PARSE_NO_STATE,
				   LYD_VALIDATE_NO_STATE);

	ck_assert_msg(err[0], "accepted: %s", bad[_i].json);
	ck_assert_msg(strstr(err, bad[_i].names), "'%s' does not name %s", err,
		      bad[_i].names);
	ly_ctx_destroy(ctx);
}
END_TEST

static Suite *yang_suite(void)
{
	Suite *s = suite_create("yang");
	TCase *tc = tcase_create("model");

	tcase_add_test(tc, yanglint_reports_nothing);
	tcase_add_test(tc, every_node_described);
	tcase_add_test(tc, valid_config_and_state_accepted);
	tcase_add_loop_test(tc, bad_config_refused_naming_the_node, 0,
			    sizeof(bad) / sizeof(bad[0]));
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(yang_suite)
