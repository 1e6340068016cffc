/*
 * Peer sampling: an RP classifies its own NAT or firewall (RFC 5780's
 * behaviour discovery, section 4), with two other RPs A and B that take
 * anyone's messages standing in for a server's two addresses:
 *
 *   1. PROBE to A: A answers with the endpoint it saw, m_A.  If m_A is not
 *      the RP's own endpoint, something translates.
 *   2. PROBE to A asking that B answer: B, never sent to, answers m_A.  If
 *      that answer gets in, filtering is endpoint-independent (RFC 5780
 *      4.4, test II).
 *   3. Only then PROBE to B with the second test's nonce, asking for a
 *      second answer from another port: B answers m_B from its port, and
 *      again from another.  m_A == m_B means endpoint-independent mapping,
 *      else a mapping per destination (4.3; address-dependent is not told
 *      apart).  If the second test's answer did not get in, B says whether
 *      it sent one: if it did, this RP's filter kept it out, and filtering
 *      is address-dependent if B's second answer gets in (4.4, test III),
 *      else address- and port-dependent.  If it did not, A's request never
 *      reached B (B's own filter keeps A out, as a firewalled helper's
 *      does until it has sent to A), and filtering stays unknown: a server
 *      of RFC 5780 is never behind a filter, helpers may be.
 *
 * The order matters: once the RP has sent to B, B gets in anyway.  Shuffles
 * and partners wait until the class is known, so that nothing else is sent
 * before, and B is always a helper the RP has not sent to.  An A that does
 * not answer is replaced; a B that does not answer the third test is
 * asked again, as a firewalled B answers only once it has sent to the RP.
 * That takes up to 8 rounds, each waiting longer; with no two helpers in
 * the view, none that is fresh for B, or after the last round, the class
 * stays unknown, which others take as reachable.  A round whose first
 * probe cannot leave the RP (no address or route yet, as at boot) is no
 * round: it is tried again after an exchange timeout, for as long as it
 * takes, since nothing else could be sent meanwhile either.
 *
 * A NAT may later map the RP elsewhere: it restarted, its mapping timed
 * out, its prefix was renumbered.  Behind one that maps independently of
 * the destination, the RP asks two helpers every keepalive interval where
 * they see it (test 1 again, which sending to them cannot spoil), and
 * when both agree on a place other than its descriptor's, one that others
 * can reach, it signs a descriptor with the new one.  Two helpers are
 * trusted as far as the classification trusts them: two that collude can
 * misplace the RP either way.  The class itself stays: boxes that change
 * their mapping keep their rules, and the filtering test would not hold
 * once the RP has sent to both helpers.
 */
#include <endian.h>
#include <string.h>

#include "pss_int.h"

/* Each round of probes waits twice as long for answers as the one before,
 * up to 16 times the first, so that an RP that starts before its network
 * is up rides it out (8 rounds: 79 times the first's wait). */
#define MAX_DOUBLING 4

/* How long the current round waits for an answer. */
static uint64_t patience(const struct pss *s)
{
	unsigned k = s->cls.tries > 1 ? s->cls.tries - 1 : 0;

	return s->p.timeout_ms << (k < MAX_DOUBLING ? k : MAX_DOUBLING);
}

/* Whether the probe left this RP. */
static bool probe(struct pss *s, const struct contact *to, uint64_t nonce,
		  uint8_t flags, const struct contact *peer, uint64_t wall)
{
	struct mdcs_ctl_endpoint ep;
	uint8_t buf[MDCS_CTL_MAX_LEN];
	ssize_t len;

	if (peer)
		ep_to_wire(&ep, &peer->endpoint);
	len = ctl_build_probe(buf, sizeof(buf), nonce, flags,
			      peer ? peer->id : NULL, peer ? &ep : NULL,
			      pss_next_ts(s, wall), s->io.signer, to->id);
	return len > 0 && pss_send(s, &to->endpoint, buf, (size_t)len);
}

/* Whether e can help: it takes anyone's messages, and with known set,
 * found so itself. */
static bool helps(const struct pss_entry *e, bool known)
{
	return pss_reachable(e->nat) &&
	       (!known || (e->raw && MDCS_DESC_NAT_FILTERING(e->nat)));
}

/* RPs that can help, from the view and the fallback cache (where the last
 * RPs that answered wait while Cyclon keeps them out of a small mesh's
 * view), with known set only those that found so themselves. */
static unsigned gather(const struct pss *s, const struct pss_entry **cand,
		       bool known)
{
	unsigned n = 0;

	for (unsigned i = 0; i < s->view_len; i++)
		if (helps(&s->view[i], known))
			cand[n++] = &s->view[i];
	for (unsigned i = 0; i < s->fallback_len; i++) {
		const struct pss_entry *e = &s->fallback[i];
		bool dup = false;

		for (unsigned k = 0; k < n && !dup; k++)
			dup = same_id(cand[k]->id, e->id);
		if (!dup && helps(e, known) && n < MAX_VIEW + MAX_OFFER)
			cand[n++] = e;
	}
	return n;
}

static bool sent_to(const struct classify *c, const uint8_t *id)
{
	for (unsigned i = 0; i < c->n_sent; i++)
		if (same_id(c->sent[i], id))
			return true;
	return false;
}

/* Note that the classification sent to h: h can no longer be B. */
static void note_sent(struct classify *c, const struct contact *h)
{
	if (!sent_to(c, h->id) && c->n_sent < CLS_SENT_MAX)
		memcpy(c->sent[c->n_sent++], h->id, MDCS_CTL_KEY_LEN);
}

/*
 * Two helpers at random: those that found themselves so if there are two,
 * else also those of unknown class, seeds included (which includes RPs
 * that do not classify).  With fresh, B is one the classification has not
 * sent to, whose answer only an endpoint-independent filter lets in.
 */
static bool pick_helpers(struct pss *s, struct contact *a, struct contact *b,
			 const struct classify *fresh)
{
	const struct pss_entry *cand[MAX_VIEW + MAX_OFFER], *e;
	unsigned n = 0, n_fresh = 0, j;

	for (int known = 1; known >= 0 && (n < 2 || !n_fresh); known--) {
		n = gather(s, cand, known);
		n_fresh = 0;
		for (unsigned k = 0; k < n; k++) {
			if (fresh && sent_to(fresh, cand[k]->id))
				continue;
			e = cand[k];
			cand[k] = cand[n_fresh];
			cand[n_fresh++] = e;
		}
	}
	if (n < 2 || !n_fresh)
		return false;
	j = (unsigned)rng_below(&s->rng, n_fresh);
	contact_of(b, cand[j]);
	cand[j] = cand[0];
	contact_of(a, cand[1 + rng_below(&s->rng, n - 1)]);
	return true;
}

/* Nothing learned: the class stays unknown until the next try. */
static void give_up(struct pss *s, uint64_t mono)
{
	s->cls.phase = CLS_DONE;
	s->cls.again = mono + CLS_AGAIN_MS;
}

static void start(struct pss *s, uint64_t mono, uint64_t wall)
{
	struct classify *c = &s->cls;

	if (c->tries++ == c->rounds || !pick_helpers(s, &c->a, &c->b, c)) {
		give_up(s, mono);
		return;
	}
	for (unsigned k = 0; k < 2; k++)
		c->nonce[k] = rng_next(&s->rng);
	c->got_a = c->got_via = c->got_b = c->got_alt = false;
	c->answered_via = false;
	if (!probe(s, &c->a, c->nonce[0], 0, NULL, wall)) {
		/* Nothing left, as while the RP's address or routes are not
		 * up yet: no round spent, A still fresh; try again soon. */
		c->tries--;
		c->phase = CLS_START;
		c->deadline = mono + s->p.timeout_ms;
		return;
	}
	note_sent(c, &c->a);
	probe(s, &c->a, c->nonce[1], MDCS_PROBE_VIA_OTHER, &c->b, wall);
	c->phase = CLS_MAPPING;
	c->deadline = mono + patience(s);
}

static void conclude(struct pss *s, uint64_t wall)
{
	struct classify *c = &s->cls;
	bool translated = !same_endpoint(&c->m_a, &s->local);
	unsigned mapping = same_endpoint(&c->m_a, &c->m_b)
				   ? MDCS_NAT_INDEPENDENT
				   : MDCS_NAT_ADDRESS_PORT;
	/* On a later try, B's answer may have come in through a hole that
	 * this RP's shuffles opened meanwhile: it proves nothing. */
	bool first = c->rounds == CLS_ROUNDS;
	unsigned filtering =
		c->got_via ? first ? MDCS_NAT_INDEPENDENT : MDCS_NAT_UNKNOWN
		: !c->answered_via ? MDCS_NAT_UNKNOWN
		: c->got_alt	   ? MDCS_NAT_ADDRESS
				   : MDCS_NAT_ADDRESS_PORT;

	s->self.nat = MDCS_DESC_NAT(mapping, filtering, translated);
	/* others reach it where A saw it; behind a NAT, its own endpoint
	 * follows */
	s->self.endpoints[0] = c->m_a;
	s->self.n_endpoints = 1;
	if (translated) {
		s->self.endpoints[1] = s->local;
		s->self.n_endpoints = 2;
	}
	c->phase = CLS_DONE;
	c->again = 0;
	s->stats.classifications++;
	pss_sign_self(s, wall);
}

/* The third test, to B; asked again while B keeps silent. */
static void ask_b(struct pss *s, uint64_t mono, uint64_t wall)
{
	struct classify *c = &s->cls;

	note_sent(c, &c->b);
	probe(s, &c->b, c->nonce[1], MDCS_PROBE_ALT_PORT, NULL, wall);
	c->deadline = mono + patience(s);
}

/* Move on as far as the answers so far allow. */
static void advance(struct pss *s, uint64_t mono, uint64_t wall)
{
	struct classify *c = &s->cls;
	bool late = mono >= c->deadline;

	if (c->phase == CLS_START && late) {
		start(s, mono, wall);
	} else if (c->phase == CLS_MAPPING &&
		   (late || (c->got_a && c->got_via))) {
		if (!c->got_a) {
			c->phase = CLS_START; /* A is gone: other helpers */
			start(s, mono, wall);
			return;
		}
		c->phase = CLS_FILTERING;
		ask_b(s, mono, wall);
	} else if (c->phase == CLS_FILTERING &&
		   (late || (c->got_b && c->got_alt))) {
		if (c->got_b) {
			conclude(s, wall);
		} else if (c->tries++ < c->rounds) {
			/* B may keep strangers out until it has sent to this
			 * RP; the second test stands, as B was fresh then */
			ask_b(s, mono, wall);
		} else {
			give_up(s, mono);
		}
	}
}

uint64_t pss_classify_run(struct pss *s, uint64_t mono, uint64_t wall)
{
	struct classify *c = &s->cls;

	if (c->phase == CLS_DONE && c->again && mono >= c->again) {
		c->phase = CLS_START;
		c->rounds = CLS_AGAIN_ROUNDS;
		c->tries = 0;
		c->n_sent = 0;
		c->deadline = mono;
		c->again = 0;
	}
	if (c->phase != CLS_DONE)
		advance(s, mono, wall);
	if (c->phase != CLS_DONE)
		return c->deadline;
	return c->again ? c->again : UINT64_MAX;
}

bool pss_classifying(const struct pss *s)
{
	return s->cls.phase != CLS_DONE;
}

uint64_t pss_recheck_run(struct pss *s, uint64_t mono, uint64_t wall)
{
	struct recheck *r = &s->recheck;

	if (!s->p.classify || !s->p.keepalive_ms ||
	    !(s->self.nat & MDCS_DESC_NAT_TRANSLATED) ||
	    MDCS_DESC_NAT_MAPPING(s->self.nat) != MDCS_NAT_INDEPENDENT)
		return UINT64_MAX;
	if (mono < r->due)
		return r->due;
	r->due = mono + s->p.keepalive_ms;
	r->got_a = r->got_b = false;
	/* a new nonce first: late answers to the last check count for
	 * nothing, even when no helpers are found this time */
	r->nonce = rng_next(&s->rng);
	if (!pick_helpers(s, &r->a, &r->b, NULL))
		return r->due;
	probe(s, &r->a, r->nonce, 0, NULL, wall);
	probe(s, &r->b, r->nonce, 0, NULL, wall);
	return r->due;
}

/* Where others can reach an RP: a global unicast address and a port. */
static bool reachable_at(const struct desc_endpoint *e)
{
	const struct in6_addr *a = &e->addr;

	return e->port && !IN6_IS_ADDR_UNSPECIFIED(a) &&
	       !IN6_IS_ADDR_LOOPBACK(a) && !IN6_IS_ADDR_MULTICAST(a) &&
	       !IN6_IS_ADDR_LINKLOCAL(a) && !IN6_IS_ADDR_V4MAPPED(a);
}

/* Both helpers answered the check: follow the NAT if they agree on a
 * place others can reach, and keep the old one if no descriptor can be
 * signed with it. */
static void rechecked(struct pss *s, uint64_t wall)
{
	struct recheck *r = &s->recheck;
	struct desc_endpoint was = s->self.endpoints[0];

	if (!same_endpoint(&r->m_a, &r->m_b) || same_endpoint(&r->m_a, &was) ||
	    !reachable_at(&r->m_a))
		return;
	s->self.endpoints[0] = r->m_a;
	pss_sign_self(s, wall);
	if (!s->self_len) {
		s->self.endpoints[0] = was;
		pss_sign_self(s, wall);
		return;
	}
	s->stats.remapped++;
}

/* An answer to this period's check; false if it is none. */
static bool recheck_answered(struct pss *s, const struct ctl_msg *m,
			     uint64_t wall)
{
	struct recheck *r = &s->recheck;
	bool *got = NULL;

	if (m->nonce != r->nonce ||
	    (m->flags & (MDCS_PROBE_REPLY_ALT | MDCS_PROBE_REPLY_VIA)))
		return false;
	if (same_id(m->sender, r->a.id) && !r->got_a) {
		ep_from_wire(&r->m_a, m->endpoint);
		got = &r->got_a;
	} else if (same_id(m->sender, r->b.id) && !r->got_b) {
		ep_from_wire(&r->m_b, m->endpoint);
		got = &r->got_b;
	}
	if (!got)
		return false;
	*got = true;
	if (r->got_a && r->got_b)
		rechecked(s, wall);
	return true;
}

/* A VIA answer's nonce, mixed with its requester's key. */
static uint64_t via_tag(const uint8_t *requester, uint64_t nonce)
{
	uint64_t k;

	memcpy(&k, requester, sizeof(k));
	return k ^ nonce;
}

static bool answered_via(const struct pss *s, const uint8_t *requester,
			 uint64_t nonce)
{
	uint64_t tag = via_tag(requester, nonce);

	for (unsigned i = 0; i < ANSWERED_VIA; i++)
		if (s->answered_via.tag[i] == tag)
			return true;
	return false;
}

void pss_probed(struct pss *s, const struct ctl_msg *m,
		const struct desc_endpoint *from, uint64_t wall)
{
	struct answered_via *v = &s->answered_via;
	const uint8_t *requester = m->sender;
	struct mdcs_ctl_endpoint seen;
	struct desc_endpoint to;
	uint8_t buf[MDCS_CTL_MAX_LEN], flags = 0;
	ssize_t len;

	if (m->flags & MDCS_PROBE_VIA_OTHER) {
		/* B answers whom A names, where A saw it */
		struct contact requester = { .endpoint = *from }, b;

		memcpy(requester.id, m->sender, MDCS_CTL_KEY_LEN);
		memcpy(b.id, m->peer, MDCS_CTL_KEY_LEN);
		ep_from_wire(&b.endpoint, m->endpoint);
		probe(s, &b, m->nonce, MDCS_PROBE_FORWARDED, &requester, wall);
		return;
	}
	if (m->flags & MDCS_PROBE_FORWARDED) {
		requester = m->peer;
		seen = *m->endpoint;
		ep_from_wire(&to, m->endpoint);
		flags = MDCS_PROBE_REPLY_VIA;
	} else {
		ep_to_wire(&seen, from);
		to = *from;
		if (answered_via(s, requester, m->nonce))
			flags = MDCS_PROBE_REPLY_ANSWERED_VIA;
	}
	len = ctl_build_probe_reply(buf, sizeof(buf), m->nonce, &seen, flags,
				    pss_next_ts(s, wall), s->io.signer,
				    requester);
	if (len <= 0)
		return;
	s->stats.probes_answered++;
	pss_send(s, &to, buf, (size_t)len);
	if (flags & MDCS_PROBE_REPLY_VIA) {
		v->tag[v->next] = via_tag(requester, m->nonce);
		v->next = (v->next + 1) % ANSWERED_VIA;
		return;
	}
	if (!(m->flags & MDCS_PROBE_ALT_PORT) || !s->io.send_alt)
		return;
	len = ctl_build_probe_reply(buf, sizeof(buf), m->nonce, &seen,
				    MDCS_PROBE_REPLY_ALT, pss_next_ts(s, wall),
				    s->io.signer, m->sender);
	if (len > 0)
		s->io.send_alt(s->io.ctx, &to, buf, (size_t)len);
}

void pss_probe_answered(struct pss *s, const struct ctl_msg *m, uint64_t mono,
			uint64_t wall)
{
	struct classify *c = &s->cls;
	bool from_a = same_id(m->sender, c->a.id),
	     from_b = same_id(m->sender, c->b.id),
	     via = m->flags & MDCS_PROBE_REPLY_VIA;

	if (c->phase == CLS_MAPPING && m->nonce == c->nonce[0] && from_a &&
	    !via) {
		ep_from_wire(&c->m_a, m->endpoint);
		c->got_a = true;
	} else if (c->phase == CLS_MAPPING && m->nonce == c->nonce[1] &&
		   from_b && via) {
		c->got_via = true;
	} else if (c->phase == CLS_FILTERING && m->nonce == c->nonce[1] &&
		   from_b && !via) {
		if (m->flags & MDCS_PROBE_REPLY_ALT) {
			c->got_alt = true;
		} else {
			ep_from_wire(&c->m_b, m->endpoint);
			c->got_b = true;
			c->answered_via =
				m->flags & MDCS_PROBE_REPLY_ANSWERED_VIA;
		}
	} else {
		if (!recheck_answered(s, m, wall))
			s->stats.unsolicited++;
		return;
	}
	advance(s, mono, wall);
}
