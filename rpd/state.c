/* rpd's state as YANG data: counters, subscriptions, notifications. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "counters.h"
#include "loop.h"
#include "state.h"

#define RP_PATH                                                                \
	"/ietf-routing:routing/control-plane-protocols/"                       \
	"control-plane-protocol[type='mdcs:mdcs'][name='%s']/mdcs:mdcs"

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

static int add_counters(struct lyd_node *rp, const struct state_source *src)
{
	uint64_t c[MDCS_CNT_MAX];
	const struct mesh_stats *m = &src->mesh->stats;
	const char *drop = "drop-";
	char path[96];
	int rc = 0;

	if (datapath_counters(src->dp, c))
		return -1;
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

/* The keys of a subscription, as a relative path with predicates. */
static void subscription_path(const struct channel_subscription *s, char *buf,
			      size_t len)
{
	char g[INET6_ADDRSTRLEN], src[INET6_ADDRSTRLEN];

	inet_ntop(AF_INET6, &s->ch->group, g, sizeof(g));
	inet_ntop(AF_INET6, &s->ch->source, src, sizeof(src));
	snprintf(buf, len,
		 "subscription[group='%s'][source='%s'][remote-rp='%s']"
		 "[direction='%s']",
		 g, src, s->rp, s->sent ? "sent" : "received");
}

struct collect {
	struct lyd_node *rp;
	uint64_t now;
	int rc;
};

static void add_subscription(void *arg, const struct channel_subscription *s)
{
	struct collect *c = arg;
	bool mapped = s->expires_ms == CHANNEL_MAPPED;
	uint64_t left = s->expires_ms > c->now ? s->expires_ms - c->now : 0;
	char path[320];
	size_t end;

	subscription_path(s, path, sizeof(path));
	end = strlen(path);
	snprintf(path + end, sizeof(path) - end, "/configured");
	c->rc |= set_str(c->rp, path, mapped ? "true" : "false");
	if (mapped)
		return;
	snprintf(path + end, sizeof(path) - end, "/expires-in");
	c->rc |= set(c->rp, path, (left + 999) / 1000);
}

int state_add(const struct state_source *src, const struct ly_ctx *ctx,
	      struct lyd_node **tree, struct ds_error *err)
{
	struct collect c = { .now = loop_now_ms() };
	struct lyd_node *top;
	char path[160];

	if (!src->dp->encap)
		return 0; /* the RP is not up: no state */
	snprintf(path, sizeof(path), RP_PATH, src->instance);
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
	channels_each(src->channels, add_subscription, &c);
	if (c.rc)
		return ds_fail(err, "operation-failed", NULL,
			       "the RP's subscriptions could not be listed");
	return 0;
}

void state_subscription_change(const struct ly_ctx *ctx, const char *instance,
			       const struct channel_subscription *s,
			       enum channel_event ev, struct lyd_node **notif)
{
	static const char *const events[] = { "added", "removed", "expired" };
	char path[200], g[INET6_ADDRSTRLEN], src[INET6_ADDRSTRLEN];
	struct lyd_node *n;

	*notif = NULL;
	inet_ntop(AF_INET6, &s->ch->group, g, sizeof(g));
	inet_ntop(AF_INET6, &s->ch->source, src, sizeof(src));
	snprintf(path, sizeof(path), RP_PATH "/subscription-change", instance);
	if (lyd_new_path(NULL, ctx, path, NULL, 0, notif) ||
	    lyd_find_path(*notif, path, 0, &n) ||
	    lyd_new_term(n, NULL, "group", g, 0, NULL) ||
	    lyd_new_term(n, NULL, "source", src, 0, NULL) ||
	    lyd_new_term(n, NULL, "remote-rp", s->rp, 0, NULL) ||
	    lyd_new_term(n, NULL, "direction", s->sent ? "sent" : "received", 0,
			 NULL) ||
	    lyd_new_term(n, NULL, "event", events[ev], 0, NULL)) {
		lyd_free_all(*notif);
		*notif = NULL;
	}
}
