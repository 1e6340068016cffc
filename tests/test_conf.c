/*
 * Loading rpd's configuration (rpd/conf.c) with libyang: every field of a
 * JSON or XML file, the defaults, and clear refusals of bad files.
 */
#include <arpa/inet.h>
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rpd/conf.h"
#include "runner.h"

static char dir[64];

#define KEY_EAST                                                               \
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define KEY_NORTH                                                              \
	"FEDCBA9876543210FEDCBA9876543210FEDCBA9876543210FEDCBA9876543210"

/* Every leaf given; "north" leaves its port to the default. */
static const char full_json[] =
	"{\"ietf-routing:routing\": {\"control-plane-protocols\": {\n"
	" \"control-plane-protocol\": [\n"
	"  {\"type\": \"mdcs:mdcs\", \"name\": \"rp-west\",\n"
	"   \"mdcs:mdcs\": {\n"
	"    \"rp\": {\n"
	"     \"tunnel-address\": \"2001:db8:ff::1\",\n"
	"     \"tunnel-port\": 3000,\n"
	"     \"discovery-address\": \"2001:3::1\",\n"
	"     \"uplink-interface\": \"eth1\",\n"
	"     \"overlay-interface\": \"ov7\",\n"
	"     \"overlay-address\": \"fe80::7\",\n"
	"     \"private-key-file\": \"/etc/mdcs/west.key\",\n"
	"     \"source-prefix\": [\"2001:db8:1::/48\", \"2001:db8:10::/44\"],\n"
	"     \"hop-limit\": 32,\n"
	"     \"traffic-class\": 46,\n"
	"     \"inner-mtu\": 1400\n"
	"    },\n"
	"    \"timers\": {\n"
	"     \"hello-interval\": 10,\n"
	"     \"join-prune-interval\": 20,\n"
	"     \"subscription-refresh\": 15,\n"
	"     \"subscription-hold\": 50,\n"
	"     \"max-clock-skew\": 90\n"
	"    },\n"
	"    \"remote-rp\": [\n"
	"     {\"name\": \"east\", \"address\": \"2001:db8:ff::2\",\n"
	"      \"port\": 4000, \"public-key\": \"" KEY_EAST "\",\n"
	"      \"source-prefix\":\n"
	"       [\"2001:db8:2::/48\", \"2001:db8:20::/44\"]},\n"
	"     {\"name\": \"north\", \"address\": \"2001:db8:ff::3\",\n"
	"      \"public-key\": \"" KEY_NORTH "\",\n"
	"      \"source-prefix\": [\"2001:db8:3::/48\"]}\n"
	"    ],\n"
	"    \"channel\": [\n"
	"     {\"group\": \"ff3e::1\", \"source\": \"2001:db8:1::5\",\n"
	"      \"remote-rp\": [\"north\", \"east\"]}\n"
	"    ]\n"
	"   }}\n"
	" ]\n"
	"}}}\n";

/* The same in XML. */
static const char full_xml[] =
	"<routing xmlns=\"urn:ietf:params:xml:ns:yang:ietf-routing\">\n"
	" <control-plane-protocols>\n"
	"  <control-plane-protocol>\n"
	"   <type xmlns:mdcs=\"urn:mdcs:yang:mdcs\">mdcs:mdcs</type>\n"
	"   <name>rp-west</name>\n"
	"   <mdcs xmlns=\"urn:mdcs:yang:mdcs\">\n"
	"    <rp>\n"
	"     <tunnel-address>2001:db8:ff::1</tunnel-address>\n"
	"     <tunnel-port>3000</tunnel-port>\n"
	"     <discovery-address>2001:3::1</discovery-address>\n"
	"     <uplink-interface>eth1</uplink-interface>\n"
	"     <overlay-interface>ov7</overlay-interface>\n"
	"     <overlay-address>fe80::7</overlay-address>\n"
	"     <private-key-file>/etc/mdcs/west.key</private-key-file>\n"
	"     <source-prefix>2001:db8:1::/48</source-prefix>\n"
	"     <source-prefix>2001:db8:10::/44</source-prefix>\n"
	"     <hop-limit>32</hop-limit>\n"
	"     <traffic-class>46</traffic-class>\n"
	"     <inner-mtu>1400</inner-mtu>\n"
	"    </rp>\n"
	"    <timers>\n"
	"     <hello-interval>10</hello-interval>\n"
	"     <join-prune-interval>20</join-prune-interval>\n"
	"     <subscription-refresh>15</subscription-refresh>\n"
	"     <subscription-hold>50</subscription-hold>\n"
	"     <max-clock-skew>90</max-clock-skew>\n"
	"    </timers>\n"
	"    <remote-rp>\n"
	"     <name>east</name>\n"
	"     <address>2001:db8:ff::2</address>\n"
	"     <port>4000</port>\n"
	"     <public-key>" KEY_EAST "</public-key>\n"
	"     <source-prefix>2001:db8:2::/48</source-prefix>\n"
	"     <source-prefix>2001:db8:20::/44</source-prefix>\n"
	"    </remote-rp>\n"
	"    <remote-rp>\n"
	"     <name>north</name>\n"
	"     <address>2001:db8:ff::3</address>\n"
	"     <public-key>" KEY_NORTH "</public-key>\n"
	"     <source-prefix>2001:db8:3::/48</source-prefix>\n"
	"    </remote-rp>\n"
	"    <channel>\n"
	"     <group>ff3e::1</group>\n"
	"     <source>2001:db8:1::5</source>\n"
	"     <remote-rp>north</remote-rp>\n"
	"     <remote-rp>east</remote-rp>\n"
	"    </channel>\n"
	"   </mdcs>\n"
	"  </control-plane-protocol>\n"
	" </control-plane-protocols>\n"
	"</routing>\n";

/* Only the mandatory leaves. */
static const char minimal_json[] =
	"{\"ietf-routing:routing\": {\"control-plane-protocols\": {\n"
	" \"control-plane-protocol\": [\n"
	"  {\"type\": \"mdcs:mdcs\", \"name\": \"rp1\",\n"
	"   \"mdcs:mdcs\": {\"rp\": {\n"
	"    \"tunnel-address\": \"2001:db8:ff::9\",\n"
	"    \"uplink-interface\": \"up0\",\n"
	"    \"private-key-file\": \"k\"}}}\n"
	" ]\n"
	"}}}\n";

static void make_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_conf.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void remove_dir(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[512];

	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			unlink(path);
		}
	if (d)
		closedir(d);
	rmdir(dir);
}

/* text with its one occurrence of from replaced by to; free it. */
static char *subst(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	size_t len = strlen(text) - strlen(from) + strlen(to) + 1;
	char *out = malloc(len);

	ck_assert_msg(at, "no %s to replace", from);
	ck_assert_ptr_null(strstr(at + 1, from));
	ck_assert_ptr_nonnull(out);
	snprintf(out, len, "%.*s%s%s", (int)(at - text), text, to,
		 at + strlen(from));
	return out;
}

/* A file parsed and validated as rpd's datastores do, then read. */
static int load_path(const char *path, const char *yang_path,
		     struct rpd_conf *c, char *err, size_t errlen)
{
	struct ly_ctx *ctx;
	struct lyd_node *tree = NULL;
	const struct ly_err_item *e;
	int rc;

	memset(c, 0, sizeof(*c));
	if (conf_context(yang_path, &ctx, err, errlen))
		return -1;
	if (lyd_parse_data_path(ctx, path, LYD_UNKNOWN,
				LYD_PARSE_STRICT | LYD_PARSE_NO_STATE,
				LYD_VALIDATE_NO_STATE, &tree)) {
		e = ly_err_last(ctx);
		snprintf(err, errlen, "%s: %s%s%s", path, e ? e->msg : "?",
			 e && e->path ? " at " : "",
			 e && e->path ? e->path : "");
		rc = -1;
	} else {
		rc = conf_from_tree(tree, c, err, errlen);
	}
	lyd_free_all(tree);
	ly_ctx_destroy(ctx);
	return rc;
}

static int load(const char *name, const char *text, struct rpd_conf *c,
		char *err, size_t errlen)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert(fputs(text, f) >= 0);
	ck_assert_int_eq(fclose(f), 0);
	err[0] = '\0';
	return load_path(path, TEST_YANG_PATH, c, err, errlen);
}

static void expect_addr(const struct in6_addr *a, const char *s)
{
	struct in6_addr want;

	ck_assert(inet_pton(AF_INET6, s, &want) == 1);
	ck_assert_msg(!memcmp(a, &want, sizeof(want)), "want %s", s);
}

/* p[] holds exactly the prefixes of want[], in any order. */
static void expect_prefixes(const struct prefix6 *p, unsigned n,
			    const char *const *want, unsigned n_want)
{
	char s[PREFIX6_STRLEN];
	unsigned found = 0;

	ck_assert_uint_eq(n, n_want);
	for (unsigned i = 0; i < n; i++)
		for (unsigned j = 0; j < n_want; j++)
			found += !strcmp(prefix6_str(&p[i], s), want[j]);
	ck_assert_uint_eq(found, n_want);
}

static const struct conf_remote *remote(const struct rpd_conf *c,
					const char *name)
{
	for (unsigned i = 0; i < c->n_remotes; i++)
		if (!strcmp(c->remotes[i].name, name))
			return &c->remotes[i];
	ck_abort_msg("no remote-rp %s", name);
	return NULL;
}

static void expect_key(const uint8_t *key, const uint8_t pattern[8])
{
	for (unsigned i = 0; i < MDCS_CTL_KEY_LEN; i++)
		ck_assert_uint_eq(key[i], pattern[i % 8]);
}

static void expect_full(const struct rpd_conf *c)
{
	static const char *const own[] = { "2001:db8:1::/48",
					   "2001:db8:10::/44" };
	static const char *const east[] = { "2001:db8:2::/48",
					    "2001:db8:20::/44" };
	static const char *const north[] = { "2001:db8:3::/48" };
	static const uint8_t east_key[8] = { 0x01, 0x23, 0x45, 0x67,
					     0x89, 0xab, 0xcd, 0xef };
	static const uint8_t north_key[8] = { 0xfe, 0xdc, 0xba, 0x98,
					      0x76, 0x54, 0x32, 0x10 };
	const struct conf_remote *r;

	ck_assert_str_eq(c->instance, "rp-west");
	expect_addr(&c->tunnel_addr, "2001:db8:ff::1");
	ck_assert_uint_eq(c->tunnel_port, 3000);
	ck_assert(c->has_discovery_addr);
	expect_addr(&c->discovery_addr, "2001:3::1");
	ck_assert_str_eq(c->uplink, "eth1");
	ck_assert_str_eq(c->overlay, "ov7");
	expect_addr(&c->overlay_addr, "fe80::7");
	ck_assert_str_eq(c->key_file, "/etc/mdcs/west.key");
	expect_prefixes(c->prefixes, c->n_prefixes, own, 2);
	ck_assert_uint_eq(c->hop_limit, 32);
	ck_assert_uint_eq(c->traffic_class, 46);
	ck_assert_uint_eq(c->inner_mtu, 1400);
	ck_assert_uint_eq(c->hello_interval, 10);
	ck_assert_uint_eq(c->jp_interval, 20);
	ck_assert_uint_eq(c->refresh_interval, 15);
	ck_assert_uint_eq(c->hold_time, 50);
	ck_assert_uint_eq(c->max_skew, 90);

	ck_assert_uint_eq(c->n_remotes, 2);
	r = remote(c, "east");
	expect_addr(&r->addr, "2001:db8:ff::2");
	ck_assert_uint_eq(r->port, 4000);
	expect_key(r->public_key, east_key);
	expect_prefixes(r->prefixes, r->n_prefixes, east, 2);
	r = remote(c, "north");
	expect_addr(&r->addr, "2001:db8:ff::3");
	ck_assert_uint_eq(r->port, 2268);
	expect_key(r->public_key, north_key);
	expect_prefixes(r->prefixes, r->n_prefixes, north, 1);

	ck_assert_uint_eq(c->n_channels, 1);
	expect_addr(&c->channels[0].ch.group, "ff3e::1");
	expect_addr(&c->channels[0].ch.source, "2001:db8:1::5");
	ck_assert_uint_eq(c->channels[0].n_remotes, 2);
	ck_assert_str_eq(c->remotes[c->channels[0].remotes[0]].name, "north");
	ck_assert_str_eq(c->remotes[c->channels[0].remotes[1]].name, "east");
}

START_TEST(loads_json)
{
	struct rpd_conf c;
	char err[512];

	ck_assert_msg(load("full.json", full_json, &c, err, sizeof(err)) == 0,
		      "%s", err);
	expect_full(&c);
	conf_free(&c);
	ck_assert_ptr_null(c.remotes);
	ck_assert_uint_eq(c.n_remotes, 0);
	conf_free(&c);
}
END_TEST

/* XML, with the usual prefix of the mdcs identity or another one. */
START_TEST(loads_xml)
{
	struct rpd_conf c;
	char err[512], *text = strdup(full_xml);

	if (_i == 1) {
		free(text);
		text = subst(full_xml,
			     "xmlns:mdcs=\"urn:mdcs:yang:mdcs\">mdcs:mdcs",
			     "xmlns:m=\"urn:mdcs:yang:mdcs\">m:mdcs");
	}
	ck_assert_msg(load("full.xml", text, &c, err, sizeof(err)) == 0, "%s",
		      err);
	expect_full(&c);
	conf_free(&c);
	free(text);
}
END_TEST

START_TEST(applies_defaults)
{
	struct rpd_conf c;
	char err[512];

	ck_assert_msg(load("min.json", minimal_json, &c, err, sizeof(err)) == 0,
		      "%s", err);
	ck_assert_str_eq(c.instance, "rp1");
	expect_addr(&c.tunnel_addr, "2001:db8:ff::9");
	ck_assert_uint_eq(c.tunnel_port, 2268);
	ck_assert(!c.has_discovery_addr);
	ck_assert_str_eq(c.uplink, "up0");
	ck_assert_str_eq(c.overlay, "mdcs0");
	expect_addr(&c.overlay_addr, "fe80::2");
	ck_assert_str_eq(c.key_file, "k");
	ck_assert_uint_eq(c.n_prefixes, 0);
	ck_assert_uint_eq(c.hop_limit, 64);
	ck_assert_uint_eq(c.traffic_class, 0);
	ck_assert_uint_eq(c.inner_mtu, 1450);
	ck_assert_uint_eq(c.hello_interval, 30);
	ck_assert_uint_eq(c.jp_interval, 60);
	ck_assert_uint_eq(c.refresh_interval, 30);
	ck_assert_uint_eq(c.hold_time, 105);
	ck_assert_uint_eq(c.max_skew, 60);
	ck_assert_uint_eq(c.n_remotes, 0);
	conf_free(&c);
}
END_TEST

/* A protocol instance of another kind is no concern of rpd's. */
START_TEST(ignores_other_protocols)
{
	struct rpd_conf c;
	char err[512];
	char *text = subst(full_json, "\"control-plane-protocol\": [\n",
			   "\"control-plane-protocol\": [\n"
			   "  {\"type\": \"ietf-routing:static\","
			   " \"name\": \"st\"},\n");

	ck_assert_msg(load("other.json", text, &c, err, sizeof(err)) == 0, "%s",
		      err);
	expect_full(&c);
	conf_free(&c);
	free(text);
}
END_TEST

static const struct {
	const char *from, *to; /* a change to full_json */
	const char *says[2];   /* parts of the error message */
} refusals[] = {
	{ "\"2001:db8:20::/44\"",
	  "\"2001:db8:20::/129\"",
	  { "2001:db8:20::/129", "source-prefix" } },
	{ "\"hop-limit\": 32,",
	  "\"hop-limit\": 32, \"colour\": \"red\",",
	  { "colour" } },
	{ "\"inner-mtu\": 1400", "\"inner-mtu\": 100", { "inner-mtu", "100" } },
	{ "\"subscription-hold\": 50",
	  "\"subscription-hold\": 15",
	  { "subscription-hold", "subscription-refresh" } },
	{ "\"tunnel-address\": \"2001:db8:ff::1\",", "", { "tunnel-address" } },
	{ "\"" KEY_NORTH "\"", "\"" KEY_EAST "0\"", { "public-key", "north" } },
	{ "\"" KEY_NORTH "\"", "\"xyz\"", { "public-key", "xyz" } },
	{ "\"tunnel-address\": \"2001:db8:ff::1\"",
	  "\"tunnel-address\": \"2001:db8:2f::1\"",
	  { "tunnel-address", "east" } },
	{ "\"address\": \"2001:db8:ff::3\"",
	  "\"address\": \"2001:db8:ff::1\"",
	  { "north" } },
	{ "\"tunnel-port\": 3000", "\"tunnel-port\": 0", { "tunnel-port" } },
	{ "\"discovery-address\": \"2001:3::1\"",
	  "\"discovery-address\": \"2001:db8:ff::1\"",
	  { "discovery-address", "tunnel address" } },
	{ "\"discovery-address\": \"2001:3::1\"",
	  "\"discovery-address\": \"2001:3::x\"",
	  { "discovery-address" } },
	{ "\"source\": \"2001:db8:1::5\"",
	  "\"source\": \"2001:db8:2::5\"",
	  { "2001:db8:2::5", "source-prefix" } },
	{ "[\"north\", \"east\"]", "[\"north\", \"south\"]", { "south" } },
	{ "\"overlay-address\": \"fe80::7\"",
	  "\"overlay-address\": \"2001:db8::7\"",
	  { "overlay-address" } },
	{ "\"uplink-interface\": \"eth1\"",
	  "\"uplink-interface\": \"a-very-long-name0\"",
	  { "uplink-interface" } },
	{ "\"source-prefix\": [\"2001:db8:3::/48\"]",
	  "\"source-prefix\": []",
	  { "source-prefix" } },
	{ "\"type\": \"mdcs:mdcs\", \"name\": \"rp-west\",",
	  "\"type\": \"mdcs:mdcs\", \"name\": \"rp-south\","
	  " \"mdcs:mdcs\": {\"rp\": {\"tunnel-address\": \"2001:db8:ff::8\","
	  " \"uplink-interface\": \"up0\", \"private-key-file\": \"k\"}}},\n"
	  "  {\"type\": \"mdcs:mdcs\", \"name\": \"rp-west\",",
	  { "control-plane-protocol" } },
};

static void expect_empty(struct rpd_conf *c)
{
	ck_assert_ptr_null(c->channels);
	ck_assert_uint_eq(c->n_channels, 0);
	ck_assert_ptr_null(c->remotes);
	ck_assert_uint_eq(c->n_remotes, 0);
	ck_assert_ptr_null(c->prefixes);
	ck_assert_uint_eq(c->n_prefixes, 0);
	conf_free(c);
	ck_assert_uint_eq(c->n_remotes, 0);
}

START_TEST(refuses)
{
	char *text = subst(full_json, refusals[_i].from, refusals[_i].to);
	struct rpd_conf c;
	char err[512];

	ck_assert_int_eq(load("bad.json", text, &c, err, sizeof(err)), -1);
	for (unsigned i = 0; i < 2 && refusals[_i].says[i]; i++)
		ck_assert_msg(strstr(err, refusals[_i].says[i]),
			      "\"%s\" does not name %s", err,
			      refusals[_i].says[i]);
	expect_empty(&c);
	free(text);
}
END_TEST

/* An empty datastore (a missing file) has no instance to run: the RP waits
 * to be configured. */
START_TEST(empty_config_has_no_instance)
{
	struct rpd_conf c;
	char err[512];

	ck_assert_int_eq(conf_from_tree(NULL, &c, err, sizeof(err)), 1);
	expect_empty(&c);
}
END_TEST

/* Without the mdcs module, nothing loads, and the reason says so. */
START_TEST(refuses_bad_yang_path)
{
	struct rpd_conf c;
	char err[512], path[512];

	ck_assert_int_eq(load("full.json", full_json, &c, err, sizeof(err)), 0);
	conf_free(&c);
	snprintf(path, sizeof(path), "%s/full.json", dir);
	ck_assert_int_eq(load_path(path, dir, &c, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "mdcs"));
	expect_empty(&c);
}
END_TEST

static Suite *conf_suite(void)
{
	Suite *s = suite_create("conf");
	TCase *l = tcase_create("load"), *r = tcase_create("refuse");

	tcase_add_unchecked_fixture(l, make_dir, remove_dir);
	tcase_add_test(l, loads_json);
	tcase_add_loop_test(l, loads_xml, 0, 2);
	tcase_add_test(l, applies_defaults);
	tcase_add_test(l, ignores_other_protocols);
	suite_add_tcase(s, l);

	tcase_add_unchecked_fixture(r, make_dir, remove_dir);
	tcase_add_loop_test(r, refuses, 0,
			    sizeof(refusals) / sizeof(refusals[0]));
	tcase_add_test(r, empty_config_has_no_instance);
	tcase_add_test(r, refuses_bad_yang_path);
	suite_add_tcase(s, r);
	return s;
}

CHECK_MAIN(conf_suite)
