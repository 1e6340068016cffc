// SPDX-License-Identifier: GPL-2.0
/*
 * Uplink ingress: check and decapsulate tunnelled channel packets, and hand
 * them to the overlay link as if they had arrived there.
 *
 * Only AMT data messages to this RP's tunnel address and port are touched.
 * Each must come from a known remote RP's endpoint, be well formed, and
 * carry a channel this RP subscribed to from that very RP; anything else of
 * that kind is dropped and counted.  The control protocol and the AMT
 * relay's messages on the same port, and all other traffic, pass to the
 * stack untouched.  Tunnel-mode peers (AMT gateways) subscribed to the
 * channel get a copy each before the packet is decapsulated.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "proto/tunnel.h"
#include "fanout.bpf.h"
#include "maps.bpf.h"
#include "packet.bpf.h"

struct tunnel_pkt {
	struct ethhdr eth;
	struct ipv6hdr outer;
	struct udphdr udp;
	struct amt_data_hdr amt;
	struct ipv6hdr inner;
} __attribute__((packed));

/* Look the sender up: its slot, or the reason it is refused. */
static __always_inline int sender_slot(const struct tunnel_pkt *p, __u32 *slot)
{
	struct mdcs_endpoint ep = {};
	__u32 *v;

	ep.addr = p->outer.saddr;
	ep.port = p->udp.source;
	v = bpf_map_lookup_elem(&rp_endpoints, &ep);
	if (v && ep.port) {
		*slot = *v;
		return 0;
	}
	ep.port = 0;
	if (bpf_map_lookup_elem(&rp_endpoints, &ep))
		return MDCS_CNT_DROP_WRONG_PORT;
	return MDCS_CNT_DROP_UNKNOWN_RP;
}

/* Checks on the lengths and the inner header, in the order they can fail. */
static __always_inline int check_inner(const struct tunnel_pkt *p, __u32 len)
{
	__u32 outer_len = len - MDCS_ETH_HLEN;
	__u32 payload = bpf_ntohs(p->outer.payload_len);

	if (MDCS_IP6_HLEN + payload > outer_len)
		return MDCS_CNT_DROP_TRUNCATED;
	if (MDCS_IP6_HLEN + payload != outer_len ||
	    bpf_ntohs(p->udp.len) != payload ||
	    MDCS_ENCAP_LEN + MDCS_IP6_HLEN + bpf_ntohs(p->inner.payload_len) !=
		    outer_len)
		return MDCS_CNT_DROP_BAD_LENGTH;
	if (p->inner.version != 6)
		return MDCS_CNT_DROP_BAD_VERSION;
	if (!ROUTABLE_MULTICAST(p->inner.daddr))
		return MDCS_CNT_DROP_NOT_MULTICAST;
	/* The RP's own forwarding takes one hop; it must not be the last. */
	if (p->inner.hop_limit < 2)
		return MDCS_CNT_DROP_HOP_LIMIT;
	return 0;
}

static __always_inline int check_channel(const struct tunnel_pkt *p, __u32 slot,
					 struct mdcs_channel *ch, __u32 *stats)
{
	struct mdcs_rx *rx;

	ch->source = p->inner.saddr;
	ch->group = p->inner.daddr;
	rx = bpf_map_lookup_elem(&rx_channels, ch);
	if (!rx)
		return MDCS_CNT_DROP_NOT_SUBSCRIBED;
	if (rx->slot != slot)
		return MDCS_CNT_DROP_WRONG_RP;
	*stats = rx->stats;
	return 0;
}

#define IPPROTO_FRAGMENT_HDR 44
#define MAX_EXT_HEADERS	     4

/*
 * Packets to the tunnel address whose first header is not UDP.  mdcs sends
 * neither fragments nor extension headers; a packet whose chain of them
 * leads to UDP for the tunnel port is dropped and counted, deliberately:
 * the first fragment of a fragmented one, since its port is only there.
 * Anything else (ICMPv6, later fragments, other ports) is the stack's.
 */
static __always_inline int ext_header_reason(struct __sk_buff *skb,
					     const struct mdcs_dp_config *cfg,
					     __u8 nexthdr)
{
	__u32 off = MDCS_ETH_HLEN + MDCS_IP6_HLEN;
	int fragment = 0;

#pragma unroll
	for (int i = 0; i < MAX_EXT_HEADERS; i++) {
		__u8 hdr[4];

		if (bpf_skb_load_bytes(skb, off, hdr, sizeof(hdr)))
			return 0;
		switch (nexthdr) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
			nexthdr = hdr[0];
			off += (hdr[1] + 1) * 8;
			break;
		case IPPROTO_FRAGMENT_HDR:
			/* fragment offset, 13 bits, in octets 2 and 3 */
			if ((hdr[2] << 8 | (hdr[3] & 0xf8)) != 0)
				return 0;
			fragment = 1;
			nexthdr = hdr[0];
			off += 8;
			break;
		case IPPROTO_UDP:
			/* hdr holds the source port, then the destination */
			if (*(__be16 *)&hdr[2] != cfg->port)
				return 0;
			return fragment ? MDCS_CNT_DROP_FRAGMENT
					: MDCS_CNT_DROP_EXT_HEADER;
		default:
			return 0;
		}
	}
	return 0;
}

/* On an Ethernet overlay the kernel only accepts the group's own MAC. */
static __always_inline int set_group_mac(struct __sk_buff *skb,
					 const struct mdcs_dp_config *cfg)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct ipv6hdr *ip6 = (void *)(eth + 1);

	if (!cfg->overlay_hlen)
		return 0;
	if ((void *)(ip6 + 1) > data_end)
		return -1;
	eth->h_dest[0] = 0x33;
	eth->h_dest[1] = 0x33;
	__builtin_memcpy(&eth->h_dest[2], &ip6->daddr.s6_addr[12], 4);
	return 0;
}

/*
 * A copy of the tunnel packet, as it came (len octets), to each gateway
 * subscribed to its channel: the outer header is rewritten from this RP
 * to the gateway, the inner packet stays.  All copies are clones; the
 * packet itself goes on to be decapsulated, with its own headers.
 * Remote RPs in the fanout get nothing: an RP never relays another's
 * channel to a third.
 */
static __always_inline void to_gateways(struct __sk_buff *skb,
					const struct mdcs_dp_config *cfg,
					const struct mdcs_fanout *fanout,
					__u32 len)
{
	__u32 inner_len = len - MDCS_ETH_HLEN - MDCS_ENCAP_LEN;
	struct fanout_walk w = {};
	__u64 inner_sum = 0;
	struct encap_hdr outer;

	if (inner_len > MDCS_INNER_MTU_MAX) {
		drop(MDCS_CNT_DROP_TOO_BIG);
		return;
	}
	if (bpf_skb_pull_data(skb, len) ||
	    sum_packet(skb, MDCS_ETH_HLEN + MDCS_ENCAP_LEN, inner_len,
		       &inner_sum)) {
		drop(MDCS_CNT_DROP_TRUNCATED);
		return;
	}
	if (bpf_skb_load_bytes(skb, 0, &outer, sizeof(outer)) ||
	    fanout_begin(&w, skb, cfg, fanout, inner_len, inner_sum)) {
		drop(MDCS_CNT_DROP_NO_ROOM);
		return;
	}
	w.gateways_only = 1;
	bpf_loop(fanout_count(fanout), send_copy, &w, 0);
	/* All headers as they came: decapsulation takes the outer ones off
	 * the packet's checksum state as they were. */
	bpf_skb_store_bytes(skb, 0, &outer, sizeof(outer), 0);
	channel_count(fanout->stats, inner_len, w.copies);
	count_add(MDCS_CNT_ENCAP_COPIES, w.copies);
	count_add(MDCS_CNT_ENCAP_BYTES, (__u64)w.copies * w.outer_len);
}

SEC("tc")
int mdcs_decap(struct __sk_buff *skb)
{
	const struct mdcs_dp_config *cfg = dp_config_get();
	__u32 slot, stats, inner_len, len = skb->len;
	const struct mdcs_fanout *fanout;
	struct mdcs_channel ch;
	struct tunnel_pkt *p;
	void *data_end;
	int reason;

	if (!cfg)
		return TC_ACT_OK;
	/* The headers may not all sit in the linear part of the buffer. */
	if (len >= sizeof(*p) &&
	    (long)skb->data + sizeof(*p) > (long)skb->data_end)
		bpf_skb_pull_data(skb, sizeof(*p));
	p = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	/* Everything but UDP to the tunnel address is somebody else's. */
	if ((void *)&p->udp > data_end ||
	    p->eth.h_proto != bpf_htons(ETH_P_IPV6) || p->outer.version != 6 ||
	    !IN6_EQUAL(p->outer.daddr, cfg->local))
		return TC_ACT_OK;
	if (p->outer.nexthdr != IPPROTO_UDP) {
		reason = ext_header_reason(skb, cfg, p->outer.nexthdr);
		return reason ? drop(reason) : TC_ACT_OK;
	}
	/* A UDP header cut short to the tunnel address is no one's. */
	if ((void *)&p->amt > data_end)
		return drop(MDCS_CNT_DROP_TRUNCATED);
	/* Other ports, empty datagrams and the control protocol are the
	 * stack's, and rpd's; only AMT data messages are ours. */
	if (p->udp.dest != cfg->port || (void *)&p->amt + 1 > data_end ||
	    (p->amt.version_type & 0x0f) != AMT_TYPE_MCAST_DATA)
		return TC_ACT_OK;
	if (p->amt.version_type >> 4 != AMT_VERSION)
		return drop(MDCS_CNT_DROP_BAD_VERSION);
	if ((void *)&p->inner > data_end)
		return drop(MDCS_CNT_DROP_TRUNCATED);

	reason = sender_slot(p, &slot);
	if (reason)
		return drop(reason);
	if ((void *)(p + 1) > data_end)
		return drop(MDCS_CNT_DROP_TRUNCATED);
	reason = check_inner(p, len);
	if (!reason)
		reason = check_channel(p, slot, &ch, &stats);
	if (reason)
		return drop(reason);
	fanout = bpf_map_lookup_elem(&tx_channels, &ch);
	if (fanout)
		to_gateways(skb, cfg, fanout, len);

	if (bpf_skb_adjust_room(skb, -MDCS_ENCAP_LEN, BPF_ADJ_ROOM_MAC, 0) ||
	    set_group_mac(skb, cfg))
		return drop(MDCS_CNT_DROP_NO_ROOM);
	inner_len = len - MDCS_ETH_HLEN - MDCS_ENCAP_LEN;
	channel_count(stats, inner_len, 0);
	rp_count(slot, 1, inner_len);
	count_add(MDCS_CNT_DECAP_PACKETS, 1);
	count_add(MDCS_CNT_DECAP_BYTES, inner_len);
	return bpf_redirect(cfg->overlay_ifindex, BPF_F_INGRESS);
}

char LICENSE[] SEC("license") = "GPL";
