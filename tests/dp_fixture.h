/* The datapath test bed of the BPF tests: namespaces, links, remote RPs. */
#ifndef MDCS_TEST_DP_FIXTURE_H
#define MDCS_TEST_DP_FIXTURE_H

/*
 *   sandbox netns (this RP)                    peer netns (remote RP R1)
 *   +------------------------------+           +------------------------+
 *   | ov0 (overlay, Ethernet kind) |           |                        |
 *   |   encap runs on its packets; |           |                        |
 *   |   ov1 is its far end         |           |                        |
 *   | up0 2001:db8:ff::1 ----------+--- veth --+- up1 2001:db8:ff::2     |
 *   |   decap runs on its packets  |           |   UDP socket :2268     |
 *   +------------------------------+           |   packet capture       |
 *                                              +------------------------+
 *
 * R2 and R3 are neighbors with made-up MAC addresses on up0: their copies
 * also arrive at up1, where the capture sees them.  R_noneigh has a route
 * but no neighbor; R_loop's route leads into the overlay.  Ordinary tc
 * programs see an Ethernet header in BPF_PROG_TEST_RUN, so the overlay here
 * is of the Ethernet kind; the topotests cover rpd's tun overlay.
 *
 * Publishing is on: the channel source is 2001:db8:1:ffff::1, hosts in
 * 2001:db8:1::/48 may publish, 1000 a second in bursts of 10.
 */

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "packets.h"
#include "proto/tunnel.h"
#include "rpd/datapath.h"

#define PORT MDCS_TUNNEL_PORT

enum { SLOT_R1, SLOT_R2, SLOT_R3, SLOT_NONEIGH, SLOT_LOOP };

extern struct datapath dp;
extern struct mdcs_dp_config dp_conf; /* as set up; tests may change it */
extern int up0, ov0, capture, udp_sock;
extern uint8_t up0_mac[6], up1_mac[6];
extern const uint8_t r2_mac[6], r3_mac[6];
/* remote RPs; a channel's source and groups; the channel source and
 * publishers inside and outside the allowed prefix */
extern struct in6_addr local, r1, r2, r3, r_noneigh, r_loop, src_s, grp_g,
	grp_other, chan_src, peer_a, peer_out;

void dp_setup(void);
void dp_teardown(void);

/* Counters, summed over the CPUs. */
uint64_t counter(enum mdcs_counter c);
struct mdcs_channel_traffic channel_traffic(uint32_t stats);
struct mdcs_rp_traffic rp_traffic(uint32_t slot);

/* Every counter is zero but those named, which have the values given. */
void expect_counters(const uint64_t want[MDCS_CNT_MAX]);

struct run {
	int retval;
	uint32_t out_len;
};

struct run run_prog(struct bpf_program *prog, int ifindex, const uint8_t *in,
		    size_t len, uint8_t *out, size_t cap);

/* prog lets the frame through untouched (TC_ACT_OK, the same octets) and
 * counts nothing. */
void expect_passed(struct bpf_program *prog, int ifindex, const uint8_t *frame,
		   size_t len);

void subscribe_rx(const struct in6_addr *g, uint32_t slot, uint32_t stats);
void subscribe_tx(const struct mdcs_channel *ch, const uint16_t *slots,
		  unsigned n, uint32_t stats);

/* A tunnel frame from R1 to this RP carrying (src_s, grp_g). */
struct tunnel_spec good_tunnel(void);
size_t good_frame(uint8_t *frame, uint8_t *inner, size_t *inner_len);

/* A channel packet on the overlay, with its Ethernet header. */
size_t overlay_frame(uint8_t *frame, const struct in6_addr *g, size_t payload,
		     uint8_t *inner, size_t *inner_len);

/* IPv6/UDP frames read from sock until a marker sent out of marker_ifindex
 * arrives; collect() reads what reached up1. */
unsigned collect_on(int sock, int marker_ifindex, uint8_t frames[][2048],
		    size_t *lens, unsigned max);
unsigned collect(uint8_t frames[][2048], size_t *lens, unsigned max);

/* A packet socket on ifindex of this namespace, with a 16 MiB buffer: it
 * sees every frame the device sends, before the peer's backlog (1000
 * frames by default) can drop a burst. */
int tap_on(int ifindex);

/* got is the copy of inner for the RP at dst:dport, MAC mac, byte for
 * byte. */
void expect_copy(const uint8_t *got, size_t got_len, const uint8_t mac[6],
		 const struct in6_addr *dst, uint16_t dport,
		 const uint8_t *inner, size_t inner_len);

#endif
