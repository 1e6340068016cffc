/* rpd's configuration: read from YANG instance data and checked by libyang. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libyang/libyang.h>
#include <sodium.h>

#include "conf.h"

struct loader {
	char *err;
	size_t errlen;
};

static int fail(struct loader *ld, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ld->err, ld->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static int fail_ly(struct loader *ld, const struct ly_ctx *ctx,
		   const char *what)
{
	const struct ly_err_item *e = ly_err_last(ctx);

	if (!e)
		return fail(ld, "%s", what);
	return fail(ld, "%s: %s%s%s", what, e->msg, e->path ? " at " : "",
		    e->path ? e->path : "");
}

/* A leaf's canonical value under n, defaults included; NULL if absent. */
static const char *leaf(const struct lyd_node *n, const char *path)
{
	struct lyd_node *found = NULL;

	if (lyd_find_path(n, path, 0, &found) || !found)
		return NULL;
	return lyd_get_value(found);
}

static unsigned leaf_uint(const struct lyd_node *n, const char *path)
{
	const char *v = leaf(n, path);

	return v ? (unsigned)strtoul(v, NULL, 10) : 0;
}

static int copy_str(struct loader *ld, char *dst, size_t cap,
		    const struct lyd_node *n, const char *path)
{
	const char *v = leaf(n, path);

	if (!v)
		return fail(ld, "%s is missing", path);
	snprintf(dst, cap, "%s", v);
	return 0;
}

static int parse_addr(struct loader *ld, struct in6_addr *a,
		      const struct lyd_node *n, const char *path)
{
	const char *v = leaf(n, path);

	if (!v || inet_pton(AF_INET6, v, a) != 1)
		return fail(ld, "%s: not an IPv6 address", path);
	return 0;
}

static int parse_prefixes(struct loader *ld, const struct lyd_node *n,
			  const char *path, struct prefix6 **out,
			  unsigned *count)
{
	struct ly_set *set = NULL;

	*out = NULL;
	*count = 0;
	if (lyd_find_xpath(n, path, &set))
		return fail(ld, "cannot read %s", path);
	if (set->count) {
		*out = calloc(set->count, sizeof(**out));
		if (!*out) {
			ly_set_free(set, NULL);
			return fail(ld, "out of memory");
		}
	}
	for (uint32_t i = 0; i < set->count; i++) {
		const char *v = lyd_get_value(set->dnodes[i]);

		if (!prefix6_parse(v, &(*out)[i])) {
			ly_set_free(set, NULL);
			return fail(ld, "%s: bad prefix %s", path, v);
		}
	}
	*count = set->count;
	ly_set_free(set, NULL);
	return 0;
}

static bool in_prefixes(const struct prefix6 *p, unsigned n,
			const struct in6_addr *a)
{
	for (unsigned i = 0; i < n; i++)
		if (prefix6_contains(&p[i], a))
			return true;
	return false;
}

bool conf_serves(const struct rpd_conf *c, const struct in6_addr *a)
{
	return in_prefixes(c->prefixes, c->n_prefixes, a);
}

bool conf_allows_peer(const struct rpd_conf *c, const struct in6_addr *a)
{
	return in_prefixes(c->publishers, c->n_publishers, a);
}

static int load_remote(struct loader *ld, const struct lyd_node *n,
		       struct conf_remote *r)
{
	const char *key;

	if (copy_str(ld, r->name, sizeof(r->name), n, "name") ||
	    parse_addr(ld, &r->addr, n, "address"))
		return -1;
	r->port = leaf_uint(n, "port");
	key = leaf(n, "public-key");
	if (!key || sodium_hex2bin(r->public_key, sizeof(r->public_key), key,
				   strlen(key), NULL, NULL, NULL))
		return fail(ld, "remote-rp %s: bad public-key", r->name);
	return parse_prefixes(ld, n, "source-prefix", &r->prefixes,
			      &r->n_prefixes);
}

static int load_rp(struct loader *ld, const struct lyd_node *m,
		   struct rpd_conf *c)
{
	const struct lyd_node *rp = NULL;

	if (lyd_find_path(m, "rp", 0, (struct lyd_node **)&rp) || !rp)
		return fail(ld, "mdcs/rp is missing");
	if (parse_addr(ld, &c->tunnel_addr, rp, "tunnel-address") ||
	    parse_addr(ld, &c->overlay_addr, rp, "overlay-address") ||
	    copy_str(ld, c->uplink, sizeof(c->uplink), rp,
		     "uplink-interface") ||
	    copy_str(ld, c->overlay, sizeof(c->overlay), rp,
		     "overlay-interface") ||
	    copy_str(ld, c->key_file, sizeof(c->key_file), rp,
		     "private-key-file"))
		return -1;
	c->tunnel_port = leaf_uint(rp, "tunnel-port");
	if (leaf(rp, "discovery-address")) {
		if (parse_addr(ld, &c->discovery_addr, rp, "discovery-address"))
			return -1;
		if (!memcmp(&c->discovery_addr, &c->tunnel_addr,
			    sizeof(c->tunnel_addr)))
			return fail(ld, "rp/discovery-address is the tunnel "
					"address: it must be an anycast "
					"address of its own");
		c->has_discovery_addr = true;
	}
	c->hop_limit = leaf_uint(rp, "hop-limit");
	c->traffic_class = leaf_uint(rp, "traffic-class");
	c->inner_mtu = leaf_uint(rp, "inner-mtu");
	return parse_prefixes(ld, rp, "source-prefix", &c->prefixes,
			      &c->n_prefixes);
}

static int load_publishing(struct loader *ld, const struct lyd_node *m,
			   struct rpd_conf *c)
{
	struct lyd_node *pub = NULL;

	if (lyd_find_path(m, "publishing", 0, &pub) || !pub)
		return fail(ld, "mdcs/publishing is missing");
	c->publish_port = leaf_uint(pub, "publish-port");
	c->channel_port = leaf_uint(pub, "channel-port");
	c->channel_hop_limit = leaf_uint(pub, "hop-limit");
	c->publish_rate = leaf_uint(pub, "rate");
	c->publish_burst = leaf_uint(pub, "burst");
	if (parse_prefixes(ld, pub, "allowed-prefix", &c->publishers,
			   &c->n_publishers))
		return -1;
	if (!c->n_publishers && c->n_prefixes) {
		/* By default the AS's own hosts publish. */
		c->publishers = calloc(c->n_prefixes, sizeof(*c->publishers));
		if (!c->publishers)
			return fail(ld, "out of memory");
		memcpy(c->publishers, c->prefixes,
		       c->n_prefixes * sizeof(*c->publishers));
		c->n_publishers = c->n_prefixes;
	}
	if (!leaf(pub, "channel-source-address"))
		return 0;
	if (parse_addr(ld, &c->channel_source, pub, "channel-source-address"))
		return -1;
	c->has_channel_source = true;
	if (!conf_serves(c, &c->channel_source))
		return fail(ld, "publishing/channel-source-address lies in no "
				"rp/source-prefix, so no remote RP would "
				"subscribe to its channels here");
	return 0;
}

static void load_timers(const struct lyd_node *m, struct rpd_conf *c)
{
	c->hello_interval = leaf_uint(m, "timers/hello-interval");
	c->jp_interval = leaf_uint(m, "timers/join-prune-interval");
	c->refresh_interval = leaf_uint(m, "timers/subscription-refresh");
	c->hold_time = leaf_uint(m, "timers/subscription-hold");
	c->max_skew = leaf_uint(m, "timers/max-clock-skew");
	c->keepalive_interval = leaf_uint(m, "membership/keepalive-interval");
	c->shuffle_interval = leaf_uint(m, "membership/shuffle-interval");
	c->view_size = leaf_uint(m, "membership/view-size");
	c->shuffle_length = leaf_uint(m, "membership/shuffle-length");
}

int conf_remote_index(const struct rpd_conf *c, const char *name)
{
	for (unsigned i = 0; i < c->n_remotes; i++)
		if (!strcmp(c->remotes[i].name, name))
			return (int)i;
	return -1;
}

static int load_channel(struct loader *ld, const struct rpd_conf *c,
			const struct lyd_node *n, struct conf_channel *out)
{
	struct mdcs_channel *ch = &out->ch;
	struct ly_set *rps = NULL;
	char s[INET6_ADDRSTRLEN], g[INET6_ADDRSTRLEN];
	int rc = 0;

	if (parse_addr(ld, &ch->group, n, "group") ||
	    parse_addr(ld, &ch->source, n, "source"))
		return -1;
	inet_ntop(AF_INET6, &ch->source, s, sizeof(s));
	inet_ntop(AF_INET6, &ch->group, g, sizeof(g));
	/* A remote RP asking for a channel from elsewhere is refused; so is a
	 * mapping of one. */
	if (!conf_serves(c, &ch->source))
		return fail(ld,
			    "channel (%s,%s): the source lies in no "
			    "source-prefix of this RP",
			    s, g);
	if (lyd_find_xpath(n, "remote-rp", &rps))
		return fail(ld, "channel (%s,%s): cannot read remote-rp", s, g);
	out->remotes =
		calloc(rps->count ? rps->count : 1, sizeof(*out->remotes));
	if (!out->remotes)
		rc = fail(ld, "out of memory");
	for (uint32_t i = 0; !rc && i < rps->count; i++) {
		const char *name = lyd_get_value(rps->dnodes[i]);
		int at = conf_remote_index(c, name);

		if (at < 0)
			rc = fail(ld, "channel (%s,%s): no remote-rp %s", s, g,
				  name);
		else
			out->remotes[out->n_remotes++] = (uint16_t)at;
	}
	ly_set_free(rps, NULL);
	return rc;
}

static int load_channels(struct loader *ld, const struct lyd_node *m,
			 struct rpd_conf *c)
{
	struct ly_set *set = NULL;
	int rc = 0;

	if (lyd_find_xpath(m, "channel", &set))
		return fail(ld, "cannot read channel");
	if (set->count) {
		c->channels = calloc(set->count, sizeof(*c->channels));
		if (!c->channels)
			rc = fail(ld, "out of memory");
	}
	for (uint32_t i = 0; !rc && i < set->count; i++) {
		c->n_channels = i + 1;
		rc = load_channel(ld, c, set->dnodes[i], &c->channels[i]);
	}
	ly_set_free(set, NULL);
	return rc;
}

/* What YANG cannot say: a tunnel address inside a remote RP's prefixes
 * would route the tunnel into itself. */
static int check_addresses(struct loader *ld, const struct rpd_conf *c)
{
	for (unsigned i = 0; i < c->n_remotes; i++) {
		const struct conf_remote *r = &c->remotes[i];

		for (unsigned j = 0; j < r->n_prefixes; j++) {
			char p[PREFIX6_STRLEN];

			if (prefix6_contains(&r->prefixes[j], &c->tunnel_addr))
				return fail(ld,
					    "tunnel-address lies in %s, served "
					    "by remote-rp %s",
					    prefix6_str(&r->prefixes[j], p),
					    r->name);
		}
		if (!memcmp(&r->addr, &c->tunnel_addr, sizeof(r->addr)))
			return fail(ld, "remote-rp %s has this RP's address",
				    r->name);
	}
	return 0;
}

static int load_instance(struct loader *ld, const struct lyd_node *inst,
			 struct rpd_conf *c)
{
	struct lyd_node *m = NULL;
	struct ly_set *set = NULL;
	int rc = 0;

	if (copy_str(ld, c->instance, sizeof(c->instance), inst, "name"))
		return -1;
	if (lyd_find_path(inst, "mdcs:mdcs", 0, &m) || !m)
		return fail(ld, "instance %s has no mdcs container",
			    c->instance);
	if (load_rp(ld, m, c) || load_publishing(ld, m, c))
		return -1;
	load_timers(m, c);
	if (lyd_find_xpath(m, "remote-rp", &set))
		return fail(ld, "cannot read remote-rp");
	c->remotes = calloc(set->count ? set->count : 1, sizeof(*c->remotes));
	if (!c->remotes)
		rc = fail(ld, "out of memory");
	for (uint32_t i = 0; !rc && i < set->count; i++) {
		rc = load_remote(ld, set->dnodes[i], &c->remotes[i]);
		c->n_remotes = i + 1;
	}
	ly_set_free(set, NULL);
	if (rc || check_addresses(ld, c))
		return -1;
	return load_channels(ld, m, c);
}

int conf_context(const char *yang_path, struct ly_ctx **ctx, char *err,
		 size_t errlen)
{
	struct loader ld = { err, errlen };

	*ctx = NULL;
	if (ly_ctx_new(yang_path, 0, ctx))
		return fail(&ld, "cannot create a YANG context");
	ly_log_options(LY_LOSTORE_LAST);
	if (!ly_ctx_load_module(*ctx, "mdcs", NULL, NULL)) {
		fail_ly(&ld, *ctx, "cannot load the mdcs YANG module");
		ly_ctx_destroy(*ctx);
		*ctx = NULL;
		return -1;
	}
	return 0;
}

int conf_from_tree(const struct lyd_node *tree, struct rpd_conf *c, char *err,
		   size_t errlen)
{
	struct loader ld = { err, errlen };
	struct ly_set *set = NULL;
	int rc;

	memset(c, 0, sizeof(*c));
	if (!tree || lyd_find_xpath(tree, CONF_INSTANCE_XPATH, &set) ||
	    set->count != 1) {
		rc = set && set->count > 1
			     ? fail(&ld,
				    "has %u mdcs control-plane-protocols: "
				    "rpd runs one",
				    set->count)
			     : 1;
		ly_set_free(set, NULL);
		return rc;
	}
	rc = load_instance(&ld, set->dnodes[0], c);
	ly_set_free(set, NULL);
	if (rc)
		conf_free(c);
	return rc;
}

void conf_free(struct rpd_conf *c)
{
	for (unsigned i = 0; i < c->n_channels; i++)
		free(c->channels[i].remotes);
	free(c->channels);
	c->channels = NULL;
	c->n_channels = 0;
	for (unsigned i = 0; i < c->n_remotes; i++)
		free(c->remotes[i].prefixes);
	free(c->remotes);
	free(c->prefixes);
	free(c->publishers);
	c->remotes = NULL;
	c->prefixes = NULL;
	c->publishers = NULL;
	c->n_publishers = 0;
	c->n_remotes = 0;
	c->n_prefixes = 0;
}
