// SPDX-License-Identifier: GPL-2.0
/*
 * Overlay egress: encapsulate a channel's packets and replicate them to
 * every subscribed remote RP; re-originate peers' publications.
 *
 * pim6d forwards a channel onto the overlay link once rpd has joined it on
 * behalf of remote RPs.  Each such packet is looked up by (S,G), gets one
 * outer IPv6/UDP/AMT header, and one copy per subscribed RP leaves through
 * the interface the FIB picks for that RP: clones, and the packet itself
 * as the last copy.
 *
 * A publication, unicast from a peer to the RP's channel-source address,
 * also reaches the overlay by its route; it becomes a packet of the channel
 * (S_rp, G), of which one copy enters the overlay's ingress for delivery in
 * the AS and the rest are replicated like any channel's.  Everything else
 * (PIM and MLD for rpd, other unicast) passes untouched.
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
#include "publish.bpf.h"

static __always_inline int grow_head(struct __sk_buff *skb, __u32 l2)
{
	if (l2)
		return bpf_skb_adjust_room(skb, MDCS_ENCAP_LEN,
					   BPF_ADJ_ROOM_MAC, 0);
	return bpf_skb_change_head(skb, MDCS_ETH_HLEN + MDCS_ENCAP_LEN, 0);
}

/* Encapsulate the channel packet at l2 once, send a copy per subscriber. */
static __always_inline int replicate(struct __sk_buff *skb,
				     const struct mdcs_dp_config *cfg, __u32 l2,
				     const struct mdcs_fanout *fanout)
{
	struct fanout_walk w = {};
	__u32 inner_len = skb->len - l2, count, last;
	__u64 inner_sum = 0;

	if (inner_len > cfg->inner_mtu || inner_len > MDCS_INNER_MTU_MAX)
		return drop(MDCS_CNT_DROP_TOO_BIG);
	/* The checksum reads the whole packet straight from the buffer. */
	if (bpf_skb_pull_data(skb, skb->len) ||
	    sum_packet(skb, l2, inner_len, &inner_sum))
		return drop(MDCS_CNT_DROP_TRUNCATED);
	if (grow_head(skb, l2) ||
	    fanout_begin(&w, skb, cfg, fanout, inner_len, inner_sum))
		return drop(MDCS_CNT_DROP_NO_ROOM);

	count = fanout_count(fanout);
	if (count > 1)
		bpf_loop(count - 1, send_copy, &w, 0);
	last = count ? prepare_copy(&w, count - 1, 1) : 0;
	if (last)
		copy_sent(&w);

	channel_count(fanout->stats, inner_len, w.copies);
	count_add(MDCS_CNT_ENCAP_PACKETS, 1);
	count_add(MDCS_CNT_ENCAP_COPIES, w.copies);
	count_add(MDCS_CNT_ENCAP_BYTES, (__u64)w.copies * w.outer_len);
	if (!last)
		return TC_ACT_SHOT;
	if (w.resolve)
		return bpf_redirect_neigh(last, &w.gateway, sizeof(w.gateway),
					  0);
	return bpf_redirect(last, 0);
}

SEC("tc")
int mdcs_encap(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	const struct mdcs_dp_config *cfg = dp_config_get();
	struct mdcs_fanout *fanout;
	struct mdcs_channel ch;
	struct ipv6hdr *ip6;
	__u32 l2;
	int reason;

	if (!cfg || skb->protocol != bpf_htons(ETH_P_IPV6))
		return TC_ACT_OK;
	l2 = cfg->overlay_hlen ? MDCS_ETH_HLEN : 0;
	ip6 = data + l2;
	if ((void *)(ip6 + 1) > data_end || ip6->version != 6)
		return TC_ACT_OK;

	if (ROUTABLE_MULTICAST(ip6->daddr)) {
		ch.source = ip6->saddr;
		ch.group = ip6->daddr;
		fanout = bpf_map_lookup_elem(&tx_channels, &ch);
		if (!fanout)
			return drop(MDCS_CNT_DROP_NO_CHANNEL);
		return replicate(skb, cfg, l2, fanout);
	}
	if (!is_publication(cfg, l2, data, data_end))
		return TC_ACT_OK;
	reason = republish(skb, cfg, l2, &ch);
	if (reason)
		return drop(reason);
	/* Without remote subscribers, delivery in the AS was all. */
	fanout = bpf_map_lookup_elem(&tx_channels, &ch);
	if (!fanout)
		return TC_ACT_SHOT;
	return replicate(skb, cfg, l2, fanout);
}

char LICENSE[] SEC("license") = "GPL";
