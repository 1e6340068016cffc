/*
 * The simulated mesh.  Every RP is a pss instance with a public address of
 * its own, 2001:db8::<index>; a share of them sit behind a NAT66 or a
 * stateful firewall (sim/netmodel.c), with a private address fd00::<index>
 * for the NATs.  A message takes a fixed latency per pair of RPs (so that
 * the parts of a shuffle arrive in order, as they do on one path) and may
 * be lost; the sender's box translates it as it leaves, the receiver's
 * filters it as it arrives.  Timers and deliveries are events on one
 * virtual clock.
 */
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "evq.h"
#include "fastsig.h"
#include "rng.h"
#include "world.h"

#define EPOCH_US 1767225600000000ULL /* 2026-01-01: any fixed wall clock */
#define PORT	 2268

enum { EV_TIMER, EV_DELIVER };

struct node {
	struct world *w;
	uint32_t idx;
	uint64_t timer_gen;
	enum nm_profile profile;
	struct nm_box *box;	/* NULL: in the open */
	struct ctl_identity id; /* with real signatures */
	struct ctl_signer signer;
	struct pss *pss;
};

struct packet {
	struct desc_endpoint from, to;
	size_t len;
	uint8_t buf[];
};

struct world {
	struct world_params p;
	struct node *nodes;
	bool *alive;
	struct evq q;
	uint64_t now;
	struct rng rng;
	uint8_t secret[32];
	/* node index by public key: open addressing, 2n slots */
	uint32_t *by_key;
	uint32_t key_slots;
};

static void address(uint32_t idx, struct desc_endpoint *ep)
{
	memset(ep, 0, sizeof(*ep));
	ep->addr.s6_addr[0] = 0x20;
	ep->addr.s6_addr[1] = 0x01;
	ep->addr.s6_addr[2] = 0x0d;
	ep->addr.s6_addr[3] = 0xb8;
	ep->addr.s6_addr[12] = idx >> 24;
	ep->addr.s6_addr[13] = idx >> 16;
	ep->addr.s6_addr[14] = idx >> 8;
	ep->addr.s6_addr[15] = idx;
	ep->port = PORT;
}

/* Where the RP itself sits: behind a NAT, a private address. */
static void local_address(const struct node *n, struct desc_endpoint *ep)
{
	address(n->idx, ep);
	if (nm_translates(n->profile)) {
		ep->addr.s6_addr[0] = 0xfd;
		ep->addr.s6_addr[1] = ep->addr.s6_addr[2] = 0;
		ep->addr.s6_addr[3] = 0;
	}
}

static void to_nm(struct nm_ep *out, const struct desc_endpoint *in)
{
	memcpy(out->addr, &in->addr, 16);
	out->port = in->port;
}

static void from_nm(struct desc_endpoint *out, const struct nm_ep *in)
{
	memcpy(&out->addr, in->addr, 16);
	out->port = in->port;
}

static bool node_at(const struct world *w, const struct desc_endpoint *ep,
		    uint32_t *idx)
{
	struct desc_endpoint want;
	const uint8_t *a = ep->addr.s6_addr;
	uint32_t i = (uint32_t)a[12] << 24 | a[13] << 16 | a[14] << 8 | a[15];

	if (i >= w->p.n)
		return false;
	address(i, &want);
	if (memcmp(&want.addr, &ep->addr, 16))
		return false;
	*idx = i;
	return true;
}

static uint32_t key_home(const struct world *w, const uint8_t *pk)
{
	uint32_t h;

	memcpy(&h, pk, sizeof(h));
	return h % w->key_slots;
}

static void key_put(struct world *w, uint32_t idx)
{
	uint32_t i = key_home(w, w->nodes[idx].signer.pk);

	while (w->by_key[i] != UINT32_MAX)
		i = (i + 1) % w->key_slots;
	w->by_key[i] = idx;
}

static bool key_find(const struct world *w, const uint8_t *pk, uint32_t *idx)
{
	for (uint32_t i = key_home(w, pk); w->by_key[i] != UINT32_MAX;
	     i = (i + 1) % w->key_slots) {
		uint32_t n = w->by_key[i];

		if (!memcmp(w->nodes[n].signer.pk, pk, MDCS_CTL_KEY_LEN)) {
			*idx = n;
			return true;
		}
	}
	return false;
}

static uint64_t wall(const struct world *w)
{
	return EPOCH_US + w->now * 1000;
}

/* 10 to 99 ms, the same both ways and every time for a pair. */
static uint64_t latency(uint32_t a, uint32_t b)
{
	uint64_t x = a < b ? (uint64_t)a << 32 | b : (uint64_t)b << 32 | a;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return 10 + x % 90;
}

/* A packet from an RP's port, through its box, onto the network. */
static void send_from(struct node *src, uint16_t port,
		      const struct desc_endpoint *to, const uint8_t *buf,
		      size_t len)
{
	struct world *w = src->w;
	struct packet *pkt;
	uint32_t dst;

	if (!node_at(w, to, &dst))
		return;
	if (w->p.loss > 0 && rng_unit(&w->rng) < w->p.loss)
		return;
	pkt = malloc(sizeof(*pkt) + len);
	if (!pkt)
		return;
	local_address(src, &pkt->from);
	pkt->from.port = port;
	if (src->box) {
		struct nm_ep in, out, dst_ep;

		to_nm(&in, &pkt->from);
		to_nm(&dst_ep, to);
		if (nm_box_out(src->box, w->now, &in, &dst_ep, &out)) {
			free(pkt);
			return;
		}
		from_nm(&pkt->from, &out);
	}
	pkt->to = *to;
	pkt->len = len;
	memcpy(pkt->buf, buf, len);
	if (evq_push(&w->q,
		     (struct event){ .at = w->now + latency(src->idx, dst),
				     .node = dst,
				     .kind = EV_DELIVER,
				     .data = pkt }))
		free(pkt);
}

static int send_cb(void *ctx, const struct desc_endpoint *to,
		   const uint8_t *buf, size_t len)
{
	send_from(ctx, PORT, to, buf, len);
	return 0;
}

static int send_alt_cb(void *ctx, const struct desc_endpoint *to,
		       const uint8_t *buf, size_t len)
{
	send_from(ctx, PORT + 1, to, buf, len);
	return 0;
}

static void drop_event(struct event *e)
{
	free(e->data);
}

static void run_node(struct world *w, struct node *n)
{
	uint64_t next = pss_run(n->pss, w->now, wall(w));

	evq_push(&w->q, (struct event){ .at = next,
					.node = n->idx,
					.kind = EV_TIMER,
					.gen = ++n->timer_gen });
}

/*
 * Which box an RP behind one gets, in shares of all of them: the cones
 * and NAT66 are common, symmetric NATs a fifth.
 */
static enum nm_profile draw_profile(struct world *w)
{
	static const struct {
		enum nm_profile p;
		unsigned weight;
	} mix[] = {
		{ NM_FW_EIF, 2 },	   { NM_FULL_CONE, 4 },
		{ NM_RESTRICTED_CONE, 4 }, { NM_PORT_RESTRICTED_CONE, 5 },
		{ NM_NAT66, 5 },	   { NM_FW_APDF, 4 },
		{ NM_SYMMETRIC, 8 },
	};
	unsigned total = 0, x;

	for (size_t k = 0; k < sizeof(mix) / sizeof(*mix); k++)
		total += mix[k].weight;
	x = (unsigned)rng_below(&w->rng, total);
	for (size_t k = 0; k < sizeof(mix) / sizeof(*mix); k++) {
		if (x < mix[k].weight)
			return mix[k].p;
		x -= mix[k].weight;
	}
	return NM_OPEN;
}

static int make_box(struct world *w, struct node *n)
{
	struct desc_endpoint pub, local;

	n->profile =
		rng_unit(&w->rng) < w->p.nat_share ? draw_profile(w) : NM_OPEN;
	if (n->profile == NM_OPEN)
		return 0;
	address(n->idx, &pub);
	local_address(n, &local);
	n->box = nm_box_new(n->profile, local.addr.s6_addr, pub.addr.s6_addr,
			    rng_next(&w->rng), NULL);
	return n->box ? 0 : -1;
}

/* What an RP behind a profile's box knows of it, in descriptor terms:
 * the simulated RPs know their class (the classification is not run). */
static uint8_t nat_of(enum nm_profile p)
{
	static const uint8_t mapping[] = {
		[NM_MAP_NONE] = MDCS_NAT_INDEPENDENT,
		[NM_MAP_EIM] = MDCS_NAT_INDEPENDENT,
		[NM_MAP_APDM] = MDCS_NAT_ADDRESS_PORT,
	};
	static const uint8_t filtering[] = {
		[NM_FILT_NONE] = MDCS_NAT_INDEPENDENT,
		[NM_FILT_EIF] = MDCS_NAT_INDEPENDENT,
		[NM_FILT_ADF] = MDCS_NAT_ADDRESS,
		[NM_FILT_APDF] = MDCS_NAT_ADDRESS_PORT,
	};

	return MDCS_DESC_NAT(mapping[nm_profile_mapping(p)],
			     filtering[nm_profile_filtering(p)],
			     nm_translates(p));
}

static int make_node(struct world *w, uint32_t i)
{
	struct node *n = &w->nodes[i];
	struct pss_io io = { .ctx = n,
			     .signer = &n->signer,
			     .send = send_cb,
			     .send_alt = send_alt_cb };
	struct desc self = { .n_endpoints = 1 };
	struct pss_params pp = w->p.pss;
	uint8_t seed[32];

	n->w = w;
	n->idx = i;
	if (make_box(w, n))
		return -1;
	/* only RPs that take anyone's messages can relay for others */
	pp.relay = pp.relay && MDCS_DESC_NAT_FILTERING(nat_of(n->profile)) ==
				       MDCS_NAT_INDEPENDENT;
	for (int k = 0; k < 4; k++) {
		uint64_t x = rng_next(&w->rng);

		memcpy(seed + 8 * k, &x, 8);
	}
	if (w->p.ed25519) {
		if (ctl_identity_from_seed(&n->id, seed))
			return -1;
		ctl_signer_ed25519(&n->signer, &n->id);
	} else {
		fastsig_init(&n->signer, seed, w->secret);
	}
	memcpy(self.id, n->signer.pk, MDCS_CTL_KEY_LEN);
	/* An RP that classifies itself starts from its own address; one
	 * that does not is told its class and public address. */
	if (pp.classify) {
		local_address(n, &self.endpoints[0]);
	} else {
		address(i, &self.endpoints[0]);
		self.nat = nat_of(n->profile);
	}
	/* every RP serves a /48 of its own */
	self.n_prefixes = 1;
	self.prefixes[0].addr = self.endpoints[0].addr;
	memset(&self.prefixes[0].addr.s6_addr[6], 0, 10);
	self.prefixes[0].addr.s6_addr[4] = i >> 8;
	self.prefixes[0].addr.s6_addr[5] = i;
	self.prefixes[0].len = 48;
	n->pss = pss_new(&pp, &io, &self, rng_next(&w->rng), wall(w));
	if (!n->pss)
		return -1;
	key_put(w, i);
	return 0;
}

/* Reachable RPs every RP starts from, as it would from configured ones. */
#define SEEDS 2

/* An RP with a public address and no box in front: what an operator
 * would configure as a seed (behind even an endpoint-independent
 * firewall, nothing gets in before the RP has sent). */
static bool public_rp(const struct node *n)
{
	return n->profile == NM_OPEN;
}

/* Add random RPs' current descriptors to RP i's view, up to `upto`; only
 * reachable ones with `reachable`. */
static void add_random(struct world *w, uint32_t i, uint32_t upto,
		       bool reachable)
{
	struct pss *s = w->nodes[i].pss;
	uint32_t tries = 0;

	while (pss_view_len(s) < upto && tries++ < 100 * upto) {
		uint32_t j = (uint32_t)rng_below(&w->rng, w->p.n);
		size_t len;
		const uint8_t *d;

		if (j == i || (reachable && !public_rp(&w->nodes[j])))
			continue;
		d = pss_self_desc(w->nodes[j].pss, &len);
		pss_add(s, d, len, wall(w));
	}
}

/*
 * Every RP starts with a few reachable RPs, among which those behind NATs
 * find partners within a second; then views fill up to view_size with
 * RPs drawn at random, as their descriptors are by then: what seeding
 * from configured RPs and a first exchange would give.
 */
static void seed_views(struct world *w)
{
	uint32_t c = w->p.pss.view_size;

	for (uint32_t i = 0; i < w->p.n; i++)
		add_random(w, i, SEEDS < c ? SEEDS : c, true);
	for (uint32_t i = 0; i < w->p.n; i++)
		run_node(w, &w->nodes[i]);
	/* time to classify (two rounds of probes) and find partners */
	world_run_until(w, 3 * w->p.pss.timeout_ms + 1000);
	for (uint32_t i = 0; i < w->p.n; i++)
		add_random(w, i, c, false);
}

struct world *world_new(const struct world_params *wp)
{
	struct world *w = calloc(1, sizeof(*w));

	if (!w || sodium_init() < 0)
		goto fail;
	w->p = *wp;
	rng_seed(&w->rng, wp->seed);
	for (int k = 0; k < 4; k++) {
		uint64_t x = rng_next(&w->rng);

		memcpy(w->secret + 8 * k, &x, 8);
	}
	evq_init(&w->q);
	w->nodes = calloc(wp->n, sizeof(*w->nodes));
	w->alive = calloc(wp->n, sizeof(*w->alive));
	w->key_slots = 2 * wp->n + 1;
	w->by_key = malloc(w->key_slots * sizeof(*w->by_key));
	if (!w->nodes || !w->alive || !w->by_key)
		goto fail;
	memset(w->by_key, 0xff, w->key_slots * sizeof(*w->by_key));
	for (uint32_t i = 0; i < wp->n; i++) {
		if (make_node(w, i))
			goto fail;
		w->alive[i] = true;
	}
	seed_views(w);
	return w;
fail:
	world_free(w);
	return NULL;
}

void world_free(struct world *w)
{
	if (!w)
		return;
	evq_free(&w->q, drop_event);
	for (uint32_t i = 0; w->nodes && i < w->p.n; i++) {
		pss_free(w->nodes[i].pss);
		nm_box_free(w->nodes[i].box);
	}
	free(w->nodes);
	free(w->alive);
	free(w->by_key);
	free(w);
}

/* Whether the receiver's box lets a packet in, and to its port. */
static bool admitted(struct world *w, struct node *n, struct packet *pkt)
{
	struct nm_ep src, dst, inside;

	if (!n->box)
		return pkt->to.port == PORT;
	to_nm(&src, &pkt->from);
	to_nm(&dst, &pkt->to);
	return nm_box_in(n->box, w->now, &src, &dst, &inside) &&
	       inside.port == PORT;
}

int world_run_until(struct world *w, uint64_t t)
{
	struct event e;
	uint64_t at;

	while (evq_peek(&w->q, &at) && at <= t) {
		struct node *n;

		evq_pop(&w->q, &e);
		w->now = e.at;
		n = &w->nodes[e.node];
		if (!w->alive[e.node]) {
			free(e.data);
			continue;
		}
		if (e.kind == EV_TIMER) {
			if (e.gen == n->timer_gen)
				run_node(w, n);
			continue;
		}
		struct packet *pkt = e.data;

		if (admitted(w, n, pkt))
			pss_input(n->pss, w->now, wall(w), &pkt->from, pkt->buf,
				  pkt->len);
		free(pkt);
	}
	w->now = t;
	return 0;
}

uint64_t world_now(const struct world *w)
{
	return w->now;
}

void fail_at_random(bool *alive, uint32_t n, double share, struct rng *r)
{
	uint32_t living = 0, kill;

	for (uint32_t i = 0; i < n; i++)
		living += alive[i];
	kill = (uint32_t)(living * share + 0.5);
	while (kill) {
		uint32_t i = (uint32_t)rng_below(r, n);

		if (alive[i]) {
			alive[i] = false;
			kill--;
		}
	}
}

void world_fail(struct world *w, double share)
{
	fail_at_random(w->alive, w->p.n, share, &w->rng);
}

struct graph *world_graph(const struct world *w)
{
	struct graph *g = graph_new(w->p.n);

	for (uint32_t i = 0; g && i < w->p.n; i++) {
		const struct pss *s = w->nodes[i].pss;

		for (unsigned k = 0; k < pss_view_len(s); k++) {
			uint32_t j;

			if (key_find(w, pss_view_entry(s, k)->id, &j))
				graph_add_edge(g, i, j);
		}
	}
	return g;
}

void world_classified(const struct world *w, uint32_t *right, uint32_t *all)
{
	*right = *all = 0;
	for (uint32_t i = 0; i < w->p.n; i++) {
		const struct node *n = &w->nodes[i];
		const uint8_t *raw;
		struct desc d;
		size_t len;

		if (!w->p.pss.classify || !w->alive[i])
			continue;
		(*all)++;
		raw = pss_self_desc(n->pss, &len);
		if (desc_parse(raw, len, &d) == CTL_OK &&
		    d.nat == nat_of(n->profile))
			(*right)++;
	}
}

enum nm_profile world_profile(const struct world *w, uint32_t i)
{
	return w->nodes[i].profile;
}

const bool *world_alive(const struct world *w)
{
	return w->alive;
}

void world_dead_links(const struct world *w, uint64_t *dead, uint64_t *all)
{
	*dead = *all = 0;
	for (uint32_t i = 0; i < w->p.n; i++) {
		const struct pss *s = w->nodes[i].pss;

		if (!w->alive[i])
			continue;
		for (unsigned k = 0; k < pss_view_len(s); k++) {
			uint32_t j;

			(*all)++;
			if (!key_find(w, pss_view_entry(s, k)->id, &j) ||
			    !w->alive[j])
				(*dead)++;
		}
	}
}

void world_stats(const struct world *w, struct pss_stats *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (uint32_t i = 0; i < w->p.n; i++)
		if (w->alive[i])
			pss_stats_add(sum, pss_stats(w->nodes[i].pss));
}

void world_load(const struct world *w, struct world_load *l)
{
	uint64_t sum[2] = { 0, 0 }, n[2] = { 0, 0 };

	memset(l, 0, sizeof(*l));
	for (uint32_t i = 0; i < w->p.n; i++) {
		const struct pss *s = w->nodes[i].pss;
		uint64_t served = pss_stats(s)->served;
		bool open = pss_reachable(pss_self_nat(s));

		if (!w->alive[i])
			continue;
		sum[open] += served;
		n[open]++;
		if (served > l->max)
			l->max = served;
	}
	l->reachable = n[1] ? (double)sum[1] / (double)n[1] : 0;
	l->filtered = n[0] ? (double)sum[0] / (double)n[0] : 0;
}
