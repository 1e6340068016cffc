/* rpd's state as YANG data: counters, subscriptions, notifications. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "counters.h"
#include "loop.h"
#include "sampling.h"
#include "state.h"

#define RP_PATH CONF_INSTANCE_XPATH "[name='%s']/mdcs:mdcs"

static int set_str(struct lyd_node *parent, const char *path, const char *v)
{
	return lyd_new_path(parent, NULL, path, v, LYD_NEW_PATH_UPDATE, NULL)
		       ? -1
		       : 0;
}

static int set(struct lyd_node *parent, const char *path, uint64_t v)
{
	char s[24];

	snprintf(s, sizeof(s), "%" PRIu64, v);
	return set_str(parent, path, s);
}

/* The path of leaf in the list entry at entry, in buf of LEAF_PATH_LEN. */
#define LEAF_PATH_LEN 256
static const char *leaf_in(char *buf, const char *entry, const char *leaf)
{
	snprintf(buf, LEAF_PATH_LEN, "%s/%s", entry, leaf);
	return buf;
}

static int add_counters(struct lyd_node *rp, const struct state_source *src)
{
	uint64_t c[MDCS_CNT_MAX];
	struct mesh_stats all;
	const struct mesh_stats *m = &all;
	const char *drop = "drop-";
	char path[96];
	int rc = 0;

	if (datapath_counters(src->dp, c))
		return -1;
	mesh_control_stats(src->mesh, &all);
	rc |= set(rp, "statistics/encapsulated/packets",
		  c[MDCS_CNT_ENCAP_PACKETS]);
	rc |= set(rp, "statistics/encapsulated/octets",
		  c[MDCS_CNT_ENCAP_BYTES]);
	rc |= set(rp, "statistics/encapsulated/copies",
		  c[MDCS_CNT_ENCAP_COPIES]);
	rc |= set(rp, "statistics/decapsulated/packets",
		  c[MDCS_CNT_DECAP_PACKETS]);
	rc |= set(rp, "statistics/decapsulated/octets",
		  c[MDCS_CNT_DECAP_BYTES]);
	rc |= set(rp, "statistics/publications", c[MDCS_CNT_PUBLISH_PACKETS]);
	for (int k = 0; k < MDCS_CNT_MAX; k++) {
		if (strncmp(mdcs_counter_names[k], drop, strlen(drop)))
			continue;
		snprintf(path, sizeof(path),
			 "statistics/drop[reason='%s']/packets",
			 mdcs_counter_names[k] + strlen(drop));
		rc |= set(rp, path, c[k]);
	}
	rc |= set(rp, "statistics/control-messages/accepted", m->accepted);
	rc |= set(rp, "statistics/control-messages/malformed", m->malformed);
	rc |= set(rp, "statistics/control-messages/unknown-sender",
		  m->unknown_sender);
	rc |= set(rp, "statistics/control-messages/bad-signature",
		  m->bad_signature);
	rc |= set(rp, "statistics/control-messages/replayed", m->replayed);
	rc |= set(rp, "statistics/control-messages/stale", m->stale);
	rc |= set(rp, "statistics/control-messages/sent", m->sent);
	rc |= set(rp, "statistics/control-messages/send-failed",
		  m->send_failed);
	return rc;
}

/* A channel's keys, as the predicates of its list entries. */
static void channel_keys(const struct mdcs_channel *ch, char *buf, size_t len)
{
	char g[INET6_ADDRSTRLEN], src[INET6_ADDRSTRLEN];

	inet_ntop(AF_INET6, &ch->group, g, sizeof(g));
	inet_ntop(AF_INET6, &ch->source, src, sizeof(src));
	snprintf(buf, len, "[group='%s'][source='%s']", g, src);
}

struct collect {
	struct lyd_node *rp;
	struct datapath *dp;
	uint64_t now;
	int rc;
};

/* A channel sent: its tunnel entry, made with the channel's counters when
 * the first of its subscriptions comes by, lists the subscriber. */
static void add_tunnel(struct collect *c, const struct channel_subscription *s,
		       const char *keys)
{
	struct mdcs_channel_traffic t;
	struct lyd_node *found;
	char entry[176], path[LEAF_PATH_LEN];

	snprintf(entry, sizeof(entry), "tunnel%s", keys);
	if (lyd_find_path(c->rp, entry, 0, &found)) {
		if (datapath_channel_traffic(c->dp, s->stats, &t)) {
			c->rc = -1;
			return;
		}
		c->rc |= set(c->rp, leaf_in(path, entry, "forwarded/packets"),
			     t.in.packets);
		c->rc |= set(c->rp, leaf_in(path, entry, "forwarded/octets"),
			     t.in.bytes);
		c->rc |= set(c->rp, leaf_in(path, entry, "forwarded/copies"),
			     t.copies);
	}
	/* A state leaf-list may repeat values, so its entries have no
	 * predicate: each call adds one. */
	if (lyd_new_path(c->rp, NULL, leaf_in(path, entry, "remote-rp"), s->rp,
			 0, NULL))
		c->rc = -1;
}

static void add_subscription(void *arg, const struct channel_subscription *s)
{
	struct collect *c = arg;
	bool mapped = s->expires_ms == CHANNEL_MAPPED;
	uint64_t left = s->expires_ms > c->now ? s->expires_ms - c->now : 0;
	char keys[160], path[320];
	size_t end;

	channel_keys(s->ch, keys, sizeof(keys));
	if (s->sent)
		add_tunnel(c, s, keys);
	snprintf(path, sizeof(path),
		 "subscription%s[remote-rp='%s'][direction='%s']", keys, s->rp,
		 s->sent ? "sent" : "received");
	end = strlen(path);
	snprintf(path + end, sizeof(path) - end, "/configured");
	c->rc |= set_str(c->rp, path, mapped ? "true" : "false");
	if (mapped)
		return;
	snprintf(path + end, sizeof(path) - end, "/expires-in");
	c->rc |= set(c->rp, path, (left + 999) / 1000);
}

/* yang:date-and-time, in UTC, of a time in microseconds since the epoch. */
static void date_and_time(uint64_t unix_us, char *buf, size_t len)
{
	time_t secs = (time_t)(unix_us / 1000000);
	struct tm tm;
	size_t n;

	gmtime_r(&secs, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%06uZ", (unsigned)(unix_us % 1000000));
}

/* Status, last message and traffic of a remote RP, in its entry. */
static int add_rp_state(struct lyd_node *top, const struct state_source *src,
			const struct remote_rp *rp, const char *entry)
{
	char path[LEAF_PATH_LEN], when[40];
	char addr[INET6_ADDRSTRLEN];
	struct mdcs_rp_traffic t;
	int rc = 0;

	if (datapath_rp_traffic(src->dp, rp->slot, &t))
		return -1;
	rc |= set_str(top, leaf_in(path, entry, "path"),
		      rp->relayed.on ? "relayed"
		      : rp->punched  ? "punched"
				     : "direct");
	rc |= set_str(top, leaf_in(path, entry, "reached-address"),
		      addr6_str(&rp->addr, addr));
	rc |= set(top, leaf_in(path, entry, "reached-port"), rp->port);
	rc |= set_str(top, leaf_in(path, entry, "status"),
		      rp->up ? "up" : "down");
	if (rp->heard_ms) {
		date_and_time(rp->heard_unix_us, when, sizeof(when));
		rc |= set_str(top, leaf_in(path, entry, "last-heard"), when);
	}
	rc |= set(top, leaf_in(path, entry, "sent/packets"), t.tx.packets);
	rc |= set(top, leaf_in(path, entry, "sent/octets"), t.tx.bytes);
	rc |= set(top, leaf_in(path, entry, "received/packets"), t.rx.packets);
	rc |= set(top, leaf_in(path, entry, "received/octets"), t.rx.bytes);
	return rc;
}

/* The configured remote RPs, then the learned ones with what their
 * descriptors say. */
static int add_remote_rps(struct lyd_node *top, const struct state_source *src)
{
	char entry[120], path[LEAF_PATH_LEN], key[2 * MDCS_CTL_KEY_LEN + 1];
	char addr[INET6_ADDRSTRLEN], pfx[PREFIX6_STRLEN];
	const struct remote_rp *rp;
	int rc = 0;

	mesh_each_rp (src->mesh, rp) {
		if (rp->conf) {
			snprintf(entry, sizeof(entry), "remote-rp[name='%s']",
				 rp->name);
			rc |= add_rp_state(top, src, rp, entry);
			continue;
		}
		snprintf(entry, sizeof(entry),
			 "membership/learned-rp[name='%s']", rp->name);
		sodium_bin2hex(key, sizeof(key), rp->key, sizeof(rp->key));
		rc |= set_str(top, leaf_in(path, entry, "public-key"), key);
		rc |= set_str(top, leaf_in(path, entry, "address"),
			      addr6_str(&rp->advertised.addr, addr));
		rc |= set(top, leaf_in(path, entry, "port"),
			  rp->advertised.port);
		for (unsigned i = 0; i < rp->n_prefixes; i++)
			rc |= set_str(top,
				      leaf_in(path, entry, "source-prefix"),
				      prefix6_str(&rp->prefixes[i], pfx));
		rc |= add_rp_state(top, src, rp, entry);
	}
	return rc;
}

/* A view entry's name: the RP's, configured or learned, if known. */
static const char *member_name(const struct mesh *m, const uint8_t *id)
{
	const struct remote_rp *rp;

	mesh_each_rp (m, rp)
		if (!memcmp(rp->key, id, MDCS_CTL_KEY_LEN))
			return rp->name;
	return NULL;
}

/* This RP's NAT class and endpoint, as its current descriptor says. */
static int add_nat(struct lyd_node *top, const struct pss *pss)
{
	char path[LEAF_PATH_LEN], addr[INET6_ADDRSTRLEN];
	const char *nat = "membership/nat";
	const uint8_t *raw;
	struct desc d;
	size_t len;
	int rc = 0;

	if (!pss)
		return 0;
	raw = pss_self_desc(pss, &len);
	if (desc_parse(raw, len, &d) != CTL_OK)
		return -1;
	rc |= set_str(top, leaf_in(path, nat, "mapping"),
		      desc_behaviour_name(MDCS_DESC_NAT_MAPPING(d.nat)));
	rc |= set_str(top, leaf_in(path, nat, "filtering"),
		      desc_behaviour_name(MDCS_DESC_NAT_FILTERING(d.nat)));
	rc |= set_str(top, leaf_in(path, nat, "translated"),
		      d.nat & MDCS_DESC_NAT_TRANSLATED ? "true" : "false");
	rc |= set_str(top, leaf_in(path, nat, "address"),
		      addr6_str(&d.endpoints[0].addr, addr));
	rc |= set(top, leaf_in(path, nat, "port"), d.endpoints[0].port);
	rc |= set(top, leaf_in(path, nat, "remapped"),
		  pss_stats(pss)->remapped);
	return rc;
}

/* The paths this RP relays for others, and what passed through them. */
static int add_relay(struct lyd_node *top, const struct relay *r)
{
	char path[LEAF_PATH_LEN];
	const char *rs = "membership/relay";
	int rc = 0;

	rc |= set(top, leaf_in(path, rs, "paths"), relay_count(r));
	rc |= set(top, leaf_in(path, rs, "allocated"), r->stats.allocated);
	rc |= set(top, leaf_in(path, rs, "refused"), r->stats.refused);
	rc |= set(top, leaf_in(path, rs, "binds"), r->stats.binds);
	rc |= set(top, leaf_in(path, rs, "packets"), r->stats.packets);
	rc |= set(top, leaf_in(path, rs, "octets"), r->stats.octets);
	rc |= set(top, leaf_in(path, rs, "dropped"), r->stats.dropped);
	return rc;
}

/* The membership view as peer sampling keeps it, and its counters. */
static int add_members(struct lyd_node *top, const struct state_source *src)
{
	const struct pss *pss = sampling_pss(src->mesh);
	char entry[120], path[LEAF_PATH_LEN], addr[INET6_ADDRSTRLEN];
	const char *ms = "membership/statistics";
	struct pss_stats st;
	int rc = 0;

	for (unsigned i = 0; pss && i < pss_view_len(pss); i++) {
		const struct pss_entry *e = pss_view_entry(pss, i);
		const char *name = member_name(src->mesh, e->id);

		snprintf(entry, sizeof(entry),
			 "membership/member[address='%s'][port='%u']",
			 addr6_str(&e->endpoint.addr, addr), e->endpoint.port);
		if (name)
			rc |= set_str(top, leaf_in(path, entry, "name"), name);
		rc |= set(top, leaf_in(path, entry, "age"), e->age);
	}
	sampling_stats(src->mesh, &st);
	rc |= set(top, leaf_in(path, ms, "shuffles-started"), st.started);
	rc |= set(top, leaf_in(path, ms, "shuffles-completed"), st.completed);
	rc |= set(top, leaf_in(path, ms, "shuffles-timed-out"), st.timed_out);
	rc |= set(top, leaf_in(path, ms, "shuffles-served"), st.served);
	rc |= set(top, leaf_in(path, ms, "shuffles-busy"), st.busy);
	rc |= set(top, leaf_in(path, ms, "shuffles-redirected"), st.redirects);
	rc |= set(top, leaf_in(path, ms, "descriptors-refused"),
		  st.desc_malformed + st.desc_bad_signature + st.desc_expired +
			  st.desc_future);
	rc |= set(top, leaf_in(path, ms, "relay-forwarded"), st.forwarded);
	rc |= set(top, leaf_in(path, ms, "relay-refused"), st.relay_refused);
	rc |= set(top, leaf_in(path, ms, "probes-answered"),
		  st.probes_answered);
	rc |= set(top, leaf_in(path, ms, "punches-sent"), st.punches);
	rc |= set(top, leaf_in(path, ms, "punches-received"), st.punched);
	rc |= set(top, leaf_in(path, ms, "holes-opened"), st.holes_opened);
	rc |= set(top, leaf_in(path, ms, "meets-sent"), st.meets);
	rc |= add_relay(top, &src->mesh->relay);
	rc |= set(top, leaf_in(path, ms, "rps-not-learned"),
		  src->mesh->stats.learned_full);
	return rc | add_nat(top, pss);
}

/* Leaves of numbers, set in one container. */
struct number_leaf {
	const char *name;
	uint64_t value;
};

static int set_leaves(struct lyd_node *top, const char *container,
		      const struct number_leaf *l, size_t n)
{
	char path[LEAF_PATH_LEN];
	int rc = 0;

	for (size_t i = 0; i < n; i++)
		rc |= set(top, leaf_in(path, container, l[i].name), l[i].value);
	return rc;
}

/* The tunnel-mode peers' gateways, and the relay's counters. */
static int add_tunnel_peers(struct lyd_node *top, const struct gateways *g)
{
	const struct gateways_stats *st = &g->stats;
	const struct number_leaf leaves[] = {
		{ "gateways", gateways_count(g) },
		{ "channels", g->n_channels },
		{ "discoveries", st->discoveries },
		{ "requests", st->requests },
		{ "updates", st->updates },
		{ "teardowns", st->teardowns },
		{ "malformed", st->malformed },
		{ "bad-mac", st->bad_mac },
		{ "unsupported", st->unsupported },
		{ "not-allowed", st->not_allowed },
		{ "refused", st->refused },
		{ "full", st->full },
		{ "over-rate", st->over_rate },
	};

	return set_leaves(top, "tunnel-peers", leaves,
			  sizeof(leaves) / sizeof(leaves[0]));
}

/* The peers that announced themselves, by interface, and the counters. */
static int add_peers(struct lyd_node *top, const struct peer_census *c)
{
	const struct census_stats *st = &c->stats;
	unsigned tunnel = 0;
	int rc = 0;

	for (unsigned i = 0; i < c->n_ifs; i++) {
		const struct census_interface *in = &c->ifs[i];
		const struct number_leaf counts[] = {
			{ "peers", in->peers },
			{ "tunnel-mode-peers", in->tunnel_peers },
		};
		char entry[96];

		snprintf(entry, sizeof(entry), "peers/interface[name='%s']",
			 in->name);
		rc |= set_leaves(top, entry, counts,
				 sizeof(counts) / sizeof(counts[0]));
		tunnel += in->tunnel_peers;
	}
	const struct number_leaf leaves[] = {
		{ "peers", c->n_peers },
		{ "tunnel-mode-peers", tunnel },
		{ "announcements", st->announcements },
		{ "departures", st->departures },
		{ "expired", st->expired },
		{ "malformed", st->malformed },
		{ "not-allowed", st->not_allowed },
		{ "full", st->full },
	};

	return rc | set_leaves(top, "peers", leaves,
			       sizeof(leaves) / sizeof(leaves[0]));
}

/* The directory's size now, and its counters. */
static int add_directory(struct lyd_node *top, struct directory *d)
{
	const struct directory_stats *st = &d->stats;
	bool own;
	const struct number_leaf leaves[] = {
		{ "entries", directory_build(d, &own) },
		{ "answered", st->answered },
		{ "malformed", st->malformed },
		{ "not-allowed", st->not_allowed },
		{ "over-rate", st->over_rate },
	};

	return set_leaves(top, "directory", leaves,
			  sizeof(leaves) / sizeof(leaves[0]));
}

int state_add(const struct state_source *src, const struct ly_ctx *ctx,
	      struct lyd_node **tree, struct ds_error *err)
{
	struct collect c = { .dp = src->dp, .now = loop_now_ms() };
	struct lyd_node *top;
	char path[176];

	if (!src->dp->encap)
		return 0; /* the RP is not up: no state */
	snprintf(path, sizeof(path), RP_PATH, src->conf->instance);
	if (lyd_find_path(*tree, path, 0, &c.rp)) {
		if (lyd_new_path(*tree, ctx, path, NULL, 0, &top))
			return ds_fail_ly(err, ctx, "operation-failed");
		if (!*tree)
			*tree = top;
		if (lyd_find_path(*tree, path, 0, &c.rp))
			return ds_fail_ly(err, ctx, "operation-failed");
	}
	if (add_counters(c.rp, src))
		return ds_fail(err, "operation-failed", NULL,
			       "the RP's counters could not be read");
	if (add_remote_rps(c.rp, src))
		return ds_fail(err, "operation-failed", NULL,
			       "the remote RPs' state could not be read");
	if (add_members(c.rp, src))
		return ds_fail(err, "operation-failed", NULL,
			       "the membership view could not be listed");
	if (add_tunnel_peers(c.rp, src->gateways))
		return ds_fail(err, "operation-failed", NULL,
			       "the tunnel-mode peers could not be listed");
	if (add_peers(c.rp, src->census))
		return ds_fail(err, "operation-failed", NULL,
			       "the peers could not be listed");
	if (add_directory(c.rp, src->directory))
		return ds_fail(err, "operation-failed", NULL,
			       "the directory could not be read");
	channels_each(src->channels, add_subscription, &c);
	if (c.rc)
		return ds_fail(err, "operation-failed", NULL,
			       "the RP's subscriptions could not be listed");
	return 0;
}

/* A notification of the RP's, in *notif; its container in *n. */
static int new_notification(const struct ly_ctx *ctx, const char *instance,
			    const char *name, struct lyd_node **notif,
			    struct lyd_node **n)
{
	char path[256];

	snprintf(path, sizeof(path), RP_PATH "/%s", instance, name);
	return lyd_new_path(NULL, ctx, path, NULL, 0, notif) ||
	       lyd_find_path(*notif, path, 0, n);
}

struct lyd_node *state_rp_status_change(const struct ly_ctx *ctx,
					const char *instance,
					const struct remote_rp *rp)
{
	struct lyd_node *notif = NULL, *n;

	if (new_notification(ctx, instance, "rp-status-change", &notif, &n) ||
	    lyd_new_term(n, NULL, "remote-rp", rp->name, 0, NULL) ||
	    lyd_new_term(n, NULL, "status", rp->up ? "up" : "down", 0, NULL)) {
		lyd_free_all(notif);
		return NULL;
	}
	return notif;
}

struct lyd_node *state_subscription_change(const struct ly_ctx *ctx,
					   const char *instance,
					   const struct channel_subscription *s,
					   enum channel_event ev)
{
	static const char *const events[] = { "added", "removed", "expired" };
	char g[INET6_ADDRSTRLEN], src[INET6_ADDRSTRLEN];
	struct lyd_node *notif = NULL, *n;

	inet_ntop(AF_INET6, &s->ch->group, g, sizeof(g));
	inet_ntop(AF_INET6, &s->ch->source, src, sizeof(src));
	if (new_notification(ctx, instance, "subscription-change", &notif,
			     &n) ||
	    lyd_new_term(n, NULL, "group", g, 0, NULL) ||
	    lyd_new_term(n, NULL, "source", src, 0, NULL) ||
	    lyd_new_term(n, NULL, "remote-rp", s->rp, 0, NULL) ||
	    lyd_new_term(n, NULL, "direction", s->sent ? "sent" : "received", 0,
			 NULL) ||
	    lyd_new_term(n, NULL, "event", events[ev], 0, NULL)) {
		lyd_free_all(notif);
		return NULL;
	}
	return notif;
}
