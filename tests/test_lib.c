/*
 * IPv6 prefixes (lib/prefix.c): parsing, matching at the prefix boundary
 * and printing; Internet checksums (lib/csum.c) against hand-summed values.
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csum.h"
#include "prefix.h"
#include "runner.h"

static void addr(struct in6_addr *a, const char *s)
{
	ck_assert(inet_pton(AF_INET6, s, a) == 1);
}

static const struct {
	const char *in, *addr;
	unsigned len;
} good[] = {
	{ "2001:db8::/32", "2001:db8::", 32 },
	{ "::/0", "::", 0 },
	{ "2001:db8::1/128", "2001:db8::1", 128 },
	{ "2001:db8::ff/120", "2001:db8::", 120 },
	{ "2001:db8::ffff/121", "2001:db8::ff80", 121 },
	{ "2001:db8:ffff::/33", "2001:db8:8000::", 33 },
	{ "ffff:ffff::/0", "::", 0 },
	/* the longest address text there is: 45 characters */
	{ "0000:0000:0000:0000:0000:ffff:255.255.255.255/128",
	  "::ffff:255.255.255.255", 128 },
};

START_TEST(prefix_parse_accepts)
{
	struct prefix6 p;
	struct in6_addr want;

	addr(&want, good[_i].addr);
	ck_assert_msg(prefix6_parse(good[_i].in, &p), "%s", good[_i].in);
	ck_assert_mem_eq(&p.addr, &want, sizeof(want));
	ck_assert_uint_eq(p.len, good[_i].len);
}
END_TEST

static const char *const bad[] = {
	"2001:db8::",
	"2001:db8::/129",
	"2001:db8::/-1",
	"2001:db8::/",
	"x/64",
	"2001:db8::/64x",
	"/64",
	"",
	"192.0.2.0/24",
	"2001:db8::/1/2",
	"2001:db8::/99999999999999999999",
	"2001:db8:::/64",
};

START_TEST(prefix_parse_rejects)
{
	struct prefix6 p;

	ck_assert_msg(!prefix6_parse(bad[_i], &p), "%s", bad[_i]);
}
END_TEST

/* An address part longer than any address must not overrun the parser. */
START_TEST(prefix_parse_rejects_long)
{
	char s[256];
	struct prefix6 p;

	memset(s, '0', sizeof(s));
	memcpy(s + sizeof(s) - 5, "::/8", 5);
	ck_assert(!prefix6_parse(s, &p));
	/* 46 characters: one more than the longest address */
	strcpy(s, "0000:0000:0000:0000:0000:ffff:255.255.255.2550/128");
	ck_assert(!prefix6_parse(s, &p));
}
END_TEST

/* The prefix length is decimal digits and nothing else. */
START_TEST(prefix_parse_rejects_sign_or_space)
{
	static const char *const lens[] = { "2001:db8::/+64", "2001:db8::/ 64",
					    "2001:db8::/-0", "2001:db8::/\t8" };
	struct prefix6 p;

	for (unsigned i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
		ck_assert_msg(!prefix6_parse(lens[i], &p), "%s", lens[i]);
}
END_TEST

static void flip(struct in6_addr *a, unsigned bit)
{
	a->s6_addr[bit / 8] ^= (uint8_t)(0x80 >> bit % 8);
}

static const unsigned lens[] = { 0, 1, 63, 64, 127, 128 };

/* Prefixes overlap when one holds the other, whichever comes first. */
START_TEST(prefix_overlap_either_way)
{
	static const char *const cases[][3] = {
		{ "2001:db8::/32", "2001:db8:1::/48", "1" },
		{ "2001:db8:1::/48", "2001:db8:1::/48", "1" },
		{ "2001:db8:1::/48", "2001:db8:2::/48", "0" },
		{ "::/0", "2001:db8:1::1/128", "1" },
		{ "2001:db8:1::/48", "2001:db8::/48", "0" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct prefix6 a, b;
		bool want = cases[i][2][0] == '1';

		ck_assert(prefix6_parse(cases[i][0], &a));
		ck_assert(prefix6_parse(cases[i][1], &b));
		ck_assert_msg(prefix6_overlap(&a, &b) == want, "%s %s",
			      cases[i][0], cases[i][1]);
		ck_assert(prefix6_overlap(&b, &a) == want);
	}
}
END_TEST

/* The last bit inside the prefix counts, the first bit outside does not. */
START_TEST(prefix_contains_boundary)
{
	const char *base = "a001:db8:1234:5678:9abc:def0:1357:9bdf";
	unsigned len = lens[_i];
	struct in6_addr a, b;
	struct prefix6 p;
	char s[PREFIX6_STRLEN];

	addr(&a, base);
	snprintf(s, sizeof(s), "%s/%u", base, len);
	ck_assert(prefix6_parse(s, &p));
	ck_assert(prefix6_contains(&p, &a));
	if (len > 0) {
		b = a;
		flip(&b, len - 1);
		ck_assert(!prefix6_contains(&p, &b));
		b = a;
		flip(&b, 0);
		ck_assert(!prefix6_contains(&p, &b));
	}
	if (len < 128) {
		b = a;
		flip(&b, len);
		ck_assert(prefix6_contains(&p, &b));
		flip(&b, 127);
		ck_assert(prefix6_contains(&p, &b));
	}
}
END_TEST

START_TEST(prefix_and_addr_str)
{
	char buf[PREFIX6_STRLEN], abuf[INET6_ADDRSTRLEN];
	struct prefix6 p;
	struct in6_addr a;

	ck_assert(prefix6_parse("2001:0db8:0::/32", &p));
	ck_assert_ptr_eq(prefix6_str(&p, buf), buf);
	ck_assert_str_eq(buf, "2001:db8::/32");
	ck_assert(prefix6_parse("::/0", &p));
	ck_assert_str_eq(prefix6_str(&p, buf), "::/0");
	ck_assert(prefix6_parse("2001:db8::ff/120", &p));
	ck_assert_str_eq(prefix6_str(&p, buf), "2001:db8::/120");
	ck_assert(prefix6_parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128",
				&p));
	ck_assert_str_eq(prefix6_str(&p, buf),
			 "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128");

	addr(&a, "2001:db8:0:0:0:0:0:1");
	ck_assert_ptr_eq(addr6_str(&a, abuf), abuf);
	ck_assert_str_eq(abuf, "2001:db8::1");
	addr(&a, "::");
	ck_assert_str_eq(addr6_str(&a, abuf), "::");
}
END_TEST

static uint16_t fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* RFC 1071 section 3's example. */
START_TEST(csum_rfc1071)
{
	static const uint8_t b[] = { 0x00, 0x01, 0xf2, 0x03,
				     0xf4, 0xf5, 0xf6, 0xf7 };

	ck_assert_uint_eq(fold(csum_add(0, b, sizeof(b))), 0xddf2);
	ck_assert_uint_eq(csum_finish(csum_add(0, b, sizeof(b))),
			  htons(0x220d));
	/* in two even parts */
	ck_assert_uint_eq(csum_finish(csum_add(csum_add(0, b, 4), b + 4, 4)),
			  htons(0x220d));
}
END_TEST

START_TEST(csum_odd_length)
{
	static const uint8_t b[] = { 0x01, 0x02, 0x03, 0x00 };

	/* 0x0102 + 0x0300 */
	ck_assert_uint_eq(fold(csum_add(0, b, 3)), 0x0402);
	ck_assert_uint_eq(csum_finish(csum_add(0, b, 3)), htons(0xfbfd));
	ck_assert_uint_eq(csum_add(0, b, 3), csum_add(0, b, 4));
	ck_assert_uint_eq(csum_add(0, b, 1), 0x0100);
}
END_TEST

START_TEST(csum_carries)
{
	uint8_t b[2000];

	/* all ones sum to negative zero: the field is zero */
	memset(b, 0xff, sizeof(b));
	ck_assert_uint_eq(csum_finish(csum_add(0, b, sizeof(b))), 0);
	memset(b, 0, sizeof(b));
	ck_assert_uint_eq(csum_finish(csum_add(0, b, sizeof(b))), 0xffff);
	ck_assert_uint_eq(csum_finish(0x1fffe), 0); /* 0xffff + 0xffff */
}
END_TEST

/*
 * UDP 1234 -> 5678 from 2001:db8::1 to 2001:db8::2 with payload "hi":
 * pseudo-header 0x2dba + 0x2dbb + 0x000a + 0x0011 = 0x5b90, plus
 * 0x04d2 + 0x162e + 0x000a + 0x6869 = 0xdf03, so the checksum is 0x20fc.
 */
START_TEST(csum_pseudo6_udp)
{
	static const uint8_t udp[] = { 0x04, 0xd2, 0x16, 0x2e, 0x00,
				       0x0a, 0x00, 0x00, 'h',  'i' };
	struct in6_addr s, d, zero = { 0 };
	uint8_t pkt[sizeof(udp)];
	uint64_t sum;
	uint16_t c;

	addr(&s, "2001:db8::1");
	addr(&d, "2001:db8::2");
	sum = csum_add_pseudo6(0, &s, &d, sizeof(udp), IPPROTO_UDP);
	ck_assert_uint_eq(fold(sum), 0x5b90);
	c = csum_finish(csum_add(sum, udp, sizeof(udp)));
	ck_assert_uint_eq(c, htons(0x20fc));

	/* with the checksum in place, the packet sums to zero */
	memcpy(pkt, udp, sizeof(udp));
	memcpy(pkt + 6, &c, 2);
	ck_assert_uint_eq(csum_finish(csum_add(sum, pkt, sizeof(pkt))), 0);

	/* a jumbogram's length has two 16-bit halves */
	ck_assert_uint_eq(fold(csum_add_pseudo6(0, &zero, &zero, 0x12345, 0)),
			  0x0001 + 0x2345);
}
END_TEST

static Suite *lib_suite(void)
{
	Suite *s = suite_create("lib");
	TCase *p = tcase_create("prefix"), *c = tcase_create("csum");

	tcase_add_loop_test(p, prefix_parse_accepts, 0,
			    sizeof(good) / sizeof(good[0]));
	tcase_add_loop_test(p, prefix_parse_rejects, 0,
			    sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(p, prefix_parse_rejects_long);
	tcase_add_test(p, prefix_parse_rejects_sign_or_space);
	tcase_add_loop_test(p, prefix_contains_boundary, 0,
			    sizeof(lens) / sizeof(lens[0]));
	tcase_add_test(p, prefix_and_addr_str);
	tcase_add_test(p, prefix_overlap_either_way);
	suite_add_tcase(s, p);

	tcase_add_test(c, csum_rfc1071);
	tcase_add_test(c, csum_odd_length);
	tcase_add_test(c, csum_carries);
	tcase_add_test(c, csum_pseudo6_udp);
	suite_add_tcase(s, c);
	return s;
}

CHECK_MAIN(lib_suite)
