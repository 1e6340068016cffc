/*
 * The NAT66 and firewall boxes of the simulator, modelled on what Linux
 * nftables and conntrack do with UDP over IPv6.
 *
 * A flow is (inside endpoint, remote endpoint), like a conntrack entry, and
 * holds a mapping: the outside endpoint it leaves from.  Endpoint-independent
 * mappings are shared by all flows of an inside endpoint, a symmetric box
 * gives every flow its own; firewalls "map" an endpoint to itself, so that
 * their filtering runs the same code.  A mapping lives as long as one of its
 * flows does, which is how masquerade behaves: there is no mapping table in
 * the kernel, only conntrack entries whose tuples hold the port.
 *
 * Expiry is exact without timers: flows sit in two lists, one per timeout,
 * in the order they were last refreshed, so the expired ones are always at
 * the heads, and every call forgets them first.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "netmodel.h"
#include "rng.h"

#define container_of(ptr, type, member)                                        \
	((type *)((char *)(ptr)-offsetof(type, member)))

#define PORT_LO	   1024
#define PORT_SPAN  (65536 - PORT_LO)
#define PORT_TRIES 32

static const struct {
	const char *name;
	enum nm_mapping map;
	enum nm_filtering filt;
} profiles[NM_PROFILES] = {
	[NM_OPEN] = { "open", NM_MAP_NONE, NM_FILT_NONE },
	[NM_FW_EIF] = { "fw-eif", NM_MAP_NONE, NM_FILT_EIF },
	[NM_FULL_CONE] = { "full-cone", NM_MAP_EIM, NM_FILT_EIF },
	[NM_RESTRICTED_CONE] = { "restricted-cone", NM_MAP_EIM, NM_FILT_ADF },
	[NM_PORT_RESTRICTED_CONE] = { "port-restricted-cone", NM_MAP_EIM,
				      NM_FILT_APDF },
	[NM_NAT66] = { "nat66", NM_MAP_EIM, NM_FILT_APDF },
	[NM_FW_APDF] = { "fw-apdf", NM_MAP_NONE, NM_FILT_APDF },
	[NM_SYMMETRIC] = { "symmetric", NM_MAP_APDM, NM_FILT_APDF },
};

const char *nm_profile_name(enum nm_profile p)
{
	return (unsigned)p < NM_PROFILES ? profiles[p].name : NULL;
}

bool nm_profile_parse(const char *s, enum nm_profile *p)
{
	for (unsigned i = 0; i < NM_PROFILES; i++) {
		if (!strcmp(s, profiles[i].name)) {
			*p = (enum nm_profile)i;
			return true;
		}
	}
	return false;
}

enum nm_mapping nm_profile_mapping(enum nm_profile p)
{
	return (unsigned)p < NM_PROFILES ? profiles[p].map : NM_MAP_NONE;
}

enum nm_filtering nm_profile_filtering(enum nm_profile p)
{
	return (unsigned)p < NM_PROFILES ? profiles[p].filt : NM_FILT_NONE;
}

bool nm_translates(enum nm_profile p)
{
	return nm_profile_mapping(p) != NM_MAP_NONE;
}

/*
 * The peer of an APDM side answers from a port nobody told it about: only
 * latching onto it gets through, and only if this side lets a new port in.
 */
static bool unreachable_from(enum nm_profile mapper, enum nm_profile filter)
{
	return nm_profile_mapping(mapper) == NM_MAP_APDM &&
	       nm_profile_filtering(filter) == NM_FILT_APDF;
}

enum nm_traversal nm_traversal(enum nm_profile a, enum nm_profile b)
{
	if (unreachable_from(a, b) || unreachable_from(b, a))
		return NM_RELAY;
	if (nm_profile_mapping(a) == NM_MAP_APDM ||
	    nm_profile_mapping(b) == NM_MAP_APDM)
		return NM_PUNCH_LATCH;
	return NM_PUNCH;
}

void nm_params_default(struct nm_params *par)
{
	par->unreplied_ms = 30000;
	par->replied_ms = 120000;
	par->stream_ms = 2000;
	par->max_flows = 256;
}

/*
 * Chained hash tables with the links inside the objects, so that one object
 * sits in several tables and leaves each in O(1).
 */
struct hnode {
	struct hnode *next, **pprev;
	uint32_t hash;
};

struct htab {
	struct hnode **b;
	uint32_t mask; /* buckets - 1 */
	uint32_t n;
};

#define HTAB_MIN 8

static bool htab_init(struct htab *t)
{
	t->b = calloc(HTAB_MIN, sizeof(*t->b));
	t->mask = HTAB_MIN - 1;
	t->n = 0;
	return t->b != NULL;
}

static void htab_link(struct hnode **head, struct hnode *n)
{
	n->next = *head;
	if (n->next)
		n->next->pprev = &n->next;
	n->pprev = head;
	*head = n;
}

/* Without memory the table stays as it is: longer chains, still correct. */
static void htab_grow(struct htab *t)
{
	uint32_t size = (t->mask + 1) * 2;
	struct hnode **b = calloc(size, sizeof(*b));

	if (!b)
		return;
	for (uint32_t i = 0; i <= t->mask; i++) {
		while (t->b[i]) {
			struct hnode *n = t->b[i];

			t->b[i] = n->next;
			htab_link(&b[n->hash & (size - 1)], n);
		}
	}
	free(t->b);
	t->b = b;
	t->mask = size - 1;
}

static void htab_add(struct htab *t, struct hnode *n, uint32_t hash)
{
	if (t->n > t->mask)
		htab_grow(t);
	n->hash = hash;
	htab_link(&t->b[hash & t->mask], n);
	t->n++;
}

static void htab_del(struct htab *t, struct hnode *n)
{
	*n->pprev = n->next;
	if (n->next)
		n->next->pprev = n->pprev;
	t->n--;
}

static struct hnode *htab_bucket(const struct htab *t, uint32_t hash)
{
	return t->b[hash & t->mask];
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	h = (h ^ v) * 0xbf58476d1ce4e5b9ULL;
	return h ^ (h >> 31);
}

static uint64_t hash_addr(uint64_t h, const uint8_t a[16])
{
	uint64_t w[2];

	memcpy(w, a, sizeof(w));
	return mix(mix(h, w[0]), w[1]);
}

static uint64_t hash_ep(uint64_t h, const struct nm_ep *e)
{
	return mix(hash_addr(h, e->addr), e->port);
}

static uint32_t fold(uint64_t h)
{
	return (uint32_t)(h ^ (h >> 32));
}

static bool addr_eq(const uint8_t a[16], const uint8_t b[16])
{
	return !memcmp(a, b, 16);
}

static bool ep_eq(const struct nm_ep *a, const struct nm_ep *b)
{
	return a->port == b->port && addr_eq(a->addr, b->addr);
}

struct mapping {
	struct nm_ep in, out;
	unsigned nflows;
	bool by_in_linked; /* APDM mappings are not one per inside endpoint */
	struct hnode by_in, by_out;
};

enum { AGE_SHORT, AGE_LONG, AGES };

struct flow {
	struct nm_ep in, rem;
	struct mapping *map;
	uint64_t created, expires;
	bool seen_out, seen_in;
	uint8_t age; /* the list it is in: the timeout it last got */
	struct hnode by_pair, by_addr;
	struct flow *prev, *next;
};

struct age_list {
	struct flow *head, *tail;
};

struct nm_box {
	enum nm_profile profile;
	struct nm_params par;
	uint8_t inside[16], pub[16];
	struct rng rng;
	uint64_t salt;
	/* flows by (in, rem), and by (in, rem's address) for ADF */
	struct htab flows, flows_addr;
	/* mappings by inside (not APDM) and by outside endpoint */
	struct htab maps_in, maps_out;
	struct age_list ages[AGES];
	unsigned nflows;
};

static uint32_t pair_hash(const struct nm_box *b, const struct nm_ep *in,
			  const struct nm_ep *rem)
{
	return fold(hash_ep(hash_ep(b->salt, in), rem));
}

static uint32_t pair_addr_hash(const struct nm_box *b, const struct nm_ep *in,
			       const uint8_t addr[16])
{
	return fold(hash_addr(hash_ep(~b->salt, in), addr));
}

static uint32_t ep_hash(const struct nm_box *b, const struct nm_ep *e)
{
	return fold(hash_ep(b->salt, e));
}

static struct flow *flow_find(const struct nm_box *b, const struct nm_ep *in,
			      const struct nm_ep *rem)
{
	uint32_t h = pair_hash(b, in, rem);

	for (struct hnode *n = htab_bucket(&b->flows, h); n; n = n->next) {
		struct flow *f = container_of(n, struct flow, by_pair);

		if (n->hash == h && ep_eq(&f->in, in) && ep_eq(&f->rem, rem))
			return f;
	}
	return NULL;
}

/* Has m's inside endpoint a flow to this address, through m? */
static bool contacted(const struct nm_box *b, const struct mapping *m,
		      const uint8_t addr[16])
{
	uint32_t h = pair_addr_hash(b, &m->in, addr);

	for (struct hnode *n = htab_bucket(&b->flows_addr, h); n; n = n->next) {
		struct flow *f = container_of(n, struct flow, by_addr);

		if (n->hash == h && f->map == m && addr_eq(f->rem.addr, addr))
			return true;
	}
	return false;
}

static struct mapping *map_find_in(const struct nm_box *b,
				   const struct nm_ep *in)
{
	uint32_t h = ep_hash(b, in);

	for (struct hnode *n = htab_bucket(&b->maps_in, h); n; n = n->next) {
		struct mapping *m = container_of(n, struct mapping, by_in);

		if (n->hash == h && ep_eq(&m->in, in))
			return m;
	}
	return NULL;
}

static struct mapping *map_find_out(const struct nm_box *b,
				    const struct nm_ep *out)
{
	uint32_t h = ep_hash(b, out);

	for (struct hnode *n = htab_bucket(&b->maps_out, h); n; n = n->next) {
		struct mapping *m = container_of(n, struct mapping, by_out);

		if (n->hash == h && ep_eq(&m->out, out))
			return m;
	}
	return NULL;
}

static bool port_free(const struct nm_box *b, uint32_t port)
{
	struct nm_ep e;

	memcpy(e.addr, b->pub, sizeof(e.addr));
	e.port = (uint16_t)port;
	return !map_find_out(b, &e);
}

/*
 * The preferred port if free (preferred < 0: none), else a random free one,
 * as masquerade does for a clash and "fully-random" does always.  Random
 * tries first; the scan from a random start only matters when nearly full.
 */
static bool port_pick(struct nm_box *b, int32_t preferred, uint16_t *port)
{
	uint32_t p, start;

	if (preferred >= 0 && port_free(b, (uint32_t)preferred)) {
		*port = (uint16_t)preferred;
		return true;
	}
	for (int i = 0; i < PORT_TRIES; i++) {
		p = PORT_LO + (uint32_t)rng_below(&b->rng, PORT_SPAN);
		if (port_free(b, p)) {
			*port = (uint16_t)p;
			return true;
		}
	}
	start = (uint32_t)rng_below(&b->rng, PORT_SPAN);
	for (uint32_t i = 0; i < PORT_SPAN; i++) {
		p = PORT_LO + (start + i) % PORT_SPAN;
		if (port_free(b, p)) {
			*port = (uint16_t)p;
			return true;
		}
	}
	return false;
}

static struct mapping *map_new(struct nm_box *b, const struct nm_ep *in,
			       const struct nm_ep *out)
{
	struct mapping *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->in = *in;
	m->out = *out;
	if (nm_profile_mapping(b->profile) != NM_MAP_APDM) {
		htab_add(&b->maps_in, &m->by_in, ep_hash(b, in));
		m->by_in_linked = true;
	}
	htab_add(&b->maps_out, &m->by_out, ep_hash(b, out));
	return m;
}

/* A new mapping for an inside endpoint that has none (or is APDM). */
static struct mapping *map_create(struct nm_box *b, const struct nm_ep *in)
{
	struct nm_ep out = *in;
	int32_t preferred = in->port;

	if (nm_translates(b->profile)) {
		if (nm_profile_mapping(b->profile) == NM_MAP_APDM)
			preferred = -1;
		memcpy(out.addr, b->pub, sizeof(out.addr));
		if (!port_pick(b, preferred, &out.port))
			return NULL;
	}
	return map_new(b, in, &out);
}

static void map_free(struct nm_box *b, struct mapping *m)
{
	if (m->by_in_linked)
		htab_del(&b->maps_in, &m->by_in);
	htab_del(&b->maps_out, &m->by_out);
	free(m);
}

static void age_unlink(struct nm_box *b, struct flow *f)
{
	struct age_list *l = &b->ages[f->age];

	if (f->prev)
		f->prev->next = f->next;
	else
		l->head = f->next;
	if (f->next)
		f->next->prev = f->prev;
	else
		l->tail = f->prev;
}

static void age_append(struct nm_box *b, struct flow *f, uint8_t age)
{
	struct age_list *l = &b->ages[age];

	f->age = age;
	f->next = NULL;
	f->prev = l->tail;
	if (l->tail)
		l->tail->next = f;
	else
		l->head = f;
	l->tail = f;
}

static void flow_free(struct nm_box *b, struct flow *f)
{
	struct mapping *m = f->map;

	htab_del(&b->flows, &f->by_pair);
	htab_del(&b->flows_addr, &f->by_addr);
	age_unlink(b, f);
	b->nflows--;
	free(f);
	if (--m->nflows == 0)
		map_free(b, m);
}

static void sweep(struct nm_box *b, uint64_t now)
{
	for (int i = 0; i < AGES; i++) {
		while (b->ages[i].head && b->ages[i].head->expires <= now)
			flow_free(b, b->ages[i].head);
	}
}

/*
 * Over the cap, drop the least recently refreshed flow other than the new
 * one, unreplied ones first: conntrack's early drop also spares the assured.
 */
static void evict(struct nm_box *b, const struct flow *keep)
{
	while (b->nflows > b->par.max_flows) {
		struct flow *v = b->ages[AGE_SHORT].head;

		if (v == keep)
			v = v->next;
		if (!v)
			v = b->ages[AGE_LONG].head;
		flow_free(b, v);
	}
}

static struct flow *flow_new(struct nm_box *b, uint64_t now,
			     const struct nm_ep *in, const struct nm_ep *rem,
			     struct mapping *m)
{
	struct flow *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->in = *in;
	f->rem = *rem;
	f->map = m;
	m->nflows++;
	f->created = now;
	f->expires = now + b->par.unreplied_ms;
	htab_add(&b->flows, &f->by_pair, pair_hash(b, in, rem));
	htab_add(&b->flows_addr, &f->by_addr, pair_addr_hash(b, in, rem->addr));
	age_append(b, f, AGE_SHORT);
	b->nflows++;
	/* f holds a reference on m, so evicting cannot free m */
	evict(b, f);
	return f;
}

/* As nf_conntrack_udp_packet() refreshes a flow on each packet. */
static void flow_touch(struct nm_box *b, struct flow *f, uint64_t now, bool out)
{
	uint8_t age = AGE_SHORT;

	if (out)
		f->seen_out = true;
	else
		f->seen_in = true;
	if (f->seen_out && f->seen_in && now - f->created >= b->par.stream_ms)
		age = AGE_LONG;
	age_unlink(b, f);
	age_append(b, f, age);
	f->expires = now + (age == AGE_LONG ? b->par.replied_ms
					    : b->par.unreplied_ms);
}

struct nm_box *nm_box_new(enum nm_profile p, const uint8_t inside_host[16],
			  const uint8_t public_addr[16], uint64_t seed,
			  const struct nm_params *par)
{
	struct nm_box *b;

	if ((unsigned)p >= NM_PROFILES || (par && !par->max_flows) ||
	    (nm_translates(p) && !public_addr))
		return NULL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->profile = p;
	if (par)
		b->par = *par;
	else
		nm_params_default(&b->par);
	memcpy(b->inside, inside_host, sizeof(b->inside));
	if (public_addr)
		memcpy(b->pub, public_addr, sizeof(b->pub));
	rng_seed(&b->rng, seed);
	b->salt = rng_next(&b->rng);
	if (!htab_init(&b->flows) || !htab_init(&b->flows_addr) ||
	    !htab_init(&b->maps_in) || !htab_init(&b->maps_out)) {
		nm_box_free(b);
		return NULL;
	}
	return b;
}

void nm_box_free(struct nm_box *b)
{
	if (!b)
		return;
	/* every mapping has a flow, and goes with its last one */
	for (int i = 0; i < AGES; i++) {
		while (b->ages[i].head)
			flow_free(b, b->ages[i].head);
	}
	free(b->flows.b);
	free(b->flows_addr.b);
	free(b->maps_in.b);
	free(b->maps_out.b);
	free(b);
}

int nm_box_out(struct nm_box *b, uint64_t now_ms, const struct nm_ep *src,
	       const struct nm_ep *dst, struct nm_ep *src_out)
{
	struct mapping *m = NULL;
	struct flow *f;

	if (b->profile == NM_OPEN) {
		*src_out = *src;
		return 0;
	}
	sweep(b, now_ms);
	f = flow_find(b, src, dst);
	if (!f) {
		if (nm_profile_mapping(b->profile) != NM_MAP_APDM)
			m = map_find_in(b, src);
		if (!m)
			m = map_create(b, src);
		if (!m)
			return -1;
		f = flow_new(b, now_ms, src, dst, m);
		if (!f) {
			if (!m->nflows)
				map_free(b, m);
			return -1;
		}
	}
	flow_touch(b, f, now_ms, true);
	*src_out = f->map->out;
	return 0;
}

/*
 * The full cone box DNATs every port of its public address to the inside
 * host, mapped or not, so the port is preserved on the way in as well.  If
 * that inside port already leaves from another public port (it clashed),
 * the kernel would give it a second, conflicting mapping: drop instead.
 */
static struct mapping *dnat_all(struct nm_box *b, const struct nm_ep *dst)
{
	struct nm_ep in;

	if (b->profile != NM_FULL_CONE || !addr_eq(dst->addr, b->pub))
		return NULL;
	memcpy(in.addr, b->inside, sizeof(in.addr));
	in.port = dst->port;
	if (map_find_in(b, &in))
		return NULL;
	return map_new(b, &in, dst);
}

/* May a remote endpoint without a flow open one through m? */
static bool admits(const struct nm_box *b, const struct mapping *m,
		   const struct nm_ep *src)
{
	switch (nm_profile_filtering(b->profile)) {
	case NM_FILT_NONE:
	case NM_FILT_EIF:
		return true;
	case NM_FILT_ADF:
		return contacted(b, m, src->addr);
	case NM_FILT_APDF:
		break;
	}
	return false;
}

bool nm_box_in(struct nm_box *b, uint64_t now_ms, const struct nm_ep *src,
	       const struct nm_ep *dst, struct nm_ep *dst_in)
{
	struct mapping *m;
	struct flow *f;

	if (b->profile == NM_OPEN) {
		*dst_in = *dst;
		return true;
	}
	sweep(b, now_ms);
	m = map_find_out(b, dst);
	if (!m)
		m = dnat_all(b, dst);
	if (!m)
		return false;
	f = flow_find(b, &m->in, src);
	if (!f && admits(b, m, src))
		f = flow_new(b, now_ms, &m->in, src, m);
	/*
	 * A flow through another mapping of the same inside endpoint exists
	 * only with APDM, which also filters APDF: not for this port.
	 */
	if (!f || f->map != m) {
		if (!m->nflows)
			map_free(b, m);
		return false;
	}
	flow_touch(b, f, now_ms, false);
	*dst_in = m->in;
	return true;
}

unsigned nm_box_flows(struct nm_box *b, uint64_t now_ms)
{
	if (b->profile != NM_OPEN)
		sweep(b, now_ms);
	return b->nflows;
}
