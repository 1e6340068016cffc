/*
 * The tc-BPF programs, driven through BPF_PROG_TEST_RUN with crafted packets.
 *
 *   sandbox netns (this RP)                    peer netns (remote RP R1)
 *   +------------------------------+           +------------------------+
 *   | ov0 (overlay, Ethernet kind) |           |                        |
 *   |   encap runs on its packets  |           |                        |
 *   | up0 2001:db8:ff::1 ----------+--- veth --+- up1 2001:db8:ff::2     |
 *   |   decap runs on its packets  |           |   UDP socket :2268     |
 *   +------------------------------+           |   packet capture       |
 *                                              +------------------------+
 *
 * R2 and R3 are neighbors with made-up MAC addresses on up0: their copies
 * also arrive at up1, where the capture sees them.  Ordinary tc programs
 * see an Ethernet header in BPF_PROG_TEST_RUN, so the overlay here is of the
 * Ethernet kind; the topotests cover rpd's tun overlay.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/pkt_cls.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "decap.skel.h"
#include "encap.skel.h"
#include "packets.h"
#include "proto/tunnel.h"
#include "rpd/datapath.h"
#include "sandbox.h"
#include "runner.h"

#define PORT		 MDCS_TUNNEL_PORT
#define MARKER_ETHERTYPE 0x88b5 /* IEEE local experimental */

static struct datapath dp;
static int up0, ov0, capture = -1, udp_sock = -1;
static uint8_t up0_mac[6], up1_mac[6];
static struct in6_addr local, r1, r2, r3, r_noneigh, r_loop, src_s, grp_g,
	grp_other;
static const uint8_t r2_mac[6] = { 0x02, 0, 0, 0, 0, 0x03 };
static const uint8_t r3_mac[6] = { 0x02, 0, 0, 0, 0, 0x04 };

enum { SLOT_R1, SLOT_R2, SLOT_R3, SLOT_NONEIGH, SLOT_LOOP };

/* A link's MAC address and index, asked through a socket of its netns. */
static int link_info(int sock, const char *dev, uint8_t mac[6])
{
	struct ifreq ifr = { 0 };

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	ck_assert(ioctl(sock, SIOCGIFHWADDR, &ifr) == 0);
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	ck_assert(ioctl(sock, SIOCGIFINDEX, &ifr) == 0);
	return ifr.ifr_ifindex;
}

static void open_peer_sockets(void)
{
	struct sockaddr_ll ll = { .sll_family = AF_PACKET,
				  .sll_protocol = htons(ETH_P_ALL) };
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6,
				   .sin6_port = htons(PORT),
				   .sin6_addr = r1 };
	const char *peer = sandbox_peer();

	sh("ip link add up0 type veth peer name up1 netns %s", peer);
	sh("nsenter --net=%s ip link set up1 up", peer);
	sh("nsenter --net=%s ip -6 addr add 2001:db8:ff::2/64 dev up1 nodad",
	   peer);
	udp_sock = sandbox_peer_socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	ll.sll_ifindex = link_info(udp_sock, "up1", up1_mac);
	capture = sandbox_peer_socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK,
				      htons(ETH_P_ALL));
	ck_assert(bind(capture, (struct sockaddr *)&ll, sizeof(ll)) == 0);
	ck_assert(bind(udp_sock, (struct sockaddr *)&sa, sizeof(sa)) == 0);
}

static void setup(void)
{
	struct mdcs_dp_config c = {
		.port = htons(PORT),
		.hop_limit = 17,
		.traffic_class = 0xb8,
		.inner_mtu = MDCS_INNER_MTU_DEFAULT,
		.overlay_hlen = MDCS_ETH_HLEN,
	};
	const char *pins = sandbox_enter();
	char mac[32];
	int sock;

	addr(&local, "2001:db8:ff::1");
	addr(&r1, "2001:db8:ff::2");
	addr(&r2, "2001:db8:ff::3");
	addr(&r3, "2001:db8:ff::4");
	addr(&r_noneigh, "2001:db8:ff::5");
	addr(&r_loop, "2001:db8:aa::1");
	addr(&src_s, "2001:db8:1::10");
	addr(&grp_g, "ff3e::1234");
	addr(&grp_other, "ff3e::9999");

	sh("sysctl -qw net.ipv6.conf.all.forwarding=1");
	open_peer_sockets();
	sh("ip link add ov0 type veth peer name ov1");
	sh("ip link set up0 up && ip link set ov0 up && ip link set ov1 up");
	sh("ip -6 addr add 2001:db8:ff::1/64 dev up0 nodad");
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", up1_mac[0],
		 up1_mac[1], up1_mac[2], up1_mac[3], up1_mac[4], up1_mac[5]);
	sh("ip -6 neigh add 2001:db8:ff::2 lladdr %s dev up0 nud permanent",
	   mac);
	sh("ip -6 neigh add 2001:db8:ff::3 lladdr 02:00:00:00:00:03 dev up0 "
	   "nud permanent");
	sh("ip -6 neigh add 2001:db8:ff::4 lladdr 02:00:00:00:00:04 dev up0 "
	   "nud permanent");
	sh("ip -6 route add 2001:db8:aa::/64 dev ov0");
	sock = socket(AF_INET6, SOCK_DGRAM, 0);
	up0 = link_info(sock, "up0", up0_mac);
	close(sock);
	ov0 = (int)if_nametoindex("ov0");

	ck_assert_int_eq(datapath_open(&dp, pins), 0);
	c.local = local;
	c.overlay_ifindex = (uint32_t)ov0;
	ck_assert_int_eq(datapath_set_config(&dp, &c), 0);
	ck_assert_int_eq(datapath_set_rp(&dp, SLOT_R1, &r1, PORT), 0);
	ck_assert_int_eq(datapath_set_rp(&dp, SLOT_R2, &r2, PORT), 0);
	ck_assert_int_eq(datapath_set_rp(&dp, SLOT_R3, &r3, 2300), 0);
	ck_assert_int_eq(datapath_set_rp(&dp, SLOT_NONEIGH, &r_noneigh, PORT),
			 0);
	ck_assert_int_eq(datapath_set_rp(&dp, SLOT_LOOP, &r_loop, PORT), 0);
}

static void teardown(void)
{
	if (capture >= 0)
		close(capture);
	if (udp_sock >= 0)
		close(udp_sock);
	datapath_close(&dp, false);
	sandbox_leave();
}

static uint64_t counter(enum mdcs_counter c)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t v[ncpu], sum = 0;
	uint32_t key = c;

	/* valgrind cannot tell that bpf(2) fills a per-CPU value. */
	memset(v, 0, sizeof(v));

	ck_assert_int_eq(bpf_map__lookup_elem(dp.encap->maps.counters, &key,
					      sizeof(key), v, sizeof(v), 0),
			 0);
	for (int i = 0; i < ncpu; i++)
		sum += v[i];
	return sum;
}

/* Every counter is zero but those named, which have the values given. */
static void expect_counters(const uint64_t want[MDCS_CNT_MAX])
{
	for (int c = 0; c < MDCS_CNT_MAX; c++)
		ck_assert_msg(counter(c) == want[c],
			      "counter %d is %llu, expected %llu", c,
			      (unsigned long long)counter(c),
			      (unsigned long long)want[c]);
}

struct run {
	int retval;
	uint32_t out_len;
};

static struct run run_prog(struct bpf_program *prog, int ifindex,
			   const uint8_t *in, size_t len, uint8_t *out,
			   size_t cap)
{
	struct __sk_buff ctx = { .ifindex = (uint32_t)ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in,
		    .data_size_in = (uint32_t)len, .data_out = out,
		    .data_size_out = (uint32_t)cap, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx));
	struct run r;

	ck_assert_int_eq(bpf_prog_test_run_opts(bpf_program__fd(prog), &opts),
			 0);
	r.retval = (int)opts.retval;
	r.out_len = opts.data_size_out;
	return r;
}

static void subscribe_rx(const struct in6_addr *g, uint32_t slot)
{
	struct mdcs_channel ch = { src_s, *g };

	ck_assert_int_eq(datapath_set_rx(&dp, &ch, slot), 0);
}

static void subscribe_tx(const uint16_t *slots, unsigned n)
{
	struct mdcs_channel ch = { src_s, grp_g };
	struct mdcs_fanout f = { .count = (uint16_t)n };

	memcpy(f.slot, slots, n * sizeof(*slots));
	ck_assert_int_eq(datapath_set_fanout(&dp, &ch, &f), 0);
}

/* ---- decapsulation ---- */

static struct tunnel_spec good_tunnel(void)
{
	struct tunnel_spec t = {
		.src = r1,
		.dst = local,
		.sport = PORT,
		.dport = PORT,
		.hop_limit = 64,
	};

	memcpy(t.dst_mac, up0_mac, 6);
	memcpy(t.src_mac, up1_mac, 6);
	return t;
}

static size_t good_frame(uint8_t *frame, uint8_t *inner, size_t *inner_len)
{
	struct tunnel_spec t = good_tunnel();

	*inner_len = pkt_channel(inner, &src_s, &grp_g, 64, 100);
	return pkt_tunnel(frame, &t, inner, *inner_len);
}

START_TEST(decap_valid)
{
	static const uint8_t group_mac[6] = { 0x33, 0x33, 0, 0, 0x12, 0x34 };
	uint8_t inner[256], frame[512], out[512];
	uint64_t want[MDCS_CNT_MAX] = { 0 };
	size_t inner_len, len = good_frame(frame, inner, &inner_len);
	struct run r;

	subscribe_rx(&grp_g, SLOT_R1);
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
	}
	return len;
}

START_TEST(decap_drops)
{
	uint8_t frame[512], out[512];
	uint64_t want[MDCS_CNT_MAX] = { 0 };
	size_t len = bad_frame(_i, frame);
	struct run r;

	subscribe_rx(&grp_g, _i == 13 ? SLOT_R2 : SLOT_R1);
	r = run_prog(dp.decap->progs.mdcs_decap, up0, frame, len, out,
		     sizeof(out));
	ck_assert_msg(r.retval == TC_ACT_SHOT, "%s: verdict %d",
		      bad_cases[_i].what, r.retval);
	want[bad_cases[_i].reason] = 1;
	expect_counters(want);
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
	}
	return len;
}

START_TEST(decap_passes_other_traffic)
{
	uint8_t frame[512], out[512];
	uint64_t want[MDCS_CNT_MAX] = { 0 };
	size_t len = other_frame(_i, frame);
	struct run r;

	subscribe_rx(&grp_g, SLOT_R1);
	r = run_prog(dp.decap->progs.mdcs_decap, up0, frame, len, out,
		     sizeof(out));
	ck_assert_int_eq(r.retval, TC_ACT_OK);
	ck_assert_uint_eq(r.out_len, len);
	ck_assert_mem_eq(out, frame, len);
	expect_counters(want);
}
END_TEST

/* ---- encapsulation ---- */

static size_t overlay_frame(uint8_t *frame, const struct in6_addr *g,
			    size_t payload, uint8_t *inner, size_t *inner_len)
{
	static const uint8_t mcast_mac[6] = { 0x33, 0x33, 0, 0, 0x12, 0x34 };

	*inner_len = pkt_channel(inner, &src_s, g, 63, payload);
	memcpy(frame, mcast_mac, 6);
	memset(frame + 6, 0x02, 6);
	frame[12] = 0x86;
	frame[13] = 0xdd;
	memcpy(frame + MDCS_ETH_HLEN, inner, *inner_len);
	return MDCS_ETH_HLEN + *inner_len;
}

/* Send a marker frame after the copies: whatever the capture reads before
 * it is everything the program sent. */
static void send_marker(void)
{
	struct sockaddr_ll ll = { .sll_family = AF_PACKET,
				  .sll_ifindex = up0,
				  .sll_halen = 6 };
	uint8_t frame[60] = { 0 };
	int s = socket(AF_PACKET, SOCK_RAW, 0);

	ck_assert(s >= 0);
	memcpy(frame, up1_mac, 6);
	memcpy(frame + 6, up0_mac, 6);
	frame[12] = MARKER_ETHERTYPE >> 8;
	frame[13] = MARKER_ETHERTYPE & 0xff;
	memcpy(ll.sll_addr, up1_mac, 6);
	ck_assert(sendto(s, frame, sizeof(frame), 0, (struct sockaddr *)&ll,
			 sizeof(ll)) == sizeof(frame));
	close(s);
}

/* Read tunnel frames arriving at up1 until the marker; returns how many. */
static unsigned collect(uint8_t frames[][2048], size_t *lens, unsigned max)
{
	unsigned n = 0;

	send_marker();
	for (;;) {
		struct pollfd p = { .fd = capture, .events = POLLIN };
		uint8_t buf[2048];
		ssize_t len;

		ck_assert_msg(poll(&p, 1, 5000) == 1, "no marker within 5 s");
		len = recv(capture, buf, sizeof(buf), 0);
		ck_assert(len > 0);
		if (len >= 14 && buf[12] == (MARKER_ETHERTYPE >> 8) &&
		    buf[13] == (MARKER_ETHERTYPE & 0xff))
			return n;
		/* IPv6 UDP to the tunnel port; ND and MLD are not ours. */
		if (len < OFF_AMT || buf[12] != 0x86 || buf[13] != 0xdd ||
		    buf[OFF_OUTER + 6] != IPPROTO_UDP)
			continue;
		ck_assert_uint_lt(n, max);
		memcpy(frames[n], buf, (size_t)len);
		lens[n++] = (size_t)len;
	}
}

static void expect_copy(const uint8_t *got, size_t got_len,
			const uint8_t mac[6], const struct in6_addr *dst,
			uint16_t dport, const uint8_t *inner, size_t inner_len)
{
	struct tunnel_spec t = {
		.src = local,
		.dst = *dst,
		.sport = PORT,
		.dport = dport,
		.hop_limit = 17,
		.traffic_class = 0xb8,
	};
	uint8_t want[2048];
	size_t len;

	memcpy(t.dst_mac, mac, 6);
	memcpy(t.src_mac, up0_mac, 6);
	len = pkt_tunnel(want, &t, inner, inner_len);
	ck_assert_uint_eq(got_len, len);
	ck_assert_mem_eq(got, want, len);
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
	subscribe_tx(slots, 3);
	r = run_prog(dp.encap->progs.mdcs_encap, ov0, frame, len, out,
		     sizeof(out));
	ck_assert_int_eq(r.retval, TC_ACT_SHOT);
	ck_assert_uint_eq(collect(frames, lens, 4), 3);
	expect_copy(frames[0], lens[0], up1_mac, &r1, PORT, inner, inner_len);
	expect_copy(frames[1], lens[1], r2_mac, &r2, PORT, inner, inner_len);
	expect_copy(frames[2], lens[2], r3_mac, &r3, 2300, inner, inner_len);

	/* The peer's kernel checked the UDP checksum before delivering. */
	got = recv(udp_sock, dgram, sizeof(dgram), 0);
	ck_assert_int_eq(got, (ssize_t)(2 + inner_len));
	ck_assert_int_eq(dgram[0], AMT_DATA_OCTET0);
	ck_assert_mem_eq(dgram + 2, inner, inner_len);

	want[MDCS_CNT_ENCAP_PACKETS] = 1;
	want[MDCS_CNT_ENCAP_COPIES] = 3;
	want[MDCS_CNT_ENCAP_BYTES] = 3 * (MDCS_ENCAP_LEN + inner_len);
	expect_counters(want);
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
	subscribe_tx(slots, 1);
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
	uint8_t frame[2048], inner[2048], out[2048];
	uint64_t want[MDCS_CNT_MAX] = { 0 };
	struct in6_addr all_pim;
	size_t inner_len, len;
	struct run r;

	addr(&all_pim, "ff02::d");
	len = overlay_frame(frame, &all_pim, 30, inner, &inner_len);
	r = run_prog(dp.encap->progs.mdcs_encap, ov0, frame, len, out,
		     sizeof(out));
	ck_assert_int_eq(r.retval, TC_ACT_OK);
	ck_assert_uint_eq(r.out_len, len);
	ck_assert_mem_eq(out, frame, len);
	expect_counters(want);
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
	subscribe_tx(slots, 3);
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

static Suite *bpf_suite(void)
{
	Suite *s = suite_create("bpf");
	TCase *d = tcase_create("decap"), *e = tcase_create("encap");
	int n_bad = sizeof(bad_cases) / sizeof(bad_cases[0]);

	tcase_add_checked_fixture(d, setup, teardown);
	tcase_add_test(d, decap_valid);
	tcase_add_loop_test(d, decap_drops, 0, n_bad);
	tcase_add_loop_test(d, decap_passes_other_traffic, 0, 5);
	suite_add_tcase(s, d);

	tcase_add_checked_fixture(e, setup, teardown);
	tcase_set_timeout(e, 30);
	tcase_add_loop_test(e, encap_replicates, 0,
			    sizeof(payloads) / sizeof(payloads[0]));
	tcase_add_test(e, encap_drops_too_big);
	tcase_add_test(e, encap_drops_unknown_channel);
	tcase_add_test(e, encap_passes_link_local);
	tcase_add_test(e, encap_counts_failed_copies);
	suite_add_tcase(s, e);
	return s;
}

CHECK_MAIN(bpf_suite)
