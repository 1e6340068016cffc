/* Channel subscriptions in both directions, as soft state. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channels.h"
#include "gateways.h"
#include "log.h"

struct rx_channel {
	struct remote_rp *rp;
	uint32_t stats;	     /* slot in the datapath's channel_stats */
	uint64_t expires_ms; /* when pim6d's Join or gateways' interest ends */
	uint64_t pim_expires_ms; /* when pim6d's Join runs out */
	int status;		 /* last status from the serving RP, -1: none */
};

struct tx_subscriber {
	uint32_t slot;
	uint64_t expires_ms;
};

struct tx_channel {
	uint32_t stats; /* slot in the datapath's channel_stats */
	unsigned n, cap;
	struct tx_subscriber *sub;
};

static void tx_free(void *data)
{
	struct tx_channel *tx = data;

	if (tx)
		free(tx->sub);
	free(tx);
}

/* Forget a sent channel: its record and its counter slot. */
static void tx_forget(struct channels *cs, const struct mdcs_channel *ch)
{
	struct tx_channel *tx = chantab_del(&cs->tx, ch);

	if (tx)
		idpool_put(&cs->stats, tx->stats);
	tx_free(tx);
}

/* A fresh counter slot for a new channel, its counters at zero. */
static bool stats_get(struct channels *cs, uint32_t *stats)
{
	if (!idpool_get(&cs->stats, stats))
		return false;
	if (datapath_clear_channel_stats(cs->dp, *stats) == 0)
		return true;
	idpool_put(&cs->stats, *stats);
	return false;
}

/* The counter slot a channel taken over had, or else a fresh one. */
static bool stats_adopt(struct channels *cs, uint32_t *stats)
{
	return idpool_take(&cs->stats, *stats) || stats_get(cs, stats);
}

/* Channels of this RP's own source come from publications; pim6d has no
 * source to join toward, and no remote RP to subscribe at. */
static bool own_channel(const struct channels *cs,
			const struct mdcs_channel *ch)
{
	return cs->conf->has_channel_source &&
	       !memcmp(&ch->source, &cs->conf->channel_source,
		       sizeof(ch->source));
}

/* Room for one more subscriber, up to the datapath's maximum. */
static bool tx_reserve(struct tx_channel *tx)
{
	unsigned cap = tx->cap ? 2 * tx->cap : 4;
	struct tx_subscriber *p;

	if (tx->n < tx->cap)
		return true;
	if (tx->n == MDCS_MAX_FANOUT)
		return false;
	if (cap > MDCS_MAX_FANOUT)
		cap = MDCS_MAX_FANOUT;
	p = realloc(tx->sub, cap * sizeof(*p));
	if (!p)
		return false;
	tx->sub = p;
	tx->cap = cap;
	return true;
}

#define SWEEP_MS 1000

static const char *chan_str(const struct mdcs_channel *ch, char *buf,
			    size_t len)
{
	char s[INET6_ADDRSTRLEN], g[INET6_ADDRSTRLEN];

	snprintf(buf, len, "(%s,%s)", addr6_str(&ch->source, s),
		 addr6_str(&ch->group, g));
	return buf;
}

#define CHAN_STRLEN (2 * INET6_ADDRSTRLEN + 4)

static void to_wire(struct mdcs_ctl_channel *w, const struct mdcs_channel *ch)
{
	memcpy(w->source, &ch->source, 16);
	memcpy(w->group, &ch->group, 16);
}

static void from_wire(struct mdcs_channel *ch, const struct mdcs_ctl_channel *w)
{
	memcpy(&ch->source, w->source, 16);
	memcpy(&ch->group, w->group, 16);
}

/* --- receiving: channels this RP subscribes to --- */

static void tell(struct channels *cs, const struct mdcs_channel *ch,
		 const char *rp, bool sent, uint64_t expires_ms,
		 enum channel_event ev)
{
	struct channel_subscription s = {
		.ch = ch, .rp = rp, .sent = sent, .expires_ms = expires_ms
	};

	if (cs->on_event)
		cs->on_event(cs->event_arg, &s, ev);
}

static void rx_subscribe_one(struct channels *cs, const struct mdcs_channel *ch,
			     struct remote_rp *rp, enum mdcs_ctl_type type)
{
	struct mdcs_ctl_channel w;

	to_wire(&w, ch);
	mesh_send_channels(cs->mesh, rp, type, cs->conf->hold_time, &w, 1);
}

/*
 * Receive a remote channel until at least expires (ms on the loop's
 * clock), for pim6d or for gateways: subscribe at the RP serving its
 * source if not done yet.  MDCS_CTL_ACCEPTED, or why not.
 */
static int rx_want(struct channels *cs, const struct mdcs_channel *ch,
		   uint64_t expires, bool pim)
{
	struct rx_channel *rx = chantab_get(&cs->rx, ch);
	char c[CHAN_STRLEN];
	bool added = false;

	if (!rx) {
		struct remote_rp *rp =
			mesh_rp_for_source(cs->mesh, &ch->source);

		if (!rp) {
			log_info("join %s: no remote RP serves the source",
				 chan_str(ch, c, sizeof(c)));
			return MDCS_CTL_NOT_SERVED;
		}
		rx = calloc(1, sizeof(*rx));
		if (!rx || !stats_get(cs, &rx->stats)) {
			free(rx);
			return MDCS_CTL_TABLE_FULL;
		}
		if (chantab_add(&cs->rx, ch, rx)) {
			idpool_put(&cs->stats, rx->stats);
			free(rx);
			return MDCS_CTL_TABLE_FULL;
		}
		rx->rp = rp;
		rx->status = -1;
		if (datapath_set_rx(cs->dp, ch,
				    &(struct mdcs_rx){ rp->slot, rx->stats })) {
			chantab_del(&cs->rx, ch);
			idpool_put(&cs->stats, rx->stats);
			free(rx);
			return MDCS_CTL_TABLE_FULL;
		}
		log_notice("subscribing to %s at %s",
			   chan_str(ch, c, sizeof(c)), rp->name);
		rx_subscribe_one(cs, ch, rp, MDCS_CTL_SUBSCRIBE);
		added = true;
	}
	if (rx->expires_ms < expires)
		rx->expires_ms = expires;
	if (pim)
		rx->pim_expires_ms = expires;
	if (added)
		tell(cs, ch, rx->rp->name, false, rx->expires_ms,
		     CHANNEL_ADDED);
	return MDCS_CTL_ACCEPTED;
}

static void pim_join(void *arg, const struct in6_addr *source,
		     const struct in6_addr *group, unsigned holdtime)
{
	struct channels *cs = arg;
	struct mdcs_channel ch = { *source, *group };

	if (!own_channel(cs, &ch))
		rx_want(cs, &ch, loop_now_ms() + holdtime * 1000ULL, true);
}

static void rx_leave(struct channels *cs, const struct mdcs_channel *ch,
		     enum channel_event ev)
{
	struct rx_channel *rx = chantab_del(&cs->rx, ch);
	char c[CHAN_STRLEN];

	if (!rx)
		return;
	log_notice("unsubscribing from %s at %s", chan_str(ch, c, sizeof(c)),
		   rx->rp->name);
	datapath_del_rx(cs->dp, ch);
	rx_subscribe_one(cs, ch, rx->rp, MDCS_CTL_UNSUBSCRIBE);
	tell(cs, ch, rx->rp->name, false, rx->expires_ms, ev);
	idpool_put(&cs->stats, rx->stats);
	free(rx);
}

static void pim_prune(void *arg, const struct in6_addr *source,
		      const struct in6_addr *group)
{
	struct channels *cs = arg;
	struct mdcs_channel ch = { *source, *group };

	struct rx_channel *rx = chantab_get(&cs->rx, &ch);

	/* Gateways that still want it keep it until their interest ends. */
	if (rx && chantab_get(&cs->tx, &ch))
		rx->pim_expires_ms = 0;
	else
		rx_leave(cs, &ch, CHANNEL_REMOVED);
}

static void mesh_ack(void *arg, struct remote_rp *rp,
		     const struct mdcs_ctl_status *st, unsigned n)
{
	struct channels *cs = arg;
	char c[CHAN_STRLEN];

	for (unsigned i = 0; i < n; i++) {
		struct mdcs_channel ch;
		struct rx_channel *rx;

		from_wire(&ch, &st[i].channel);
		rx = chantab_get(&cs->rx, &ch);
		if (!rx || rx->rp != rp || rx->status == st[i].status)
			continue;
		rx->status = st[i].status;
		if (st[i].status != MDCS_CTL_ACCEPTED)
			log_warn("%s refused %s: status %u", rp->name,
				 chan_str(&ch, c, sizeof(c)), st[i].status);
	}
}

/* Collects the channels received from one RP, to refresh them. */
struct batch {
	struct remote_rp *rp;
	struct mdcs_ctl_channel *ch;
	unsigned n;
};

static void collect_rx(void *arg, const struct mdcs_channel *ch, void *data)
{
	struct batch *b = arg;
	struct rx_channel *rx = data;

	if (rx->rp == b->rp)
		to_wire(&b->ch[b->n++], ch);
}

static void refresh_due(void *arg)
{
	struct channels *cs = arg;
	struct batch b = { 0 };

	b.ch = calloc(cs->rx.count ? cs->rx.count : 1, sizeof(*b.ch));
	mesh_each_rp (cs->mesh, b.rp) {
		if (!b.ch)
			break;
		b.n = 0;
		chantab_each(&cs->rx, collect_rx, &b);
		if (b.n)
			mesh_send_channels(cs->mesh, b.rp, MDCS_CTL_SUBSCRIBE,
					   cs->conf->hold_time, b.ch, b.n);
	}
	free(b.ch);
	timer_arm(cs->loop, &cs->refresh_timer,
		  cs->conf->refresh_interval * 1000ULL);
}

/* --- sending: channels remote RPs subscribe to here --- */

static int tx_write(struct channels *cs, const struct mdcs_channel *ch,
		    const struct tx_channel *tx)
{
	struct mdcs_fanout f = { .stats = tx->stats, .count = (uint16_t)tx->n };

	for (unsigned i = 0; i < tx->n; i++)
		f.slot[i] = (uint16_t)tx->sub[i].slot;
	return datapath_set_fanout(cs->dp, ch, &f);
}

/* Whether pim6d forwards the channel to the overlay for sending: not one
 * of publications, nor one of a remote source sent only to gateways. */
static bool pim_sends(const struct channels *cs, const struct mdcs_channel *ch)
{
	return !own_channel(cs, ch) && conf_serves(cs->conf, &ch->source);
}

static void pim_send_one(struct channels *cs, const struct mdcs_channel *ch,
			 bool join)
{
	struct pim_jp_entry e = { ch->source, ch->group, join };

	if (pim_sends(cs, ch))
		pimlink_send(cs->pim, &e, 1, cs->conf->jp_interval * 7 / 2);
}

/* The index of the subscriber in slot of a sent channel, or -1. */
static int tx_find(const struct tx_channel *tx, uint32_t slot)
{
	for (unsigned i = 0; i < tx->n; i++)
		if (tx->sub[i].slot == slot)
			return (int)i;
	return -1;
}

/* Who holds a slot: a remote RP or a gateway, for the logs and state. */
static const char *subscriber_name(const struct channels *cs, uint32_t slot)
{
	const struct remote_rp *rp;

	if (slot >= MDCS_GATEWAY_SLOT0)
		return gateways_name(cs->gateways, slot);
	rp = mesh_rp_by_slot(cs->mesh, slot);
	return rp ? rp->name : "?";
}

/* How loud a subscriber's channels are logged: a remote RP's at notice; a
 * gateway's at debug, as an RP may serve thousands, and gateways.c logs
 * each one's first and last channel at info. */
static int subscriber_level(uint32_t slot)
{
	return slot >= MDCS_GATEWAY_SLOT0 ? LOG_DEBUG : LOG_NOTICE;
}

/*
 * Add the subscriber in slot to a sent channel or refresh it there, until
 * expires (ms on the loop's clock; CHANNEL_MAPPED: until the mapping
 * goes).  *created says whether the channel is new, so needs a Join at
 * pim6d.
 */
static int tx_add(struct channels *cs, uint32_t slot,
		  const struct mdcs_channel *ch, uint64_t expires,
		  bool *created)
{
	struct tx_channel *tx = chantab_get(&cs->tx, ch);
	const char *name = subscriber_name(cs, slot);
	char c[CHAN_STRLEN];
	int at;

	*created = false;
	if (!tx) {
		if (cs->tx.count >= MDCS_MAX_CHANNELS)
			return MDCS_CTL_TABLE_FULL;
		tx = calloc(1, sizeof(*tx));
		if (!tx || !stats_get(cs, &tx->stats)) {
			free(tx);
			return MDCS_CTL_TABLE_FULL;
		}
		if (chantab_add(&cs->tx, ch, tx)) {
			idpool_put(&cs->stats, tx->stats);
			free(tx);
			return MDCS_CTL_TABLE_FULL;
		}
		*created = true;
	}
	at = tx_find(tx, slot);
	if (at >= 0) {
		/* A mapping outlasts any subscription. */
		if (tx->sub[at].expires_ms < expires)
			tx->sub[at].expires_ms = expires;
		return MDCS_CTL_ACCEPTED;
	}
	if (!tx_reserve(tx)) {
		if (*created)
			tx_forget(cs, ch);
		return MDCS_CTL_FANOUT_FULL;
	}
	tx->sub[tx->n++] = (struct tx_subscriber){ slot, expires };
	if (tx_write(cs, ch, tx)) {
		tx->n--;
		if (*created)
			tx_forget(cs, ch);
		return MDCS_CTL_TABLE_FULL;
	}
	log_msg(subscriber_level(slot), "%s %s %s", name,
		expires == CHANNEL_MAPPED ? "mapped to" : "subscribed to",
		chan_str(ch, c, sizeof(c)));
	tell(cs, ch, name, true, expires, CHANNEL_ADDED);
	return MDCS_CTL_ACCEPTED;
}

static int tx_subscribe(struct channels *cs, struct remote_rp *rp,
			const struct mdcs_channel *ch, unsigned hold_time)
{
	bool created;
	int status;

	if (!conf_serves(cs->conf, &ch->source))
		return MDCS_CTL_NOT_SERVED;
	status = tx_add(cs, rp->slot, ch, loop_now_ms() + hold_time * 1000ULL,
			&created);
	if (created)
		pim_send_one(cs, ch, true);
	return status;
}

/* The last gateway left a remote channel: it is received as long as
 * pim6d joins it, no longer. */
static void rx_release(struct channels *cs, const struct mdcs_channel *ch)
{
	struct rx_channel *rx = chantab_get(&cs->rx, ch);

	if (!rx)
		return;
	rx->expires_ms = rx->pim_expires_ms;
	if (rx->expires_ms <= loop_now_ms())
		rx_leave(cs, ch, CHANNEL_REMOVED);
}

/* Remove subscriber i; the last one gone takes the channel with it, and
 * then tx is freed: true. */
static bool tx_remove(struct channels *cs, const struct mdcs_channel *ch,
		      struct tx_channel *tx, unsigned i)
{
	struct mdcs_channel gone = *ch; /* ch may be the table's own key */

	tx->sub[i] = tx->sub[--tx->n];
	tx_write(cs, ch, tx);
	if (tx->n)
		return false;
	pim_send_one(cs, &gone, false);
	tx_forget(cs, &gone);
	if (!conf_serves(cs->conf, &gone.source))
		rx_release(cs, &gone);
	return true;
}

/* Take the subscriber in slot out of a sent channel, unless a mapping put
 * it there: a mapping is the operator's to remove.  what says why, for
 * the log. */
static void tx_drop(struct channels *cs, const struct mdcs_channel *ch,
		    uint32_t slot, const char *what)
{
	struct tx_channel *tx = chantab_get(&cs->tx, ch);
	int at = tx ? tx_find(tx, slot) : -1;
	const char *name = subscriber_name(cs, slot);
	char c[CHAN_STRLEN];

	if (at < 0 || tx->sub[at].expires_ms == CHANNEL_MAPPED)
		return;
	log_msg(subscriber_level(slot), "%s %s %s", name, what,
		chan_str(ch, c, sizeof(c)));
	tell(cs, ch, name, true, tx->sub[at].expires_ms, CHANNEL_REMOVED);
	tx_remove(cs, ch, tx, (unsigned)at);
}

static void mesh_subscribe(void *arg, struct remote_rp *rp,
			   const struct mdcs_ctl_channel *w, unsigned n,
			   unsigned hold_time, struct mdcs_ctl_status *st)
{
	struct channels *cs = arg;

	for (unsigned i = 0; i < n; i++) {
		struct mdcs_channel ch;

		from_wire(&ch, &w[i]);
		st[i].channel = w[i];
		st[i].status = (uint8_t)tx_subscribe(cs, rp, &ch, hold_time);
	}
}

static void mesh_unsubscribe(void *arg, struct remote_rp *rp,
			     const struct mdcs_ctl_channel *w, unsigned n)
{
	struct channels *cs = arg;

	for (unsigned i = 0; i < n; i++) {
		struct mdcs_channel ch;

		from_wire(&ch, &w[i]);
		tx_drop(cs, &ch, rp->slot, "unsubscribed from");
	}
}

struct gone {
	struct channels *cs;
	const struct remote_rp *rp;
};

static void gone_rx(void *arg, const struct mdcs_channel *ch, void *data)
{
	struct gone *g = arg;
	struct rx_channel *rx = data;

	if (rx->rp == g->rp)
		rx_leave(g->cs, ch, CHANNEL_REMOVED);
}

static void gone_tx(void *arg, const struct mdcs_channel *ch, void *data)
{
	struct gone *g = arg;

	(void)data;
	tx_drop(g->cs, ch, g->rp->slot, "left the mesh, and with it");
}

/* A learned RP is forgotten: its subscriptions end both ways.  pim6d's
 * next Join of a channel received there finds the RP serving it now. */
static void mesh_gone(void *arg, struct remote_rp *rp)
{
	struct gone g = { arg, rp };

	chantab_each(&g.cs->rx, gone_rx, &g);
	chantab_each(&g.cs->tx, gone_tx, &g);
}

/* Collects the channels sent, for one Join/Prune round to pim6d. */
struct jp_batch {
	const struct channels *cs;
	struct pim_jp_entry *e;
	unsigned n;
	bool join;
};

static void collect_tx(void *arg, const struct mdcs_channel *ch, void *data)
{
	struct jp_batch *b = arg;

	if (pim_sends(b->cs, ch))
		b->e[b->n++] =
			(struct pim_jp_entry){ ch->source, ch->group, b->join };
}

static int by_group(const void *a, const void *b)
{
	const struct pim_jp_entry *x = a, *y = b;

	return memcmp(&x->group, &y->group, sizeof(x->group));
}

static void send_all_tx(struct channels *cs, bool join)
{
	struct jp_batch b = { .cs = cs, .join = join };

	if (!cs->tx.count)
		return;
	b.e = calloc(cs->tx.count, sizeof(*b.e));
	if (!b.e)
		return;
	chantab_each(&cs->tx, collect_tx, &b);
	qsort(b.e, b.n, sizeof(*b.e), by_group);
	pimlink_send(cs->pim, b.e, b.n, cs->conf->jp_interval * 7 / 2);
	free(b.e);
}

static void jp_due(void *arg)
{
	struct channels *cs = arg;

	send_all_tx(cs, true);
	timer_arm(cs->loop, &cs->jp_timer, cs->conf->jp_interval * 1000ULL);
}

static void pim_neighbor_up(void *arg)
{
	struct channels *cs = arg;

	send_all_tx(cs, true);
}

/* --- expiry --- */

static void sweep_rx(void *arg, const struct mdcs_channel *ch, void *data)
{
	struct channels *cs = arg;
	struct rx_channel *rx = data;

	if (rx->expires_ms <= loop_now_ms())
		rx_leave(cs, ch, CHANNEL_EXPIRED);
}

static void sweep_tx(void *arg, const struct mdcs_channel *ch, void *data)
{
	struct channels *cs = arg;
	struct tx_channel *tx = data;
	uint64_t now = loop_now_ms();
	char c[CHAN_STRLEN];

	for (unsigned i = tx->n; i-- > 0;) {
		const char *name;

		if (tx->sub[i].expires_ms > now)
			continue;
		name = subscriber_name(cs, tx->sub[i].slot);
		log_msg(subscriber_level(tx->sub[i].slot),
			"subscription of %s to %s expired", name,
			chan_str(ch, c, sizeof(c)));
		tell(cs, ch, name, true, tx->sub[i].expires_ms,
		     CHANNEL_EXPIRED);
		if (tx_remove(cs, ch, tx, i))
			return; /* freed with its last subscriber */
	}
}

static void sweep_due(void *arg)
{
	struct channels *cs = arg;

	chantab_each(&cs->rx, sweep_rx, cs);
	chantab_each(&cs->tx, sweep_tx, cs);
	timer_arm(cs->loop, &cs->sweep_timer, SWEEP_MS);
}

/* --- taking over an earlier rpd's state --- */

struct adopt {
	struct channels *cs;
	struct mdcs_channel *stale;
	unsigned n_stale, cap_stale;
};

static void note_stale(struct adopt *a, const struct mdcs_channel *ch)
{
	if (a->n_stale == a->cap_stale) {
		unsigned cap = a->cap_stale ? 2 * a->cap_stale : 64;
		struct mdcs_channel *p = realloc(a->stale, cap * sizeof(*p));

		if (!p)
			return;
		a->stale = p;
		a->cap_stale = cap;
	}
	a->stale[a->n_stale++] = *ch;
}

static void adopt_tx(void *arg, const struct mdcs_channel *ch,
		     const struct mdcs_fanout *f)
{
	struct adopt *a = arg;
	struct channels *cs = a->cs;
	uint64_t expires = loop_now_ms() + cs->conf->hold_time * 1000ULL;
	struct tx_channel *tx = calloc(1, sizeof(*tx));

	for (unsigned i = 0; tx && i < f->count && i < MDCS_MAX_FANOUT; i++)
		if (mesh_rp_by_slot(cs->mesh, f->slot[i]) && tx_reserve(tx))
			tx->sub[tx->n++] =
				(struct tx_subscriber){ f->slot[i], expires };
	if (tx)
		tx->stats = f->stats;
	if (!tx || !tx->n || !conf_serves(cs->conf, &ch->source) ||
	    !stats_adopt(cs, &tx->stats)) {
		tx_free(tx);
		note_stale(a, ch);
	} else if (chantab_add(&cs->tx, ch, tx)) {
		idpool_put(&cs->stats, tx->stats);
		tx_free(tx);
		note_stale(a, ch);
	}
}

static void adopt_rx(void *arg, const struct mdcs_channel *ch,
		     const struct mdcs_rx *in)
{
	struct adopt *a = arg;
	struct channels *cs = a->cs;
	struct remote_rp *rp = mesh_rp_by_slot(cs->mesh, in->slot);
	struct rx_channel *rx;

	if (!rp || rp != mesh_rp_for_source(cs->mesh, &ch->source)) {
		note_stale(a, ch);
		return;
	}
	rx = calloc(1, sizeof(*rx));
	if (rx)
		rx->stats = in->stats;
	if (!rx || !stats_adopt(cs, &rx->stats)) {
		free(rx);
		note_stale(a, ch);
		return;
	}
	if (chantab_add(&cs->rx, ch, rx)) {
		idpool_put(&cs->stats, rx->stats);
		free(rx);
		note_stale(a, ch);
		return;
	}
	rx->rp = rp;
	rx->status = -1;
	/* pim6d re-joins when it sees rpd's new generation ID. */
	rx->expires_ms = loop_now_ms() + PIM_JP_HOLDTIME * 1000ULL;
	rx->pim_expires_ms = rx->expires_ms;
}

static void rewrite_tx(void *arg, const struct mdcs_channel *ch, void *data)
{
	tx_write(arg, ch, data);
}

static void rewrite_rx(void *arg, const struct mdcs_channel *ch, void *data)
{
	struct channels *cs = arg;
	struct rx_channel *rx = data;

	datapath_set_rx(cs->dp, ch,
			&(struct mdcs_rx){ rx->rp->slot, rx->stats });
}

static void adopt(struct channels *cs)
{
	struct adopt a = { .cs = cs };
	struct mdcs_fanout none = { .count = 0 };

	datapath_each_tx(cs->dp, adopt_tx, &a);
	for (unsigned i = 0; i < a.n_stale; i++)
		datapath_set_fanout(cs->dp, &a.stale[i], &none);
	a.n_stale = 0;
	datapath_each_rx(cs->dp, adopt_rx, &a);
	for (unsigned i = 0; i < a.n_stale; i++)
		datapath_del_rx(cs->dp, &a.stale[i]);
	free(a.stale);
	/* Rewrite what was adopted: subscribers of removed RPs are gone, and
	 * counter slots may have changed. */
	chantab_each(&cs->tx, rewrite_tx, cs);
	chantab_each(&cs->rx, rewrite_rx, cs);
	if (cs->tx.count || cs->rx.count)
		log_notice("took over %zu sent and %zu received channels",
			   cs->tx.count, cs->rx.count);
}

int channels_init(struct channels *cs, struct loop *loop,
		  const struct rpd_conf *conf, struct datapath *dp,
		  struct pimlink *pim, struct mesh *mesh,
		  struct gateways *gateways)
{
	memset(cs, 0, sizeof(*cs));
	cs->gateways = gateways;
	cs->loop = loop;
	cs->conf = conf;
	cs->dp = dp;
	cs->pim = pim;
	cs->mesh = mesh;
	timer_init(&cs->refresh_timer, refresh_due, cs);
	timer_init(&cs->jp_timer, jp_due, cs);
	timer_init(&cs->sweep_timer, sweep_due, cs);
	if (chantab_init(&cs->rx) || chantab_init(&cs->tx) ||
	    idpool_init(&cs->stats, MDCS_CHANNEL_STATS))
		return -1;
	return 0;
}

static const char *status_str(int status)
{
	switch (status) {
	case MDCS_CTL_NOT_SERVED:
		return "the source is not served here";
	case MDCS_CTL_FANOUT_FULL:
		return "the channel has its maximum of remote RPs";
	case MDCS_CTL_TABLE_FULL:
		return "the channel table is full";
	}
	return "accepted";
}

/* The configured channel mappings, with one Join/Prune for the new. */
static int map(struct channels *cs)
{
	const struct rpd_conf *c = cs->conf;
	bool joins = false;

	for (unsigned i = 0; i < c->n_channels; i++) {
		const struct conf_channel *m = &c->channels[i];

		for (unsigned j = 0; j < m->n_remotes; j++) {
			struct remote_rp *rp = &cs->mesh->rps[m->remotes[j]];
			char ch[CHAN_STRLEN];
			bool created;
			int status = conf_serves(c, &m->ch.source)
					     ? tx_add(cs, rp->slot, &m->ch,
						      CHANNEL_MAPPED, &created)
					     : MDCS_CTL_NOT_SERVED;

			if (status != MDCS_CTL_ACCEPTED) {
				log_err("channel %s to %s: %s",
					chan_str(&m->ch, ch, sizeof(ch)),
					rp->name, status_str(status));
				return -1;
			}
			joins |= created;
		}
	}
	if (joins)
		send_all_tx(cs, true);
	return 0;
}

int channels_start(struct channels *cs)
{
	adopt(cs);
	if (map(cs))
		return -1;
	refresh_due(cs);
	timer_arm(cs->loop, &cs->jp_timer, cs->conf->jp_interval * 1000ULL);
	timer_arm(cs->loop, &cs->sweep_timer, SWEEP_MS);
	return 0;
}

struct clear {
	struct channels *cs;
	int rc;
};

static void clear_rx(void *arg, const struct mdcs_channel *ch, void *data)
{
	struct clear *c = arg;
	struct rx_channel *rx = data;

	(void)ch;
	c->rc |= datapath_clear_channel_stats(c->cs->dp, rx->stats);
}

static void clear_tx(void *arg, const struct mdcs_channel *ch, void *data)
{
	struct clear *c = arg;
	struct tx_channel *tx = data;

	(void)ch;
	c->rc |= datapath_clear_channel_stats(c->cs->dp, tx->stats);
}

int channels_clear_stats(struct channels *cs)
{
	struct clear c = { cs, 0 };

	chantab_each(&cs->rx, clear_rx, &c);
	chantab_each(&cs->tx, clear_tx, &c);
	return c.rc ? -1 : 0;
}

void channels_unmap(struct channels *cs, const struct rpd_conf *prev)
{
	for (unsigned i = 0; i < prev->n_channels; i++) {
		const struct conf_channel *m = &prev->channels[i];

		for (unsigned j = 0; j < m->n_remotes; j++) {
			int at = conf_remote_index(
				cs->conf, prev->remotes[m->remotes[j]].name);

			if (at >= 0)
				tx_drop(cs, &m->ch, cs->mesh->rps[at].slot,
					"unmapped from");
		}
	}
}

static void stop_rx(void *arg, const struct mdcs_channel *ch, void *data)
{
	rx_leave(arg, ch, CHANNEL_REMOVED);
}

static void stop_tx(void *arg, const struct mdcs_channel *ch, void *data)
{
	struct channels *cs = arg;
	struct mdcs_fanout none = { .count = 0 };

	datapath_set_fanout(cs->dp, ch, &none);
	tx_forget(cs, ch);
}

void channels_stop(struct channels *cs, bool withdraw)
{
	timer_cancel(cs->loop, &cs->refresh_timer);
	timer_cancel(cs->loop, &cs->jp_timer);
	timer_cancel(cs->loop, &cs->sweep_timer);
	if (withdraw) {
		chantab_each(&cs->rx, stop_rx, cs);
		send_all_tx(cs, false);
		chantab_each(&cs->tx, stop_tx, cs);
	}
	chantab_fini(&cs->rx, free);
	chantab_fini(&cs->tx, tx_free);
	idpool_fini(&cs->stats);
}

struct each {
	struct channels *cs;
	void (*fn)(void *arg, const struct channel_subscription *s);
	void *arg;
};

static void each_rx(void *arg, const struct mdcs_channel *ch, void *data)
{
	struct each *e = arg;
	struct rx_channel *rx = data;
	struct channel_subscription s = { ch, rx->stats, rx->rp->name, false,
					  rx->expires_ms };

	e->fn(e->arg, &s);
}

static void each_tx(void *arg, const struct mdcs_channel *ch, void *data)
{
	struct each *e = arg;
	struct tx_channel *tx = data;

	for (unsigned i = 0; i < tx->n; i++) {
		struct channel_subscription s = {
			ch, tx->stats, subscriber_name(e->cs, tx->sub[i].slot),
			true, tx->sub[i].expires_ms
		};

		e->fn(e->arg, &s);
	}
}

void channels_each(struct channels *cs,
		   void (*fn)(void *arg, const struct channel_subscription *s),
		   void *arg)
{
	struct each e = { cs, fn, arg };

	chantab_each(&cs->rx, each_rx, &e);
	chantab_each(&cs->tx, each_tx, &e);
}

/*
 * Gateways may fill the channel tables and a channel's fanout to three
 * quarters: the rest is kept for remote RPs, whose subscriptions gateways
 * must not crowd out.
 */
#define GATEWAYS_SHARE(n) ((n) / 4 * 3)

static int gateway_room(const struct channels *cs, uint32_t slot,
			const struct mdcs_channel *ch, bool remote)
{
	const struct tx_channel *tx = chantab_get(&cs->tx, ch);

	if (!tx && cs->tx.count >= GATEWAYS_SHARE(MDCS_MAX_CHANNELS))
		return MDCS_CTL_TABLE_FULL;
	if (remote && !chantab_get(&cs->rx, ch) &&
	    cs->rx.count >= GATEWAYS_SHARE(MDCS_MAX_CHANNELS))
		return MDCS_CTL_TABLE_FULL;
	if (tx && tx_find(tx, slot) < 0 &&
	    tx->n >= GATEWAYS_SHARE(MDCS_MAX_FANOUT))
		return MDCS_CTL_FANOUT_FULL;
	return MDCS_CTL_ACCEPTED;
}

int channels_gateway_join(struct channels *cs, uint32_t slot,
			  const struct mdcs_channel *ch, uint64_t expires)
{
	bool remote =
		!conf_serves(cs->conf, &ch->source) && !own_channel(cs, ch);
	int status = gateway_room(cs, slot, ch, remote);
	bool created;

	if (status == MDCS_CTL_ACCEPTED && remote)
		status = rx_want(cs, ch, expires, false);
	if (status != MDCS_CTL_ACCEPTED)
		return status;
	status = tx_add(cs, slot, ch, expires, &created);
	if (created)
		pim_send_one(cs, ch, true);
	if (status != MDCS_CTL_ACCEPTED && remote && !chantab_get(&cs->tx, ch))
		rx_release(cs, ch);
	return status;
}

void channels_gateway_leave(struct channels *cs, uint32_t slot,
			    const struct mdcs_channel *ch)
{
	tx_drop(cs, ch, slot, "left");
}

const struct pimlink_ops channels_pim_ops = {
	.join = pim_join,
	.prune = pim_prune,
	.neighbor_up = pim_neighbor_up,
};

const struct mesh_ops channels_mesh_ops = {
	.subscribe = mesh_subscribe,
	.unsubscribe = mesh_unsubscribe,
	.ack = mesh_ack,
	.gone = mesh_gone,
};
