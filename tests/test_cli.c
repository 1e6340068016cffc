/*
 * The vtysh side of rpd over the real mdcs model: "mdcs ..." lines to
 * configuration and back (rpd/cli_config.c), and "show mdcs ..." output
 * (rpd/cli_show.c).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rpd/cli_config.h"
#include "rpd/cli_show.h"
#include "runner.h"

#define KEY "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* A whole configuration as rpd renders it: each entry's first line with
 * its mandatory leaves, then a line per leaf, in the model's order. */
static const char lines[] =
	"mdcs rp rp1 tunnel-address 2001:db8:ff::1 uplink-interface eth1 "
	"private-key-file /etc/mdcs/rp1.key\n"
	"mdcs rp rp1 source-prefix 2001:db8:1::/48\n"
	"mdcs rp rp1 hop-limit 32\n"
	"mdcs publishing channel-source-address 2001:db8:1:ffff::1\n"
	"mdcs publishing rate 200\n"
	"mdcs timers subscription-refresh 2\n"
	"mdcs timers subscription-hold 6\n"
	"mdcs remote-rp rp2 address 2001:db8:ff::2 public-key " KEY
	" source-prefix 2001:db8:2::/48\n"
	"mdcs remote-rp rp2 port 3000\n"
	"mdcs remote-rp rp2 source-prefix 2001:db8:22::/48\n"
	"mdcs remote-rp rp3 address 2001:db8:ff::3 public-key " KEY
	" source-prefix 2001:db8:3::/48\n"
	"mdcs channel ff3e::1 2001:db8:1::10 remote-rp rp2\n"
	"mdcs channel ff3e::1 2001:db8:1::10 remote-rp rp3\n"
	"mdcs membership keepalive-interval 1\n";

static struct ly_ctx *ctx;
static struct lyd_node *config;
static char err[1024];

static void setup(void)
{
	ck_assert_int_eq(ly_ctx_new(TEST_YANG_PATH, 0, &ctx), LY_SUCCESS);
	ck_assert_ptr_nonnull(ly_ctx_load_module(ctx, "mdcs", NULL, NULL));
	config = NULL;
	err[0] = '\0';
}

static void teardown(void)
{
	lyd_free_all(config);
	ly_ctx_destroy(ctx);
}

/* Apply text to config and validate the result as rpd would. */
static int apply(const char *text)
{
	if (cli_config_apply(ctx, &config, text, err, sizeof(err)))
		return -1;
	return lyd_validate_all(&config, ctx, LYD_VALIDATE_NO_STATE, NULL) ==
			       LY_SUCCESS
		       ? 0
		       : -1;
}

static void expect_render(const char *want)
{
	char *got = cli_config_render(config);

	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got, want);
	free(got);
}

/* Lines make a configuration that renders as the same lines: what
 * "show running-config" prints is what reads back. */
START_TEST(lines_round_trip)
{
	ck_assert_int_eq(apply(lines), 0);
	expect_render(lines);
}
END_TEST

/* The lines make the same tree as the equivalent YANG JSON. */
START_TEST(lines_match_yang_data)
{
	struct lyd_node *json = NULL;
	const char *text =
		"{\"ietf-routing:routing\": {\"control-plane-protocols\": {"
		"\"control-plane-protocol\": [{\"type\": \"mdcs:mdcs\", "
		"\"name\": \"rp1\", \"mdcs:mdcs\": {\"rp\": {"
		"\"tunnel-address\": \"2001:db8:ff::1\", "
		"\"uplink-interface\": \"eth1\", "
		"\"private-key-file\": \"/k\", "
		"\"source-prefix\": [\"2001:db8:1::/48\"]}, "
		"\"remote-rp\": [{\"name\": \"rp2\", "
		"\"address\": \"2001:db8:ff::2\", \"public-key\": \"" KEY
		"\", \"source-prefix\": [\"2001:db8:2::/48\"]}]}}]}}}";

	ck_assert_int_eq(
		lyd_parse_data_mem(ctx, text, LYD_JSON,
				   LYD_PARSE_STRICT | LYD_PARSE_NO_STATE,
				   LYD_VALIDATE_NO_STATE, &json),
		LY_SUCCESS);
	ck_assert_int_eq(
		apply("mdcs rp rp1 tunnel-address 2001:db8:ff::1 "
		      "uplink-interface eth1 private-key-file /k "
		      "source-prefix 2001:db8:1::/48\n"
		      "mdcs remote-rp rp2 address 2001:db8:ff::2 public-key " KEY
		      " source-prefix 2001:db8:2::/48\n"),
		0);
	ck_assert_int_eq(
		lyd_compare_siblings(config, json, LYD_COMPARE_FULL_RECURSION),
		LY_SUCCESS);
	lyd_free_all(json);
}
END_TEST

/* "no" takes away one value, a leaf, an entry, or the whole RP; taking
 * away what is not there is no error. */
START_TEST(no_removes)
{
	char *rendered;

	ck_assert_int_eq(apply(lines), 0);
	ck_assert_int_eq(apply("no mdcs remote-rp rp2 source-prefix "
			       "2001:db8:22::/48\n"
			       "no mdcs remote-rp rp2 port 3000\n"
			       "no mdcs rp rp1 hop-limit\n"
			       "no mdcs channel ff3e::1 2001:db8:1::10 "
			       "remote-rp rp3\n"
			       "no mdcs timers\n"
			       "no mdcs publishing rate\n"
			       "no mdcs membership view-size\n"),
			 0);
	expect_render(
		"mdcs rp rp1 tunnel-address 2001:db8:ff::1 uplink-interface "
		"eth1 private-key-file /etc/mdcs/rp1.key\n"
		"mdcs rp rp1 source-prefix 2001:db8:1::/48\n"
		"mdcs publishing channel-source-address 2001:db8:1:ffff::1\n"
		"mdcs remote-rp rp2 address 2001:db8:ff::2 public-key " KEY
		" source-prefix 2001:db8:2::/48\n"
		"mdcs remote-rp rp3 address 2001:db8:ff::3 public-key " KEY
		" source-prefix 2001:db8:3::/48\n"
		"mdcs channel ff3e::1 2001:db8:1::10 remote-rp rp2\n"
		"mdcs membership keepalive-interval 1\n");
	ck_assert_int_eq(apply("no mdcs channel ff3e::1 2001:db8:1::10\n"
			       "no mdcs remote-rp rp3\n"),
			 0);
	rendered = cli_config_render(config);
	ck_assert_ptr_null(strstr(rendered, "rp3"));
	free(rendered);
	ck_assert_int_eq(apply("no mdcs rp rp1\n"), 0);
	ck_assert_ptr_null(cli_config_instance(config));
	expect_render("");
}
END_TEST

/* In one transaction the order of lines does not matter: the RP's own lines
 * go first.  Removing from no RP removes nothing, and is no error. */
START_TEST(transaction_in_any_order)
{
	ck_assert_int_eq(apply("no mdcs timers\n"
			       "no mdcs remote-rp rp2\n"),
			 0);
	expect_render("");
	ck_assert_int_eq(
		apply("mdcs membership keepalive-interval 1\n"
		      "mdcs remote-rp rp2 address 2001:db8:ff::2 public-key " KEY
		      " source-prefix 2001:db8:2::/48\n"
		      "mdcs rp rp1 source-prefix 2001:db8:1::/48\n"
		      "mdcs rp rp1 tunnel-address 2001:db8:ff::1 "
		      "uplink-interface eth1 private-key-file /k\n"),
		0);
	expect_render(
		"mdcs rp rp1 tunnel-address 2001:db8:ff::1 "
		"uplink-interface eth1 private-key-file /k\n"
		"mdcs rp rp1 source-prefix 2001:db8:1::/48\n"
		"mdcs remote-rp rp2 address 2001:db8:ff::2 public-key " KEY
		" source-prefix 2001:db8:2::/48\n"
		"mdcs membership keepalive-interval 1\n");
}
END_TEST

/* A line that does not fit the model is refused with the line and the
 * reason. */
static const struct {
	const char *line;
	const char *says;
} refusals[] = {
	{ "mdcs timers hello-interval 5", "no RP is configured" },
	{ "mdcs rp rp9 hop-limit 5", "this RP is named rp1" },
	{ "mdcs timers nap-time 5", "timers has no nap-time" },
	{ "mdcs gossip on", "mdcs has no gossip" },
	{ "mdcs timers hello-interval", "hello-interval needs a value" },
	{ "mdcs timers hello-interval 0", "range" },
	{ "mdcs rp rp1 tunnel-address 2001:db8::zz", "2001:db8::zz" },
	{ "mdcs remote-rp", "remote-rp needs its name" },
	{ "mdcs remote-rp rp2 name rp4", "name is remote-rp's name" },
	{ "mdcs remote-rp rp2 status up", "remote-rp has no status" },
	{ "ip route ::/0 eth0", "not an mdcs command" },
	{ "no mdcs timers hello-interval 5 6", "unexpected 6" },
};

START_TEST(refuses_with_reason)
{
	const char *first = _i == 0 ? "" : lines;

	ck_assert_int_eq(apply(first), 0);
	ck_assert_int_eq(apply(refusals[_i].line), -1);
	ck_assert_msg(strstr(err, refusals[_i].says), "\"%s\" does not say %s",
		      err, refusals[_i].says);
	ck_assert_msg(strstr(err, refusals[_i].line),
		      "\"%s\" does not quote %s", err, refusals[_i].line);
}
END_TEST

/* A configuration with a remote RP's state, as rpd's get serves it. */
static void add_state(void)
{
	const char *inst = "/ietf-routing:routing/control-plane-protocols"
			   "/control-plane-protocol[type='mdcs:mdcs']"
			   "[name='rp1']/mdcs:mdcs/";
	const char *state[][2] = {
		{ "remote-rp[name='rp2']/status", "up" },
		{ "remote-rp[name='rp2']/sent/packets", "7" },
		{ "tunnel[group='ff3e::1'][source='2001:db8:1::10']/"
		  "remote-rp",
		  "rp2" },
		{ "tunnel[group='ff3e::1'][source='2001:db8:1::10']/"
		  "forwarded/copies",
		  "41" },
		{ "statistics/publications", "3" },
		{ "peers/peers", "5" },
		{ "peers/tunnel-mode-peers", "2" },
		{ "directory/entries", "3" },
		{ "peers/interface[name='rp1-eth0']/peers", "5" },
		{ "peers/interface[name='rp1-eth0']/tunnel-mode-peers", "2" },
	};
	char path[512];

	for (unsigned i = 0; i < sizeof(state) / sizeof(state[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", inst, state[i][0]);
		ck_assert_int_eq(
			lyd_new_path(config, ctx, path, state[i][1], 0, NULL),
			LY_SUCCESS);
	}
}

static char *show(const char *line)
{
	char *out = cli_show(config, line, err, sizeof(err));

	ck_assert_msg(out != NULL, "%s: %s", line, err);
	return out;
}

/* Tables for people: a heading and a row per entry. */
START_TEST(show_tables)
{
	char *out;

	ck_assert_int_eq(apply(lines), 0);
	add_state();
	out = show("show mdcs remote-rp");
	ck_assert_ptr_nonnull(strstr(out, "Name"));
	ck_assert_ptr_nonnull(strstr(out, "rp2   2001:db8:ff::2  3000  up"));
	ck_assert_ptr_nonnull(strstr(out, "rp3   2001:db8:ff::3  2268  -"));
	free(out);
	out = show("show mdcs tunnel");
	ck_assert_ptr_nonnull(strstr(out, "ff3e::1  2001:db8:1::10  rp2"));
	ck_assert_ptr_nonnull(strstr(out, "41"));
	free(out);
	out = show("show mdcs channel");
	ck_assert_ptr_nonnull(strstr(out, "rp2,rp3"));
	free(out);
	out = show("show mdcs statistics");
	ck_assert_ptr_nonnull(strstr(out, "publications 3"));
	free(out);
	out = show("show mdcs peers");
	ck_assert_ptr_nonnull(strstr(out, "  interface rp1-eth0\n"
					  "    peers 5\n"
					  "    tunnel-mode-peers 2\n"));
	free(out);
	out = show("show mdcs");
	ck_assert_ptr_nonnull(strstr(out, "RP rp1"));
	ck_assert_ptr_nonnull(strstr(out, "2, 1 up"));
	ck_assert_ptr_nonnull(strstr(out, "5, 2 in tunnel mode"));
	ck_assert_ptr_nonnull(
		strstr(out, "directory        3 channel sources"));
	free(out);
}
END_TEST

/* The json form is the YANG data (RFC 7951) of what the text shows. */
START_TEST(show_json_is_yang_data)
{
	struct lyd_node *back = NULL, *n = NULL;
	char *out;

	ck_assert_int_eq(apply(lines), 0);
	add_state();
	out = show("show mdcs remote-rp json");
	ck_assert_int_eq(lyd_parse_data_mem(ctx, out, LYD_JSON,
					    LYD_PARSE_STRICT | LYD_PARSE_ONLY,
					    0, &back),
			 LY_SUCCESS);
	ck_assert_int_eq(
		lyd_find_path(back,
			      "/ietf-routing:routing/control-plane-protocols/"
			      "control-plane-protocol[type='mdcs:mdcs']"
			      "[name='rp1']/mdcs:mdcs/remote-rp[name='rp2']/"
			      "status",
			      0, &n),
		LY_SUCCESS);
	ck_assert_str_eq(lyd_get_value(n), "up");
	ck_assert_ptr_null(strstr(out, "\"tunnel\""));
	lyd_free_all(back);
	free(out);
}
END_TEST

START_TEST(show_refuses_unknown)
{
	ck_assert_ptr_null(cli_show(config, "show mdcs", err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "no RP is configured"));
	ck_assert_int_eq(apply(lines), 0);
	ck_assert_ptr_null(
		cli_show(config, "show mdcs neighbors", err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "show mdcs has no"));
}
END_TEST

static Suite *cli_suite(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("cli");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, lines_round_trip);
	tcase_add_test(tc, lines_match_yang_data);
	tcase_add_test(tc, no_removes);
	tcase_add_test(tc, transaction_in_any_order);
	tcase_add_loop_test(tc, refuses_with_reason, 0,
			    sizeof(refusals) / sizeof(refusals[0]));
	tcase_add_test(tc, show_tables);
	tcase_add_test(tc, show_json_is_yang_data);
	tcase_add_test(tc, show_refuses_unknown);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(cli_suite)
