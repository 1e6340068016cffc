/*
 * Peer sampling across NATs (pss.h): an RP whose filter keeps strangers
 * out registers with partners, RPs that take anyone's messages, and is
 * reached through them; as a partner, an RP passes RELAYs on to its
 * clients and back, and to nobody else.
 */
#include <endian.h>
#include <string.h>

#include "pss_int.h"

static struct contact *contact_find(struct contact *c, unsigned n,
				    const uint8_t *id)
{
	for (unsigned i = 0; i < n; i++)
		if (same_id(c[i].id, id))
			return &c[i];
	return NULL;
}

/* A client or route whose time ran out is gone. */
static struct contact *live_find(struct contact *c, unsigned *n,
				 const uint8_t *id, uint64_t mono)
{
	struct contact *x = contact_find(c, *n, id);

	if (x && x->expires <= mono) {
		*x = c[--*n];
		return NULL;
	}
	return x;
}

/* Room for a contact: a free slot, an expired one, or the oldest. */
static struct contact *contact_slot(struct contact *c, unsigned *n,
				    unsigned max, uint64_t mono)
{
	unsigned at = 0;

	if (*n < max)
		return &c[(*n)++];
	for (unsigned i = 1; i < *n; i++)
		if (c[i].expires < c[at].expires)
			at = i;
	return c[at].expires <= mono ? &c[at] : NULL;
}

/*
 * As a partner: pass a RELAY on to a registered client, noting where its
 * sender is for the answer; or, from a client, back to an RP noted so.
 * Nobody else gets anything through here.
 */
void pss_forward(struct pss *s, const struct ctl_msg *m,
		 const struct desc_endpoint *from, uint64_t mono, uint64_t wall)
{
	struct contact *to = NULL, *back;
	struct mdcs_ctl_endpoint origin;
	uint8_t buf[MDCS_CTL_MAX_LEN];
	ssize_t len;

	if (s->p.relay) {
		to = live_find(s->clients, &s->n_clients, m->target, mono);
		if (!to &&
		    live_find(s->clients, &s->n_clients, m->sender, mono))
			to = live_find(s->routes, &s->n_routes, m->target,
				       mono);
	}
	if (!to) {
		s->stats.relay_refused++;
		return;
	}
	back = contact_find(s->routes, s->n_routes, m->sender);
	if (!back)
		back = contact_slot(s->routes, &s->n_routes, MAX_ROUTES, mono);
	if (back) {
		memcpy(back->id, m->sender, MDCS_CTL_KEY_LEN);
		back->endpoint = *from;
		back->expires = mono + s->p.keepalive_ms;
	}
	ep_to_wire(&origin, from);
	len = ctl_build_relay(buf, sizeof(buf), m->target, &origin, m->inner,
			      m->inner_len, pss_next_ts(s, wall), s->io.signer,
			      m->target);
	if (len > 0) {
		s->stats.forwarded++;
		pss_send(s, &to->endpoint, buf, (size_t)len);
	}
}

/* As a partner: take or renew a client's lease, and say where it is. */
void pss_registered(struct pss *s, const struct ctl_msg *m,
		    const struct desc_endpoint *from, uint64_t mono,
		    uint64_t wall)
{
	struct contact *c = NULL;
	struct mdcs_ctl_endpoint seen;
	uint8_t buf[MDCS_CTL_MAX_LEN];
	uint16_t lease = 0;
	ssize_t len;

	if (s->p.relay && m->lease) {
		c = live_find(s->clients, &s->n_clients, m->sender, mono);
		if (!c)
			c = contact_slot(s->clients, &s->n_clients,
					 s->p.max_clients, mono);
	}
	if (c) {
		memcpy(c->id, m->sender, MDCS_CTL_KEY_LEN);
		c->endpoint = *from;
		c->expires = mono + m->lease * 1000ULL;
		lease = m->lease;
		s->stats.registrations++;
	}
	ep_to_wire(&seen, from);
	len = ctl_build_register(buf, sizeof(buf), MDCS_CTL_REGISTER_ACK, lease,
				 &seen, pss_next_ts(s, wall), s->io.signer,
				 m->sender);
	if (len > 0)
		pss_send(s, from, buf, (size_t)len);
}

/* This RP's descriptor lists the partners that answered. */
static void list_partners(struct pss *s, uint64_t wall)
{
	unsigned n = 0;

	for (unsigned i = 0; i < s->n_partners; i++) {
		if (!s->partners[i].acked)
			continue;
		memcpy(s->self.partners[n].id, s->partners[i].id,
		       MDCS_CTL_KEY_LEN);
		s->self.partners[n++].endpoint = s->partners[i].endpoint;
	}
	s->self.n_partners = n;
	pss_sign_self(s, wall);
}

static void drop_partner(struct pss *s, struct contact *z, uint64_t wall)
{
	bool listed = z->acked;

	*z = s->partners[--s->n_partners];
	if (listed)
		list_partners(s, wall);
}

void pss_partner_answered(struct pss *s, const struct ctl_msg *m, uint64_t wall)
{
	struct contact *z = contact_find(s->partners, s->n_partners, m->sender);

	if (!z) {
		s->stats.unsolicited++;
		return;
	}
	if (!m->lease) {
		drop_partner(s, z, wall); /* it is full */
		return;
	}
	z->missed = 0;
	if (!z->acked) {
		z->acked = true;
		list_partners(s, wall);
	}
}

bool pss_needs_partners(const struct pss *s)
{
	return s->p.partners && !pss_reachable(s->self.nat);
}

/* A partner to register with: an RP of the view that relays and takes
 * anyone's messages. */
static bool pick_partner(struct pss *s, struct contact *z)
{
	unsigned cand[MAX_VIEW + MAX_OFFER], n = 0;

	for (unsigned i = 0; i < s->view_len; i++) {
		const struct pss_entry *e = &s->view[i];

		if (e->raw && (e->flags & MDCS_DESC_F_RELAY) &&
		    pss_reachable(e->nat) &&
		    !contact_find(s->partners, s->n_partners, e->id))
			cand[n++] = i;
	}
	if (!n)
		return false;
	contact_of(z, &s->view[cand[rng_below(&s->rng, n)]]);
	return true;
}

/* Every keepalive interval: replace silent partners, and register with
 * each, which keeps this RP's NAT mapping toward it open. */
void pss_keep_partners(struct pss *s, uint64_t wall)
{
	uint8_t buf[MDCS_CTL_MAX_LEN];
	uint16_t lease = (uint16_t)(MISSED_MAX * s->p.keepalive_ms / 1000);

	for (unsigned i = s->n_partners; i-- > 0;)
		if (s->partners[i].missed >= MISSED_MAX) {
			s->stats.partners_lost++;
			drop_partner(s, &s->partners[i], wall);
		}
	while (s->n_partners < s->p.partners &&
	       pick_partner(s, &s->partners[s->n_partners]))
		s->n_partners++;
	for (unsigned i = 0; i < s->n_partners; i++) {
		struct contact *z = &s->partners[i];
		ssize_t len = ctl_build_register(
			buf, sizeof(buf), MDCS_CTL_REGISTER, lease ? lease : 1,
			NULL, pss_next_ts(s, wall), s->io.signer, z->id);

		z->missed++;
		if (len > 0)
			pss_send(s, &z->endpoint, buf, (size_t)len);
	}
}

/*
 * Through one of the RP's partners, at random.  If this RP is one, it
 * sends straight to where its client registered from, which the client's
 * NAT keeps open toward it: a RELAY to itself would carry a message
 * older than the RELAY it comes in, which the client refuses as replayed.
 */
bool pss_path_via_partner(struct pss *s, const struct desc *d, struct path *p)
{
	const struct desc_partner *others[MDCS_DESC_MAX_PARTNERS], *z;
	const struct contact *client;
	unsigned n = 0;

	memset(p, 0, sizeof(*p));
	for (unsigned i = 0; i < d->n_partners; i++) {
		if (!same_id(d->partners[i].id, s->self.id)) {
			others[n++] = &d->partners[i];
			continue;
		}
		client = contact_find(s->clients, s->n_clients, d->id);
		if (client) {
			p->to = client->endpoint;
			return true;
		}
	}
	if (!n)
		return false;
	z = others[rng_below(&s->rng, n)];
	p->relayed = true;
	p->to = z->endpoint;
	memcpy(p->via, z->id, MDCS_CTL_KEY_LEN);
	return true;
}

/* Directly, unless the RP's filter keeps strangers out: then, if this RP
 * traverses NATs, through one of its partners, at random; false if it
 * has none. */
bool pss_path_to(struct pss *s, const struct pss_entry *e, struct path *p)
{
	struct desc d;

	memset(p, 0, sizeof(*p));
	p->to = e->endpoint;
	if (!s->p.partners || pss_reachable(e->nat) || !e->raw)
		return true;
	return desc_parse(e->raw, e->len, &d) == CTL_OK &&
	       pss_path_via_partner(s, &d, p);
}

/* Send a message built for peer along a path. */
void pss_send_along(struct pss *s, const struct path *p, const uint8_t *peer,
		    const uint8_t *msg, size_t len, uint64_t wall)
{
	uint8_t buf[MDCS_CTL_MAX_LEN];
	ssize_t out;

	if (!p->relayed) {
		pss_send(s, &p->to, msg, len);
		return;
	}
	out = ctl_build_relay(buf, sizeof(buf), peer, NULL, msg, len,
			      pss_next_ts(s, wall), s->io.signer, p->via);
	if (out > 0) {
		s->stats.relayed_out++;
		pss_send(s, &p->to, buf, (size_t)out);
	}
}
