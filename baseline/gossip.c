/*
 * Ethereum-style iterative diffusion (gossip.h): the ids a node has had,
 * the messages it keeps to answer REQUESTs, the ids it asked for, and the
 * choice of who gets a message in full and who its id.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sodium.h>

#include "gossip_int.h"

#define HDR_LEN	 GOSSIP_HDR_LEN
#define FULL_LEN sizeof(struct mdcs_gossip_full)
#define NO_SEEN	 UINT16_MAX	  /* the end of a chain of seen ids */
#define NO_PEER	 GOSSIP_MAX_PEERS /* a message of the node's own */

_Static_assert(GOSSIP_SEEN < NO_SEEN, "seen slots fit in uint16_t");
_Static_assert(GOSSIP_KEEP <= GOSSIP_SEEN,
	       "a message kept is had, so a FULL of it is a duplicate");
_Static_assert(GOSSIP_PENDING + GOSSIPSUB_MAX_D +
			       GOSSIPSUB_LAZY * GOSSIPSUB_HISTORY *
				       GOSSIPSUB_WINDOW /
				       MDCS_GOSSIP_IHAVE_MAX <=
		       GOSSIP_MAX_PEERS,
	       "a tick's REQUESTs and heartbeat fit in gossip_out");

unsigned gossip_sqrt_fanout(unsigned n)
{
	unsigned k = 0;

	while ((uint64_t)k * k < n)
		k++;
	return k;
}

int gossip_init(struct gossip *g, unsigned npeers, unsigned fanout,
		uint64_t seed)
{
	if (npeers > GOSSIP_MAX_PEERS) {
		errno = EINVAL;
		return -1;
	}
	memset(g, 0, sizeof(*g));
	memset(g->seen_head, 0xff, sizeof(g->seen_head));
	g->npeers = npeers;
	g->fanout = fanout;
	rng_seed(&g->rng, seed);
	return 0;
}

void gossip_destroy(struct gossip *g)
{
	free(g->mesh);
	g->mesh = NULL;
	for (unsigned i = 0; i < GOSSIP_KEEP; i++) {
		free(g->kept[i].full);
		g->kept[i].full = NULL;
	}
}

/* The id of the FULL of len octets in buf: the hash of all after its
 * header. */
static void full_id(uint8_t id[MDCS_GOSSIP_ID_LEN], const uint8_t *buf,
		    size_t len)
{
	crypto_generichash(id, MDCS_GOSSIP_ID_LEN, buf + HDR_LEN, len - HDR_LEN,
			   NULL, 0);
}

ssize_t gossip_full_build(uint8_t *buf, size_t size,
			  const struct in6_addr *publisher, uint16_t port,
			  const void *msg, size_t len)
{
	struct mdcs_gossip_full h = {
		.hdr = { .version = MDCS_GOSSIP_VERSION,
			 .type = MDCS_GOSSIP_FULL },
		.publisher = *publisher,
		.publisher_port = htons(port),
	};

	if (len > GOSSIP_MESSAGE_MAX || size < FULL_LEN ||
	    len > size - FULL_LEN) {
		errno = EMSGSIZE;
		return -1;
	}
	memcpy(buf, &h, FULL_LEN);
	memcpy(buf + FULL_LEN, msg, len);
	full_id(buf + offsetof(struct mdcs_gossip_hdr, id), buf,
		FULL_LEN + len);
	return (ssize_t)(FULL_LEN + len);
}

/* The type of the datagram of len octets in buf, or GOSSIP_MALFORMED. */
static unsigned check(const uint8_t *buf, size_t len)
{
	struct mdcs_gossip_hdr h;
	uint8_t id[MDCS_GOSSIP_ID_LEN];

	if (len < HDR_LEN)
		return GOSSIP_MALFORMED;
	memcpy(&h, buf, HDR_LEN);
	if (h.version != MDCS_GOSSIP_VERSION || h.reserved)
		return GOSSIP_MALFORMED;
	switch (h.type) {
	case MDCS_GOSSIP_ANNOUNCE:
	case MDCS_GOSSIP_REQUEST:
		return len == HDR_LEN ? h.type : GOSSIP_MALFORMED;
	case MDCS_GOSSIP_GRAFT:
	case MDCS_GOSSIP_PRUNE:
		return len == HDR_LEN && sodium_is_zero(h.id, sizeof(h.id))
			       ? h.type
			       : GOSSIP_MALFORMED;
	case MDCS_GOSSIP_IHAVE:
		return len > HDR_LEN &&
				       len <= HDR_LEN +
						       MDCS_GOSSIP_IHAVE_MAX *
							       MDCS_GOSSIP_ID_LEN &&
				       !((len - HDR_LEN) %
					 MDCS_GOSSIP_ID_LEN) &&
				       sodium_is_zero(h.id, sizeof(h.id))
			       ? h.type
			       : GOSSIP_MALFORMED;
	case MDCS_GOSSIP_FULL:
		if (len < FULL_LEN || len > GOSSIP_DATAGRAM_MAX)
			return GOSSIP_MALFORMED;
		full_id(id, buf, len);
		return memcmp(id, h.id, sizeof(id)) ? GOSSIP_MALFORMED
						    : MDCS_GOSSIP_FULL;
	}
	return GOSSIP_MALFORMED;
}

/* The id is a hash already: any of its bits make a bucket. */
static unsigned seen_bucket(const uint8_t *id)
{
	return (id[0] | (unsigned)id[1] << 8) % (2 * GOSSIP_SEEN);
}

static bool seen(const struct gossip *g, const uint8_t *id)
{
	for (uint16_t i = g->seen_head[seen_bucket(id)]; i != NO_SEEN;
	     i = g->seen_next[i])
		if (!memcmp(g->seen[i], id, MDCS_GOSSIP_ID_LEN))
			return true;
	return false;
}

/* Remember id as had, forgetting the oldest if the ring is full. */
static void seen_add(struct gossip *g, const uint8_t *id)
{
	uint16_t slot = (uint16_t)g->seen_at, *link;
	unsigned b = seen_bucket(id);

	g->seen_at = (g->seen_at + 1) % GOSSIP_SEEN;
	if (g->seen_count == GOSSIP_SEEN) {
		link = &g->seen_head[seen_bucket(g->seen[slot])];
		while (*link != slot)
			link = &g->seen_next[*link];
		*link = g->seen_next[slot];
	} else {
		g->seen_count++;
	}
	memcpy(g->seen[slot], id, MDCS_GOSSIP_ID_LEN);
	g->seen_next[slot] = g->seen_head[b];
	g->seen_head[b] = slot;
}

static const struct gossip_kept *kept_find(const struct gossip *g,
					   const uint8_t *id)
{
	for (unsigned i = 0; i < GOSSIP_KEEP; i++)
		if (g->kept[i].full &&
		    !memcmp(g->kept[i].announce.id, id, MDCS_GOSSIP_ID_LEN))
			return &g->kept[i];
	return NULL;
}

static struct gossip_pending *pending_find(struct gossip *g, const uint8_t *id)
{
	for (unsigned i = 0; i < GOSSIP_PENDING; i++)
		if (g->pending[i].used &&
		    !memcmp(g->pending[i].request.id, id, MDCS_GOSSIP_ID_LEN))
			return &g->pending[i];
	return NULL;
}

static void out_reset(struct gossip_out *out)
{
	out->n = 0;
	out->deliver = false;
}

void gossip_add(struct gossip *g, struct gossip_out *out, unsigned peer,
		const void *buf, size_t len)
{
	struct gossip_send *s = &out->send[out->n++];

	s->peer = peer;
	s->type = ((const struct mdcs_gossip_hdr *)buf)->type;
	s->buf = buf;
	s->len = len;
	g->stats.sent[s->type].datagrams++;
	g->stats.sent[s->type].octets += len;
}

void gossip_draw(struct gossip *g, unsigned *order, unsigned n, unsigned k)
{
	/* the first k steps of a Fisher-Yates shuffle */
	for (unsigned i = 0; i < k; i++) {
		unsigned j = i + (unsigned)rng_below(&g->rng, n - i), t;

		t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
}

/* The message kept in k in full to fanout peers chosen uniformly at
 * random, and announced to the others; from, its sender, gets neither. */
static void spread(struct gossip *g, const struct gossip_kept *k, unsigned from,
		   struct gossip_out *out)
{
	unsigned *order = g->peer_order, n = 0, full;

	for (unsigned p = 0; p < g->npeers; p++)
		if (p != from)
			order[n++] = p;
	full = g->fanout < n ? g->fanout : n;
	gossip_draw(g, order, n, full);
	for (unsigned i = 0; i < n; i++)
		if (i < full)
			gossip_add(g, out, order[i], k->full, k->len);
		else
			gossip_add(g, out, order[i], &k->announce, HDR_LEN);
}

/* The FULL of len octets at full (the node's to free from now on), of a
 * message not had before, from peer from (NO_PEER: published here):
 * had, kept, spread.  Returns where it is kept. */
static const struct gossip_kept *have(struct gossip *g, uint8_t *full,
				      size_t len, unsigned from,
				      struct gossip_out *out)
{
	struct gossip_kept *k = &g->kept[g->kept_at];
	struct gossip_pending *p;

	g->kept_at = (g->kept_at + 1) % GOSSIP_KEEP;
	free(k->full);
	k->full = full;
	k->len = len;
	memcpy(&k->announce, full, HDR_LEN);
	k->announce.type = MDCS_GOSSIP_ANNOUNCE;
	seen_add(g, k->announce.id);
	p = pending_find(g, k->announce.id);
	if (p)
		p->used = false;
	if (g->mesh)
		gossipsub_spread(g, k, from, out);
	else
		spread(g, k, from, out);
	return k;
}

int gossip_publish(struct gossip *g, const struct in6_addr *publisher,
		   uint16_t port, const void *msg, size_t len,
		   struct gossip_out *out)
{
	uint8_t *full;
	ssize_t n;

	out_reset(out);
	if (len > GOSSIP_MESSAGE_MAX) {
		errno = EMSGSIZE;
		return -1;
	}
	full = malloc(FULL_LEN + len);
	if (!full)
		return -1;
	n = gossip_full_build(full, FULL_LEN + len, publisher, port, msg, len);
	if (seen(g, full + offsetof(struct mdcs_gossip_hdr, id))) {
		free(full);
		errno = EEXIST;
		return -1;
	}
	have(g, full, (size_t)n, NO_PEER, out);
	return 0;
}

static int full_input(struct gossip *g, unsigned from, const uint8_t *buf,
		      size_t len, struct gossip_out *out)
{
	const struct gossip_kept *k;
	struct mdcs_gossip_full h;
	uint8_t *full;

	if (seen(g, buf + offsetof(struct mdcs_gossip_hdr, id))) {
		g->stats.duplicates++;
		return 0;
	}
	full = malloc(len);
	if (!full)
		return -1;
	memcpy(full, buf, len);
	k = have(g, full, len, from, out);
	memcpy(&h, k->full, FULL_LEN);
	out->deliver = true;
	out->msg.id = k->announce.id;
	out->msg.publisher = h.publisher;
	out->msg.publisher_port = ntohs(h.publisher_port);
	out->msg.data = k->full + FULL_LEN;
	out->msg.len = k->len - FULL_LEN;
	return 0;
}

void gossip_announced(struct gossip *g, unsigned from, const uint8_t *id,
		      int64_t now, struct gossip_out *out)
{
	struct mdcs_gossip_hdr request = { .version = MDCS_GOSSIP_VERSION,
					   .type = MDCS_GOSSIP_REQUEST };
	struct gossip_pending *p;

	if (seen(g, id))
		return;
	p = pending_find(g, id);
	if (p) {
		for (unsigned i = 0; i < p->announcers; i++)
			if (p->announcer[i] == from)
				return;
		if (p->announcers < GOSSIP_ANNOUNCERS)
			p->announcer[p->announcers++] = from;
		return;
	}
	/* a free entry, else the one that would time out first */
	p = &g->pending[0];
	for (unsigned i = 0; i < GOSSIP_PENDING && p->used; i++)
		if (!g->pending[i].used || g->pending[i].due < p->due)
			p = &g->pending[i];
	memcpy(request.id, id, sizeof(request.id));
	p->used = true;
	p->request = request;
	p->announcer[0] = from;
	p->announcers = 1;
	p->asked = 0;
	p->due = now + GOSSIP_REQUEST_MS;
	gossip_add(g, out, from, &p->request, HDR_LEN);
}

static void request_input(struct gossip *g, unsigned from,
			  const struct mdcs_gossip_hdr *h,
			  struct gossip_out *out)
{
	const struct gossip_kept *k = kept_find(g, h->id);

	if (!k)
		return;
	g->stats.answered++;
	gossip_add(g, out, from, k->full, k->len);
}

int gossip_input(struct gossip *g, unsigned from, const uint8_t *buf,
		 size_t len, int64_t now, struct gossip_out *out)
{
	const struct mdcs_gossip_hdr *h = (const struct mdcs_gossip_hdr *)buf;
	unsigned type;

	out_reset(out);
	if (from >= g->npeers) {
		errno = EINVAL;
		return -1;
	}
	type = check(buf, len);
	g->stats.received[type].datagrams++;
	g->stats.received[type].octets += len;
	switch (type) {
	case MDCS_GOSSIP_FULL:
		return full_input(g, from, buf, len, out);
	case MDCS_GOSSIP_ANNOUNCE:
		gossip_announced(g, from, h->id, now, out);
		return 0;
	case MDCS_GOSSIP_REQUEST:
		request_input(g, from, h, out);
		return 0;
	case MDCS_GOSSIP_GRAFT:
	case MDCS_GOSSIP_PRUNE:
	case MDCS_GOSSIP_IHAVE:
		gossipsub_input(g, from, type, buf, len, now, out);
		return 0;
	}
	errno = EBADMSG;
	return -1;
}

int gossip_due_ms(const struct gossip *g, int64_t now)
{
	int64_t due = g->mesh ? g->mesh->heartbeat_due : INT64_MAX;

	for (unsigned i = 0; i < GOSSIP_PENDING; i++)
		if (g->pending[i].used && g->pending[i].due < due)
			due = g->pending[i].due;
	if (due == INT64_MAX)
		return -1;
	/* due is never more than a heartbeat or GOSSIP_REQUEST_MS away */
	return due <= now ? 0 : (int)(due - now);
}

void gossip_tick(struct gossip *g, int64_t now, struct gossip_out *out)
{
	out_reset(out);
	for (unsigned i = 0; i < GOSSIP_PENDING; i++) {
		struct gossip_pending *p = &g->pending[i];

		if (!p->used || p->due > now)
			continue;
		if (++p->asked == p->announcers) {
			p->used = false; /* given up */
			continue;
		}
		p->due = now + GOSSIP_REQUEST_MS;
		gossip_add(g, out, p->announcer[p->asked], &p->request,
			   HDR_LEN);
	}
	if (g->mesh && g->mesh->heartbeat_due <= now)
		gossipsub_heartbeat(g, now, out);
}
