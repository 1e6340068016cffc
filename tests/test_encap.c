/*
 * Encapsulation and replication (bpf-tc/encap.bpf.c) through
 * BPF_PROG_TEST_RUN: copies compared byte for byte and accepted by a peer
 * kernel, every drop reason, 1024 subscribed RPs with the channel table
 * full, and fanout updates while packets flow.  The test bed is in
 * dp_fixture.h.
 */
#include <check.h>
#include <errno.h>
#include <linux/pkt_cls.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "dp_fixture.h"
#include "encap.skel.h"
#include "runner.h"
#include "sandbox.h"

#define TX_STATS 5 /* the channel's slot in channel_stats */

static struct mdcs_channel chan_g;

static void setup(void)
{
	dp_setup();
	chan_g = (struct mdcs_channel){ src_s, grp_g };
}

static const size_t payloads[] = { 1, 100, 1232, 1402 };

START_TEST(encap_replicates)
{
	static const uint16_t slots[] = { SLOT_R1, SLOT_R2, SLOT_R3 };
	static uint8_t frames[4][2048];
	uint8_t frame[2048], inner[2048], out[2048], dgram[2048];
	uint64_t want[MDCS_CNT_MAX] = { 0 };
	size_t lens[4], inner_len, len;
	struct run r;
	ssize_t got;

	len = overlay_frame(frame, &grp_g, payloads[_i], inner, &inner_len);
	subscribe_tx(&chan_g, slots, 3, TX_STATS);
	r = run_prog(dp.encap->progs.mdcs_encap, ov0, frame, len, out,
		     sizeof(out));
	/* The last copy is the packet itself, redirected; the others are
	 * clones, sent at once. */
	ck_assert_int_eq(r.retval, TC_ACT_REDIRECT);
	ck_assert_uint_eq(collect(frames, lens, 4), 2);
	expect_copy(frames[0], lens[0], up1_mac, &r1, PORT, inner, inner_len);
	expect_copy(frames[1], lens[1], r2_mac, &r2, PORT, inner, inner_len);
	expect_copy(out, r.out_len, r3_mac, &r3, 2300, inner, inner_len);

	/* The peer's kernel checked the UDP checksum before delivering. */
	got = recv(udp_sock, dgram, sizeof(dgram), 0);
	ck_assert_int_eq(got, (ssize_t)(2 + inner_len));
	ck_assert_int_eq(dgram[0], AMT_DATA_OCTET0);
	ck_assert_mem_eq(dgram + 2, inner, inner_len);

	want[MDCS_CNT_ENCAP_PACKETS] = 1;
	want[MDCS_CNT_ENCAP_COPIES] = 3;
	want[MDCS_CNT_ENCAP_BYTES] = 3 * (MDCS_ENCAP_LEN + inner_len);
	expect_counters(want);
	ck_assert_uint_eq(channel_traffic(TX_STATS).in.packets, 1);
	ck_assert_uint_eq(channel_traffic(TX_STATS).in.bytes, inner_len);
	ck_assert_uint_eq(channel_traffic(TX_STATS).copies, 3);
	for (unsigned i = 0; i < 3; i++) {
		struct mdcs_rp_traffic t = rp_traffic(slots[i]);

		ck_assert_uint_eq(t.tx.packets, 1);
		ck_assert_uint_eq(t.tx.bytes, MDCS_ENCAP_LEN + inner_len);
	}
}
END_TEST

/* A channel packet is dropped whole, for the reason given, and no copy
 * leaves. */
static void expect_encap_drop(const struct in6_addr *g, size_t payload,
			      enum mdcs_counter reason)
{
	static const uint16_t slots[] = { SLOT_R1 };
	static uint8_t frames[1][2048];
	uint8_t frame[2048], inner[2048], out[2048];
	uint64_t want[MDCS_CNT_MAX] = { 0 };
	size_t lens[1], inner_len, len;

	len = overlay_frame(frame, g, payload, inner, &inner_len);
	subscribe_tx(&chan_g, slots, 1, TX_STATS);
	ck_assert_int_eq(run_prog(dp.encap->progs.mdcs_encap, ov0, frame, len,
				  out, sizeof(out))
				 .retval,
			 TC_ACT_SHOT);
	ck_assert_uint_eq(collect(frames, lens, 1), 0);
	want[reason] = 1;
	expect_counters(want);
}

START_TEST(encap_drops_too_big)
{
	expect_encap_drop(&grp_g, MDCS_INNER_MTU_DEFAULT - 48 + 1,
			  MDCS_CNT_DROP_TOO_BIG);
}
END_TEST

START_TEST(encap_drops_unknown_channel)
{
	expect_encap_drop(&grp_other, 100, MDCS_CNT_DROP_NO_CHANNEL);
}
END_TEST

/* PIM and MLD on the overlay are for rpd: they pass untouched. */
START_TEST(encap_passes_link_local)
{
	uint8_t frame[2048], inner[2048];
	struct in6_addr all_pim;
	size_t inner_len, len;

	addr(&all_pim, "ff02::d");
	len = overlay_frame(frame, &all_pim, 30, inner, &inner_len);
	expect_passed(dp.encap->progs.mdcs_encap, ov0, frame, len);
}
END_TEST

/* One copy fails for want of a neighbor, one would loop into the overlay;
 * the others still go. */
START_TEST(encap_counts_failed_copies)
{
	static const uint16_t slots[] = { SLOT_NONEIGH, SLOT_R1, SLOT_LOOP };
	static uint8_t frames[3][2048];
	uint8_t frame[2048], inner[2048], out[2048];
	uint64_t want[MDCS_CNT_MAX] = { 0 };
	size_t lens[3], inner_len, len;

	len = overlay_frame(frame, &grp_g, 100, inner, &inner_len);
	subscribe_tx(&chan_g, slots, 3, TX_STATS);
	ck_assert_int_eq(run_prog(dp.encap->progs.mdcs_encap, ov0, frame, len,
				  out, sizeof(out))
				 .retval,
			 TC_ACT_SHOT);
	ck_assert_uint_eq(collect(frames, lens, 3), 1);
	expect_copy(frames[0], lens[0], up1_mac, &r1, PORT, inner, inner_len);
	want[MDCS_CNT_ENCAP_PACKETS] = 1;
	want[MDCS_CNT_ENCAP_COPIES] = 1;
	want[MDCS_CNT_ENCAP_BYTES] = MDCS_ENCAP_LEN + inner_len;
	want[MDCS_CNT_DROP_NO_NEIGHBOR] = 1;
	want[MDCS_CNT_DROP_ROUTE_LOOP] = 1;
	expect_counters(want);
}
END_TEST

/* The last copy may wait for its neighbor in the kernel, rather than be
 * dropped: the packet goes to bpf_redirect_neigh. */
START_TEST(encap_last_copy_waits_for_neighbor)
{
	static const uint16_t slots[] = { SLOT_R1, SLOT_NONEIGH };
	static const uint8_t unresolved[6] = { 0 };
	static uint8_t frames[2][2048];
	uint8_t frame[2048], inner[2048], out[2048];
	uint64_t want[MDCS_CNT_MAX] = { 0 };
	size_t lens[2], inner_len, len;
	struct run r;

	len = overlay_frame(frame, &grp_g, 100, inner, &inner_len);
	subscribe_tx(&chan_g, slots, 2, TX_STATS);
	r = run_prog(dp.encap->progs.mdcs_encap, ov0, frame, len, out,
		     sizeof(out));
	ck_assert_int_eq(r.retval, TC_ACT_REDIRECT);
	ck_assert_uint_eq(collect(frames, lens, 2), 1);
	expect_copy(frames[0], lens[0], up1_mac, &r1, PORT, inner, inner_len);
	/* The kernel writes the MAC addresses once it knows them. */
	ck_assert_mem_eq(out, unresolved, 6);
	ck_assert_mem_eq(out + 6, unresolved, 6);
	memcpy(out + 6, up0_mac, 6);
	expect_copy(out, r.out_len, unresolved, &r_noneigh, PORT, inner,
		    inner_len);
	want[MDCS_CNT_ENCAP_PACKETS] = 1;
	want[MDCS_CNT_ENCAP_COPIES] = 2;
	want[MDCS_CNT_ENCAP_BYTES] = 2 * (MDCS_ENCAP_LEN + inner_len);
	expect_counters(want);
}
END_TEST

/* Remote RPs 2001:db8:ff::1:<i> for i < n, in slots 100 + i, each with a
 * neighbor entry so that a copy to it leaves up0. */
static void many_rps(unsigned n)
{
	char path[] = "/tmp/mdcs-test-neigh-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");

	ck_assert(f != NULL);
	for (unsigned i = 0; i < n; i++) {
		struct in6_addr a = r1;

		a.s6_addr[12] = 0;
		a.s6_addr[13] = 1;
		a.s6_addr[14] = (uint8_t)(i >> 8);
		a.s6_addr[15] = (uint8_t)i;
		ck_assert_int_eq(datapath_set_rp(&dp, 100 + i, &a, PORT), 0);
		fprintf(f,
			"neigh add 2001:db8:ff::1:%x lladdr 02:00:00:01:%02x:%02x "
			"dev up0 nud permanent\n",
			i, i >> 8, i & 0xff);
	}
	fclose(f);
	sh("ip -batch %s", path);
	unlink(path);
}

/*
 * 1024 subscribed RPs on one channel among 65536: one copy each.  The
 * 1023 clones of one run are one burst: a veth without a queue hands
 * them to its peer's backlog, which drops all beyond 1000 unless a
 * softirq happens to drain it meanwhile, so up0 gets a queue that holds
 * them, as an uplink's transmit queue must hold a full fan-out.
 */
START_TEST(encap_full_fanout_full_table)
{
	static uint8_t frames[MDCS_MAX_FANOUT][2048];
	static size_t lens[MDCS_MAX_FANOUT];
	uint8_t frame[2048], inner[2048], out[2048],
		seen[MDCS_MAX_FANOUT] = { 0 };
	uint16_t slots[MDCS_MAX_FANOUT];
	struct mdcs_channel ch = chan_g;
	size_t inner_len, len;
	int tap = tap_on(up0);
	struct run r;

	sh("tc qdisc replace dev up0 root pfifo limit %d", 2 * MDCS_MAX_FANOUT);
	many_rps(MDCS_MAX_FANOUT);
	for (unsigned i = 0; i < MDCS_MAX_FANOUT; i++)
		slots[i] = (uint16_t)(100 + i);
	/* Fill the table: other channels first, this one last. */
	for (uint32_t i = 1; i < MDCS_MAX_CHANNELS; i++) {
		ch.group.s6_addr[12] = (uint8_t)(i >> 8);
		ch.group.s6_addr[13] = (uint8_t)i;
		subscribe_tx(&ch, slots, 1, i);
	}
	subscribe_tx(&chan_g, slots, MDCS_MAX_FANOUT, 0);
	ch.group = grp_other;
	ck_assert_int_eq(datapath_set_fanout(
				 &dp, &ch, &(struct mdcs_fanout){ .count = 1 }),
			 -1);

	len = overlay_frame(frame, &grp_g, 1, inner, &inner_len);
	r = run_prog(dp.encap->progs.mdcs_encap, ov0, frame, len, out,
		     sizeof(out));
	ck_assert_int_eq(r.retval, TC_ACT_REDIRECT);
	ck_assert_uint_eq(collect_on(tap, up0, frames, lens, MDCS_MAX_FANOUT),
			  MDCS_MAX_FANOUT - 1);
	close(tap);
	memcpy(frames[MDCS_MAX_FANOUT - 1], out, r.out_len);
	for (unsigned i = 0; i < MDCS_MAX_FANOUT; i++) {
		const uint8_t *dst = frames[i] + OFF_OUTER + 24;
		unsigned rp = dst[14] << 8 | dst[15];

		ck_assert_uint_lt(rp, MDCS_MAX_FANOUT);
		ck_assert_msg(!seen[rp], "two copies to RP %u", rp);
		seen[rp] = 1;
	}
	ck_assert_uint_eq(counter(MDCS_CNT_ENCAP_COPIES), MDCS_MAX_FANOUT);
}
END_TEST

/*
 * While one thread switches the channel between two subscriber sets, the
 * other sends packets: every packet goes to all of one set, never to a mix.
 * A torn update would pair one set's count with the other's slots.
 */
#define PACKETS 1000

static const uint16_t set_a[] = { SLOT_R1, SLOT_R2 };
static const uint16_t set_b[] = { SLOT_R3, SLOT_R2, SLOT_R1 };
static atomic_int sending, switches, sent;

static void *switcher(void *arg)
{
	int seen = -1;

	while (sending) {
		/*
		 * At most one update per packet sent: the elements an update
		 * replaces are freed after an RCU grace period, and updates
		 * without bound can fill the map meanwhile (E2BIG).
		 */
		if (switches >= 2 && sent == seen) {
			sched_yield();
			continue;
		}
		seen = sent;
		if (switches % 2)
			subscribe_tx(&chan_g, set_a, 2, TX_STATS);
		else
			subscribe_tx(&chan_g, set_b, 3, TX_STATS);
		switches++;
	}
	return NULL;
}

START_TEST(encap_fanout_updates_are_atomic)
{
	static uint8_t frames[3 * PACKETS][2048];
	static size_t lens[3 * PACKETS];
	unsigned dests[PACKETS] = { 0 }, copies[PACKETS] = { 0 }, n = 0;
	unsigned to_a = 0, to_b = 0;
	uint8_t frame[2048], inner[2048], out[2048];
	int bufsize = 16 << 20;
	size_t inner_len, len;
	pthread_t t;

	ck_assert(setsockopt(capture, SOL_SOCKET, SO_RCVBUFFORCE, &bufsize,
			     sizeof(bufsize)) == 0);
	subscribe_tx(&chan_g, set_a, 2, TX_STATS);
	sending = 1;
	ck_assert_int_eq(pthread_create(&t, NULL, switcher, NULL), 0);
	while (switches < 2)
		sched_yield();
	for (unsigned seq = 0; seq < PACKETS; seq++) {
		struct run r;

		len = overlay_frame(frame, &grp_g, 8, inner, &inner_len);
		/* the payload's first octets number the packet */
		frame[len - 8] = (uint8_t)(seq >> 8);
		frame[len - 7] = (uint8_t)seq;
		frame[MDCS_ETH_HLEN + 46] = frame[MDCS_ETH_HLEN + 47] = 0;
		r = run_prog(dp.encap->progs.mdcs_encap, ov0, frame, len, out,
			     sizeof(out));
		/* the last copy, which the test run does not send */
		ck_assert_int_eq(r.retval, TC_ACT_REDIRECT);
		memcpy(frames[n], out, r.out_len);
		lens[n++] = r.out_len;
		sent++;
	}
	sending = 0;
	pthread_join(t, NULL);

	n += collect(frames + n, lens + n, 3 * PACKETS - n);
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *f = frames[i];
		unsigned seq = f[lens[i] - 8] << 8 | f[lens[i] - 7];
		/* R1, R2, R3 are 2001:db8:ff::2, ::3, ::4 */
		unsigned rp = f[OFF_OUTER + 39] - 2;

		ck_assert_uint_lt(seq, PACKETS);
		ck_assert_uint_lt(rp, 3);
		dests[seq] |= 1u << rp;
		copies[seq]++;
	}
	for (unsigned seq = 0; seq < PACKETS; seq++) {
		ck_assert_msg((dests[seq] == 0x3 && copies[seq] == 2) ||
				      (dests[seq] == 0x7 && copies[seq] == 3),
			      "packet %u: %u copies, to RPs %#x", seq,
			      copies[seq], dests[seq]);
		to_a += dests[seq] == 0x3;
		to_b += dests[seq] == 0x7;
	}
	/* Only packets that met both sets show that updates raced them. */
	ck_assert_msg(to_a && to_b, "no race: %u packets to A, %u to B", to_a,
		      to_b);
}
END_TEST

static Suite *encap_suite(void)
{
	Suite *s = suite_create("encap");
	TCase *t = tcase_create("encap");

	tcase_add_checked_fixture(t, setup, dp_teardown);
	tcase_set_timeout(t, 120);
	tcase_add_loop_test(t, encap_replicates, 0,
			    sizeof(payloads) / sizeof(payloads[0]));
	tcase_add_test(t, encap_drops_too_big);
	tcase_add_test(t, encap_drops_unknown_channel);
	tcase_add_test(t, encap_passes_link_local);
	tcase_add_test(t, encap_counts_failed_copies);
	tcase_add_test(t, encap_last_copy_waits_for_neighbor);
	tcase_add_test(t, encap_full_fanout_full_table);
	tcase_add_test(t, encap_fanout_updates_are_atomic);
	suite_add_tcase(s, t);
	return s;
}

CHECK_MAIN(encap_suite)
