/* The datapath test bed of the BPF tests: namespaces, links, remote RPs. */
#include <arpa/inet.h>
#include <check.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/pkt_cls.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "decap.skel.h"
#include "dp_fixture.h"
#include "percpu.h"
#include "encap.skel.h"
#include "proto/publish.h"
#include "prefix.h"
#include "sandbox.h"

#define MARKER_ETHERTYPE 0x88b5 /* IEEE local experimental */

struct datapath dp;
struct mdcs_dp_config dp_conf;
int up0, ov0, capture = -1, udp_sock = -1;
uint8_t up0_mac[6], up1_mac[6];
struct in6_addr local, r1, r2, r3, r_noneigh, r_loop, src_s, grp_g, grp_other,
	chan_src, peer_a, peer_out;
const uint8_t r2_mac[6] = { 0x02, 0, 0, 0, 0, 0x03 };
const uint8_t r3_mac[6] = { 0x02, 0, 0, 0, 0, 0x04 };

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

void dp_setup(void)
{
	const char *pins = sandbox_enter();
	struct prefix6 allowed;
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
	addr(&chan_src, "2001:db8:1:ffff::1");
	addr(&peer_a, "2001:db8:1:5::7");
	addr(&peer_out, "2001:db8:9::7");

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
	dp_conf = (struct mdcs_dp_config){
		.local = local,
		.port = htons(PORT),
		.hop_limit = 17,
		.traffic_class = 0xb8,
		.overlay_ifindex = (uint32_t)ov0,
		.inner_mtu = MDCS_INNER_MTU_DEFAULT,
		.overlay_hlen = MDCS_ETH_HLEN,
		.channel_source = chan_src,
		.publish_port = htons(MDCS_PUBLISH_PORT),
		.channel_port = htons(MDCS_CHANNEL_PORT),
		.channel_hop_limit = 33,
		.publish_interval_ns = 1000000,	 /* 1000 per second */
		.publish_tolerance_ns = 9000000, /* bursts of 10 */
	};
	ck_assert_int_eq(datapath_set_config(&dp, &dp_conf), 0);
	ck_assert(prefix6_parse("2001:db8:1::/48", &allowed));
	ck_assert_int_eq(datapath_set_publishers(&dp, &allowed, 1), 0);
	ck_assert_int_eq(datapath_set_rp(&dp, SLOT_R1, &r1, PORT), 0);
	ck_assert_int_eq(datapath_set_rp(&dp, SLOT_R2, &r2, PORT), 0);
	ck_assert_int_eq(datapath_set_rp(&dp, SLOT_R3, &r3, 2300), 0);
	ck_assert_int_eq(datapath_set_rp(&dp, SLOT_NONEIGH, &r_noneigh, PORT),
			 0);
	ck_assert_int_eq(datapath_set_rp(&dp, SLOT_LOOP, &r_loop, PORT), 0);
}

void dp_teardown(void)
{
	if (capture >= 0)
		close(capture);
	if (udp_sock >= 0)
		close(udp_sock);
	datapath_close(&dp, false);
	sandbox_leave();
}

/* A per-CPU map value, summed over the CPUs, as n 64-bit counters. */
static void percpu_map_sum(struct bpf_map *map, uint32_t key, uint64_t *sum,
			   unsigned n)
{
	ck_assert_int_eq(percpu_sum(bpf_map__fd(map), key, sum, n), 0);
}

uint64_t counter(enum mdcs_counter c)
{
	uint64_t sum;

	percpu_map_sum(dp.encap->maps.counters, c, &sum, 1);
	return sum;
}

struct mdcs_channel_traffic channel_traffic(uint32_t stats)
{
	struct mdcs_channel_traffic t;

	ck_assert_int_eq(datapath_channel_traffic(&dp, stats, &t), 0);
	return t;
}

struct mdcs_rp_traffic rp_traffic(uint32_t slot)
{
	struct mdcs_rp_traffic t;

	ck_assert_int_eq(datapath_rp_traffic(&dp, slot, &t), 0);
	return t;
}

/* Every counter is zero but those named, which have the values given. */
void expect_counters(const uint64_t want[MDCS_CNT_MAX])
{
	for (int c = 0; c < MDCS_CNT_MAX; c++)
		ck_assert_msg(counter(c) == want[c],
			      "counter %d is %llu, expected %llu", c,
			      (unsigned long long)counter(c),
			      (unsigned long long)want[c]);
}

struct run run_prog(struct bpf_program *prog, int ifindex, const uint8_t *in,
		    size_t len, uint8_t *out, size_t cap)
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

void expect_passed(struct bpf_program *prog, int ifindex, const uint8_t *frame,
		   size_t len)
{
	static const uint64_t none[MDCS_CNT_MAX];
	uint8_t out[2048];
	struct run r = run_prog(prog, ifindex, frame, len, out, sizeof(out));

	ck_assert_int_eq(r.retval, TC_ACT_OK);
	ck_assert_uint_eq(r.out_len, len);
	ck_assert_mem_eq(out, frame, len);
	expect_counters(none);
}

void subscribe_rx(const struct in6_addr *g, uint32_t slot, uint32_t stats)
{
	struct mdcs_channel ch = { src_s, *g };
	struct mdcs_rx rx = { slot, stats };

	ck_assert_int_eq(datapath_set_rx(&dp, &ch, &rx), 0);
}

void subscribe_tx(const struct mdcs_channel *ch, const uint16_t *slots,
		  unsigned n, uint32_t stats)
{
	struct mdcs_fanout f = { .stats = stats, .count = (uint16_t)n };

	memcpy(f.slot, slots, n * sizeof(*slots));
	ck_assert_int_eq(datapath_set_fanout(&dp, ch, &f), 0);
}

struct tunnel_spec good_tunnel(void)
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

size_t good_frame(uint8_t *frame, uint8_t *inner, size_t *inner_len)
{
	struct tunnel_spec t = good_tunnel();

	*inner_len = pkt_channel(inner, &src_s, &grp_g, 64, 100);
	return pkt_tunnel(frame, &t, inner, *inner_len);
}

size_t overlay_frame(uint8_t *frame, const struct in6_addr *g, size_t payload,
		     uint8_t *inner, size_t *inner_len)
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

/* Send a marker frame out of ifindex: whatever a capture at its far end
 * reads before it is everything sent before. */
static void send_marker(int ifindex)
{
	struct sockaddr_ll ll = { .sll_family = AF_PACKET,
				  .sll_ifindex = ifindex,
				  .sll_halen = 6 };
	uint8_t frame[60] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	int s = socket(AF_PACKET, SOCK_RAW, 0);

	ck_assert(s >= 0);
	frame[12] = MARKER_ETHERTYPE >> 8;
	frame[13] = MARKER_ETHERTYPE & 0xff;
	memset(ll.sll_addr, 0xff, 6);
	ck_assert(sendto(s, frame, sizeof(frame), 0, (struct sockaddr *)&ll,
			 sizeof(ll)) == sizeof(frame));
	close(s);
}

unsigned collect_on(int sock, int marker_ifindex, uint8_t frames[][2048],
		    size_t *lens, unsigned max)
{
	unsigned n = 0;

	send_marker(marker_ifindex);
	for (;;) {
		struct pollfd p = { .fd = sock, .events = POLLIN };
		uint8_t buf[2048];
		ssize_t len;

		ck_assert_msg(poll(&p, 1, 5000) == 1, "no marker within 5 s");
		len = recv(sock, buf, sizeof(buf), 0);
		ck_assert(len > 0);
		if (len >= 14 && buf[12] == (MARKER_ETHERTYPE >> 8) &&
		    buf[13] == (MARKER_ETHERTYPE & 0xff))
			return n;
		/* IPv6 UDP only: ND and MLD are not ours. */
		if (len < OFF_AMT || buf[12] != 0x86 || buf[13] != 0xdd ||
		    buf[OFF_OUTER + 6] != IPPROTO_UDP)
			continue;
		ck_assert_uint_lt(n, max);
		memcpy(frames[n], buf, (size_t)len);
		lens[n++] = (size_t)len;
	}
}

unsigned collect(uint8_t frames[][2048], size_t *lens, unsigned max)
{
	return collect_on(capture, up0, frames, lens, max);
}

int tap_on(int ifindex)
{
	struct sockaddr_ll ll = { .sll_family = AF_PACKET,
				  .sll_protocol = htons(ETH_P_ALL),
				  .sll_ifindex = ifindex };
	int bufsize = 16 << 20,
	    s = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ALL));

	ck_assert(s >= 0);
	ck_assert(setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &bufsize,
			     sizeof(bufsize)) == 0);
	ck_assert(bind(s, (struct sockaddr *)&ll, sizeof(ll)) == 0);
	return s;
}

void expect_copy(const uint8_t *got, size_t got_len, const uint8_t mac[6],
		 const struct in6_addr *dst, uint16_t dport,
		 const uint8_t *inner, size_t inner_len)
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
