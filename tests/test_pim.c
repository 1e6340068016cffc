/*
 * The PIM codec (lib/pim.c): Hello and Join/Prune messages in IPv6 packets,
 * checked against hand-assembled RFC 7761 encodings as well as round trips.
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pim.h"
#include "runner.h"

#define MAX_ENTRIES 400

static struct in6_addr ll_rpd, ll_pim6d, all_pim, upstream;

static void addr(struct in6_addr *a, const char *s)
{
	ck_assert(inet_pton(AF_INET6, s, a) == 1);
}

static void setup(void)
{
	addr(&ll_rpd, "fe80::2");
	addr(&ll_pim6d, "fe80::1");
	addr(&all_pim, "ff02::d");
	addr(&upstream, "fe80::2");
}

/* The PIM checksum, summed here octet pair by octet pair (RFC 1071) over
 * the IPv6 pseudo-header (RFC 8200 section 8.1) and the message. */
static uint16_t ref_csum(const struct in6_addr *src, const struct in6_addr *dst,
			 const uint8_t *msg, size_t len)
{
	uint8_t pseudo[40] = { 0 };
	uint32_t sum = 0;

	memcpy(pseudo, src, 16);
	memcpy(pseudo + 16, dst, 16);
	pseudo[32] = (uint8_t)(len >> 24);
	pseudo[33] = (uint8_t)(len >> 16);
	pseudo[34] = (uint8_t)(len >> 8);
	pseudo[35] = (uint8_t)len;
	pseudo[39] = 103;
	for (size_t i = 0; i < 40; i += 2)
		sum += pseudo[i] << 8 | pseudo[i + 1];
	for (size_t i = 0; i < len; i += 2) {
		if (i == 2)
			continue; /* the checksum field itself */
		sum += msg[i] << 8 | (i + 1 < len ? msg[i + 1] : 0);
	}
	while (sum > 0xffff)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void set_csum(uint8_t *pkt)
{
	struct in6_addr s, d;
	size_t plen = pkt[4] << 8 | pkt[5];
	uint16_t c;

	memcpy(&s, pkt + 8, 16);
	memcpy(&d, pkt + 24, 16);
	c = ref_csum(&s, &d, pkt + 40, plen);
	pkt[42] = c >> 8;
	pkt[43] = c & 0xff;
}

/* A PIM packet as pim_packet should make it, assembled by hand. */
static size_t ref_packet(uint8_t *pkt, const struct in6_addr *src,
			 const struct in6_addr *dst, const uint8_t *msg,
			 size_t len)
{
	static const uint8_t ip6[8] = { 0x60, 0, 0, 0, 0, 0, 103, 1 };

	memcpy(pkt, ip6, 8);
	pkt[4] = (uint8_t)(len >> 8);
	pkt[5] = (uint8_t)len;
	memcpy(pkt + 8, src, 16);
	memcpy(pkt + 24, dst, 16);
	memcpy(pkt + 40, msg, len);
	set_csum(pkt);
	return 40 + len;
}

/* Hello: holdtime 105, DR priority 1, generation ID 0x12345678. */
/* The octets are laid out by field. */
/* clang-format off */
static const uint8_t hello_msg[] = {
	0x20, 0x00, 0x00, 0x00,                         /* v2, Hello */
	0x00, 0x01, 0x00, 0x02, 0x00, 0x69,             /* holdtime */
	0x00, 0x13, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01, /* DR priority */
	0x00, 0x14, 0x00, 0x04, 0x12, 0x34, 0x56, 0x78, /* generation ID */
};
/* clang-format on */

START_TEST(hello_bytes)
{
	uint8_t msg[64], pkt[128], want[128];
	size_t len, plen;

	len = pim_build_hello(msg, sizeof(msg), 105, 1, 0x12345678);
	ck_assert_uint_eq(len, sizeof(hello_msg));
	ck_assert_mem_eq(msg, hello_msg, len);
	plen = pim_packet(pkt, sizeof(pkt), &ll_rpd, &all_pim, msg, len);
	ck_assert_uint_eq(plen, 40 + len);
	ck_assert_uint_eq(ref_packet(want, &ll_rpd, &all_pim, hello_msg, len),
			  plen);
	ck_assert_mem_eq(pkt, want, plen);
}
END_TEST

static const struct {
	uint16_t holdtime;
	uint32_t dr_priority, genid;
} hellos[] = {
	{ 105, 1, 0x12345678 },
	{ 0xffff, 0xffffffff, 0 },
	{ 0, 0, 0xffffffff },
};

START_TEST(hello_round_trip)
{
	uint8_t msg[64], pkt[128];
	const uint8_t *m;
	struct in6_addr src;
	struct pim_hello h;
	size_t len, mlen;

	len = pim_build_hello(msg, sizeof(msg), hellos[_i].holdtime,
			      hellos[_i].dr_priority, hellos[_i].genid);
	ck_assert_uint_gt(len, 0);
	len = pim_packet(pkt, sizeof(pkt), &ll_rpd, &all_pim, msg, len);
	ck_assert_int_eq(pim_unwrap(pkt, len, &src, &m, &mlen), 0);
	ck_assert_mem_eq(&src, &ll_rpd, sizeof(src));
	ck_assert_ptr_eq(m, pkt + 40);
	ck_assert_uint_eq(mlen, len - 40);
	ck_assert_int_eq(pim_parse_hello(m, mlen, &h), 0);
	ck_assert_uint_eq(h.holdtime, hellos[_i].holdtime);
	ck_assert_uint_eq(h.dr_priority, hellos[_i].dr_priority);
	ck_assert(h.has_genid);
	ck_assert_uint_eq(h.genid, hellos[_i].genid);
}
END_TEST

/* Options not given take RFC 7761 defaults; unknown ones are skipped. */
START_TEST(hello_parse_options)
{
	static const uint8_t bare[] = { 0x20, 0, 0, 0 };
	static const uint8_t unknown[] = { 0x20, 0, 0, 0, 0xfd, 0xe8, 0, 3, 1,
					   2,	 3, 0, 1, 0,	2,    0, 7 };
	struct pim_hello h;

	ck_assert_int_eq(pim_parse_hello(bare, sizeof(bare), &h), 0);
	ck_assert_uint_eq(h.holdtime, 105);
	ck_assert_uint_eq(h.dr_priority, 1);
	ck_assert(!h.has_genid);
	ck_assert_int_eq(pim_parse_hello(unknown, sizeof(unknown), &h), 0);
	ck_assert_uint_eq(h.holdtime, 7);
	ck_assert(!h.has_genid);
	/* an option longer than what is left */
	ck_assert_int_eq(pim_parse_hello(hello_msg, sizeof(hello_msg) - 1, &h),
			 -1);
	ck_assert_int_eq(pim_parse_hello(hello_msg, sizeof(hello_msg) - 6, &h),
			 -1);
}
END_TEST

START_TEST(unwrap_rejects)
{
	uint8_t msg[64], pkt[128];
	const uint8_t *m;
	struct in6_addr src;
	size_t len, mlen;

	len = pim_build_hello(msg, sizeof(msg), 105, 1, 2);
	len = pim_packet(pkt, sizeof(pkt), &ll_rpd, &all_pim, msg, len);
	ck_assert_int_eq(pim_unwrap(pkt, len, &src, &m, &mlen), 0);

	pkt[43] ^= 0x01; /* checksum */
	ck_assert_int_eq(pim_unwrap(pkt, len, &src, &m, &mlen), -1);
	pkt[43] ^= 0x01;
	pkt[len - 1] ^= 0x80; /* payload */
	ck_assert_int_eq(pim_unwrap(pkt, len, &src, &m, &mlen), -1);
	pkt[len - 1] ^= 0x80;
	pkt[6] = 17; /* UDP */
	ck_assert_int_eq(pim_unwrap(pkt, len, &src, &m, &mlen), -1);
	pkt[6] = 103;
	ck_assert_int_eq(pim_unwrap(pkt, len - 1, &src, &m, &mlen), -1);
	ck_assert_int_eq(pim_unwrap(pkt, 43, &src, &m, &mlen), -1);
	pkt[0] = 0x40; /* IPv4 */
	ck_assert_int_eq(pim_unwrap(pkt, len, &src, &m, &mlen), -1);
	pkt[0] = 0x60;

	/* PIM version 3, with a checksum that matches */
	pkt[40] = 0x30;
	set_csum(pkt);
	ck_assert_int_eq(pim_unwrap(pkt, len, &src, &m, &mlen), -1);
	pkt[40] = 0x20;
	set_csum(pkt);
	ck_assert_int_eq(pim_unwrap(pkt, len, &src, &m, &mlen), 0);
}
END_TEST

/* Join/Prune to fe80::2, holdtime 210: group ff3e::1234, joining
 * 2001:db8::1 and pruning 2001:db8::2. */
/* The octets are laid out by field. */
/* clang-format off */
static const uint8_t jp_msg[] = {
	0x23, 0x00, 0x00, 0x00, /* v2, Join/Prune */
	/* upstream neighbor: IPv6, native */
	0x02, 0x00, 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
	0x00, 0x01, 0x00, 0xd2, /* reserved, 1 group, holdtime 210 */
	/* group ff3e::1234/128 */
	0x02, 0x00, 0x00, 0x80, 0xff, 0x3e, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0x12, 0x34, 0x00, 0x01, 0x00, 0x01, /* 1 joined, 1 pruned */
	/* joined 2001:db8::1/128, S bit */
	0x02, 0x00, 0x04, 0x80, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0x01,
	/* pruned 2001:db8::2/128, S bit */
	0x02, 0x00, 0x04, 0x80, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0x02,
};
/* clang-format on */

struct seen {
	struct pim_jp_entry e[MAX_ENTRIES];
	unsigned n;
};

static void collect(void *arg, const struct pim_jp_entry *e)
{
	struct seen *s = arg;

	ck_assert_uint_lt(s->n, MAX_ENTRIES);
	s->e[s->n++] = *e;
}

static void entry(struct pim_jp_entry *e, const char *s, const char *g,
		  bool join)
{
	addr(&e->source, s);
	addr(&e->group, g);
	e->join = join;
}

/* Which of want[] is e, or -1; the join flag must match too. */
static int find_entry(const struct pim_jp_entry *want, unsigned n,
		      const struct pim_jp_entry *e)
{
	for (unsigned i = 0; i < n; i++)
		if (!memcmp(&want[i].source, &e->source, 16) &&
		    !memcmp(&want[i].group, &e->group, 16) &&
		    want[i].join == e->join)
			return (int)i;
	return -1;
}

/* The callback saw each of want[] once and nothing else. */
static void expect_entries(const struct seen *s,
			   const struct pim_jp_entry *want, unsigned n)
{
	unsigned count[MAX_ENTRIES] = { 0 };

	ck_assert_uint_eq(s->n, n);
	for (unsigned i = 0; i < s->n; i++) {
		int k = find_entry(want, n, &s->e[i]);

		ck_assert_int_ge(k, 0);
		ck_assert_uint_eq(++count[k], 1);
	}
}

START_TEST(join_prune_bytes)
{
	struct pim_jp_entry e[2];
	uint8_t msg[256], pkt[256], want[256];
	const uint8_t *m;
	struct in6_addr src, up;
	struct seen s = { .n = 0 };
	size_t len, mlen;
	unsigned used;
	uint16_t hold;

	entry(&e[0], "2001:db8::2", "ff3e::1234", false);
	entry(&e[1], "2001:db8::1", "ff3e::1234", true);
	len = pim_build_join_prune(msg, sizeof(msg), &upstream, 210, e, 2,
				   &used);
	ck_assert_uint_eq(used, 2);
	ck_assert_uint_eq(len, sizeof(jp_msg));
	ck_assert_mem_eq(msg, jp_msg, len);
	len = pim_packet(pkt, sizeof(pkt), &ll_rpd, &all_pim, msg, len);
	ck_assert_uint_eq(
		ref_packet(want, &ll_rpd, &all_pim, jp_msg, sizeof(jp_msg)),
		len);
	ck_assert_mem_eq(pkt, want, len);

	/* and the hand-made packet decodes */
	ck_assert_int_eq(pim_unwrap(want, len, &src, &m, &mlen), 0);
	ck_assert_int_eq(pim_parse_join_prune(m, mlen, &up, &hold, collect, &s),
			 0);
	ck_assert_mem_eq(&up, &upstream, sizeof(up));
	ck_assert_uint_eq(hold, 210);
	expect_entries(&s, e, 2);
}
END_TEST

static unsigned mixed_entries(struct pim_jp_entry *e)
{
	static const char *const groups[] = { "ff3e::1", "ff3e::2",
					      "ff3e::8000:1" };
	char s[64];
	unsigned n = 0;

	/* 4, 5 and 6 sources, in every join/prune order */
	for (unsigned g = 0; g < 3; g++)
		for (unsigned i = 0; i < 4 + g; i++) {
			snprintf(s, sizeof(s), "2001:db8:%x::%x", g, i + 1);
			entry(&e[n++], s, groups[g], (i + g) % 3 != 0);
		}
	return n;
}

START_TEST(join_prune_round_trip)
{
	struct pim_jp_entry e[MAX_ENTRIES];
	uint8_t msg[1500], pkt[1600];
	const uint8_t *m;
	struct in6_addr src, up, other;
	struct seen s = { .n = 0 };
	unsigned n = mixed_entries(e), used;
	size_t len, mlen;
	uint16_t hold;

	addr(&other, "fe80::99");
	len = pim_build_join_prune(msg, sizeof(msg), &other, 185, e, n, &used);
	ck_assert_uint_eq(used, n);
	len = pim_packet(pkt, sizeof(pkt), &ll_pim6d, &all_pim, msg, len);
	ck_assert_int_eq(pim_unwrap(pkt, len, &src, &m, &mlen), 0);
	ck_assert_mem_eq(&src, &ll_pim6d, sizeof(src));
	ck_assert_int_eq(pim_parse_join_prune(m, mlen, &up, &hold, collect, &s),
			 0);
	ck_assert_mem_eq(&up, &other, sizeof(up));
	ck_assert_uint_eq(hold, 185);
	expect_entries(&s, e, n);
}
END_TEST

/* A group of 20 sources, more than one 200-octet message holds, then ten
 * groups of two; or 300 groups of one, more than the 255 a message
 * counts. */
static unsigned split_entries(struct pim_jp_entry *e, bool many_groups)
{
	char s[64], g[64];
	unsigned n = 0;

	if (many_groups) {
		for (unsigned i = 0; i < 300; i++) {
			snprintf(g, sizeof(g), "ff3e::%x", i + 1);
			entry(&e[n++], "2001:db8::1", g, i % 2);
		}
		return n;
	}
	for (unsigned i = 0; i < 20; i++) {
		snprintf(s, sizeof(s), "2001:db8::%x", i + 1);
		entry(&e[n++], s, "ff3e::1", i % 3 == 0);
	}
	for (unsigned i = 0; i < 20; i++) {
		snprintf(s, sizeof(s), "2001:db8:1::%x", i + 1);
		snprintf(g, sizeof(g), "ff3e::1:%x", i / 2);
		entry(&e[n++], s, g, i % 2);
	}
	return n;
}

static const struct {
	size_t cap;
	bool many_groups;
} splits[] = {
	{ 200, false },
	{ 1000, false },
	{ 20000, true },
};

START_TEST(join_prune_split)
{
	static uint8_t msg[20000], pkt[20040];
	struct pim_jp_entry e[MAX_ENTRIES];
	unsigned n = split_entries(e, splits[_i].many_groups);
	unsigned count[MAX_ENTRIES] = { 0 }, off = 0, n_msgs = 0;

	while (off < n) {
		struct seen s = { .n = 0 };
		struct in6_addr src, up;
		const uint8_t *m;
		size_t len, mlen;
		unsigned used;
		uint16_t hold;

		len = pim_build_join_prune(msg, splits[_i].cap, &upstream, 210,
					   e + off, n - off, &used);
		ck_assert_uint_gt(used, 0);
		ck_assert_uint_le(used, n - off);
		ck_assert_uint_le(len, splits[_i].cap);
		len = pim_packet(pkt, sizeof(pkt), &ll_rpd, &all_pim, msg, len);
		ck_assert_int_eq(pim_unwrap(pkt, len, &src, &m, &mlen), 0);
		ck_assert_int_eq(
			pim_parse_join_prune(m, mlen, &up, &hold, collect, &s),
			0);
		ck_assert_mem_eq(&up, &upstream, sizeof(up));
		ck_assert_uint_eq(hold, 210);
		ck_assert_uint_eq(s.n, used);
		for (unsigned i = 0; i < s.n; i++) {
			int k = find_entry(e + off, used, &s.e[i]);

			ck_assert_int_ge(k, 0);
			count[off + k]++;
		}
		off += used;
		n_msgs++;
	}
	for (unsigned i = 0; i < n; i++)
		ck_assert_uint_eq(count[i], 1);
	ck_assert_uint_gt(n_msgs, 1);
}
END_TEST

START_TEST(join_prune_cap_too_small)
{
	struct pim_jp_entry e[1];
	uint8_t msg[256];
	unsigned used = 99;

	entry(&e[0], "2001:db8::1", "ff3e::1", true);
	/* headers (26) and one group with one source (44) need 70 */
	ck_assert_uint_eq(
		pim_build_join_prune(msg, 69, &upstream, 210, e, 1, &used), 0);
	ck_assert_uint_eq(used, 0);
	ck_assert_uint_eq(
		pim_build_join_prune(msg, 70, &upstream, 210, e, 1, &used), 70);
	ck_assert_uint_eq(used, 1);
}
END_TEST

/*
 * Three groups of two sources: group k's header is at 26 + 64 k, its
 * sources follow it; the message ends at 218.  Each case breaks it after
 * the first group, which a one-pass parser would already have acted on.
 */
#define JP3_LEN	 218
#define GROUP(k) (26 + 64 * (k))

enum { CUT, ADD };
static const struct {
	int op;
	size_t off;
	uint8_t v; /* CUT: new length (off); ADD: added to the octet */
} breaks[] = {
	{ ADD, 23, 1 },		   /* num_groups 4 */
	{ CUT, JP3_LEN - 10, 0 },  /* last source cut short */
	{ CUT, GROUP(2) + 10, 0 }, /* last group header cut short */
	{ ADD, GROUP(2) + 23, 1 }, /* last group: one more pruned */
	{ ADD, GROUP(2) + 21, 1 }, /* last group: one more joined */
	{ CUT, JP3_LEN + 1, 0 },   /* a trailing octet */
	{ ADD, JP3_LEN - 20, 1 },  /* last source: family 3 */
	{ ADD, GROUP(2) + 1, 1 },  /* last group: encoding 1 */
	{ ADD, 4, 1 },		   /* upstream: family 3 */
};

START_TEST(join_prune_malformed)
{
	struct pim_jp_entry e[6];
	uint8_t msg[512] = { 0 };
	struct seen s = { .n = 0 };
	struct in6_addr up;
	size_t len;
	unsigned used;
	uint16_t hold;

	for (unsigned i = 0; i < 6; i++) {
		char src[64], grp[64];

		snprintf(src, sizeof(src), "2001:db8::%u", i + 1);
		snprintf(grp, sizeof(grp), "ff3e::%u", i / 2 + 1);
		entry(&e[i], src, grp, i % 2);
	}
	len = pim_build_join_prune(msg, sizeof(msg), &upstream, 210, e, 6,
				   &used);
	ck_assert_uint_eq(len, JP3_LEN);
	ck_assert_int_eq(pim_parse_join_prune(msg, len, &up, &hold, NULL, NULL),
			 0);
	if (breaks[_i].op == CUT)
		len = breaks[_i].off;
	else
		msg[breaks[_i].off] += breaks[_i].v;
	ck_assert_int_eq(
		pim_parse_join_prune(msg, len, &up, &hold, collect, &s), -1);
	ck_assert_uint_eq(s.n, 0);
}
END_TEST

/* Sources with W or R, or without S, are not (S,G) state. */
START_TEST(join_prune_skips_non_sg)
{
	static const uint8_t flags[] = { 0x04, 0x06, 0x05, 0x00, 0x07, 0x04 };
	struct pim_jp_entry e[6];
	uint8_t msg[512];
	struct seen s = { .n = 0 };
	struct in6_addr up;
	size_t len;
	unsigned used;
	uint16_t hold;

	for (unsigned i = 0; i < 6; i++) {
		char src[64];

		snprintf(src, sizeof(src), "2001:db8::%u", i + 1);
		entry(&e[i], src, "ff3e::1", true);
	}
	len = pim_build_join_prune(msg, sizeof(msg), &upstream, 210, e, 6,
				   &used);
	ck_assert_uint_eq(len, 26 + 24 + 6 * 20);
	for (unsigned i = 0; i < 6; i++)
		msg[50 + 20 * i + 2] = flags[i];
	ck_assert_int_eq(
		pim_parse_join_prune(msg, len, &up, &hold, collect, &s), 0);
	e[1] = e[5];
	expect_entries(&s, e, 2);
}
END_TEST

static Suite *pim_suite(void)
{
	Suite *s = suite_create("pim");
	TCase *h = tcase_create("hello"), *j = tcase_create("join-prune");

	tcase_add_checked_fixture(h, setup, NULL);
	tcase_add_test(h, hello_bytes);
	tcase_add_loop_test(h, hello_round_trip, 0,
			    sizeof(hellos) / sizeof(hellos[0]));
	tcase_add_test(h, hello_parse_options);
	tcase_add_test(h, unwrap_rejects);
	suite_add_tcase(s, h);

	tcase_add_checked_fixture(j, setup, NULL);
	tcase_add_test(j, join_prune_bytes);
	tcase_add_test(j, join_prune_round_trip);
	tcase_add_loop_test(j, join_prune_split, 0,
			    sizeof(splits) / sizeof(splits[0]));
	tcase_add_test(j, join_prune_cap_too_small);
	tcase_add_loop_test(j, join_prune_malformed, 0,
			    sizeof(breaks) / sizeof(breaks[0]));
	tcase_add_test(j, join_prune_skips_non_sg);
	suite_add_tcase(s, j);
	return s;
}

CHECK_MAIN(pim_suite)
