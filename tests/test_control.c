/*
 * The signed RP-RP control messages (lib/control.c): building, parsing and
 * verifying SUBSCRIBE, UNSUBSCRIBE and SUBSCRIBE_ACK, and that no altered,
 * misaddressed or misattributed message verifies.
 */
#include <check.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "identity.h"
#include "runner.h"

#define HDR_LEN	   sizeof(struct mdcs_ctl_hdr)
#define OFF_LENGTH 4
#define OFF_BODY   HDR_LEN

/* A is the sender, B the recipient, C a third RP. */
static struct ctl_identity rp_a, rp_b, rp_c;
static struct mdcs_ctl_channel chans[MDCS_CTL_MAX_CHANNELS + 1];
static struct mdcs_ctl_status stats[MDCS_CTL_MAX_CHANNELS + 1];

static void setup(void)
{
	test_identity(&rp_a, 0xa1);
	test_identity(&rp_b, 0xb2);
	test_identity(&rp_c, 0xc3);
	for (unsigned i = 0; i <= MDCS_CTL_MAX_CHANNELS; i++) {
		for (unsigned j = 0; j < 16; j++) {
			chans[i].source[j] = (uint8_t)(i * 16 + j);
			chans[i].group[j] = (uint8_t)(0xff - i - j);
		}
		stats[i].channel = chans[i];
		stats[i].status = (uint8_t)(i % 4);
	}
}

/* A SUBSCRIBE of n channels from A to B. */
static ssize_t subscribe(uint8_t *buf, size_t cap, unsigned n)
{
	return ctl_build_subscribe(buf, cap, MDCS_CTL_SUBSCRIBE, 105, chans, n,
				   0x0123456789abcdefULL, &rp_a, rp_b.pk);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* Wire sizes counted from the layout in proto/control.h, not by sizeof. */
static size_t subscribe_len(unsigned n)
{
	return 48 + 4 + 32 * n + 64;
}

static size_t ack_len(unsigned n)
{
	return 48 + 12 + 36 * n + 64;
}

START_TEST(identity_is_deterministic)
{
	struct ctl_identity again;

	test_identity(&again, 0xa1);
	ck_assert_mem_eq(again.pk, rp_a.pk, MDCS_CTL_KEY_LEN);
	ck_assert_mem_eq(again.sk, rp_a.sk, sizeof(again.sk));
	ck_assert_mem_ne(rp_a.pk, rp_b.pk, MDCS_CTL_KEY_LEN);
}
END_TEST

static const unsigned counts[] = { 0, 1, MDCS_CTL_MAX_CHANNELS };

START_TEST(subscribe_round_trip)
{
	uint8_t buf[MDCS_CTL_MAX_LEN];
	unsigned n = counts[_i];
	struct ctl_msg m;
	ssize_t len = subscribe(buf, sizeof(buf), n);

	ck_assert_int_eq(len, subscribe_len(n));
	ck_assert_uint_eq(buf[0], 0x6d);
	ck_assert_uint_eq(buf[1], 0x64);
	ck_assert_uint_eq(buf[2], 1);
	ck_assert_uint_eq(buf[3], MDCS_CTL_SUBSCRIBE);
	ck_assert_uint_eq(buf[4] << 8 | buf[5], len);
	ck_assert_int_eq(ctl_parse(buf, len, &m), CTL_OK);
	ck_assert_int_eq(ctl_verify(&m, rp_b.pk), CTL_OK);
	ck_assert_int_eq(m.type, MDCS_CTL_SUBSCRIBE);
	ck_assert_uint_eq(m.timestamp, 0x0123456789abcdefULL);
	ck_assert_mem_eq(m.sender, rp_a.pk, MDCS_CTL_KEY_LEN);
	ck_assert_uint_eq(m.hold_time, 105);
	ck_assert_uint_eq(m.count, n);
	if (n)
		ck_assert_mem_eq(m.channels, chans, n * sizeof(*chans));
}
END_TEST

START_TEST(unsubscribe_round_trip)
{
	uint8_t buf[MDCS_CTL_MAX_LEN];
	struct ctl_msg m;
	ssize_t len;

	/* An UNSUBSCRIBE carries no hold time, whatever it is given. */
	len = ctl_build_subscribe(buf, sizeof(buf), MDCS_CTL_UNSUBSCRIBE, 77,
				  chans, 3, 42, &rp_a, rp_b.pk);
	ck_assert_int_eq(len, subscribe_len(3));
	ck_assert_int_eq(ctl_parse(buf, len, &m), CTL_OK);
	ck_assert_int_eq(ctl_verify(&m, rp_b.pk), CTL_OK);
	ck_assert_int_eq(m.type, MDCS_CTL_UNSUBSCRIBE);
	ck_assert_uint_eq(m.timestamp, 42);
	ck_assert_mem_eq(m.sender, rp_a.pk, MDCS_CTL_KEY_LEN);
	ck_assert_uint_eq(m.hold_time, 0);
	ck_assert_uint_eq(m.count, 3);
	ck_assert_mem_eq(m.channels, chans, 3 * sizeof(*chans));
}
END_TEST

START_TEST(ack_round_trip)
{
	uint8_t buf[MDCS_CTL_MAX_LEN];
	unsigned n = counts[_i];
	struct ctl_msg m;
	ssize_t len;

	len = ctl_build_ack(buf, sizeof(buf), 0xfedcba9876543210ULL, stats, n,
			    7, &rp_a, rp_b.pk);
	ck_assert_int_eq(len, ack_len(n));
	ck_assert_uint_eq(buf[3], MDCS_CTL_SUBSCRIBE_ACK);
	ck_assert_int_eq(ctl_parse(buf, len, &m), CTL_OK);
	ck_assert_int_eq(ctl_verify(&m, rp_b.pk), CTL_OK);
	ck_assert_int_eq(m.type, MDCS_CTL_SUBSCRIBE_ACK);
	ck_assert_uint_eq(m.timestamp, 7);
	ck_assert_mem_eq(m.sender, rp_a.pk, MDCS_CTL_KEY_LEN);
	ck_assert_uint_eq(m.acked, 0xfedcba9876543210ULL);
	ck_assert_uint_eq(m.count, n);
	if (n)
		ck_assert_mem_eq(m.statuses, stats, n * sizeof(*stats));
}
END_TEST

START_TEST(keepalive_round_trip)
{
	uint8_t buf[MDCS_CTL_MAX_LEN];
	size_t want = sizeof(struct mdcs_ctl_hdr) + MDCS_CTL_SIG_LEN;
	struct ctl_msg m;
	ssize_t len;

	ck_assert_int_eq(ctl_build_keepalive(buf, want - 1, 9, &rp_a, rp_b.pk),
			 -1);
	len = ctl_build_keepalive(buf, sizeof(buf), 9, &rp_a, rp_b.pk);
	ck_assert_int_eq(len, want);
	ck_assert_uint_eq(buf[3], MDCS_CTL_KEEPALIVE);
	ck_assert_int_eq(ctl_parse(buf, len, &m), CTL_OK);
	ck_assert_int_eq(ctl_verify(&m, rp_b.pk), CTL_OK);
	ck_assert_int_eq(ctl_verify(&m, rp_a.pk), CTL_ERR_SIGNATURE);
	ck_assert_int_eq(m.type, MDCS_CTL_KEEPALIVE);
	ck_assert_uint_eq(m.timestamp, 9);
	ck_assert_mem_eq(m.sender, rp_a.pk, MDCS_CTL_KEY_LEN);
	ck_assert_uint_eq(m.count, 0);
}
END_TEST

START_TEST(build_refuses_too_many)
{
	uint8_t buf[2 * MDCS_CTL_MAX_LEN];
	unsigned n = MDCS_CTL_MAX_CHANNELS + 1;

	ck_assert_int_eq(subscribe(buf, sizeof(buf), n), -1);
	ck_assert_int_eq(ctl_build_subscribe(buf, sizeof(buf),
					     MDCS_CTL_UNSUBSCRIBE, 0, chans, n,
					     1, &rp_a, rp_b.pk),
			 -1);
	ck_assert_int_eq(
		ctl_build_ack(buf, sizeof(buf), 1, stats, n, 1, &rp_a, rp_b.pk),
		-1);
}
END_TEST

START_TEST(build_refuses_small_cap)
{
	uint8_t buf[MDCS_CTL_MAX_LEN];

	ck_assert_int_eq(subscribe(buf, subscribe_len(2) - 1, 2), -1);
	ck_assert_int_eq(subscribe(buf, subscribe_len(2), 2), subscribe_len(2));
	ck_assert_int_eq(subscribe(buf, 10, 0), -1);
	ck_assert_int_eq(ctl_build_ack(buf, ack_len(2) - 1, 1, stats, 2, 1,
				       &rp_a, rp_b.pk),
			 -1);
	ck_assert_int_eq(
		ctl_build_ack(buf, ack_len(2), 1, stats, 2, 1, &rp_a, rp_b.pk),
		ack_len(2));
}
END_TEST

START_TEST(build_refuses_ack_type)
{
	uint8_t buf[MDCS_CTL_MAX_LEN];

	ck_assert_int_eq(ctl_build_subscribe(buf, sizeof(buf),
					     MDCS_CTL_SUBSCRIBE_ACK, 1, chans,
					     1, 1, &rp_a, rp_b.pk),
			 -1);
}
END_TEST

/* Every single-bit change makes the message fail parsing or verifying. */
/* A SUBSCRIBE without hold time would be refused by ctl_parse. */
START_TEST(build_refuses_subscribe_without_hold)
{
	uint8_t buf[MDCS_CTL_MAX_LEN];

	ck_assert_int_eq(ctl_build_subscribe(buf, sizeof(buf),
					     MDCS_CTL_SUBSCRIBE, 0, chans, 1, 1,
					     &rp_a, rp_b.pk),
			 -1);
}
END_TEST

/* A REGISTER_ACK from A to B, a RELAY from A to B of a KEEPALIVE that
 * C signed for A, an OPEN_HOLE from A to B carrying 40 octets for a
 * descriptor, a PUNCH's answer, an ALLOCATE's grant of a path with C,
 * or a MEET at C, all from A to B. */
static ssize_t partner_msg(uint8_t *buf, size_t cap, enum mdcs_ctl_type type)
{
	const struct mdcs_ctl_endpoint seen = {
		.addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 7 }, .port = 0xdc08
	};
	struct ctl_signer a;
	uint8_t inner[MDCS_CTL_MAX_LEN];
	ssize_t n;

	ctl_signer_ed25519(&a, &rp_a);
	if (type == MDCS_CTL_REGISTER_ACK)
		return ctl_build_register(buf, cap, type, 60, &seen, 11, &a,
					  rp_b.pk);
	if (type == MDCS_CTL_OPEN_HOLE) {
		memset(inner, 0x5a, 40);
		return ctl_build_open_hole(buf, cap, inner, 40, 15, &a,
					   rp_b.pk);
	}
	if (type == MDCS_CTL_PUNCH)
		return ctl_build_punch(buf, cap, MDCS_PUNCH_ACK, 16, &a,
				       rp_b.pk);
	if (type == MDCS_CTL_ALLOCATE)
		return ctl_build_allocate(buf, cap, MDCS_ALLOCATE_ACK, 60,
					  rp_c.pk, &seen, 17, &a, rp_b.pk);
	if (type == MDCS_CTL_MEET)
		return ctl_build_meet(buf, cap, rp_c.pk, &seen, 18, &a,
				      rp_b.pk);
	n = ctl_build_keepalive(inner, sizeof(inner), 3, &rp_c, rp_a.pk);
	ck_assert_int_gt(n, 0);
	return ctl_build_relay(buf, cap, rp_a.pk, &seen, inner, (size_t)n, 12,
			       &a, rp_b.pk);
}

START_TEST(register_and_relay_round_trip)
{
	uint8_t buf[MDCS_CTL_MAX_LEN];
	struct ctl_signer a;
	struct ctl_msg m, in;
	ssize_t len;

	ctl_signer_ed25519(&a, &rp_a);
	len = ctl_build_register(buf, sizeof(buf), MDCS_CTL_REGISTER, 75, NULL,
				 10, &a, rp_b.pk);
	ck_assert_int_eq(len, HDR_LEN + sizeof(struct mdcs_ctl_register) +
				      MDCS_CTL_SIG_LEN);
	ck_assert_int_eq(ctl_parse(buf, (size_t)len, &m), CTL_OK);
	ck_assert_int_eq(ctl_verify(&m, rp_b.pk), CTL_OK);
	ck_assert_uint_eq(m.lease, 75);
	ck_assert_ptr_null(m.endpoint);
	/* an endpoint in a REGISTER is refused, none in the ACK too */
	ck_assert_int_eq(ctl_build_register(buf, sizeof(buf),
					    MDCS_CTL_REGISTER_ACK, 1, NULL, 10,
					    &a, rp_b.pk),
			 -1);
	len = partner_msg(buf, sizeof(buf), MDCS_CTL_REGISTER_ACK);
	ck_assert_int_eq(ctl_parse(buf, (size_t)len, &m), CTL_OK);
	ck_assert_uint_eq(m.lease, 60);
	ck_assert_uint_eq(m.endpoint->addr[15], 7);
	ck_assert_uint_eq(m.endpoint->port, 0xdc08);
	len = partner_msg(buf, sizeof(buf), MDCS_CTL_RELAY);
	ck_assert_int_eq(ctl_parse(buf, (size_t)len, &m), CTL_OK);
	ck_assert_int_eq(ctl_verify(&m, rp_b.pk), CTL_OK);
	ck_assert_mem_eq(m.target, rp_a.pk, MDCS_CTL_KEY_LEN);
	/* the message carried is whole: C's, for A */
	ck_assert_int_eq(ctl_parse(m.inner, m.inner_len, &in), CTL_OK);
	ck_assert_int_eq(in.type, MDCS_CTL_KEEPALIVE);
	ck_assert_int_eq(ctl_verify(&in, rp_a.pk), CTL_OK);
	ck_assert_mem_eq(in.sender, rp_c.pk, MDCS_CTL_KEY_LEN);
	/* nothing larger than a RELAY can carry */
	ck_assert_int_eq(ctl_build_relay(buf, sizeof(buf), rp_a.pk, NULL, buf,
					 MDCS_CTL_MAX_RELAYED + 1, 1, &a,
					 rp_b.pk),
			 -1);
}
END_TEST

START_TEST(open_hole_and_punch_round_trip)
{
	uint8_t buf[MDCS_CTL_MAX_LEN];
	struct ctl_signer a;
	struct ctl_msg m;
	ssize_t len = partner_msg(buf, sizeof(buf), MDCS_CTL_OPEN_HOLE);

	ck_assert_int_eq(len, HDR_LEN + sizeof(struct mdcs_ctl_open_hole) + 40 +
				      MDCS_CTL_SIG_LEN);
	ck_assert_int_eq(ctl_parse(buf, (size_t)len, &m), CTL_OK);
	ck_assert_int_eq(ctl_verify(&m, rp_b.pk), CTL_OK);
	ck_assert_uint_eq(m.desc_len, 40);
	ck_assert_uint_eq(m.desc[39], 0x5a);
	/* the descriptor's length must be the rest of the body */
	buf[OFF_BODY + 1] = 39;
	ck_assert_int_eq(ctl_parse(buf, (size_t)len, &m), CTL_ERR_LENGTH);
	ctl_signer_ed25519(&a, &rp_a);
	ck_assert_int_eq(
		ctl_build_open_hole(buf, sizeof(buf), buf, 0, 1, &a, rp_b.pk),
		-1);
	len = partner_msg(buf, sizeof(buf), MDCS_CTL_PUNCH);
	ck_assert_int_eq(ctl_parse(buf, (size_t)len, &m), CTL_OK);
	ck_assert_int_eq(ctl_verify(&m, rp_b.pk), CTL_OK);
	ck_assert_uint_eq(m.flags, MDCS_PUNCH_ACK);
	/* unknown flags are refused, on building and on parsing */
	ck_assert_int_eq(ctl_build_punch(buf, sizeof(buf), 2, 1, &a, rp_b.pk),
			 -1);
	buf[OFF_BODY] = 0x81;
	ck_assert_int_eq(ctl_parse(buf, (size_t)len, &m), CTL_ERR_FIELD);
}
END_TEST

START_TEST(allocate_and_meet_round_trip)
{
	uint8_t buf[MDCS_CTL_MAX_LEN];
	struct ctl_signer a;
	struct ctl_msg m;
	ssize_t len;

	ctl_signer_ed25519(&a, &rp_a);
	/* the request names only the peer */
	len = ctl_build_allocate(buf, sizeof(buf), 0, 0, rp_c.pk, NULL, 10, &a,
				 rp_b.pk);
	ck_assert_int_eq(len, HDR_LEN + sizeof(struct mdcs_ctl_allocate) +
				      MDCS_CTL_SIG_LEN);
	ck_assert_int_eq(ctl_parse(buf, (size_t)len, &m), CTL_OK);
	ck_assert_int_eq(ctl_verify(&m, rp_b.pk), CTL_OK);
	ck_assert_uint_eq(m.flags, 0);
	ck_assert_uint_eq(m.lease, 0);
	ck_assert_mem_eq(m.peer, rp_c.pk, MDCS_CTL_KEY_LEN);
	/* a lifetime or a port in a request is refused */
	buf[OFF_BODY + 3] = 1;
	ck_assert_int_eq(ctl_parse(buf, (size_t)len, &m), CTL_ERR_FIELD);
	len = partner_msg(buf, sizeof(buf), MDCS_CTL_ALLOCATE);
	ck_assert_int_eq(ctl_parse(buf, (size_t)len, &m), CTL_OK);
	ck_assert_int_eq(ctl_verify(&m, rp_b.pk), CTL_OK);
	ck_assert_uint_eq(m.flags, MDCS_ALLOCATE_ACK);
	ck_assert_uint_eq(m.lease, 60);
	ck_assert_uint_eq(m.endpoint->addr[15], 7);
	ck_assert_uint_eq(m.endpoint->port, 0xdc08);
	/* a grant without a lifetime, a refusal with a port, a request
	 * with either, and unknown flags are refused when built */
	ck_assert_int_eq(ctl_build_allocate(buf, sizeof(buf), MDCS_ALLOCATE_ACK,
					    0, rp_c.pk, m.endpoint, 1, &a,
					    rp_b.pk),
			 -1);
	ck_assert_int_eq(ctl_build_allocate(buf, sizeof(buf), MDCS_ALLOCATE_ACK,
					    5, rp_c.pk, NULL, 1, &a, rp_b.pk),
			 -1);
	ck_assert_int_eq(ctl_build_allocate(buf, sizeof(buf), 0, 5, rp_c.pk,
					    NULL, 1, &a, rp_b.pk),
			 -1);
	ck_assert_int_eq(ctl_build_allocate(buf, sizeof(buf), 2, 0, rp_c.pk,
					    NULL, 1, &a, rp_b.pk),
			 -1);
	len = ctl_build_allocate(buf, sizeof(buf), MDCS_ALLOCATE_ACK, 0,
				 rp_c.pk, NULL, 1, &a, rp_b.pk);
	ck_assert_int_eq(ctl_parse(buf, (size_t)len, &m), CTL_OK);
	ck_assert_uint_eq(m.lease, 0);
	len = partner_msg(buf, sizeof(buf), MDCS_CTL_MEET);
	ck_assert_int_eq(len, HDR_LEN + sizeof(struct mdcs_ctl_meet) +
				      MDCS_CTL_SIG_LEN);
	ck_assert_int_eq(ctl_parse(buf, (size_t)len, &m), CTL_OK);
	ck_assert_int_eq(ctl_verify(&m, rp_b.pk), CTL_OK);
	ck_assert_mem_eq(m.peer, rp_c.pk, MDCS_CTL_KEY_LEN);
	ck_assert_uint_eq(m.endpoint->port, 0xdc08);
	/* a MEET without a port names no relay port */
	memset(buf + OFF_BODY + MDCS_CTL_KEY_LEN + 16, 0, 2);
	ck_assert_int_eq(ctl_parse(buf, (size_t)len, &m), CTL_ERR_FIELD);
}
END_TEST

START_TEST(probe_round_trip)
{
	const struct mdcs_ctl_endpoint seen = {
		.addr = { 0x20, 0x01, [15] = 9 }, .port = 0x1234
	};
	uint8_t buf[MDCS_CTL_MAX_LEN];
	struct ctl_signer a;
	struct ctl_msg m;
	ssize_t len;

	ctl_signer_ed25519(&a, &rp_a);
	len = ctl_build_probe(buf, sizeof(buf), 77, MDCS_PROBE_VIA_OTHER,
			      rp_c.pk, &seen, 13, &a, rp_b.pk);
	ck_assert_int_eq(len, HDR_LEN + sizeof(struct mdcs_ctl_probe) +
				      MDCS_CTL_SIG_LEN);
	ck_assert_int_eq(ctl_parse(buf, (size_t)len, &m), CTL_OK);
	ck_assert_int_eq(ctl_verify(&m, rp_b.pk), CTL_OK);
	ck_assert_uint_eq(m.nonce, 77);
	ck_assert_uint_eq(m.flags, MDCS_PROBE_VIA_OTHER);
	ck_assert_mem_eq(m.peer, rp_c.pk, MDCS_CTL_KEY_LEN);
	ck_assert_uint_eq(m.endpoint->port, 0x1234);
	/* a peer only with VIA_OTHER or FORWARDED, and then one is needed */
	ck_assert_int_eq(ctl_build_probe(buf, sizeof(buf), 1, 0, rp_c.pk, &seen,
					 13, &a, rp_b.pk),
			 -1);
	ck_assert_int_eq(ctl_build_probe(buf, sizeof(buf), 1,
					 MDCS_PROBE_FORWARDED, NULL, NULL, 13,
					 &a, rp_b.pk),
			 -1);
	len = ctl_build_probe_reply(buf, sizeof(buf), 77, &seen,
				    MDCS_PROBE_REPLY_ALT |
					    MDCS_PROBE_REPLY_ANSWERED_VIA,
				    14, &a, rp_b.pk);
	ck_assert_int_eq(ctl_parse(buf, (size_t)len, &m), CTL_OK);
	ck_assert_int_eq(ctl_verify(&m, rp_b.pk), CTL_OK);
	ck_assert_uint_eq(m.nonce, 77);
	ck_assert_uint_eq(m.flags,
			  MDCS_PROBE_REPLY_ALT | MDCS_PROBE_REPLY_ANSWERED_VIA);
	ck_assert_uint_eq(m.endpoint->addr[15], 9);
	len = ctl_build_probe_reply(buf, sizeof(buf), 77, &seen,
				    MDCS_PROBE_REPLY_VIA, 14, &a, rp_b.pk);
	ck_assert_int_eq(ctl_parse(buf, (size_t)len, &m), CTL_OK);
	ck_assert_uint_eq(m.flags, MDCS_PROBE_REPLY_VIA);
	/* unknown flags are refused, when built and when parsed */
	ck_assert_int_eq(ctl_build_probe_reply(buf, sizeof(buf), 77, &seen,
					       1 << 3, 14, &a, rp_b.pk),
			 -1);
	buf[OFF_BODY + 8 + 18] = 1 << 3;
	ck_assert_int_eq(ctl_parse(buf, (size_t)len, &m), CTL_ERR_FIELD);
}
END_TEST

START_TEST(any_flipped_bit_fails)
{
	uint8_t buf[MDCS_CTL_MAX_LEN];
	ssize_t len;
	struct ctl_msg m;

	if (_i == 0)
		len = subscribe(buf, sizeof(buf), 2);
	else if (_i == 1)
		len = ctl_build_ack(buf, sizeof(buf), 5, stats, 2, 6, &rp_a,
				    rp_b.pk);
	else
		len = partner_msg(buf, sizeof(buf),
				  (enum mdcs_ctl_type[]){
					  MDCS_CTL_REGISTER_ACK,
					  MDCS_CTL_RELAY,
					  MDCS_CTL_OPEN_HOLE,
					  MDCS_CTL_PUNCH,
					  MDCS_CTL_ALLOCATE,
					  MDCS_CTL_MEET,
				  }[_i - 2]);
	ck_assert_int_gt(len, 0);
	for (ssize_t i = 0; i < len; i++) {
		for (unsigned bit = 0; bit < 8; bit++) {
			buf[i] ^= 1u << bit;
			if (ctl_parse(buf, len, &m) == CTL_OK)
				ck_assert_msg(ctl_verify(&m, rp_b.pk) ==
						      CTL_ERR_SIGNATURE,
					      "octet %zd bit %u", i, bit);
			buf[i] ^= 1u << bit;
		}
	}
	ck_assert_int_eq(ctl_parse(buf, len, &m), CTL_OK);
	ck_assert_int_eq(ctl_verify(&m, rp_b.pk), CTL_OK);
}
END_TEST

/* A message signed for B is no good at C, nor back at its sender A. */
START_TEST(other_recipient_fails)
{
	uint8_t buf[MDCS_CTL_MAX_LEN];
	ssize_t len = subscribe(buf, sizeof(buf), 1);
	struct ctl_msg m;

	ck_assert_int_eq(ctl_parse(buf, len, &m), CTL_OK);
	ck_assert_int_eq(ctl_verify(&m, rp_c.pk), CTL_ERR_SIGNATURE);
	ck_assert_int_eq(ctl_verify(&m, rp_a.pk), CTL_ERR_SIGNATURE);
	ck_assert_int_eq(ctl_verify(&m, rp_b.pk), CTL_OK);
}
END_TEST

START_TEST(other_sender_fails)
{
	uint8_t buf[MDCS_CTL_MAX_LEN];
	size_t off = offsetof(struct mdcs_ctl_hdr, sender);
	ssize_t len = subscribe(buf, sizeof(buf), 1);
	struct ctl_msg m;

	/* A's message claimed by C */
	memcpy(buf + off, rp_c.pk, MDCS_CTL_KEY_LEN);
	ck_assert_int_eq(ctl_parse(buf, len, &m), CTL_OK);
	ck_assert_int_eq(ctl_verify(&m, rp_b.pk), CTL_ERR_SIGNATURE);

	/* C's message claiming to be A's */
	len = ctl_build_subscribe(buf, sizeof(buf), MDCS_CTL_SUBSCRIBE, 105,
				  chans, 1, 1, &rp_c, rp_b.pk);
	memcpy(buf + off, rp_a.pk, MDCS_CTL_KEY_LEN);
	ck_assert_int_eq(ctl_parse(buf, len, &m), CTL_OK);
	ck_assert_int_eq(ctl_verify(&m, rp_b.pk), CTL_ERR_SIGNATURE);
}
END_TEST

static enum ctl_error parse(const uint8_t *buf, size_t len)
{
	struct ctl_msg m;

	return ctl_parse(buf, len, &m);
}

START_TEST(parse_bad_magic)
{
	uint8_t buf[MDCS_CTL_MAX_LEN];
	ssize_t len = subscribe(buf, sizeof(buf), 1);

	buf[0] = 'x';
	ck_assert_int_eq(parse(buf, len), CTL_ERR_MAGIC);
	buf[0] = MDCS_CTL_MAGIC0;
	buf[1] = 'x';
	ck_assert_int_eq(parse(buf, len), CTL_ERR_MAGIC);
	ck_assert_int_eq(parse(buf, 0), CTL_ERR_MAGIC);
}
END_TEST

START_TEST(parse_short)
{
	uint8_t buf[MDCS_CTL_MAX_LEN];

	subscribe(buf, sizeof(buf), 0);
	ck_assert_int_eq(parse(buf, 2), CTL_ERR_SHORT);
	ck_assert_int_eq(parse(buf, HDR_LEN), CTL_ERR_SHORT);
	ck_assert_int_eq(parse(buf, HDR_LEN + 63), CTL_ERR_SHORT);
}
END_TEST

START_TEST(parse_bad_version)
{
	uint8_t buf[MDCS_CTL_MAX_LEN];
	ssize_t len = subscribe(buf, sizeof(buf), 1);

	buf[2] = 2;
	ck_assert_int_eq(parse(buf, len), CTL_ERR_VERSION);
	buf[2] = 0;
	ck_assert_int_eq(parse(buf, len), CTL_ERR_VERSION);
}
END_TEST

START_TEST(parse_bad_type)
{
	uint8_t buf[MDCS_CTL_MAX_LEN];
	ssize_t len = subscribe(buf, sizeof(buf), 1);

	buf[3] = 0;
	ck_assert_int_eq(parse(buf, len), CTL_ERR_TYPE);
	/* kept, and past the last */
	buf[3] = MDCS_CTL_OPEN_HOLE + 1;
	ck_assert_int_eq(parse(buf, len), CTL_ERR_TYPE);
	buf[3] = MDCS_CTL_MEET + 1;
	ck_assert_int_eq(parse(buf, len), CTL_ERR_TYPE);
	buf[3] = 0xff;
	ck_assert_int_eq(parse(buf, len), CTL_ERR_TYPE);
}
END_TEST

/* A KEEPALIVE has no body: a SUBSCRIBE's body under its type is refused. */
START_TEST(parse_keepalive_with_body)
{
	uint8_t buf[MDCS_CTL_MAX_LEN];
	ssize_t len = subscribe(buf, sizeof(buf), 1);

	buf[3] = MDCS_CTL_KEEPALIVE;
	ck_assert_int_eq(parse(buf, len), CTL_ERR_LENGTH);
}
END_TEST

START_TEST(parse_length_disagrees)
{
	uint8_t buf[MDCS_CTL_MAX_LEN + 1];
	ssize_t len = subscribe(buf, sizeof(buf), 2);

	/* the datagram is shorter or longer than its length field */
	ck_assert_int_eq(parse(buf, len - 1), CTL_ERR_LENGTH);
	ck_assert_int_eq(parse(buf, len + 1), CTL_ERR_LENGTH);
	put16(buf + OFF_LENGTH, (uint16_t)(len + 1));
	ck_assert_int_eq(parse(buf, len), CTL_ERR_LENGTH);
	put16(buf + OFF_LENGTH, (uint16_t)(len - 32));
	ck_assert_int_eq(parse(buf, len), CTL_ERR_LENGTH);
}
END_TEST

/* An overlong datagram whose fields all agree is still refused. */
START_TEST(parse_too_long)
{
	uint8_t buf[MDCS_CTL_MAX_LEN + 1] = { 0 };

	subscribe(buf, sizeof(buf), 0);
	put16(buf + OFF_LENGTH, MDCS_CTL_MAX_LEN + 1);
	ck_assert_int_eq(parse(buf, MDCS_CTL_MAX_LEN + 1), CTL_ERR_LENGTH);
}
END_TEST

START_TEST(parse_count_disagrees)
{
	uint8_t buf[MDCS_CTL_MAX_LEN];
	ssize_t len = subscribe(buf, sizeof(buf), 2);

	put16(buf + OFF_BODY + 2, 3);
	ck_assert_int_eq(parse(buf, len), CTL_ERR_LENGTH);
	put16(buf + OFF_BODY + 2, 1);
	ck_assert_int_eq(parse(buf, len), CTL_ERR_LENGTH);

	len = ctl_build_ack(buf, sizeof(buf), 1, stats, 2, 1, &rp_a, rp_b.pk);
	put16(buf + OFF_BODY + 8, 3);
	ck_assert_int_eq(parse(buf, len), CTL_ERR_LENGTH);
	put16(buf + OFF_BODY + 8, 1);
	ck_assert_int_eq(parse(buf, len), CTL_ERR_LENGTH);
}
END_TEST

START_TEST(parse_body_shorter_than_fixed_part)
{
	uint8_t buf[MDCS_CTL_MAX_LEN];
	size_t len = HDR_LEN + 2 + 64;

	/* a SUBSCRIBE_ACK header with a 2-octet body */
	subscribe(buf, sizeof(buf), 0);
	buf[3] = MDCS_CTL_SUBSCRIBE_ACK;
	put16(buf + OFF_LENGTH, len);
	ck_assert_int_eq(parse(buf, len), CTL_ERR_LENGTH);
}
END_TEST

START_TEST(parse_bad_hold_time)
{
	uint8_t buf[MDCS_CTL_MAX_LEN];
	ssize_t len = subscribe(buf, sizeof(buf), 1);

	put16(buf + OFF_BODY, 0);
	ck_assert_int_eq(parse(buf, len), CTL_ERR_FIELD);

	len = ctl_build_subscribe(buf, sizeof(buf), MDCS_CTL_UNSUBSCRIBE, 0,
				  chans, 1, 1, &rp_a, rp_b.pk);
	put16(buf + OFF_BODY, 30);
	ck_assert_int_eq(parse(buf, len), CTL_ERR_FIELD);
}
END_TEST

/* More channels than a sender may put in one message, consistently framed. */
START_TEST(parse_too_many_channels)
{
	uint8_t buf[MDCS_CTL_MAX_LEN] = { 0 };
	unsigned n = MDCS_CTL_MAX_CHANNELS + 1;
	size_t len = subscribe_len(n);

	ck_assert_uint_le(len, MDCS_CTL_MAX_LEN);
	subscribe(buf, sizeof(buf), 0);
	put16(buf + OFF_LENGTH, len);
	put16(buf + OFF_BODY + 2, n);
	memcpy(buf + OFF_BODY + 4, chans, n * sizeof(*chans));
	ck_assert_int_eq(parse(buf, len), CTL_ERR_FIELD);
}
END_TEST

static Suite *control_suite(void)
{
	Suite *s = suite_create("control");
	TCase *b = tcase_create("build"), *a = tcase_create("authenticate"),
	      *p = tcase_create("parse");
	int n_counts = sizeof(counts) / sizeof(counts[0]);

	tcase_add_checked_fixture(b, setup, NULL);
	tcase_add_test(b, identity_is_deterministic);
	tcase_add_loop_test(b, subscribe_round_trip, 0, n_counts);
	tcase_add_test(b, unsubscribe_round_trip);
	tcase_add_loop_test(b, ack_round_trip, 0, n_counts);
	tcase_add_test(b, keepalive_round_trip);
	tcase_add_test(b, register_and_relay_round_trip);
	tcase_add_test(b, probe_round_trip);
	tcase_add_test(b, open_hole_and_punch_round_trip);
	tcase_add_test(b, allocate_and_meet_round_trip);
	tcase_add_test(b, build_refuses_too_many);
	tcase_add_test(b, build_refuses_small_cap);
	tcase_add_test(b, build_refuses_ack_type);
	tcase_add_test(b, build_refuses_subscribe_without_hold);
	suite_add_tcase(s, b);

	tcase_add_checked_fixture(a, setup, NULL);
	/* a signature check per bit of a RELAY: seconds under valgrind */
	tcase_set_timeout(a, 120);
	tcase_add_loop_test(a, any_flipped_bit_fails, 0, 8);
	tcase_add_test(a, other_recipient_fails);
	tcase_add_test(a, other_sender_fails);
	suite_add_tcase(s, a);

	tcase_add_checked_fixture(p, setup, NULL);
	tcase_add_test(p, parse_bad_magic);
	tcase_add_test(p, parse_short);
	tcase_add_test(p, parse_bad_version);
	tcase_add_test(p, parse_bad_type);
	tcase_add_test(p, parse_keepalive_with_body);
	tcase_add_test(p, parse_length_disagrees);
	tcase_add_test(p, parse_too_long);
	tcase_add_test(p, parse_count_disagrees);
	tcase_add_test(p, parse_body_shorter_than_fixed_part);
	tcase_add_test(p, parse_bad_hold_time);
	tcase_add_test(p, parse_too_many_channels);
	suite_add_tcase(s, p);
	return s;
}

CHECK_MAIN(control_suite)
