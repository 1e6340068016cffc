/* The RP mesh's peer sampling in rpd: lib/pss on the control socket. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>

#include "log.h"
#include "relayed.h"
#include "sampling.h"
#include "udpsock.h"

/*
 * Descriptors live 16 shuffle intervals after their subject signed them:
 * below the 20 intervals within which a dead RP must leave every view
 * (docs/mesh.md, where mesh-sim measures it).
 */
#define LIFETIME 16
#define ATTEMPTS 3
#define FALLBACK 10
/* Shuffle messages an RP anyone reaches serves beyond those it sent
 * (Leitao's quota): two exchanges of two messages. */
#define QUOTA 4
/* An answer to a shuffle is awaited this long, or half an interval. */
#define EXCHANGE_TIMEOUT_MS 2000
#define PARTNERS	    2
#define MAX_CLIENTS	    64

struct sampling {
	struct mesh *m;
	struct pss *pss;
	struct pss_params p;
	struct desc self; /* before pss_new() signs it */
	struct timer timer;
	int alt_sock; /* another port: the second answer to a PROBE */
	struct pss_stats folded; /* of the instances before this one */
	bool classifying;	 /* as pss_classifying() said last */
	uint64_t classified;	 /* its stats' classifications then */
};

static void params_of(const struct rpd_conf *c, struct pss_params *p)
{
	memset(p, 0, sizeof(*p));
	p->view_size = c->view_size;
	p->shuffle_length = c->shuffle_length;
	/* Cyclon's swap: what was sent goes first (docs/decisions.md) */
	p->swap = c->shuffle_length;
	p->tail = true;
	p->period_ms = c->shuffle_interval * 1000ULL;
	p->lifetime = LIFETIME;
	p->attempts = ATTEMPTS;
	p->fallback_size = FALLBACK;
	p->quota = QUOTA;
	p->timeout_ms = p->period_ms / 2 < EXCHANGE_TIMEOUT_MS
				? p->period_ms / 2
				: EXCHANGE_TIMEOUT_MS;
	p->max_skew_us = c->max_skew * 1000000ULL;
	/* A partner for RPs behind NATs, and one that finds its own class
	 * with two other RPs: behind a NAT, it registers with partners. */
	p->classify = true;
	p->partners = PARTNERS;
	p->relay = true;
	p->max_clients = MAX_CLIENTS;
	p->keepalive_ms = c->keepalive_interval * 1000ULL;
}

/* What this RP says of itself until it has classified its NAT: the
 * tunnel endpoint is what others reach. */
static void self_of(const struct mesh *m, const struct rpd_conf *c,
		    struct desc *d)
{
	memset(d, 0, sizeof(*d));
	memcpy(d->id, m->id.pk, MDCS_CTL_KEY_LEN);
	d->nat = MDCS_DESC_NAT(MDCS_NAT_UNKNOWN, MDCS_NAT_UNKNOWN, false);
	d->n_endpoints = 1;
	d->endpoints[0].addr = c->tunnel_addr;
	d->endpoints[0].port = c->tunnel_port;
	if (c->has_channel_source)
		d->channel_source = c->channel_source;
	d->n_prefixes = c->n_prefixes;
	for (unsigned i = 0; i < c->n_prefixes; i++) {
		d->prefixes[i].addr = c->prefixes[i].addr;
		d->prefixes[i].len = (uint8_t)c->prefixes[i].len;
	}
}

static int send_cb(void *ctx, const struct desc_endpoint *to,
		   const uint8_t *buf, size_t len)
{
	struct mesh *m = ctx;

	return mesh_send(m, &to->addr, to->port, buf, (ssize_t)len);
}

static int send_alt_cb(void *ctx, const struct desc_endpoint *to,
		       const uint8_t *buf, size_t len)
{
	struct mesh *m = ctx;

	return mesh_send_from(m, m->sampling->alt_sock, &to->addr, to->port,
			      buf, (ssize_t)len);
}

static void punched_cb(void *ctx, const uint8_t *id,
		       const struct desc_endpoint *from)
{
	mesh_punched(ctx, id, &from->addr, from->port);
}

static void meet_cb(void *ctx, const uint8_t *id, const uint8_t *relay,
		    const struct desc_endpoint *at)
{
	relayed_met(ctx, id, relay, at);
}

static void learn_cb(void *ctx, const struct desc *d, const uint8_t *raw,
		     size_t len)
{
	mesh_learn(ctx, d, raw, len);
}

/* Tell the operator, when the classification of this RP's NAT ends, what
 * it found, or that it found nothing and will try again. */
static void log_classified(struct sampling *sp)
{
	bool classifying = pss_classifying(sp->pss);
	uint64_t classified = pss_stats(sp->pss)->classifications;
	uint8_t nat = pss_self_nat(sp->pss);

	if (sp->classifying && !classifying) {
		if (classified == sp->classified)
			log_notice("membership: the NAT classification learned "
				   "nothing; it tries again later");
		else
			log_notice(
				"membership: this RP's NAT maps %s, filters "
				"%s, %s",
				desc_behaviour_name(MDCS_DESC_NAT_MAPPING(nat)),
				desc_behaviour_name(
					MDCS_DESC_NAT_FILTERING(nat)),
				nat & MDCS_DESC_NAT_TRANSLATED
					? "translates"
					: "does not translate");
	}
	sp->classifying = classifying;
	sp->classified = classified;
}

static void due(void *arg)
{
	struct sampling *sp = arg;
	uint64_t now = loop_now_ms();
	uint64_t next = pss_run(sp->pss, now, loop_unix_us());

	log_classified(sp);
	timer_arm(sp->m->loop, &sp->timer, next > now ? next - now : 0);
}

/* A new instance, its view filled with what the mesh learned before. */
static int renew(struct sampling *sp, const struct pss_params *p,
		 const struct desc *self)
{
	struct mesh *m = sp->m;
	struct pss_io io = { .ctx = m,
			     .signer = &m->signer,
			     .send = send_cb,
			     .send_alt = send_alt_cb,
			     .punched = punched_cb,
			     .meet = meet_cb,
			     .learn = learn_cb };
	uint64_t seed, now = loop_unix_us();
	const struct remote_rp *rp;
	struct pss *fresh;

	randombytes_buf(&seed, sizeof(seed));
	fresh = pss_new(p, &io, self, seed, now);
	if (!fresh)
		return -1;
	if (sp->pss) {
		pss_stats_add(&sp->folded, pss_stats(sp->pss));
		pss_free(sp->pss);
	}
	sp->pss = fresh;
	sp->classifying = pss_classifying(fresh);
	sp->classified = 0;
	sp->p = *p;
	sp->self = *self;
	mesh_each_rp (m, rp)
		if (rp->desc && pss_view_len(fresh) < p->view_size)
			pss_add(fresh, rp->desc, rp->desc_len, now);
	return 0;
}

int sampling_open(struct mesh *m, const struct rpd_conf *c)
{
	struct sampling *sp = m->sampling;
	struct pss_params p;
	struct desc self;

	if (c->n_prefixes > MDCS_DESC_MAX_PREFIXES)
		return -1; /* conf_from_tree() refuses it */
	if (!sp) {
		sp = calloc(1, sizeof(*sp));
		if (!sp)
			return -1;
		sp->m = m;
		sp->alt_sock = -1;
		timer_init(&sp->timer, due, sp);
		m->sampling = sp;
	}
	if (sp->alt_sock >= 0)
		close(sp->alt_sock);
	sp->alt_sock = udp_socket(&c->tunnel_addr, 0);
	if (sp->alt_sock < 0) {
		log_err("membership: no second port for probes: %m");
		return -1;
	}
	params_of(c, &p);
	self_of(m, c, &self);
	if ((!sp->pss || memcmp(&p, &sp->p, sizeof(p)) ||
	     memcmp(&self, &sp->self, sizeof(self))) &&
	    renew(sp, &p, &self)) {
		log_err("membership: cannot start peer sampling");
		return -1;
	}
	pss_clear_seeds(sp->pss);
	for (unsigned i = 0; i < m->n_rps; i++) {
		struct desc_endpoint ep = { m->rps[i].addr, m->rps[i].port };

		pss_add_seed(sp->pss, m->rps[i].key, &ep);
	}
	timer_arm(m->loop, &sp->timer, 0);
	return 0;
}

void sampling_close(struct mesh *m)
{
	struct sampling *sp = m->sampling;

	if (!sp)
		return;
	if (m->loop)
		timer_cancel(m->loop, &sp->timer);
	if (sp->alt_sock >= 0)
		close(sp->alt_sock);
	sp->alt_sock = -1;
}

void sampling_free(struct mesh *m)
{
	sampling_close(m);
	if (m->sampling)
		pss_free(m->sampling->pss);
	free(m->sampling);
	m->sampling = NULL;
}

/* Tell the operator where the NAT maps this RP, as its descriptor says. */
static void log_mapped(const struct pss *pss)
{
	char addr[INET6_ADDRSTRLEN];
	const uint8_t *raw;
	struct desc d;
	size_t len;

	raw = pss_self_desc(pss, &len);
	if (desc_parse(raw, len, &d) == CTL_OK)
		log_notice("the NAT maps this RP at [%s]:%u now",
			   addr6_str(&d.endpoints[0].addr, addr),
			   d.endpoints[0].port);
}

void sampling_input(struct mesh *m, const struct in6_addr *addr, uint16_t port,
		    const uint8_t *buf, size_t len)
{
	struct desc_endpoint from = { *addr, port };
	struct pss *pss = m->sampling ? m->sampling->pss : NULL;
	uint64_t remapped;

	if (!pss)
		return;
	remapped = pss_stats(pss)->remapped;
	pss_input(pss, loop_now_ms(), loop_unix_us(), &from, buf, len);
	if (pss_stats(pss)->remapped != remapped)
		log_mapped(pss);
	log_classified(m->sampling);
}

void sampling_punch(struct mesh *m, const struct remote_rp *rp)
{
	if (m->sampling && m->sampling->pss && rp->desc)
		pss_punch(m->sampling->pss, rp->desc, rp->desc_len,
			  loop_unix_us());
}

void sampling_meet(struct mesh *m, const struct remote_rp *rp)
{
	if (m->sampling && m->sampling->pss && rp->desc &&
	    pss_meet(m->sampling->pss, rp->desc, rp->desc_len, rp->relayed.key,
		     &rp->relayed.at, loop_unix_us()))
		log_info("membership: no partner of %s to meet through",
			 rp->name);
}

bool sampling_needs_relay(const struct mesh *m, const struct remote_rp *rp)
{
	return m->sampling && m->sampling->pss &&
	       pss_needs_relay(pss_self_nat(m->sampling->pss), rp->nat);
}

bool sampling_can_relay(const struct mesh *m)
{
	return m->sampling && m->sampling->pss &&
	       pss_can_relay(pss_self_nat(m->sampling->pss));
}

bool sampling_classifying(const struct mesh *m)
{
	return m->sampling && m->sampling->pss &&
	       pss_classifying(m->sampling->pss);
}

bool sampling_expired(const struct mesh *m, uint64_t issued, uint64_t now_us)
{
	const struct pss_params *p;

	if (!m->sampling || !m->sampling->pss)
		return true;
	p = &m->sampling->p;
	return now_us > issued &&
	       now_us - issued >
		       p->lifetime * p->period_ms * 1000 + p->max_skew_us;
}

const struct pss *sampling_pss(const struct mesh *m)
{
	return m->sampling ? m->sampling->pss : NULL;
}

void sampling_stats(const struct mesh *m, struct pss_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (!m->sampling)
		return;
	*out = m->sampling->folded;
	if (m->sampling->pss)
		pss_stats_add(out, pss_stats(m->sampling->pss));
}

void sampling_clear_stats(struct mesh *m)
{
	if (!m->sampling)
		return;
	memset(&m->sampling->folded, 0, sizeof(m->sampling->folded));
	if (m->sampling->pss)
		pss_clear_stats(m->sampling->pss);
}
