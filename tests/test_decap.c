/*
 * Decapsulation (bpf-tc/decap.bpf.c) through BPF_PROG_TEST_RUN: a tunnel
 * packet from a known RP decapsulated byte for byte, and copied to the
 * gateways subscribed to its channel but not to RPs; every kind of malformed
 * or unwanted tunnel packet dropped with exactly its counter raised; other
 * traffic passed untouched.  The test bed is in dp_fixture.h.
 */
#include <check.h>
#include <linux/pkt_cls.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "decap.skel.h"
#include "dp_fixture.h"
#include "runner.h"

#define RX_STATS 7 /* the channel's slot in channel_stats */
#define TX_STATS 8 /* its slot as sent to gateways */

enum ext_header { HOP_BY_HOP = 0, FRAGMENT = 44 };

/* Put an 8-octet extension header between the outer IPv6 and UDP headers;
 * for a fragment header, offset is the fragment offset in octets. */
static size_t insert_ext_header(uint8_t *frame, size_t len,
				enum ext_header type, unsigned offset)
{
	uint8_t ext[8] = { IPPROTO_UDP };
	unsigned plen = (frame[OFF_OUTER + 4] << 8 | frame[OFF_OUTER + 5]) + 8;

	if (type == FRAGMENT) {
		ext[2] = (uint8_t)(offset >> 8);
		ext[3] = (uint8_t)(offset & 0xf8) | 1; /* more fragments */
		ext[7] = 42;			       /* identification */
	} else {
		ext[2] = 1; /* PadN option, four octets of padding */
		ext[3] = 4;
	}
	memmove(frame + OFF_UDP + 8, frame + OFF_UDP, len - OFF_UDP);
	memcpy(frame + OFF_UDP, ext, sizeof(ext));
	frame[OFF_OUTER + 4] = (uint8_t)(plen >> 8);
	frame[OFF_OUTER + 5] = (uint8_t)plen;
	frame[OFF_OUTER + 6] = (uint8_t)type;
	return len + 8;
}

/* Cut a tunnel frame down to a UDP datagram of n octets (0xff) to port,
 * its lengths made to agree. */
static size_t short_udp(uint8_t *frame, uint16_t port, unsigned n)
{
	unsigned udp_len = 8 + n;

	frame[OFF_OUTER + 4] = 0;
	frame[OFF_OUTER + 5] = (uint8_t)udp_len;
	frame[OFF_UDP + 2] = (uint8_t)(port >> 8);
	frame[OFF_UDP + 3] = (uint8_t)port;
	frame[OFF_UDP + 4] = 0;
	frame[OFF_UDP + 5] = (uint8_t)udp_len;
	memset(frame + OFF_AMT, 0xff, n);
	return OFF_UDP + udp_len;
}

START_TEST(decap_valid)
{
	static const uint8_t group_mac[6] = { 0x33, 0x33, 0, 0, 0x12, 0x34 };
	uint8_t inner[256], frame[512], out[512];
	uint64_t want[MDCS_CNT_MAX] = { 0 };
	size_t inner_len, len = good_frame(frame, inner, &inner_len);
	struct mdcs_rp_traffic rp;
	struct mdcs_channel_traffic ch;
	struct run r;

	subscribe_rx(&grp_g, SLOT_R1, RX_STATS);
	r = run_prog(dp.decap->progs.mdcs_decap, up0, frame, len, out,
		     sizeof(out));
	ck_assert_int_eq(r.retval, TC_ACT_REDIRECT);
	ck_assert_uint_eq(r.out_len, MDCS_ETH_HLEN + inner_len);
	/* An Ethernet overlay only takes the group's own MAC address. */
	ck_assert_mem_eq(out, group_mac, 6);
	ck_assert_mem_eq(out + 6, frame + 6, MDCS_ETH_HLEN - 6);
	ck_assert_mem_eq(out + MDCS_ETH_HLEN, inner, inner_len);
	want[MDCS_CNT_DECAP_PACKETS] = 1;
	want[MDCS_CNT_DECAP_BYTES] = inner_len;
	expect_counters(want);

	ch = channel_traffic(RX_STATS);
	rp = rp_traffic(SLOT_R1);
	ck_assert_uint_eq(ch.in.packets, 1);
	ck_assert_uint_eq(ch.in.bytes, inner_len);
	ck_assert_uint_eq(ch.copies, 0);
	ck_assert_uint_eq(rp.rx.packets, 1);
	ck_assert_uint_eq(rp.rx.bytes, inner_len);
	ck_assert_uint_eq(rp.tx.packets, 0);
}
END_TEST

/* Two gateways, one at R1's address and one at R2's, beside remote RP R3,
 * subscribed to the channel R1 sends: each gateway gets a copy from this
 * RP, R3 none, and the packet itself is decapsulated as ever. */
START_TEST(decap_copies_to_gateways)
{
	static const uint16_t slots[] = { MDCS_GATEWAY_SLOT0, SLOT_R3,
					  MDCS_GATEWAY_SLOT0 + 1 };
	struct mdcs_channel ch = { src_s, grp_g };
	static uint8_t frames[4][2048];
	uint8_t inner[256], frame[512], out[512];
	uint64_t want[MDCS_CNT_MAX] = { 0 };
	size_t lens[4], inner_len, len = good_frame(frame, inner, &inner_len);
	struct run r;

	ck_assert_int_eq(
		datapath_set_gateway(&dp, MDCS_GATEWAY_SLOT0, &r1, 40000), 0);
	ck_assert_int_eq(
		datapath_set_gateway(&dp, MDCS_GATEWAY_SLOT0 + 1, &r2, 40001),
		0);
	subscribe_rx(&grp_g, SLOT_R1, RX_STATS);
	subscribe_tx(&ch, slots, 3, TX_STATS);
	r = run_prog(dp.decap->progs.mdcs_decap, up0, frame, len, out,
		     sizeof(out));
	ck_assert_int_eq(r.retval, TC_ACT_REDIRECT);
	ck_assert_uint_eq(r.out_len, MDCS_ETH_HLEN + inner_len);
	ck_assert_mem_eq(out + 6, frame + 6, MDCS_ETH_HLEN - 6);
	ck_assert_mem_eq(out + MDCS_ETH_HLEN, inner, inner_len);

	ck_assert_uint_eq(collect(frames, lens, 4), 2);
	expect_copy(frames[0], lens[0], up1_mac, &r1, 40000, inner, inner_len);
	expect_copy(frames[1], lens[1], r2_mac, &r2, 40001, inner, inner_len);
	want[MDCS_CNT_DECAP_PACKETS] = 1;
	want[MDCS_CNT_DECAP_BYTES] = inner_len;
	want[MDCS_CNT_ENCAP_COPIES] = 2;
	want[MDCS_CNT_ENCAP_BYTES] = 2 * (MDCS_ENCAP_LEN + inner_len);
	expect_counters(want);
	ck_assert_uint_eq(channel_traffic(TX_STATS).copies, 2);
	ck_assert_uint_eq(rp_traffic(MDCS_GATEWAY_SLOT0).tx.packets, 1);
	ck_assert_uint_eq(rp_traffic(SLOT_R3).tx.packets, 0);
}
END_TEST

/* Malformed or unwanted tunnel packets: each dropped, one counter up. */
struct bad_case {
	const char *what;
	enum mdcs_counter reason;
};

static const struct bad_case bad_cases[] = {
	{ "truncated outer header", MDCS_CNT_DROP_TRUNCATED },
	{ "truncated inner header", MDCS_CNT_DROP_TRUNCATED },
	{ "outer length beyond the frame", MDCS_CNT_DROP_TRUNCATED },
	{ "inner IP version 4", MDCS_CNT_DROP_BAD_VERSION },
	{ "AMT version 1", MDCS_CNT_DROP_BAD_VERSION },
	{ "known RP, wrong source port", MDCS_CNT_DROP_WRONG_PORT },
	{ "unknown source RP", MDCS_CNT_DROP_UNKNOWN_RP },
	{ "inner destination unicast", MDCS_CNT_DROP_NOT_MULTICAST },
	{ "inner destination link-local group", MDCS_CNT_DROP_NOT_MULTICAST },
	{ "inner hop limit 1", MDCS_CNT_DROP_HOP_LIMIT },
	{ "UDP length disagrees", MDCS_CNT_DROP_BAD_LENGTH },
	{ "trailing octets", MDCS_CNT_DROP_BAD_LENGTH },
	{ "channel not subscribed", MDCS_CNT_DROP_NOT_SUBSCRIBED },
	{ "channel subscribed from another RP", MDCS_CNT_DROP_WRONG_RP },
	{ "first fragment of a tunnel packet", MDCS_CNT_DROP_FRAGMENT },
	{ "hop-by-hop options before the UDP header",
	  MDCS_CNT_DROP_EXT_HEADER },
};

static size_t bad_frame(int i, uint8_t *frame)
{
	struct tunnel_spec t = good_tunnel();
	uint8_t inner[256];
	struct in6_addr g = grp_g;
	uint8_t hops = 64;
	size_t n, len;

	if (i == 7)
		addr(&g, "2001:db8:2::1");
	if (i == 8)
		addr(&g, "ff02::1");
	if (i == 9)
		hops = 1;
	if (i == 12)
		g = grp_other;
	if (i == 5)
		t.sport = PORT + 1;
	if (i == 6)
		addr(&t.src, "2001:db8:ff::99");
	n = pkt_channel(inner, &src_s, &g, hops, 100);
	len = pkt_tunnel(frame, &t, inner, n);
	switch (i) {
	case 0:
		return OFF_UDP + 4;
	case 1:
		return OFF_INNER + 20;
	case 2:
		frame[OFF_OUTER + 5] += 8;
		break;
	case 3:
		frame[OFF_INNER] = 0x45;
		break;
	case 4:
		frame[OFF_AMT] = 0x16;
		break;
	case 10:
		frame[OFF_UDP + 5] += 2;
		break;
	case 11:
		memset(frame + len, 0, 4);
		return len + 4;
	case 14:
		return insert_ext_header(frame, len, FRAGMENT, 0);
	case 15:
		return insert_ext_header(frame, len, HOP_BY_HOP, 0);
	}
	return len;
}

START_TEST(decap_drops)
{
	uint8_t frame[512], out[512];
	uint64_t want[MDCS_CNT_MAX] = { 0 };
	size_t len = bad_frame(_i, frame);
	struct run r;

	subscribe_rx(&grp_g, _i == 13 ? SLOT_R2 : SLOT_R1, RX_STATS);
	r = run_prog(dp.decap->progs.mdcs_decap, up0, frame, len, out,
		     sizeof(out));
	ck_assert_msg(r.retval == TC_ACT_SHOT, "%s: verdict %d",
		      bad_cases[_i].what, r.retval);
	want[bad_cases[_i].reason] = 1;
	expect_counters(want);
	ck_assert_uint_eq(channel_traffic(RX_STATS).in.packets, 0);
}
END_TEST

/* Not mdcs data: passed to the stack unchanged, nothing counted. */
static size_t other_frame(int i, uint8_t *frame)
{
	uint8_t inner[256];
	size_t n, len = good_frame(frame, inner, &n);

	switch (i) {
	case 0: /* another UDP port */
		frame[OFF_UDP + 3] ^= 1;
		break;
	case 1: /* the control protocol */
		frame[OFF_AMT] = 0x6d;
		break;
	case 2: /* to another address */
		frame[OFF_OUTER + 39] ^= 0x40;
		break;
	case 3: /* TCP */
		frame[OFF_OUTER + 6] = IPPROTO_TCP;
		break;
	case 4: /* IPv4 */
		frame[12] = 0x08;
		frame[13] = 0x00;
		break;
	case 5: /* a later fragment: its port is not there */
		return insert_ext_header(frame, len, FRAGMENT, 8);
	case 6: /* options before UDP to another port */
		frame[OFF_UDP + 3] ^= 1;
		return insert_ext_header(frame, len, HOP_BY_HOP, 0);
	case 7: /* a NAT keepalive: one octet 0xff to port 4500 */
		return short_udp(frame, 4500, 1);
	case 8: /* an empty datagram to the tunnel port */
		return short_udp(frame, PORT, 0);
	case 9: /* an empty datagram to another port */
		return short_udp(frame, 53, 0);
	}
	return len;
}

START_TEST(decap_passes_other_traffic)
{
	uint8_t frame[512];
	size_t len = other_frame(_i, frame);

	subscribe_rx(&grp_g, SLOT_R1, RX_STATS);
	expect_passed(dp.decap->progs.mdcs_decap, up0, frame, len);
}
END_TEST

static Suite *decap_suite(void)
{
	Suite *s = suite_create("decap");
	TCase *t = tcase_create("decap");

	tcase_add_checked_fixture(t, dp_setup, dp_teardown);
	tcase_add_test(t, decap_valid);
	tcase_add_test(t, decap_copies_to_gateways);
	tcase_add_loop_test(t, decap_drops, 0,
			    sizeof(bad_cases) / sizeof(bad_cases[0]));
	tcase_add_loop_test(t, decap_passes_other_traffic, 0, 10);
	suite_add_tcase(s, t);
	return s;
}

CHECK_MAIN(decap_suite)
