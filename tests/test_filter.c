/*
 * NETCONF filters (rpd/filter.c) over the real mdcs and ietf-netconf
 * models: subtree filters become XPath and select what RFC 6241 6.2 says,
 * XPath filters pass through, an empty filter selects nothing.
 */
#define _GNU_SOURCE /* asprintf */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rpd/filter.h"
#include "runner.h"

#define NC   "urn:ietf:params:xml:ns:netconf:base:1.0"
#define RT   "urn:ietf:params:xml:ns:yang:ietf-routing"
#define MDCS "urn:mdcs:yang:mdcs"
#define REMOTE(name, n)                                                        \
	"{\"name\": \"" name "\", \"address\": \"2001:db8:ff::" n "\", "       \
	"\"public-key\": \"0123456789abcdef0123456789abcdef"                   \
	"0123456789abcdef0123456789abcdef\", "                                 \
	"\"source-prefix\": [\"2001:db8:" n "::/48\"]}"
#define IN_RP(x)                                                               \
	"<routing xmlns=\"" RT "\"><control-plane-protocols>"                  \
	"<control-plane-protocol><mdcs xmlns=\"" MDCS "\">" x "</mdcs>"        \
	"</control-plane-protocol></control-plane-protocols></routing>"

static const char data_json[] =
	"{\"ietf-routing:routing\": {\"control-plane-protocols\": {"
	"\"control-plane-protocol\": [{\"type\": \"mdcs:mdcs\", "
	"\"name\": \"rp1\", \"mdcs:mdcs\": {"
	"\"rp\": {\"tunnel-address\": \"2001:db8:ff::1\", "
	"\"uplink-interface\": \"eth1\", "
	"\"private-key-file\": \"/etc/mdcs/rp1.key\", "
	"\"source-prefix\": [\"2001:db8:1::/48\"]}, "
	"\"remote-rp\": [" REMOTE("rp2", "2") ", " REMOTE("rp3", "3") "]"
								      "}}]}}}";

static struct ly_ctx *ctx;
static struct lyd_node *data, *envp, *rpc;

static void setup(void)
{
	static const char *features[] = { "xpath", NULL };

	ly_log_options(LY_LOSTORE_LAST);
	ck_assert_int_eq(ly_ctx_new(TEST_YANG_PATH, 0, &ctx), LY_SUCCESS);
	ck_assert_ptr_nonnull(ly_ctx_load_module(ctx, "mdcs", NULL, NULL));
	ck_assert_ptr_nonnull(
		ly_ctx_load_module(ctx, "ietf-netconf", NULL, features));
	ck_assert_msg(lyd_parse_data_mem(ctx, data_json, LYD_JSON,
					 LYD_PARSE_STRICT | LYD_PARSE_ONLY, 0,
					 &data) == LY_SUCCESS,
		      "%s", ly_errmsg(ctx));
}

/* The request get_filter() parsed: its envelope and its operation. */
static void free_request(void)
{
	lyd_free_all(envp);
	lyd_free_all(rpc);
	envp = rpc = NULL;
}

static void teardown(void)
{
	free_request();
	lyd_free_all(data);
	data = NULL;
	ly_ctx_destroy(ctx);
}

/* The filter of a <get> whose filter element is given. */
static const struct lyd_node *get_filter(const char *filter)
{
	char *xml;
	struct ly_in *in;
	struct lyd_node *f;

	ck_assert_int_ge(asprintf(&xml,
				  "<rpc xmlns=\"" NC "\" message-id=\"1\">"
				  "<get>%s</get></rpc>",
				  filter),
			 0);
	ck_assert_int_eq(ly_in_new_memory(xml, &in), LY_SUCCESS);
	ck_assert_int_eq(lyd_parse_op(ctx, NULL, in, LYD_XML,
				      LYD_TYPE_RPC_NETCONF, &envp, &rpc),
			 LY_SUCCESS);
	ly_in_free(in, 0);
	free(xml);
	ck_assert_int_eq(lyd_find_path(rpc, "filter", 0, &f), LY_SUCCESS);
	return f;
}

/* What the filter selects from the data, as JSON ("" for nothing). */
static char *selected(const char *filter, char *xpath_out, size_t len)
{
	struct ds_error err = { 0 };
	struct lyd_node *out;
	char *xpath, *json = NULL;

	ck_assert_msg(filter_xpath(get_filter(filter), &xpath, &err) == 0, "%s",
		      err.message);
	snprintf(xpath_out, len, "%s", xpath);
	ck_assert_int_eq(filter_apply(data, xpath, &out, &err), 0);
	free(xpath);
	if (out)
		lyd_print_mem(&json, out, LYD_JSON, LYD_PRINT_WITHSIBLINGS);
	lyd_free_all(out);
	return json ? json : strdup("");
}

START_TEST(subtree_content_match_selects_one_entry)
{
	char xpath[512],
		*json = selected(
			"<filter type=\"subtree\">" IN_RP(
				"<remote-rp><name>rp3</name><address/></remote-rp>") "</filter>",
			xpath, sizeof(xpath));

	ck_assert_ptr_nonnull(strstr(xpath, "[mdcs:name='rp3']"));
	ck_assert_ptr_nonnull(strstr(json, "2001:db8:ff::3"));
	ck_assert_ptr_null(strstr(json, "2001:db8:ff::2"));
	ck_assert_ptr_null(strstr(json, "public-key"));
	ck_assert_ptr_null(strstr(json, "tunnel-address"));
	free(json);
}
END_TEST

START_TEST(subtree_containment_selects_everything_below)
{
	char xpath[512], *json = selected("<filter>" IN_RP("<rp/>") "</filter>",
					  xpath, sizeof(xpath));

	ck_assert_ptr_nonnull(strstr(json, "tunnel-address"));
	ck_assert_ptr_nonnull(strstr(json, "2001:db8:1::/48"));
	ck_assert_ptr_null(strstr(json, "remote-rp"));
	free(json);
}
END_TEST

START_TEST(xpath_filter_and_empty_filter)
{
	char xpath[512],
		*json = selected(
			"<filter type=\"xpath\" xmlns:m=\"" MDCS "\" "
			"select=\"//m:remote-rp[m:name='rp2']/m:address\"/>",
			xpath, sizeof(xpath));

	ck_assert_ptr_nonnull(strstr(json, "2001:db8:ff::2"));
	ck_assert_ptr_null(strstr(json, "2001:db8:ff::3"));
	free(json);
	free_request();
	json = selected("<filter type=\"subtree\"/>", xpath, sizeof(xpath));
	ck_assert_str_eq(json, "");
	free(json);
}
END_TEST

START_TEST(unknown_namespace_is_refused)
{
	struct ds_error err = { 0 };
	char *xpath;

	ck_assert_int_eq(filter_xpath(get_filter("<filter><x xmlns=\"urn:x\"/>"
						 "</filter>"),
				      &xpath, &err),
			 -1);
	ck_assert_str_eq(err.tag, "unknown-namespace");
	ck_assert_ptr_null(xpath);
}
END_TEST

static Suite *filter_suite(void)
{
	Suite *s = suite_create("filter");
	TCase *tc = tcase_create("filter");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, subtree_content_match_selects_one_entry);
	tcase_add_test(tc, subtree_containment_selects_everything_below);
	tcase_add_test(tc, xpath_filter_and_empty_filter);
	tcase_add_test(tc, unknown_namespace_is_refused);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(filter_suite)
