/*
 * Peer sampling (pss.h).  One exchange per period, started by this RP
 * (the active side) or by another (the passive side).  A shuffle that does
 * not fit one message goes out as several parts, each answered and merged
 * on its own, so a lost message costs only its own entries.
 */
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "pss_int.h"

static void entry_clear(struct pss_entry *e)
{
	free(e->raw);
	memset(e, 0, sizeof(*e));
}

static int entry_copy(struct pss_entry *dst, const struct pss_entry *src)
{
	*dst = *src;
	if (!src->raw)
		return 0;
	dst->raw = malloc(src->len);
	if (!dst->raw)
		return -1;
	memcpy(dst->raw, src->raw, src->len);
	return 0;
}

static int find(const struct pss_entry *v, unsigned n, const uint8_t *id)
{
	for (unsigned i = 0; i < n; i++)
		if (same_id(v[i].id, id))
			return (int)i;
	return -1;
}

/* Remove entry i of the view, keeping the others in order. */
static void view_remove(struct pss *s, unsigned i, struct pss_entry *out)
{
	if (out)
		*out = s->view[i];
	else
		free(s->view[i].raw);
	memmove(&s->view[i], &s->view[i + 1],
		(s->view_len - i - 1) * sizeof(*s->view));
	s->view_len--;
}

static uint64_t period_us(const struct pss *s)
{
	return s->p.period_ms * 1000;
}

static bool expired(const struct pss *s, uint64_t issued, uint64_t wall)
{
	return s->p.lifetime && wall > issued &&
	       wall - issued > s->p.lifetime * period_us(s) + s->p.max_skew_us;
}

/*
 * Take a descriptor heard with a given age: 0 and e filled, 1 if there is
 * nothing to take (this RP itself, or a copy already held), -1 if refused
 * (counted).  Only the subject's signature is trusted, never the age: an
 * entry is at least as old as its signature says.
 */
int pss_take_desc(struct pss *s, const uint8_t *raw, size_t len, unsigned age,
		  uint64_t wall, struct pss_entry *e)
{
	struct desc d;
	int held;

	if (desc_parse(raw, len, &d) != CTL_OK) {
		s->stats.desc_malformed++;
		return -1;
	}
	if (same_id(d.id, s->self.id))
		return 1;
	if (d.issued > wall + s->p.max_skew_us) {
		s->stats.desc_future++;
		return -1;
	}
	if (expired(s, d.issued, wall)) {
		s->stats.desc_expired++;
		return -1;
	}
	held = find(s->view, s->view_len, d.id);
	if (held >= 0 && s->view[held].len == len &&
	    !memcmp(s->view[held].raw, raw, len)) {
		if (age < s->view[held].age)
			s->view[held].age = age;
		return 1; /* checked when it came first */
	}
	if (desc_verify(raw, len, d.id, s->io.signer) != CTL_OK) {
		s->stats.desc_bad_signature++;
		return -1;
	}
	if (s->io.learn)
		s->io.learn(s->io.ctx, &d, raw, len);
	if (s->p.lifetime && wall > d.issued + s->p.max_skew_us) {
		uint64_t since =
			(wall - d.issued - s->p.max_skew_us) / period_us(s);

		if (since > age)
			age = (unsigned)since;
	}
	memset(e, 0, sizeof(*e));
	memcpy(e->id, d.id, sizeof(e->id));
	e->incarnation = d.incarnation;
	e->issued = d.issued;
	e->age = age;
	e->endpoint = d.endpoints[0];
	e->nat = d.nat;
	e->flags = d.flags;
	e->n_partners = (uint8_t)d.n_partners;
	e->len = (uint16_t)len;
	e->raw = malloc(len);
	if (!e->raw)
		return -1;
	memcpy(e->raw, raw, len);
	return 0;
}

/* Put a taken entry in the view: a newer statement of an RP replaces the
 * older one, a leaving RP is forgotten. */
static void view_put(struct pss *s, struct pss_entry *e)
{
	int held = find(s->view, s->view_len, e->id);

	if (held >= 0) {
		struct pss_entry *v = &s->view[held];
		unsigned age = e->age < v->age ? e->age : v->age;

		if (!desc_newer(e->incarnation, e->issued, v->incarnation,
				v->issued)) {
			entry_clear(e);
			return;
		}
		free(v->raw);
		*v = *e;
		v->age = age;
		if (v->flags & MDCS_DESC_F_LEAVING)
			view_remove(s, (unsigned)held, NULL);
		return;
	}
	if (e->flags & MDCS_DESC_F_LEAVING) {
		entry_clear(e);
		return;
	}
	s->view[s->view_len++] = *e;
}

/* Whether an RP takes messages from RPs it never sent to. */
bool pss_reachable(uint8_t nat)
{
	unsigned f = MDCS_DESC_NAT_FILTERING(nat);

	return f == MDCS_NAT_UNKNOWN || f == MDCS_NAT_INDEPENDENT;
}

/* A NAT that maps per destination gives the other RP a port it cannot
 * know before, and a filter per port keeps out all but the one it knows. */
static bool unpunchable(uint8_t mapper, uint8_t filter)
{
	unsigned m = MDCS_DESC_NAT_MAPPING(mapper);

	return m != MDCS_NAT_UNKNOWN && m != MDCS_NAT_INDEPENDENT &&
	       MDCS_DESC_NAT_FILTERING(filter) == MDCS_NAT_ADDRESS_PORT;
}

bool pss_needs_relay(uint8_t a, uint8_t b)
{
	return unpunchable(a, b) || unpunchable(b, a);
}

bool pss_can_relay(uint8_t nat)
{
	unsigned m = MDCS_DESC_NAT_MAPPING(nat);

	return !(nat & MDCS_DESC_NAT_TRANSLATED) && pss_reachable(nat) &&
	       (m == MDCS_NAT_UNKNOWN || m == MDCS_NAT_INDEPENDENT);
}

/*
 * Whether an entry can be a target: an RP behind a filter that keeps
 * strangers out is reached through its partners, so an entry signed
 * before it had any is of no use to an RP that traverses NATs.  It stays
 * in the view until it expires or a newer one replaces it.
 */
static bool usable(const struct pss *s, const struct pss_entry *e)
{
	return !s->p.partners || !e->raw || pss_reachable(e->nat) ||
	       e->n_partners;
}

/* The index of the oldest entry of a view that is not empty. */
static unsigned oldest(const struct pss *s)
{
	unsigned at = 0;

	for (unsigned i = 1; i < s->view_len; i++)
		if (s->view[i].age > s->view[at].age)
			at = i;
	return at;
}

/*
 * Merge the entries of a shuffle message, then cut the view back to its
 * size (Jelasity et al.'s select): the `healing` oldest first, then up to
 * `swap` of the entries this RP has just sent away, then at random.
 */
static void merge(struct pss *s, const struct ctl_msg *m, uint64_t wall,
		  uint8_t (*sent)[MDCS_CTL_KEY_LEN], unsigned n_sent)
{
	size_t pos = 0;
	const uint8_t *raw;
	size_t len;
	unsigned age, excess, cut;

	while (ctl_next_entry(m, &pos, &age, &raw, &len)) {
		struct pss_entry e;

		if (s->view_len >= s->p.view_size + MAX_OFFER)
			break;
		if (pss_take_desc(s, raw, len, age, wall, &e) == 0)
			view_put(s, &e);
	}
	if (s->view_len <= s->p.view_size)
		return;
	excess = s->view_len - s->p.view_size;
	for (cut = 0; cut < s->p.healing && excess; cut++, excess--)
		view_remove(s, oldest(s), NULL);
	for (unsigned i = 0, swapped = 0;
	     i < n_sent && swapped < s->p.swap && excess; i++) {
		int at = find(s->view, s->view_len, sent[i]);

		if (at < 0)
			continue;
		view_remove(s, (unsigned)at, NULL);
		swapped++;
		excess--;
	}
	while (excess--)
		view_remove(s, (unsigned)rng_below(&s->rng, s->view_len), NULL);
}

uint64_t pss_next_ts(struct pss *s, uint64_t wall)
{
	s->last_ts = wall > s->last_ts ? wall : s->last_ts + 1;
	return s->last_ts;
}

bool pss_send(struct pss *s, const struct desc_endpoint *to, const uint8_t *buf,
	      size_t len)
{
	if (s->io.send(s->io.ctx, to, buf, len))
		return false;
	s->stats.sent++;
	s->stats.sent_bytes += len;
	return true;
}

/* Lay out one entry; false if it does not fit the room. */
static bool put_entry(uint8_t *buf, size_t *len, size_t room,
		      const uint8_t *raw, size_t raw_len, unsigned age)
{
	struct mdcs_ctl_entry e = {
		.age = htobe16(age > UINT16_MAX ? UINT16_MAX : age),
		.length = htobe16(raw_len),
	};

	if (*len + sizeof(e) + raw_len > room)
		return false;
	memcpy(buf + *len, &e, sizeof(e));
	memcpy(buf + *len + sizeof(e), raw, raw_len);
	*len += sizeof(e) + raw_len;
	return true;
}

static size_t entry_room(const struct path *p)
{
	return p->relayed ? RELAYED_ENTRY_ROOM : ENTRY_ROOM;
}

static void send_shuffle(struct pss *s, enum mdcs_ctl_type type, uint32_t xid,
			 uint8_t flags, const uint8_t *entries, size_t len,
			 unsigned n, uint64_t wall, const uint8_t *peer,
			 const struct path *path)
{
	uint8_t buf[MDCS_CTL_MAX_LEN];
	ssize_t out = ctl_build_shuffle(buf, sizeof(buf), type, xid, flags,
					entries, len, n, pss_next_ts(s, wall),
					s->io.signer, peer);

	if (out > 0)
		pss_send_along(s, path, peer, buf, (size_t)out, wall);
}

/* Up to n view entries at random, never `except`: their indices. */
static unsigned sample(struct pss *s, unsigned n, const uint8_t *except,
		       unsigned *idx)
{
	unsigned all[MAX_VIEW + MAX_OFFER], k = 0;

	for (unsigned i = 0; i < s->view_len; i++)
		if (s->view[i].raw &&
		    (!except || !same_id(s->view[i].id, except)))
			all[k++] = i;
	if (n > k)
		n = k;
	for (unsigned i = 0; i < n; i++) {
		unsigned j = i + (unsigned)rng_below(&s->rng, k - i);
		unsigned t = all[i];

		all[i] = all[j];
		all[j] = t;
		idx[i] = all[i];
	}
	return n;
}

void pss_sign_self(struct pss *s, uint64_t wall)
{
	ssize_t n;

	s->self.issued = wall > s->self.issued ? wall : s->self.issued + 1;
	n = desc_build(s->self_raw, sizeof(s->self_raw), &s->self,
		       s->io.signer);
	s->self_len = n > 0 ? (size_t)n : 0;
}

/* Send the entries laid out so far as one part of the offer. */
static void send_part(struct pss *s, const uint8_t *entries, size_t len,
		      unsigned n, uint64_t wall)
{
	struct round *r = &s->round;
	struct offer_part *p = &r->parts[r->n_parts++];
	unsigned first = r->n_parts > 1 ? p[-1].first + p[-1].n : 0;

	p->xid = (uint32_t)rng_next(&s->rng);
	p->first = first;
	p->n = r->n_sent - first;
	p->open = true;
	/* each message sent earns one served, up to the quota */
	if (s->credit < s->p.quota)
		s->credit++;
	send_shuffle(s, MDCS_CTL_SHUFFLE, p->xid,
		     r->redirected ? MDCS_SHUFFLE_REDIRECTED : 0, entries, len,
		     n, wall, r->target.id, &r->path);
}

/* Offer the round's target this RP's fresh descriptor and
 * shuffle_length - 1 others, in as many parts as they need. */
static void offer(struct pss *s, uint64_t mono, uint64_t wall)
{
	struct round *r = &s->round;
	unsigned idx[MAX_OFFER], n, in_part = 1;
	uint8_t entries[ENTRY_ROOM];
	size_t len = 0, room;

	pss_sign_self(s, wall);
	room = entry_room(&r->path);
	n = sample(s, s->p.shuffle_length - 1, r->target.id, idx);
	r->n_parts = r->n_sent = 0;
	r->answered = false;
	r->deadline = mono + s->p.timeout_ms;
	put_entry(entries, &len, room, s->self_raw, s->self_len, 0);
	for (unsigned i = 0; i < n; i++) {
		const struct pss_entry *e = &s->view[idx[i]];

		if (!put_entry(entries, &len, room, e->raw, e->len, e->age)) {
			if (r->n_parts + 1 >= MAX_PARTS)
				break;
			send_part(s, entries, len, in_part, wall);
			len = 0;
			in_part = 0;
			/* an empty message holds any descriptor */
			put_entry(entries, &len, room, e->raw, e->len, e->age);
		}
		memcpy(r->sent[r->n_sent++], e->id, MDCS_CTL_KEY_LEN);
		in_part++;
	}
	send_part(s, entries, len, in_part, wall);
}

static void fallback_forget(struct pss *s, const uint8_t *id)
{
	int at = find(s->fallback, s->fallback_len, id);

	if (at < 0)
		return;
	free(s->fallback[at].raw);
	s->fallback[at] = s->fallback[--s->fallback_len];
}

/* ARRG: an RP that answered is kept as a contact for bad times. */
static void fallback_keep(struct pss *s, const struct pss_entry *e)
{
	struct pss_entry copy;
	unsigned at;

	if (!s->p.fallback_size || entry_copy(&copy, e))
		return;
	fallback_forget(s, e->id);
	at = s->fallback_len;
	if (at == s->p.fallback_size) {
		at = (unsigned)rng_below(&s->rng, at);
		free(s->fallback[at].raw);
	} else {
		s->fallback_len++;
	}
	s->fallback[at] = copy;
}

/* A usable entry of the view: the oldest, or one at random. */
static bool pick_in_view(struct pss *s, unsigned *at)
{
	unsigned cand[MAX_VIEW + MAX_OFFER], n = 0;

	for (unsigned i = 0; i < s->view_len; i++)
		if (usable(s, &s->view[i]))
			cand[n++] = i;
	if (!n)
		return false;
	if (!s->p.tail) {
		*at = cand[rng_below(&s->rng, n)];
		return true;
	}
	*at = cand[0];
	for (unsigned k = 1; k < n; k++)
		if (s->view[cand[k]].age > s->view[*at].age)
			*at = cand[k];
	return true;
}

/* The next RP to try this period: from the view while attempts last,
 * then once from the fallback cache.  False if there is none. */
static bool pick_target(struct pss *s)
{
	struct round *r = &s->round;
	unsigned at = 0;

	if (r->attempt < s->p.attempts && pick_in_view(s, &at)) {
		r->attempt++;
		view_remove(s, at, &r->target);
		return true;
	}
	if (r->from_fallback || !s->fallback_len)
		return false;
	r->from_fallback = true;
	s->stats.fallbacks++;
	at = (unsigned)rng_below(&s->rng, s->fallback_len);
	return entry_copy(&r->target, &s->fallback[at]) == 0;
}

static void end_round(struct pss *s)
{
	entry_clear(&s->round.target);
	s->round.active = false;
}

static void try_next(struct pss *s, uint64_t mono, uint64_t wall)
{
	end_round(s);
	s->round.redirected = false;
	if (!pick_target(s))
		return;
	/* a fallback entry may have lost its partners since */
	if (!pss_path_to(s, &s->round.target, &s->round.path)) {
		entry_clear(&s->round.target);
		return;
	}
	s->round.active = true;
	s->stats.started++;
	offer(s, mono, wall);
}

static void start_period(struct pss *s, uint64_t mono, uint64_t wall)
{
	unsigned i = 0;

	while (i < s->view_len) {
		struct pss_entry *e = &s->view[i];

		e->age++;
		if (e->raw && expired(s, e->issued, wall))
			view_remove(s, i, NULL);
		else
			i++;
	}
	if (!s->view_len)
		for (unsigned k = 0; k < s->n_seeds && k < s->p.view_size; k++)
			if (!entry_copy(&s->view[s->view_len], &s->seeds[k]))
				s->view_len++;
	s->round.attempt = 0;
	s->round.from_fallback = false;
	memset(s->round.busy, 0, sizeof(s->round.busy));
	try_next(s, mono, wall);
}

uint64_t pss_run(struct pss *s, uint64_t mono_ms, uint64_t wall_us)
{
	struct round *r = &s->round;
	uint64_t next, due, cls_due;

	/* Each RP's periods start at a phase of their own. */
	if (!s->next_period)
		s->next_period = mono_ms + rng_below(&s->rng, s->p.period_ms);
	/* nothing else is sent while the RP classifies (natclass.c) */
	cls_due = pss_classify_run(s, mono_ms, wall_us);
	if (pss_classifying(s))
		return cls_due;
	if (r->active && mono_ms >= r->deadline) {
		if (!r->answered) {
			s->stats.timed_out++;
			fallback_forget(s, r->target.id);
			try_next(s, mono_ms, wall_us);
		} else {
			end_round(s);
		}
	}
	if (mono_ms >= s->next_period) {
		s->next_period += s->p.period_ms;
		if (s->next_period <= mono_ms)
			s->next_period = mono_ms + s->p.period_ms;
		start_period(s, mono_ms, wall_us);
	}
	next = s->next_period;
	due = pss_recheck_run(s, mono_ms, wall_us);
	if (due < next)
		next = due;
	if (cls_due < next)
		next = cls_due;
	if (pss_needs_partners(s)) {
		if (mono_ms >= s->next_keepalive) {
			pss_keep_partners(s, wall_us);
			s->next_keepalive = mono_ms + s->p.keepalive_ms;
		}
		if (s->next_keepalive < next)
			next = s->next_keepalive;
	}
	if (r->active && r->deadline < next)
		next = r->deadline;
	return next;
}

/*
 * Over quota, send the initiator on to the last RP behind a filter that
 * shuffled with this one: a BUSY answer naming it.  Every part of the
 * same offer gets the same answer.  False if this RP serves it.
 */
static bool send_on(struct pss *s, const struct ctl_msg *m,
		    const struct path *back, uint64_t mono, uint64_t wall)
{
	uint8_t entries[ENTRY_ROOM];
	size_t len = 0;

	if (!(s->busy.until > mono && same_id(s->busy.initiator, m->sender))) {
		if (!s->p.quota || s->credit || !s->cached.raw ||
		    expired(s, s->cached.issued, wall) ||
		    m->flags & MDCS_SHUFFLE_REDIRECTED ||
		    !pss_reachable(s->self.nat) ||
		    same_id(s->cached.id, m->sender))
			return false;
		entry_clear(&s->busy.named);
		s->busy.named = s->cached;
		memset(&s->cached, 0, sizeof(s->cached));
		memcpy(s->busy.initiator, m->sender, MDCS_CTL_KEY_LEN);
		s->busy.until = mono + s->p.timeout_ms;
		s->stats.busy++;
	}
	if (!put_entry(entries, &len, entry_room(back), s->busy.named.raw,
		       s->busy.named.len, 0))
		return false;
	send_shuffle(s, MDCS_CTL_SHUFFLE_REPLY, m->xid, MDCS_SHUFFLE_BUSY,
		     entries, len, 1, wall, m->sender, back);
	return true;
}

/* Leitao's connection cache: an initiator behind a filter, which others
 * reach through its partners, is where the next initiator over quota
 * goes.  Its descriptor as the view holds it, verified. */
static void cache_initiator(struct pss *s, const uint8_t *id)
{
	int at = find(s->view, s->view_len, id);
	const struct pss_entry *e = at < 0 ? NULL : &s->view[at];

	if (!s->p.quota || !e || !e->raw || pss_reachable(e->nat) ||
	    !e->n_partners)
		return;
	entry_clear(&s->cached);
	if (entry_copy(&s->cached, e))
		memset(&s->cached, 0, sizeof(s->cached));
}

/* The passive side: answer the way the offer came, with as many
 * entries, then merge. */
static void serve(struct pss *s, const struct ctl_msg *m,
		  const struct path *back, uint64_t mono, uint64_t wall)
{
	uint8_t sent[MAX_OFFER][MDCS_CTL_KEY_LEN];
	unsigned idx[MAX_OFFER], n, k = 0;
	uint8_t entries[ENTRY_ROOM];
	size_t len = 0;

	if (send_on(s, m, back, mono, wall))
		return;
	n = sample(s, m->count < MAX_OFFER ? m->count : MAX_OFFER, m->sender,
		   idx);
	for (unsigned i = 0; i < n; i++) {
		const struct pss_entry *e = &s->view[idx[i]];

		if (!put_entry(entries, &len, entry_room(back), e->raw, e->len,
			       e->age))
			break;
		memcpy(sent[k++], e->id, MDCS_CTL_KEY_LEN);
	}
	s->stats.served++;
	if (s->credit)
		s->credit--;
	send_shuffle(s, MDCS_CTL_SHUFFLE_REPLY, m->xid, 0, entries, len, k,
		     wall, m->sender, back);
	merge(s, m, wall, sent, k);
	cache_initiator(s, m->sender);
}

/* The RP a BUSY answer names, taken out of the view if it is there;
 * false if it is refused, this RP, or the busy RP itself. */
static bool take_named(struct pss *s, const uint8_t *raw, size_t len,
		       uint64_t wall, struct pss_entry *e)
{
	struct desc d;
	int held;

	if (desc_parse(raw, len, &d) != CTL_OK || same_id(d.id, s->self.id) ||
	    same_id(d.id, s->round.busy))
		return false;
	held = find(s->view, s->view_len, d.id);
	switch (pss_take_desc(s, raw, len, 0, wall, e)) {
	case 0:
		if (held >= 0)
			view_remove(s, (unsigned)held, NULL);
		return true;
	case 1: /* the very descriptor the view holds */
		view_remove(s, (unsigned)held, e);
		return true;
	}
	return false;
}

/*
 * The target is over its quota and names another RP: the exchange goes
 * there, with a fresh offer flagged so that it is served.  The busy RP
 * leaves the view, as a target that answered does (Cyclon's balance of
 * in-degrees).
 */
static void take_busy(struct pss *s, const struct ctl_msg *m, uint64_t mono,
		      uint64_t wall)
{
	struct round *r = &s->round;
	struct pss_entry e;
	struct path path;
	size_t pos = 0, len;
	const uint8_t *raw;
	unsigned age;

	memcpy(r->busy, r->target.id, MDCS_CTL_KEY_LEN);
	fallback_keep(s, &r->target);
	if (r->redirected || !ctl_next_entry(m, &pos, &age, &raw, &len) ||
	    !take_named(s, raw, len, wall, &e)) {
		try_next(s, mono, wall);
		return;
	}
	if (!pss_path_to(s, &e, &path)) {
		entry_clear(&e);
		try_next(s, mono, wall);
		return;
	}
	end_round(s);
	r->target = e;
	r->path = path;
	r->active = true;
	r->redirected = true;
	s->stats.redirects++;
	offer(s, mono, wall);
}

static void answered(struct pss *s, const struct ctl_msg *m, uint64_t mono,
		     uint64_t wall)
{
	struct round *r = &s->round;
	struct offer_part *p = NULL;
	bool open = false;

	/* the other parts of an offer sent on */
	if (m->flags & MDCS_SHUFFLE_BUSY && same_id(m->sender, r->busy))
		return;
	if (r->active && same_id(m->sender, r->target.id))
		for (unsigned i = 0; i < r->n_parts; i++)
			if (r->parts[i].open && r->parts[i].xid == m->xid)
				p = &r->parts[i];
	if (!p) {
		s->stats.unsolicited++;
		return;
	}
	/* busy after it served another part: that part ends empty */
	if (m->flags & MDCS_SHUFFLE_BUSY && !r->answered) {
		take_busy(s, m, mono, wall);
		return;
	}
	p->open = false;
	if (!(m->flags & MDCS_SHUFFLE_BUSY))
		merge(s, m, wall, &r->sent[p->first], p->n);
	if (!r->answered) {
		r->answered = true;
		s->stats.completed++;
		fallback_keep(s, &r->target);
	}
	for (unsigned i = 0; i < r->n_parts; i++)
		open |= r->parts[i].open;
	if (!open)
		end_round(s);
}

/* Check a message's signature for this RP and its sender's timestamp;
 * 0 if it is taken, else the refusal is counted. */
static int admit(struct pss *s, const struct ctl_msg *m, uint64_t wall)
{
	if (ctl_verify_by(m, s->self.id, s->io.signer) != CTL_OK) {
		s->stats.bad_signature++;
		return -1;
	}
	switch (replay_check(s->replay, m->sender, m->timestamp, wall,
			     s->p.max_skew_us)) {
	case REPLAY_OK:
		return 0;
	case REPLAY_OLD:
	case REPLAY_FULL:
		s->stats.replayed++;
		return -1;
	case REPLAY_STALE:
		s->stats.stale++;
		return -1;
	}
	return -1;
}

static void take(struct pss *s, const struct ctl_msg *m,
		 const struct path *back, uint64_t mono, uint64_t wall);

/* The message a RELAY carries: this RP's, or one to pass on. */
static void relay_input(struct pss *s, const struct ctl_msg *m,
			const struct desc_endpoint *from, uint64_t mono,
			uint64_t wall)
{
	struct path back = { .to = *from, .relayed = true };
	struct ctl_msg in;

	if (!same_id(m->target, s->self.id)) {
		pss_forward(s, m, from, mono, wall);
		return;
	}
	if (ctl_parse(m->inner, m->inner_len, &in) != CTL_OK ||
	    (in.type != MDCS_CTL_SHUFFLE && in.type != MDCS_CTL_SHUFFLE_REPLY &&
	     in.type != MDCS_CTL_OPEN_HOLE && in.type != MDCS_CTL_MEET)) {
		s->stats.malformed++;
		return;
	}
	if (admit(s, &in, wall))
		return;
	if (in.type == MDCS_CTL_OPEN_HOLE) {
		struct desc_endpoint origin;

		ep_from_wire(&origin, m->endpoint);
		pss_hole_opened(s, &in, &origin, wall);
		return;
	}
	if (in.type == MDCS_CTL_MEET) {
		pss_met(s, &in);
		return;
	}
	memcpy(back.via, m->sender, MDCS_CTL_KEY_LEN);
	take(s, &in, &back, mono, wall);
}

static void take(struct pss *s, const struct ctl_msg *m,
		 const struct path *back, uint64_t mono, uint64_t wall)
{
	switch (m->type) {
	case MDCS_CTL_SHUFFLE:
		serve(s, m, back, mono, wall);
		break;
	case MDCS_CTL_SHUFFLE_REPLY:
		answered(s, m, mono, wall);
		break;
	case MDCS_CTL_PROBE:
		pss_probed(s, m, &back->to, wall);
		break;
	case MDCS_CTL_PROBE_REPLY:
		pss_probe_answered(s, m, mono, wall);
		break;
	case MDCS_CTL_REGISTER:
		pss_registered(s, m, &back->to, mono, wall);
		break;
	case MDCS_CTL_REGISTER_ACK:
		pss_partner_answered(s, m, wall);
		break;
	case MDCS_CTL_RELAY:
		relay_input(s, m, &back->to, mono, wall);
		break;
	case MDCS_CTL_PUNCH:
		pss_punched(s, m, &back->to, wall);
		break;
	default:
		s->stats.malformed++;
	}
}

bool pss_takes(enum mdcs_ctl_type type)
{
	return (type >= MDCS_CTL_SHUFFLE && type <= MDCS_CTL_OPEN_HOLE) ||
	       type == MDCS_CTL_PUNCH || type == MDCS_CTL_RELAY ||
	       type == MDCS_CTL_MEET;
}

void pss_input(struct pss *s, uint64_t mono_ms, uint64_t wall_us,
	       const struct desc_endpoint *from, const uint8_t *buf, size_t len)
{
	struct path back = { .to = *from };
	struct ctl_msg m;

	s->stats.received++;
	if (ctl_parse(buf, len, &m) != CTL_OK || !pss_takes(m.type)) {
		s->stats.malformed++;
		return;
	}
	if (admit(s, &m, wall_us) == 0)
		take(s, &m, &back, mono_ms, wall_us);
}

static bool params_valid(const struct pss_params *p)
{
	return p->view_size >= 2 && p->view_size <= MAX_VIEW &&
	       p->shuffle_length >= 1 && p->shuffle_length <= MAX_OFFER &&
	       p->shuffle_length <= p->view_size &&
	       p->healing + p->swap <= p->shuffle_length && p->attempts >= 1 &&
	       p->period_ms && p->timeout_ms && p->timeout_ms < p->period_ms &&
	       p->partners <= MDCS_DESC_MAX_PARTNERS &&
	       (!(p->partners || p->relay) || p->keepalive_ms >= 1000) &&
	       (!p->relay || p->max_clients);
}

struct pss *pss_new(const struct pss_params *p, const struct pss_io *io,
		    const struct desc *self, uint64_t seed, uint64_t wall_us)
{
	struct pss *s;

	if (!params_valid(p) || !same_id(io->signer->pk, self->id))
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->p = *p;
	s->io = *io;
	s->self = *self;
	s->self.incarnation = wall_us;
	s->self.issued = 0;
	s->self.n_partners = 0;
	if (p->relay)
		s->self.flags |= MDCS_DESC_F_RELAY;
	s->local = self->endpoints[0];
	s->credit = p->quota;
	s->cls.phase = p->classify ? CLS_START : CLS_DONE;
	s->cls.rounds = CLS_ROUNDS;
	rng_seed(&s->rng, seed);
	s->view = calloc(p->view_size + MAX_OFFER, sizeof(*s->view));
	s->fallback = calloc(p->fallback_size ? p->fallback_size : 1,
			     sizeof(*s->fallback));
	s->replay = replay_new(MAX_SENDERS);
	s->clients = calloc(p->max_clients ? p->max_clients : 1,
			    sizeof(*s->clients));
	pss_sign_self(s, wall_us);
	if (!s->view || !s->fallback || !s->replay || !s->clients ||
	    !s->self_len) {
		pss_free(s);
		return NULL;
	}
	return s;
}

void pss_free(struct pss *s)
{
	if (!s)
		return;
	if (s->view)
		for (unsigned i = 0; i < s->view_len; i++)
			free(s->view[i].raw);
	if (s->fallback)
		for (unsigned i = 0; i < s->fallback_len; i++)
			free(s->fallback[i].raw);
	free(s->view);
	free(s->fallback);
	free(s->clients);
	free(s->round.target.raw);
	free(s->cached.raw);
	free(s->busy.named.raw);
	replay_free(s->replay);
	free(s);
}

int pss_add(struct pss *s, const uint8_t *desc, size_t len, uint64_t wall_us)
{
	struct pss_entry e;

	if (s->view_len >= s->p.view_size)
		return -1;
	if (pss_take_desc(s, desc, len, 0, wall_us, &e))
		return -1;
	view_put(s, &e);
	return 0;
}

int pss_add_seed(struct pss *s, const uint8_t *id,
		 const struct desc_endpoint *endpoint)
{
	struct pss_entry *e = &s->seeds[s->n_seeds];

	if (s->n_seeds == MAX_SEEDS || same_id(id, s->self.id))
		return -1;
	memset(e, 0, sizeof(*e));
	memcpy(e->id, id, sizeof(e->id));
	e->endpoint = *endpoint;
	s->n_seeds++;
	if (s->view_len < s->p.view_size && find(s->view, s->view_len, id) < 0)
		s->view[s->view_len++] = *e;
	return 0;
}

void pss_clear_seeds(struct pss *s)
{
	s->n_seeds = 0;
}

unsigned pss_view_len(const struct pss *s)
{
	return s->view_len;
}

const struct pss_entry *pss_view_entry(const struct pss *s, unsigned i)
{
	return i < s->view_len ? &s->view[i] : NULL;
}

const uint8_t *pss_self_desc(const struct pss *s, size_t *len)
{
	*len = s->self_len;
	return s->self_raw;
}

uint8_t pss_self_nat(const struct pss *s)
{
	return s->self.nat;
}

const struct pss_stats *pss_stats(const struct pss *s)
{
	return &s->stats;
}

void pss_clear_stats(struct pss *s)
{
	memset(&s->stats, 0, sizeof(s->stats));
}

void pss_stats_add(struct pss_stats *to, const struct pss_stats *from)
{
	to->started += from->started;
	to->completed += from->completed;
	to->timed_out += from->timed_out;
	to->fallbacks += from->fallbacks;
	to->served += from->served;
	to->sent += from->sent;
	to->sent_bytes += from->sent_bytes;
	to->received += from->received;
	to->malformed += from->malformed;
	to->bad_signature += from->bad_signature;
	to->replayed += from->replayed;
	to->stale += from->stale;
	to->unsolicited += from->unsolicited;
	to->desc_malformed += from->desc_malformed;
	to->desc_bad_signature += from->desc_bad_signature;
	to->desc_expired += from->desc_expired;
	to->desc_future += from->desc_future;
	to->relayed_out += from->relayed_out;
	to->forwarded += from->forwarded;
	to->relay_refused += from->relay_refused;
	to->registrations += from->registrations;
	to->partners_lost += from->partners_lost;
	to->probes_answered += from->probes_answered;
	to->classifications += from->classifications;
	to->remapped += from->remapped;
	to->punches += from->punches;
	to->punched += from->punched;
	to->holes_opened += from->holes_opened;
	to->meets += from->meets;
	to->busy += from->busy;
	to->redirects += from->redirects;
}
