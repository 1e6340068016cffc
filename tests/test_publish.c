/*
 * Publishing (bpf-tc/publish.bpf.h, in the overlay's egress program) through
 * BPF_PROG_TEST_RUN: a publication from an allowed peer becomes a packet of
 * the channel (S_rp, G), delivered into the overlay's ingress and tunnelled
 * to the subscribed RPs; publications from elsewhere, malformed ones and
 * those over the rate are dropped and counted.  The test bed is in
 * dp_fixture.h.
 */
#include <check.h>
#include <linux/pkt_cls.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/if_packet.h>
#include <linux/if_ether.h>
#include <net/if.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "dp_fixture.h"
#include "encap.skel.h"
#include "proto/publish.h"
#include "runner.h"

#define PUB_STATS 11 /* the channel's slot in channel_stats */
#define PEER_PORT 40123

static const uint8_t msg[] = "block 1234 is final";
static int ov0_capture = -1;
static int ov1;

static void setup(void)
{
	struct sockaddr_ll ll = { .sll_family = AF_PACKET,
				  .sll_protocol = htons(ETH_P_ALL) };

	dp_setup();
	ov1 = (int)if_nametoindex("ov1");
	ll.sll_ifindex = ov0;
	ov0_capture =
		socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ALL));
	ck_assert(ov0_capture >= 0);
	ck_assert(bind(ov0_capture, (struct sockaddr *)&ll, sizeof(ll)) == 0);
}

static void teardown(void)
{
	close(ov0_capture);
	dp_teardown();
}

/* A publication with its Ethernet header, as the overlay's egress sees it. */
static size_t pub_frame(uint8_t *frame, const struct in6_addr *from,
			const struct in6_addr *group)
{
	memset(frame, 0x02, 12);
	frame[12] = 0x86;
	frame[13] = 0xdd;
	return MDCS_ETH_HLEN + pkt_publication(frame + MDCS_ETH_HLEN, from,
					       PEER_PORT, &chan_src, group, msg,
					       sizeof(msg));
}

static struct run publish(const uint8_t *frame, size_t len)
{
	uint8_t out[2048];

	return run_prog(dp.encap->progs.mdcs_encap, ov0, frame, len, out,
			sizeof(out));
}

/* What arrived in the overlay's ingress. */
static unsigned injected(uint8_t frames[][2048], size_t *lens, unsigned max)
{
	return collect_on(ov0_capture, ov1, frames, lens, max);
}

START_TEST(publication_becomes_channel_packet)
{
	static const uint16_t slots[] = { SLOT_R1, SLOT_R2 };
	static const uint8_t group_mac[6] = { 0x33, 0x33, 0, 0, 0x12, 0x34 };
	static uint8_t frames[4][2048];
	struct mdcs_channel ch = { chan_src, grp_g };
	uint64_t want[MDCS_CNT_MAX] = { 0 };
	uint8_t frame[2048], chan[2048], dgram[2048], out[2048];
	size_t lens[4], len, chan_len;
	struct run r;

	subscribe_tx(&ch, slots, 2, PUB_STATS);
	len = pub_frame(frame, &peer_a, &grp_g);
	chan_len = pkt_republished(chan, &peer_a, PEER_PORT, &chan_src, &grp_g,
				   msg, sizeof(msg));
	r = run_prog(dp.encap->progs.mdcs_encap, ov0, frame, len, out,
		     sizeof(out));
	ck_assert_int_eq(r.retval, TC_ACT_REDIRECT);

	/* Delivery in the AS: the channel packet in the overlay's ingress. */
	ck_assert_uint_eq(injected(frames, lens, 4), 1);
	ck_assert_uint_eq(lens[0], MDCS_ETH_HLEN + chan_len);
	ck_assert_mem_eq(frames[0], group_mac, 6);
	ck_assert_mem_eq(frames[0] + MDCS_ETH_HLEN, chan, chan_len);

	/* Replication: the same packet tunnelled to both subscribed RPs, the
	 * last copy being the test run's output. */
	ck_assert_uint_eq(collect(frames, lens, 4), 1);
	expect_copy(frames[0], lens[0], up1_mac, &r1, PORT, chan, chan_len);
	expect_copy(out, r.out_len, r2_mac, &r2, PORT, chan, chan_len);
	ck_assert_int_eq(recv(udp_sock, dgram, sizeof(dgram), 0),
			 (ssize_t)(2 + chan_len));
	ck_assert_mem_eq(dgram + 2, chan, chan_len);

	want[MDCS_CNT_PUBLISH_PACKETS] = 1;
	want[MDCS_CNT_ENCAP_PACKETS] = 1;
	want[MDCS_CNT_ENCAP_COPIES] = 2;
	want[MDCS_CNT_ENCAP_BYTES] = 2 * (MDCS_ENCAP_LEN + chan_len);
	expect_counters(want);
	ck_assert_uint_eq(channel_traffic(PUB_STATS).in.packets, 1);
	ck_assert_uint_eq(channel_traffic(PUB_STATS).copies, 2);
}
END_TEST

/* Without remote subscribers the publication is delivered in the AS only. */
START_TEST(publication_without_subscribers)
{
	static uint8_t frames[4][2048];
	uint64_t want[MDCS_CNT_MAX] = { 0 };
	uint8_t frame[2048];
	size_t lens[4], len = pub_frame(frame, &peer_a, &grp_g);

	ck_assert_int_eq(publish(frame, len).retval, TC_ACT_SHOT);
	ck_assert_uint_eq(injected(frames, lens, 4), 1);
	ck_assert_uint_eq(collect(frames, lens, 4), 0);
	want[MDCS_CNT_PUBLISH_PACKETS] = 1;
	expect_counters(want);
}
END_TEST

struct refused {
	const char *what;
	enum mdcs_counter reason;
};

static const struct refused refusals[] = {
	{ "publisher outside the allowed prefixes",
	  MDCS_CNT_DROP_PUBLISH_NOT_ALLOWED },
	{ "version 2", MDCS_CNT_DROP_PUBLISH_MALFORMED },
	{ "group outside the SSM range", MDCS_CNT_DROP_PUBLISH_MALFORMED },
	{ "no UDP checksum", MDCS_CNT_DROP_PUBLISH_MALFORMED },
	{ "header cut short", MDCS_CNT_DROP_PUBLISH_MALFORMED },
	{ "UDP length disagrees", MDCS_CNT_DROP_PUBLISH_MALFORMED },
	{ "SSM group of link-local scope", MDCS_CNT_DROP_PUBLISH_MALFORMED },
};

START_TEST(publication_refused)
{
	static uint8_t frames[4][2048];
	uint64_t want[MDCS_CNT_MAX] = { 0 };
	const uint8_t *ip6;
	struct in6_addr group = grp_g;
	uint8_t frame[2048];
	size_t lens[4], len;

	if (_i == 2)
		addr(&group, "ff0e::1234");
	if (_i == 6)
		addr(&group, "ff32::1234");
	len = pub_frame(frame, _i == 0 ? &peer_out : &peer_a, &group);
	ip6 = frame + MDCS_ETH_HLEN;
	switch (_i) {
	case 1:
		frame[MDCS_ETH_HLEN + 48] = 2;
		break;
	case 3:
		frame[MDCS_ETH_HLEN + 46] = frame[MDCS_ETH_HLEN + 47] = 0;
		break;
	case 4:
		len = MDCS_ETH_HLEN + 48 + 10;
		break;
	case 5:
		frame[MDCS_ETH_HLEN + 45] ^= 4;
		break;
	}
	ck_assert_uint_eq(ip6[6], IPPROTO_UDP);
	ck_assert_msg(publish(frame, len).retval == TC_ACT_SHOT, "%s",
		      refusals[_i].what);
	ck_assert_uint_eq(injected(frames, lens, 4), 0);
	want[refusals[_i].reason] = 1;
	expect_counters(want);
}
END_TEST

/* At one a second in bursts of ten, the eleventh publication of a burst
 * is over the rate; another publisher has its own allowance. */
START_TEST(publication_rate_per_publisher)
{
	static uint8_t frames[16][2048];
	uint64_t want[MDCS_CNT_MAX] = { 0 };
	struct in6_addr peer_b = peer_a;
	uint8_t frame[2048];
	size_t lens[16], len;

	dp_conf.publish_interval_ns = 1000000000ULL;
	dp_conf.publish_tolerance_ns = 9 * dp_conf.publish_interval_ns;
	ck_assert_int_eq(datapath_set_config(&dp, &dp_conf), 0);
	peer_b.s6_addr[15]++;

	len = pub_frame(frame, &peer_a, &grp_g);
	for (int i = 0; i < 13; i++)
		publish(frame, len);
	len = pub_frame(frame, &peer_b, &grp_g);
	publish(frame, len);

	ck_assert_uint_eq(injected(frames, lens, 16), 11);
	want[MDCS_CNT_PUBLISH_PACKETS] = 11;
	want[MDCS_CNT_DROP_PUBLISH_RATE] = 3;
	expect_counters(want);
}
END_TEST

/* Other unicast to the channel source is not a publication. */
START_TEST(other_port_passes)
{
	uint8_t frame[2048];
	size_t len = pub_frame(frame, &peer_a, &grp_g);

	frame[MDCS_ETH_HLEN + 43] ^= 1;
	expect_passed(dp.encap->progs.mdcs_encap, ov0, frame, len);
}
END_TEST

static Suite *publish_suite(void)
{
	Suite *s = suite_create("publish");
	TCase *t = tcase_create("publish");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, publication_becomes_channel_packet);
	tcase_add_test(t, publication_without_subscribers);
	tcase_add_loop_test(t, publication_refused, 0,
			    sizeof(refusals) / sizeof(refusals[0]));
	tcase_add_test(t, publication_rate_per_publisher);
	tcase_add_test(t, other_port_passes);
	suite_add_tcase(s, t);
	return s;
}

CHECK_MAIN(publish_suite)
