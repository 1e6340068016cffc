/*
 * Peer sampling (lib/pss.c) with the descriptors it gossips (lib/desc.c)
 * and the replay guard (lib/replay.c), signed with Ed25519 as in rpd.
 * Instances talk through an in-memory network that the tests step by
 * hand:
 *
 *     A (2001:db8::a) ---+
 *     B (2001:db8::b) ---+--- queue of messages, delivered one by one
 *     C (2001:db8::c) ---+
 *
 * Where a test says so, a NAT in front of C maps its messages to another
 * port, the same for every destination or one per destination.
 */
#include <check.h>
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "desc.h"
#include "pss.h"
#include "replay.h"
#include "runner.h"

#define RPS	 3
#define T_MS	 1000
#define WALL0	 1767225600000000ULL
#define MAX_MSGS 32

enum { A, B, C };

struct msg {
	unsigned from, to;
	size_t len;
	uint8_t buf[MDCS_CTL_MAX_LEN];
};

static struct ctl_identity ids[RPS];
static struct ctl_signer signers[RPS];
static struct pss *rps[RPS];
static struct msg queue[MAX_MSGS];
static unsigned queued;
static const unsigned who[RPS] = { A, B, C };
static bool learned[RPS][RPS]; /* [i][j]: i was told of j's descriptor */
static struct desc_endpoint punched[RPS][RPS]; /* [i][j]: j's PUNCH's source */
/* [i][j]: where j's MEET told i to reach it, and at whose port */
static struct desc_endpoint met[RPS][RPS];
static uint8_t met_relay[RPS][RPS][MDCS_CTL_KEY_LEN];
static uint16_t c_mapped; /* 0: C's messages leave as they are */
static bool c_mapped_per_destination, c_mapped_link_local;

static void endpoint(unsigned i, struct desc_endpoint *ep)
{
	memset(ep, 0, sizeof(*ep));
	ep->addr.s6_addr[0] = 0x20;
	ep->addr.s6_addr[1] = 0x01;
	ep->addr.s6_addr[2] = 0x0d;
	ep->addr.s6_addr[3] = 0xb8;
	ep->addr.s6_addr[15] = (uint8_t)(0xa + i);
	ep->port = 2268;
}

/* Whether C's messages cannot leave it: no route yet. */
static bool c_unrouted;

static int capture(void *ctx, const struct desc_endpoint *to,
		   const uint8_t *buf, size_t len)
{
	struct msg *m;

	if (c_unrouted && *(const unsigned *)ctx == C)
		return -1;
	m = &queue[queued++];
	ck_assert_uint_lt(queued, MAX_MSGS);
	m->from = *(const unsigned *)ctx;
	m->to = to->addr.s6_addr[15] - 0xa;
	ck_assert_uint_lt(m->to, RPS);
	m->len = len;
	memcpy(m->buf, buf, len);
	return 0;
}

static void learn(void *ctx, const struct desc *d, const uint8_t *raw,
		  size_t len)
{
	struct desc again;

	ck_assert_int_eq(desc_parse(raw, len, &again), CTL_OK);
	ck_assert_mem_eq(again.id, d->id, MDCS_CTL_KEY_LEN);
	for (unsigned j = 0; j < RPS; j++)
		if (!memcmp(d->id, ids[j].pk, MDCS_CTL_KEY_LEN))
			learned[*(const unsigned *)ctx][j] = true;
}

static void punched_cb(void *ctx, const uint8_t *id,
		       const struct desc_endpoint *from)
{
	for (unsigned j = 0; j < RPS; j++)
		if (!memcmp(id, ids[j].pk, MDCS_CTL_KEY_LEN))
			punched[*(const unsigned *)ctx][j] = *from;
}

static void meet_cb(void *ctx, const uint8_t *id, const uint8_t *relay,
		    const struct desc_endpoint *at)
{
	unsigned i = *(const unsigned *)ctx;

	for (unsigned j = 0; j < RPS; j++)
		if (!memcmp(id, ids[j].pk, MDCS_CTL_KEY_LEN)) {
			met[i][j] = *at;
			memcpy(met_relay[i][j], relay, MDCS_CTL_KEY_LEN);
		}
}

static void self_desc(unsigned i, struct desc *d)
{
	memset(d, 0, sizeof(*d));
	memcpy(d->id, ids[i].pk, MDCS_CTL_KEY_LEN);
	d->n_endpoints = 1;
	endpoint(i, &d->endpoints[0]);
	d->n_prefixes = 1;
	d->prefixes[0].addr.s6_addr[0] = 0x20;
	d->prefixes[0].addr.s6_addr[1] = 0x01;
	d->prefixes[0].addr.s6_addr[3] = (uint8_t)i;
	d->prefixes[0].len = 32;
	d->channel_source = d->endpoints[0].addr;
}

static struct pss_params params = {
	.view_size = 4,
	.shuffle_length = 3,
	.swap = 3,
	.tail = true,
	.period_ms = T_MS,
	.lifetime = 4,
	.attempts = 2,
	.fallback_size = 2,
	.timeout_ms = 200,
	.max_skew_us = 100000,
};

/* RP i with parameters p and NAT class nat, on the in-memory network. */
static struct pss *make_rp(unsigned i, const struct pss_params *p, uint8_t nat)
{
	struct pss_io io = { .ctx = (void *)&who[i],
			     .signer = &signers[i],
			     .send = capture,
			     .send_alt = capture,
			     .learn = learn,
			     .punched = punched_cb,
			     .meet = meet_cb };
	struct desc d;
	struct pss *s;

	self_desc(i, &d);
	d.nat = nat;
	s = pss_new(p, &io, &d, i + 1, WALL0);
	ck_assert_ptr_nonnull(s);
	return s;
}

static void setup(void)
{
	for (unsigned i = 0; i < RPS; i++) {
		uint8_t seed[32];

		memset(seed, 0x11 * (i + 1), sizeof(seed));
		ck_assert_int_eq(ctl_identity_from_seed(&ids[i], seed), 0);
		ctl_signer_ed25519(&signers[i], &ids[i]);
		rps[i] = make_rp(i, &params, 0);
	}
	queued = 0;
	memset(learned, 0, sizeof(learned));
	memset(punched, 0, sizeof(punched));
	memset(met, 0, sizeof(met));
	c_mapped = 0;
	c_mapped_per_destination = c_mapped_link_local = false;
	c_unrouted = false;
}

static void teardown(void)
{
	for (unsigned i = 0; i < RPS; i++)
		pss_free(rps[i]);
}

/* i learns j's current descriptor. */
static void knows(unsigned i, unsigned j)
{
	size_t len;
	const uint8_t *d = pss_self_desc(rps[j], &len);

	ck_assert_int_eq(pss_add(rps[i], d, len, WALL0), 0);
}

static bool has(unsigned i, unsigned j)
{
	for (unsigned k = 0; k < pss_view_len(rps[i]); k++)
		if (!memcmp(pss_view_entry(rps[i], k)->id, ids[j].pk,
			    MDCS_CTL_KEY_LEN))
			return true;
	return false;
}

static void deliver(const struct msg *m, uint64_t mono)
{
	struct desc_endpoint from;

	endpoint(m->from, &from);
	if (m->from == C && c_mapped)
		from.port = (uint16_t)(c_mapped +
				       (c_mapped_per_destination ? m->to : 0));
	if (m->from == C && c_mapped_link_local) {
		/* fe80::c: answers still find C by its last octet */
		memset(&from.addr, 0, 12);
		from.addr.s6_addr[0] = 0xfe;
		from.addr.s6_addr[1] = 0x80;
	}
	pss_input(rps[m->to], mono, WALL0 + mono * 1000, &from, m->buf, m->len);
}

/* Deliver what is queued, in order; answers queue up for the next drain. */
static void drain(uint64_t mono)
{
	static struct msg now[MAX_MSGS];
	unsigned n = queued;

	memcpy(now, queue, n * sizeof(*now));
	queued = 0;
	for (unsigned i = 0; i < n; i++)
		deliver(&now[i], mono);
}

/* Run i's timer at a time after its first period began. */
static void period(unsigned i, uint64_t mono)
{
	pss_run(rps[i], 0, WALL0);
	pss_run(rps[i], mono, WALL0 + mono * 1000);
}

static size_t build(unsigned i, struct desc *d, uint8_t *buf)
{
	ssize_t n = desc_build(buf, MDCS_DESC_MAX_LEN, d, &signers[i]);

	ck_assert_int_gt(n, 0);
	return (size_t)n;
}

START_TEST(desc_round_trip)
{
	uint8_t buf[MDCS_DESC_MAX_LEN];
	struct desc d, back;
	size_t n;

	self_desc(A, &d);
	d.flags = MDCS_DESC_F_RELAY;
	d.nat = MDCS_DESC_NAT(MDCS_NAT_ADDRESS_PORT, MDCS_NAT_ADDRESS, true);
	d.incarnation = 7;
	d.issued = WALL0;
	d.n_endpoints = 2;
	endpoint(B, &d.endpoints[1]);
	d.n_partners = 1;
	memcpy(d.partners[0].id, ids[C].pk, MDCS_CTL_KEY_LEN);
	endpoint(C, &d.partners[0].endpoint);
	n = build(A, &d, buf);
	/* sizes from the layout in proto/control.h */
	ck_assert_uint_eq(n, 72 + 2 * 18 + 50 + 17 + 64);
	ck_assert_int_eq(desc_parse(buf, n, &back), CTL_OK);
	ck_assert_int_eq(desc_verify(buf, n, back.id, &signers[B]), CTL_OK);
	ck_assert_mem_eq(&back, &d, sizeof(d));
}
END_TEST

/* No single flipped bit leaves a descriptor that parses and verifies. */
START_TEST(desc_any_flipped_bit_fails)
{
	uint8_t buf[MDCS_DESC_MAX_LEN];
	struct desc d, back;
	size_t n;

	self_desc(A, &d);
	n = build(A, &d, buf);
	for (size_t bit = 0; bit < 8 * n; bit++) {
		buf[bit / 8] ^= 1 << (bit % 8);
		ck_assert(desc_parse(buf, n, &back) != CTL_OK ||
			  desc_verify(buf, n, back.id, &signers[B]) != CTL_OK);
		buf[bit / 8] ^= 1 << (bit % 8);
	}
}
END_TEST

/* Nobody signs for another: not by building, not by editing the id. */
START_TEST(desc_other_subject_fails)
{
	uint8_t buf[MDCS_DESC_MAX_LEN];
	struct desc d;
	size_t n;

	self_desc(A, &d);
	ck_assert_int_eq(desc_build(buf, sizeof(buf), &d, &signers[B]), -1);
	self_desc(B, &d);
	memcpy(d.id, ids[B].pk, MDCS_CTL_KEY_LEN);
	n = build(B, &d, buf);
	memcpy(buf + offsetof(struct mdcs_desc_hdr, id), ids[A].pk,
	       MDCS_CTL_KEY_LEN);
	ck_assert_int_eq(desc_verify(buf, n, ids[A].pk, &signers[C]),
			 CTL_ERR_SIGNATURE);
}
END_TEST

START_TEST(desc_bad_fields_refused)
{
	struct desc d;
	uint8_t buf[MDCS_DESC_MAX_LEN];

	self_desc(A, &d);
	d.prefixes[0].addr.s6_addr[5] = 1; /* past the /32 */
	ck_assert_int_eq(desc_build(buf, sizeof(buf), &d, &signers[A]), -1);
	self_desc(A, &d);
	d.endpoints[0].port = 0;
	ck_assert_int_eq(desc_build(buf, sizeof(buf), &d, &signers[A]), -1);
	self_desc(A, &d);
	d.n_endpoints = 0;
	ck_assert_int_eq(desc_build(buf, sizeof(buf), &d, &signers[A]), -1);
	self_desc(A, &d);
	d.n_prefixes = MDCS_DESC_MAX_PREFIXES + 1;
	ck_assert_int_eq(desc_build(buf, sizeof(buf), &d, &signers[A]), -1);
	self_desc(A, &d);
	ck_assert_int_eq(desc_build(buf, 100, &d, &signers[A]), -1);
}
END_TEST

/* Entries must tile the body exactly. */
START_TEST(shuffle_framing)
{
	uint8_t entries[3 * 8], buf[MDCS_CTL_MAX_LEN];
	struct mdcs_ctl_entry e = { .age = htobe16(5), .length = htobe16(4) };
	struct ctl_msg m;
	const uint8_t *raw;
	size_t pos = 0, len;
	unsigned age;
	ssize_t n;

	for (int i = 0; i < 3; i++) {
		memcpy(entries + 8 * i, &e, sizeof(e));
		memset(entries + 8 * i + 4, i, 4);
	}
	n = ctl_build_shuffle(buf, sizeof(buf), MDCS_CTL_SHUFFLE, 42, 0,
			      entries, sizeof(entries), 3, 1, &signers[A],
			      ids[B].pk);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(ctl_parse(buf, (size_t)n, &m), CTL_OK);
	ck_assert_int_eq(ctl_verify(&m, ids[B].pk), CTL_OK);
	ck_assert_uint_eq(m.xid, 42);
	for (int i = 0; i < 3; i++) {
		ck_assert(ctl_next_entry(&m, &pos, &age, &raw, &len));
		ck_assert_uint_eq(age, 5);
		ck_assert_uint_eq(len, 4);
		ck_assert_uint_eq(raw[0], i);
	}
	ck_assert(!ctl_next_entry(&m, &pos, &age, &raw, &len));
	/* a count that disagrees with the entries */
	n = ctl_build_shuffle(buf, sizeof(buf), MDCS_CTL_SHUFFLE, 42, 0,
			      entries, sizeof(entries), 2, 1, &signers[A],
			      ids[B].pk);
	ck_assert_int_eq(ctl_parse(buf, (size_t)n, &m), CTL_ERR_LENGTH);
	/* an entry running past the body */
	entries[8 * 2 + 3] = 5;
	n = ctl_build_shuffle(buf, sizeof(buf), MDCS_CTL_SHUFFLE, 42, 0,
			      entries, sizeof(entries), 3, 1, &signers[A],
			      ids[B].pk);
	ck_assert_int_eq(ctl_parse(buf, (size_t)n, &m), CTL_ERR_LENGTH);
	ck_assert_int_eq(ctl_build_shuffle(buf, sizeof(buf), MDCS_CTL_KEEPALIVE,
					   1, 0, entries, 8, 1, 1, &signers[A],
					   ids[B].pk),
			 -1);
}
END_TEST

/* A SHUFFLE may be REDIRECTED, a reply BUSY with exactly one entry;
 * nothing else is built or parsed. */
START_TEST(shuffle_flags)
{
	static const struct {
		enum mdcs_ctl_type type;
		uint8_t flags;
		unsigned count;
		bool ok;
	} cases[] = {
		{ MDCS_CTL_SHUFFLE, MDCS_SHUFFLE_REDIRECTED, 2, true },
		{ MDCS_CTL_SHUFFLE, MDCS_SHUFFLE_BUSY, 1, false },
		{ MDCS_CTL_SHUFFLE_REPLY, MDCS_SHUFFLE_BUSY, 1, true },
		{ MDCS_CTL_SHUFFLE_REPLY, MDCS_SHUFFLE_BUSY, 2, false },
		{ MDCS_CTL_SHUFFLE_REPLY, MDCS_SHUFFLE_REDIRECTED, 1, false },
		{ MDCS_CTL_SHUFFLE_REPLY, 0x80, 1, false },
	};
	uint8_t entries[2 * 8], buf[MDCS_CTL_MAX_LEN];
	struct mdcs_ctl_entry e = { .age = 0, .length = htobe16(4) };
	struct mdcs_ctl_shuffle *sh =
		(void *)(buf + sizeof(struct mdcs_ctl_hdr));
	struct ctl_msg m;
	ssize_t n;

	memcpy(entries, &e, sizeof(e));
	memcpy(entries + 8, &e, sizeof(e));
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = ctl_build_shuffle(buf, sizeof(buf), cases[i].type, 1,
				      cases[i].flags, entries,
				      8 * cases[i].count, cases[i].count, 1,
				      &signers[A], ids[B].pk);
		if (cases[i].ok) {
			ck_assert_int_gt(n, 0);
			ck_assert_int_eq(ctl_parse(buf, (size_t)n, &m), CTL_OK);
			ck_assert_uint_eq(m.flags, cases[i].flags);
			continue;
		}
		ck_assert_int_eq(n, -1);
		/* the same flags on the wire */
		n = ctl_build_shuffle(buf, sizeof(buf), cases[i].type, 1, 0,
				      entries, 8 * cases[i].count,
				      cases[i].count, 1, &signers[A],
				      ids[B].pk);
		ck_assert_int_gt(n, 0);
		sh->flags = cases[i].flags;
		ck_assert_int_eq(ctl_parse(buf, (size_t)n, &m), CTL_ERR_FIELD);
	}
}
END_TEST

/*
 * Cyclon's swap: A takes B out of its view and offers itself and C; B
 * answers with what it knows and keeps A.  B's in-link from A moved to A
 * from B: in-degrees stay as they were.
 */
START_TEST(exchange_swaps)
{
	const struct pss_stats *sa = pss_stats(rps[A]), *sb = pss_stats(rps[B]);

	knows(A, B);
	knows(B, C);
	period(A, T_MS + 1);
	ck_assert_uint_eq(queued, 1);
	ck_assert_uint_eq(queue[0].to, B);
	ck_assert(!has(A, B));
	drain(T_MS + 10);
	ck_assert_uint_eq(sb->served, 1);
	ck_assert_uint_eq(queued, 1); /* the reply */
	drain(T_MS + 20);
	ck_assert_uint_eq(sa->completed, 1);
	ck_assert_uint_eq(sa->bad_signature + sb->bad_signature, 0);
	/* A's link to B became B's link to A; B's views not being full,
	 * it also keeps C, which it sent (Cyclon fills empty slots first) */
	ck_assert(has(B, A));
	ck_assert(has(A, C));
	ck_assert(!has(A, B));
	ck_assert(has(B, C));
}
END_TEST

/* A message taken once is refused when it comes again. */
START_TEST(replay_refused)
{
	const struct pss_stats *sb = pss_stats(rps[B]);
	struct msg m;

	knows(A, B);
	period(A, T_MS + 1);
	ck_assert_uint_eq(queued, 1);
	m = queue[0];
	queued = 0;
	deliver(&m, T_MS + 10);
	ck_assert_uint_eq(queued, 1);
	queued = 0;
	deliver(&m, T_MS + 20);
	ck_assert_uint_eq(queued, 0);
	ck_assert_uint_eq(sb->replayed, 1);
	ck_assert_uint_eq(sb->served, 1);
}
END_TEST

/* A changed octet anywhere, or a message for another RP: refused. */
START_TEST(forged_message_refused)
{
	const struct pss_stats *sb = pss_stats(rps[B]), *sc = pss_stats(rps[C]);
	struct msg m;

	knows(A, B);
	period(A, T_MS + 1);
	m = queue[0];
	queued = 0;
	m.buf[m.len / 2] ^= 0x20;
	deliver(&m, T_MS + 10);
	ck_assert_uint_eq(sb->bad_signature, 1);
	m.buf[m.len / 2] ^= 0x20;
	m.to = C;
	deliver(&m, T_MS + 10);
	ck_assert_uint_eq(sc->bad_signature, 1);
	ck_assert_uint_eq(queued, 0);
	ck_assert_uint_eq(sb->served + sc->served, 0);
}
END_TEST

/* A's message is genuine, but the descriptor of C it carries was changed:
 * only C can vouch for C. */
START_TEST(forged_descriptor_refused)
{
	const struct pss_stats *sb = pss_stats(rps[B]);
	uint8_t entries[2 * (4 + MDCS_DESC_MAX_LEN)];
	uint8_t buf[MDCS_CTL_MAX_LEN];
	struct desc d;
	size_t len = 0, n;
	struct msg m = { .from = A, .to = B };
	uint8_t raw[MDCS_DESC_MAX_LEN];
	struct mdcs_ctl_entry e = { 0 };
	ssize_t out;

	self_desc(C, &d);
	d.issued = WALL0;
	n = build(C, &d, raw);
	/* C now claims to be at A's address */
	raw[offsetof(struct mdcs_desc_hdr, channel_source) + 16 + 15] ^= 1;
	e.length = htobe16(n);
	memcpy(entries, &e, sizeof(e));
	memcpy(entries + sizeof(e), raw, n);
	len = sizeof(e) + n;
	out = ctl_build_shuffle(buf, sizeof(buf), MDCS_CTL_SHUFFLE, 9, 0,
				entries, len, 1, WALL0 + 1000, &signers[A],
				ids[B].pk);
	ck_assert_int_gt(out, 0);
	m.len = (size_t)out;
	memcpy(m.buf, buf, m.len);
	deliver(&m, 1);
	ck_assert_uint_eq(sb->bad_signature, 0);
	ck_assert_uint_eq(sb->desc_bad_signature, 1);
	ck_assert(!has(B, C));
}
END_TEST

/* Descriptors live `lifetime` periods from their signature, in messages
 * and in views, and none comes from the future. */
START_TEST(descriptor_lifetime)
{
	const struct pss_stats *sa = pss_stats(rps[A]);
	uint8_t raw[MDCS_DESC_MAX_LEN];
	struct desc d;
	size_t n;

	self_desc(C, &d);
	d.issued = WALL0 - 10ULL * T_MS * 1000; /* ten periods old */
	n = build(C, &d, raw);
	ck_assert_int_eq(pss_add(rps[A], raw, n, WALL0), -1);
	ck_assert_uint_eq(sa->desc_expired, 1);
	d.issued = WALL0 + 10ULL * T_MS * 1000;
	n = build(C, &d, raw);
	ck_assert_int_eq(pss_add(rps[A], raw, n, WALL0), -1);
	ck_assert_uint_eq(sa->desc_future, 1);

	knows(A, C);
	ck_assert(has(A, C));
	/* C never re-signs: gone from A's view once its lifetime is over */
	pss_run(rps[A], 0, WALL0);
	pss_run(rps[A], 6 * T_MS, WALL0 + 6ULL * T_MS * 1000);
	ck_assert(!has(A, C));
}
END_TEST

/* An RP that does not answer is tried no further; the next one is. */
START_TEST(timeout_tries_next)
{
	const struct pss_stats *sa = pss_stats(rps[A]);

	knows(A, B);
	knows(A, C);
	period(A, T_MS + 1);
	ck_assert_uint_eq(queued, 1);
	queued = 0; /* lost */
	pss_run(rps[A], T_MS + 1 + params.timeout_ms,
		WALL0 + (T_MS + 1ULL + params.timeout_ms) * 1000);
	ck_assert_uint_eq(sa->timed_out, 1);
	ck_assert_uint_eq(sa->started, 2);
	ck_assert_uint_eq(queued, 1);
	ck_assert_uint_ne(queue[0].to, A);
	drain(T_MS + params.timeout_ms + 10);
	drain(T_MS + params.timeout_ms + 20);
	ck_assert_uint_eq(sa->completed, 1);
}
END_TEST

/*
 * B and C start from A alone, known by key and endpoint as a configured
 * remote RP is; A starts from nobody.  Shuffles make all of them learn
 * each other, and nothing unsigned is ever passed on: only descriptors
 * that verified reach learn().
 */
START_TEST(seeds_bootstrap)
{
	struct desc_endpoint ep;
	unsigned rounds = 0;

	endpoint(A, &ep);
	ck_assert_int_eq(pss_add_seed(rps[B], ids[A].pk, &ep), 0);
	ck_assert_int_eq(pss_add_seed(rps[C], ids[A].pk, &ep), 0);
	ck_assert_int_eq(pss_add_seed(rps[A], ids[A].pk, &ep), -1);
	while (!(learned[B][C] && learned[C][B] && learned[A][B] &&
		 learned[A][C]) &&
	       rounds++ < 10)
		for (unsigned i = 0; i < RPS; i++) {
			uint64_t t = rounds * T_MS + 1;

			pss_run(rps[i], t, WALL0 + t * 1000);
			drain(t);
			drain(t);
		}
	ck_assert_uint_le(rounds, 10);
	ck_assert(learned[B][C] && learned[C][B]);
	ck_assert(learned[A][B] && learned[A][C]);
	ck_assert(has(B, C) || has(C, B));
	for (unsigned i = 0; i < RPS; i++) {
		const struct pss_stats *st = pss_stats(rps[i]);

		ck_assert_uint_eq(st->desc_malformed + st->desc_bad_signature +
					  st->malformed + st->bad_signature,
				  0);
	}
}
END_TEST

/* Rebuild RP i with other parameters and NAT class. */
static void remake(unsigned i, const struct pss_params *p, uint8_t nat)
{
	pss_free(rps[i]);
	rps[i] = NULL; /* teardown's, if make_rp() fails */
	rps[i] = make_rp(i, p, nat);
}

/* How many queued messages of a type go to an RP. */
static unsigned queued_to(unsigned to, enum mdcs_ctl_type type)
{
	unsigned n = 0;

	for (unsigned k = 0; k < queued; k++)
		n += queue[k].to == to && queue[k].buf[3] == type;
	return n;
}

/*
 * B is behind a filter that keeps out RPs it never sent to; A takes
 * anyone's messages and relays; C traverses NATs.  B registers with A and
 * lists it as its partner.  A serves quota shuffle messages beyond those
 * it sent (0: any number).
 */
static void b_behind_a_quota(struct pss_params *traverse, unsigned quota)
{
	struct pss_params relay;
	const uint8_t behind = MDCS_DESC_NAT(MDCS_NAT_ADDRESS_PORT,
					     MDCS_NAT_ADDRESS_PORT, true);
	const struct pss_stats *sa;
	const uint8_t *raw;
	struct desc d;
	size_t len;

	*traverse = params;
	traverse->partners = 1;
	traverse->keepalive_ms = 5 * T_MS;
	relay = *traverse;
	relay.relay = true;
	relay.max_clients = 4;
	relay.quota = quota;
	remake(A, &relay, 0);
	remake(B, traverse, behind);
	remake(C, traverse, 0);
	sa = pss_stats(rps[A]);
	knows(B, A);
	pss_run(rps[B], 0, WALL0);
	ck_assert_uint_eq(queued_to(A, MDCS_CTL_REGISTER), 1);
	drain(1);
	ck_assert_uint_eq(sa->registrations, 1);
	ck_assert_uint_eq(queued_to(B, MDCS_CTL_REGISTER_ACK), 1);
	drain(2);
	raw = pss_self_desc(rps[B], &len);
	ck_assert_int_eq(desc_parse(raw, len, &d), CTL_OK);
	ck_assert_uint_eq(d.n_partners, 1);
	ck_assert_mem_eq(d.partners[0].id, ids[A].pk, MDCS_CTL_KEY_LEN);
	queued = 0;
}

static void b_behind_a(struct pss_params *traverse)
{
	b_behind_a_quota(traverse, 0);
}

/* C's shuffle with B goes through A both ways.  A passes nothing on to an
 * RP whose lease ran out. */
START_TEST(relayed_through_partner)
{
	struct pss_params traverse;
	uint8_t buf[MDCS_CTL_MAX_LEN], inner[MDCS_CTL_MAX_LEN];
	const struct pss_stats *sa, *sc;
	struct desc_endpoint from;
	uint64_t later;
	ssize_t n, m;

	b_behind_a(&traverse);
	sa = pss_stats(rps[A]);
	sc = pss_stats(rps[C]);
	knows(C, B);
	period(C, T_MS + 1);
	ck_assert_uint_eq(queued, 1);
	ck_assert_uint_eq(queued_to(A, MDCS_CTL_RELAY), 1);
	drain(T_MS + 10); /* A to B */
	ck_assert_uint_eq(queued_to(B, MDCS_CTL_RELAY), 1);
	drain(T_MS + 20); /* B answers to A */
	ck_assert_uint_eq(queued_to(A, MDCS_CTL_RELAY), 1);
	drain(T_MS + 30); /* A to C */
	ck_assert_uint_eq(queued_to(C, MDCS_CTL_RELAY), 1);
	drain(T_MS + 40);
	ck_assert_uint_eq(sc->completed, 1);
	ck_assert_uint_eq(sa->forwarded, 2);
	ck_assert(has(B, C));

	/* once B's lease ran out, A passes nothing on to it */
	later = 10 * traverse.keepalive_ms;
	m = ctl_build_shuffle(inner, sizeof(inner), MDCS_CTL_SHUFFLE, 1, 0,
			      NULL, 0, 0, WALL0 + later * 1000, &signers[C],
			      ids[B].pk);
	ck_assert_int_gt(m, 0);
	n = ctl_build_relay(buf, sizeof(buf), ids[B].pk, NULL, inner, (size_t)m,
			    WALL0 + later * 1000, &signers[C], ids[A].pk);
	ck_assert_int_gt(n, 0);
	endpoint(C, &from);
	queued = 0;
	pss_input(rps[A], later, WALL0 + later * 1000, &from, buf, (size_t)n);
	ck_assert_uint_eq(sa->relay_refused, 1);
	ck_assert_uint_eq(queued, 0);
}
END_TEST

/* A, B's partner, shuffles with B straight to where B registered from,
 * not through itself, and B takes the offer. */
START_TEST(partner_reaches_client_straight)
{
	struct pss_params traverse;
	const struct pss_stats *sa, *sb;

	b_behind_a(&traverse);
	sa = pss_stats(rps[A]);
	sb = pss_stats(rps[B]);
	knows(A, B);
	period(A, T_MS + 1);
	ck_assert_uint_eq(queued, 1);
	ck_assert_uint_eq(queued_to(B, MDCS_CTL_SHUFFLE), 1);
	drain(T_MS + 10);
	ck_assert_uint_eq(sb->replayed, 0);
	ck_assert_uint_eq(queued_to(A, MDCS_CTL_SHUFFLE_REPLY), 1);
	drain(T_MS + 20);
	ck_assert_uint_eq(sa->completed, 1);
	ck_assert(has(B, A));
}
END_TEST

/*
 * A, over its quota of one served message after serving B's shuffle,
 * answers C's BUSY and names B, the last RP behind a filter that
 * shuffled with it; C shuffles with B through A instead, and B serves the
 * REDIRECTED offer.
 */
START_TEST(quota_sends_initiator_on)
{
	struct pss_params traverse;
	const struct pss_stats *sa, *sb, *sc;
	struct ctl_msg m;

	b_behind_a_quota(&traverse, 1);
	sa = pss_stats(rps[A]);
	sb = pss_stats(rps[B]);
	sc = pss_stats(rps[C]);
	period(B, T_MS + 1);
	ck_assert_uint_eq(queued_to(A, MDCS_CTL_SHUFFLE), 1);
	drain(T_MS + 2);
	ck_assert_uint_eq(sa->served, 1);
	drain(T_MS + 3);
	ck_assert_uint_eq(sb->completed, 1);

	knows(C, A);
	period(C, T_MS + 4);
	drain(T_MS + 5); /* C's SHUFFLE to A */
	ck_assert_uint_eq(sa->busy, 1);
	ck_assert_uint_eq(sa->served, 1);
	ck_assert_uint_eq(queued_to(C, MDCS_CTL_SHUFFLE_REPLY), 1);
	ck_assert_int_eq(ctl_parse(queue[0].buf, queue[0].len, &m), CTL_OK);
	ck_assert_uint_eq(m.flags, MDCS_SHUFFLE_BUSY);
	ck_assert_uint_eq(m.count, 1);
	drain(T_MS + 6); /* C takes B, through A */
	ck_assert_uint_eq(sc->redirects, 1);
	ck_assert_uint_eq(queued_to(A, MDCS_CTL_RELAY), 1);
	drain(T_MS + 7);
	ck_assert_uint_eq(queued_to(B, MDCS_CTL_RELAY), 1);
	ck_assert_int_eq(ctl_parse(queue[0].buf, queue[0].len, &m), CTL_OK);
	ck_assert_int_eq(ctl_parse(m.inner, m.inner_len, &m), CTL_OK);
	ck_assert_uint_eq(m.flags, MDCS_SHUFFLE_REDIRECTED);
	drain(T_MS + 8);
	ck_assert_uint_eq(sb->served, 1);
	drain(T_MS + 9); /* A passes the answer back */
	drain(T_MS + 10);
	ck_assert_uint_eq(sc->completed, 1);
	ck_assert_uint_eq(sc->unsolicited, 0);
	ck_assert(has(B, C));
}
END_TEST

/*
 * C opens a path to B: a PUNCH to B (which B's filter would drop) and an
 * OPEN_HOLE through A, after which B learns C and PUNCHes C where A saw
 * it; C answers, and each is told where the other's PUNCH came from.
 */
START_TEST(punched_through_partner)
{
	struct pss_params traverse;
	struct desc_endpoint at_b, at_c;
	const struct pss_stats *sb, *sc;
	const uint8_t *raw;
	size_t len;

	b_behind_a(&traverse);
	sb = pss_stats(rps[B]);
	sc = pss_stats(rps[C]);
	raw = pss_self_desc(rps[B], &len);
	ck_assert_int_eq(pss_punch(rps[C], raw, len, WALL0 + 1000), 0);
	ck_assert_uint_eq(queued, 2);
	ck_assert_uint_eq(queued_to(B, MDCS_CTL_PUNCH), 1);
	ck_assert_uint_eq(queued_to(A, MDCS_CTL_RELAY), 1);
	queue[0] = queue[1]; /* B's filter drops the PUNCH */
	queued = 1;
	ck_assert_uint_eq(queue[0].to, A);
	drain(1); /* A passes the OPEN_HOLE on */
	ck_assert_uint_eq(queued_to(B, MDCS_CTL_RELAY), 1);
	drain(2);
	ck_assert(learned[B][C]);
	ck_assert_uint_eq(sb->holes_opened, 1);
	ck_assert_uint_eq(queued_to(C, MDCS_CTL_PUNCH), 1);
	drain(3); /* C answers */
	endpoint(B, &at_b);
	endpoint(C, &at_c);
	ck_assert_mem_eq(&punched[C][B], &at_b, sizeof(at_b));
	ck_assert_uint_eq(queued_to(B, MDCS_CTL_PUNCH), 1);
	drain(4); /* an answer is not answered */
	ck_assert_mem_eq(&punched[B][C], &at_c, sizeof(at_c));
	ck_assert_uint_eq(queued, 0);
	ck_assert_uint_eq(sc->punched, 1);
	ck_assert_uint_eq(sb->punched, 1);
	/* its own descriptor, or one that does not parse, is refused */
	raw = pss_self_desc(rps[C], &len);
	ck_assert_int_eq(pss_punch(rps[C], raw, len, WALL0 + 1000), -1);
	ck_assert_int_eq(pss_punch(rps[C], raw, len - 1, WALL0 + 1000), -1);
}
END_TEST

/* C tells B, through B's partner A, to meet it at a port of A's. */
START_TEST(meet_through_partner)
{
	struct pss_params traverse;
	struct desc_endpoint at;
	const uint8_t *raw;
	size_t len;

	b_behind_a(&traverse);
	endpoint(A, &at);
	at.port = 40000;
	raw = pss_self_desc(rps[B], &len);
	ck_assert_int_eq(
		pss_meet(rps[C], raw, len, ids[A].pk, &at, WALL0 + 1000), 0);
	ck_assert_uint_eq(queued, 1);
	ck_assert_uint_eq(queued_to(A, MDCS_CTL_RELAY), 1);
	drain(1); /* A passes it on */
	ck_assert_uint_eq(queued_to(B, MDCS_CTL_RELAY), 1);
	drain(2);
	ck_assert_mem_eq(&met[B][C].addr, &at.addr, sizeof(at.addr));
	ck_assert_uint_eq(met[B][C].port, at.port);
	ck_assert_mem_eq(met_relay[B][C], ids[A].pk, MDCS_CTL_KEY_LEN);
	ck_assert_uint_eq(pss_stats(rps[C])->meets, 1);
	ck_assert_uint_eq(queued, 0);
	/* A lists no partner: there is no way to tell it */
	raw = pss_self_desc(rps[A], &len);
	ck_assert_int_eq(
		pss_meet(rps[C], raw, len, ids[A].pk, &at, WALL0 + 1000), -1);
}
END_TEST

/* Which classes punch and which need a relay, as docs/mesh.md says. */
START_TEST(needs_relay_by_class)
{
	uint8_t open = MDCS_DESC_NAT(MDCS_NAT_INDEPENDENT, MDCS_NAT_INDEPENDENT,
				     false),
		prc = MDCS_DESC_NAT(MDCS_NAT_INDEPENDENT, MDCS_NAT_ADDRESS_PORT,
				    true),
		rc = MDCS_DESC_NAT(MDCS_NAT_INDEPENDENT, MDCS_NAT_ADDRESS,
				   true),
		sym = MDCS_DESC_NAT(MDCS_NAT_ADDRESS_PORT,
				    MDCS_NAT_ADDRESS_PORT, true),
		unknown = 0;

	ck_assert(pss_needs_relay(sym, prc));
	ck_assert(pss_needs_relay(prc, sym));
	ck_assert(pss_needs_relay(sym, sym));
	ck_assert(!pss_needs_relay(sym, rc));
	ck_assert(!pss_needs_relay(sym, open));
	ck_assert(!pss_needs_relay(prc, prc));
	ck_assert(!pss_needs_relay(sym, unknown));
	/* a relay's ports must be the same outside and open to anyone */
	ck_assert(pss_can_relay(open));
	ck_assert(pss_can_relay(unknown));
	ck_assert(!pss_can_relay(MDCS_DESC_NAT(MDCS_NAT_INDEPENDENT,
					       MDCS_NAT_INDEPENDENT, true)));
	ck_assert(!pss_can_relay(rc));
	ck_assert(!pss_can_relay(
		MDCS_DESC_NAT(MDCS_NAT_ADDRESS, MDCS_NAT_INDEPENDENT, false)));
}
END_TEST

/*
 * C classifies itself with A and B, in whichever roles it gives them.  The
 * in-memory network translates and filters nothing; C's box is played by
 * dropping messages.  Its filter lets in only helpers C sent to, from any
 * port (address-dependent), or, with the other port's answers dropped
 * too, address- and port-dependent.  Dropping the request that the other
 * helper answer stands for a filter in front of that helper, which leaves
 * C's own filtering unknown.  The helper C sends to first may stay silent
 * for the first round, behind C's address-dependent filter: C must not
 * then ask it to answer on the other's behalf, which would get in.
 */
enum {
	BOX_OPEN,
	BOX_FILTER,
	BOX_FILTER_PORT,
	BOX_HELPER_FILTERED,
	BOX_FIRST_SILENT
};

struct box {
	int kind;
	bool sent[RPS];
	int first; /* the helper C sent to first, or -1 */
};

static bool lost(struct box *x, const struct msg *m, uint64_t t)
{
	uint8_t type = m->buf[3], flags = m->buf[48 + 8];

	if (m->from == C) {
		if (x->first < 0)
			x->first = (int)m->to;
		x->sent[m->to] = true;
	}
	if (x->kind == BOX_HELPER_FILTERED)
		return type == MDCS_CTL_PROBE && (flags & MDCS_PROBE_FORWARDED);
	if (x->kind == BOX_FIRST_SILENT && (int)m->to == x->first &&
	    t < params.timeout_ms)
		return true;
	if (x->kind == BOX_OPEN || m->to != C)
		return false;
	return !x->sent[m->from] ||
	       (x->kind == BOX_FILTER_PORT && type == MDCS_CTL_PROBE_REPLY &&
		(m->buf[48 + 8 + 18] & MDCS_PROBE_REPLY_ALT));
}

/* C's own descriptor, parsed. */
static struct desc c_desc(void)
{
	const uint8_t *raw;
	struct desc d;
	size_t len;

	raw = pss_self_desc(rps[C], &len);
	ck_assert_int_eq(desc_parse(raw, len, &d), CTL_OK);
	return d;
}

/* C's timers at t, and what follows from them, three hops deep. */
static void run_c(uint64_t t)
{
	pss_run(rps[C], t, WALL0 + t * 1000);
	for (int hop = 0; hop < 3; hop++)
		drain(t);
}

static uint8_t classify_c(int kind)
{
	struct pss_params classify = params;
	struct box box = { .kind = kind, .first = -1 };

	classify.classify = true;
	remake(C, &classify, 0);
	knows(C, A);
	knows(C, B);
	for (uint64_t t = 1; pss_classifying(rps[C]) && t < 100 * T_MS;
	     t += 10) {
		pss_run(rps[C], t, WALL0 + t * 1000);
		for (int hop = 0; hop < 3; hop++) {
			for (unsigned k = 0; k < queued; k++)
				if (lost(&box, &queue[k], t))
					queue[k--] = queue[--queued];
			drain(t);
		}
	}
	ck_assert(!pss_classifying(rps[C]));
	ck_assert_uint_eq(pss_stats(rps[C])->classifications, 1);
	return c_desc().nat;
}

START_TEST(classifies_itself)
{
	static const uint8_t want[] = {
		MDCS_DESC_NAT(MDCS_NAT_INDEPENDENT, MDCS_NAT_INDEPENDENT,
			      false),
		MDCS_DESC_NAT(MDCS_NAT_INDEPENDENT, MDCS_NAT_ADDRESS, false),
		MDCS_DESC_NAT(MDCS_NAT_INDEPENDENT, MDCS_NAT_ADDRESS_PORT,
			      false),
		MDCS_DESC_NAT(MDCS_NAT_INDEPENDENT, MDCS_NAT_UNKNOWN, false),
		MDCS_DESC_NAT(MDCS_NAT_INDEPENDENT, MDCS_NAT_ADDRESS, false),
	};

	ck_assert_uint_eq(classify_c(_i), want[_i]);
	ck_assert_uint_gt(pss_stats(rps[A])->probes_answered +
				  pss_stats(rps[B])->probes_answered,
			  0);
}
END_TEST

/*
 * An RP whose helpers cannot be reached while it first classifies, as
 * when the network beyond it is not up yet (its messages leave and are
 * lost), learns nothing, shuffles anyway, and classifies once they can: a
 * minute later, in fewer rounds.
 * Its filtering then stays unknown, since anything it sent meanwhile may
 * have opened its filter to the answer that would tell.
 */
START_TEST(classifies_once_reachable)
{
	struct pss_params classify = params;
	uint64_t t = 1, gave_up;

	classify.classify = true;
	classify.lifetime = 1000; /* A and B do not renew theirs here */
	remake(C, &classify, 0);
	knows(C, A);
	knows(C, B);
	/* so that C's shuffles with either bring the other back */
	knows(A, B);
	knows(B, A);
	for (; pss_classifying(rps[C]) && t < 100 * T_MS; t += 10) {
		pss_run(rps[C], t, WALL0 + t * 1000);
		queued = 0; /* no route yet */
	}
	ck_assert(!pss_classifying(rps[C]));
	ck_assert_uint_eq(pss_stats(rps[C])->classifications, 0);
	gave_up = t;
	for (; !pss_stats(rps[C])->classifications && t < gave_up + 100 * T_MS;
	     t += 10)
		run_c(t);
	ck_assert_uint_eq(pss_stats(rps[C])->classifications, 1);
	ck_assert_uint_ge(t, gave_up + 60 * T_MS);
	ck_assert_uint_eq(c_desc().nat, MDCS_DESC_NAT(MDCS_NAT_INDEPENDENT,
						      MDCS_NAT_UNKNOWN, false));
}
END_TEST

/*
 * An RP whose messages cannot leave it at first, as when it starts before
 * its address or routes are up, spends no rounds meanwhile: once they
 * leave, it classifies at its first try, its filtering test intact,
 * however long the wait was.
 */
START_TEST(classifies_once_routed)
{
	struct pss_params classify = params;
	uint64_t t = 1, routed = 100 * T_MS;

	classify.classify = true;
	remake(C, &classify, 0);
	knows(C, A);
	knows(C, B);
	c_unrouted = true;
	for (; t < routed; t += 10) {
		pss_run(rps[C], t, WALL0 + t * 1000);
		ck_assert_uint_eq(queued, 0);
	}
	ck_assert(pss_classifying(rps[C]));
	ck_assert_uint_eq(pss_stats(rps[C])->sent, 0);
	c_unrouted = false;
	for (; pss_classifying(rps[C]) && t < 2 * routed; t += 10)
		run_c(t);
	ck_assert_uint_eq(pss_stats(rps[C])->classifications, 1);
	ck_assert_uint_lt(t, routed + 60 * T_MS);
	ck_assert_uint_eq(c_desc().nat,
			  MDCS_DESC_NAT(MDCS_NAT_INDEPENDENT,
					MDCS_NAT_INDEPENDENT, false));
}
END_TEST

/* A leaving RP's newer descriptor takes its entry out of the view. */
START_TEST(leaving_removes)
{
	uint8_t raw[MDCS_DESC_MAX_LEN];
	struct desc d;
	size_t n;

	knows(A, C);
	self_desc(C, &d);
	d.incarnation = WALL0 + 1;
	d.issued = WALL0 + 1;
	d.flags = MDCS_DESC_F_LEAVING;
	n = build(C, &d, raw);
	ck_assert(has(A, C));
	ck_assert_int_eq(pss_add(rps[A], raw, n, WALL0 + 2), 0);
	ck_assert(!has(A, C));
}
END_TEST

START_TEST(replay_guard)
{
	struct replay *r = replay_new(2);
	uint8_t k[3][MDCS_CTL_KEY_LEN];
	uint64_t now = WALL0, skew = 1000;

	for (int i = 0; i < 3; i++)
		memset(k[i], i + 1, sizeof(k[i]));
	ck_assert_int_eq(replay_check(r, k[0], now, now, skew), REPLAY_OK);
	ck_assert_int_eq(replay_check(r, k[0], now, now, skew), REPLAY_OLD);
	ck_assert_int_eq(replay_check(r, k[0], now - 1, now, skew), REPLAY_OLD);
	ck_assert_int_eq(replay_check(r, k[0], now + 1, now, skew), REPLAY_OK);
	ck_assert_int_eq(replay_check(r, k[1], now - 2 * skew, now, skew),
			 REPLAY_STALE);
	ck_assert_int_eq(replay_check(r, k[1], now, now, skew), REPLAY_OK);
	/* full of senders still inside the window */
	ck_assert_int_eq(replay_check(r, k[2], now, now, skew), REPLAY_FULL);
	/* once their last timestamps left the window, they make room */
	now += 3 * skew;
	ck_assert_int_eq(replay_check(r, k[2], now, now, skew), REPLAY_OK);
	ck_assert_int_eq(replay_check(r, k[0], now + 5, now, skew), REPLAY_OK);
	replay_free(r);
}
END_TEST

/* Run the timers from t to until, 10 ms a step, delivering everything. */
static uint64_t run_all(uint64_t t, uint64_t until)
{
	for (; t < until; t += 10) {
		for (unsigned i = 0; i < RPS; i++)
			pss_run(rps[i], t, WALL0 + t * 1000);
		for (int hop = 0; hop < 3; hop++)
			drain(t);
	}
	return t;
}

static struct desc_endpoint c_advertised(void)
{
	return c_desc().endpoints[0];
}

/*
 * C, behind a NAT that maps it to one port for every destination, finds
 * so with A and B.  Then the NAT maps it elsewhere: C's descriptor
 * follows once both helpers see the new place (FOLLOWS), and stays where
 * it was while they disagree (PER_DESTINATION: a mapping per destination
 * now) or agree on a place others cannot reach (LINK_LOCAL).
 */
enum { FOLLOWS, PER_DESTINATION, LINK_LOCAL };

START_TEST(follows_its_nat)
{
	struct pss_params p = params;
	uint64_t t;

	p.classify = true;
	p.keepalive_ms = T_MS;
	c_mapped = 40000;
	remake(C, &p, 0);
	knows(C, A);
	knows(C, B);
	t = run_all(1, 20 * T_MS);
	ck_assert(!pss_classifying(rps[C]));
	ck_assert_uint_eq(c_advertised().port, 40000);
	ck_assert_uint_eq(pss_stats(rps[C])->remapped, 0);

	c_mapped = 41000;
	c_mapped_per_destination = _i == PER_DESTINATION;
	c_mapped_link_local = _i == LINK_LOCAL;
	run_all(t, t + 3 * T_MS);
	ck_assert_uint_eq(c_advertised().port, _i == FOLLOWS ? 41000 : 40000);
	ck_assert_uint_eq(pss_stats(rps[C])->remapped, _i == FOLLOWS);
	ck_assert_uint_eq(pss_stats(rps[C])->unsolicited, 0);
}
END_TEST

static Suite *pss_suite(void)
{
	Suite *s = suite_create("pss");
	TCase *d = tcase_create("descriptor"), *x = tcase_create("exchange");

	tcase_add_checked_fixture(d, setup, teardown);
	tcase_add_test(d, desc_round_trip);
	tcase_add_test(d, desc_any_flipped_bit_fails);
	tcase_add_test(d, desc_other_subject_fails);
	tcase_add_test(d, desc_bad_fields_refused);
	tcase_add_test(d, shuffle_framing);
	tcase_add_test(d, shuffle_flags);
	suite_add_tcase(s, d);

	tcase_add_checked_fixture(x, setup, teardown);
	tcase_add_test(x, exchange_swaps);
	tcase_add_test(x, replay_refused);
	tcase_add_test(x, forged_message_refused);
	tcase_add_test(x, forged_descriptor_refused);
	tcase_add_test(x, descriptor_lifetime);
	tcase_add_test(x, timeout_tries_next);
	tcase_add_test(x, leaving_removes);
	tcase_add_test(x, seeds_bootstrap);
	tcase_add_test(x, relayed_through_partner);
	tcase_add_test(x, partner_reaches_client_straight);
	tcase_add_test(x, punched_through_partner);
	tcase_add_test(x, meet_through_partner);
	tcase_add_test(x, quota_sends_initiator_on);
	tcase_add_test(x, needs_relay_by_class);
	tcase_add_loop_test(x, classifies_itself, BOX_OPEN,
			    BOX_FIRST_SILENT + 1);
	tcase_add_test(x, classifies_once_reachable);
	tcase_add_test(x, classifies_once_routed);
	tcase_add_loop_test(x, follows_its_nat, FOLLOWS, LINK_LOCAL + 1);
	tcase_add_test(x, replay_guard);
	suite_add_tcase(s, x);
	return s;
}

CHECK_MAIN(pss_suite)
