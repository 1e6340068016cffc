/* Publications: checked, rate-limited and re-originated as channel packets. */
#ifndef MDCS_PUBLISH_BPF_H
#define MDCS_PUBLISH_BPF_H

#include <linux/bpf.h>
#include <linux/in.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "proto/publish.h"
#include "maps.bpf.h"
#include "packet.bpf.h"

/* A publication from its IPv6 header on (no padding: 40 + 8 + 20). */
struct publication {
	struct ipv6hdr ip6;
	struct udphdr udp;
	struct mdcs_pub_hdr pub;
};

#define PUB_HOP_OFF   7	 /* hop limit, then source and destination */
#define PUB_PORTS_OFF 40 /* UDP source and destination ports */
#define PUB_CHECK_OFF 46 /* UDP checksum */
#define PUB_HDR_OFF   48 /* mdcs_pub_hdr, rewritten as mdcs_chan_hdr */

static __always_inline int is_publication(const struct mdcs_dp_config *cfg,
					  __u32 l2, void *data, void *data_end)
{
	struct publication *p = data + l2;

	/* Publishing is off while the channel source is :: */
	if ((void *)&p->pub > data_end || IN6_IS_ZERO(cfg->channel_source))
		return 0;
	return p->ip6.nexthdr == IPPROTO_UDP &&
	       IN6_EQUAL(p->ip6.daddr, cfg->channel_source) &&
	       p->udp.dest == cfg->publish_port;
}

static __always_inline int publisher_allowed(const struct in6_addr *src)
{
	struct mdcs_prefix_key key = { .prefixlen = 128, .addr = *src };

	return bpf_map_lookup_elem(&publishers, &key) != NULL;
}

/*
 * GCRA: a publisher's theoretical arrival time moves one interval per
 * packet, never behind now; a packet that would put it more than the
 * tolerance ahead of now is over the rate.  The update is one compare and
 * swap; losing a race to another CPU counts the packet as over the rate.
 */
static __always_inline int within_rate(const struct mdcs_dp_config *cfg,
				       const struct in6_addr *src)
{
	__u64 now = bpf_ktime_get_ns();
	__u64 *tat = bpf_map_lookup_elem(&publisher_tat, src);
	__u64 old, base;

	if (!tat) {
		__u64 first = now + cfg->publish_interval_ns;

		return bpf_map_update_elem(&publisher_tat, src, &first,
					   BPF_NOEXIST) == 0;
	}
	old = *tat;
	base = old > now ? old : now;
	if (base - now > cfg->publish_tolerance_ns)
		return 0;
	return __sync_val_compare_and_swap(
		       tat, old, base + cfg->publish_interval_ns) == old;
}

/* What the rewrite changes, laid out for one checksum difference. */
struct pub_fields {
	struct in6_addr saddr;
	struct in6_addr daddr;
	__be16 sport;
	__be16 dport;
	struct mdcs_chan_hdr hdr; /* as mdcs_pub_hdr before the rewrite */
};

_Static_assert(sizeof(struct pub_fields) == 56,
	       "bpf_csum_diff takes multiples of four octets, no padding");

/* On an Ethernet overlay the kernel only accepts the group's own MAC. */
static __always_inline int set_mcast_mac(struct __sk_buff *skb, __u32 l2,
					 const struct in6_addr *group)
{
	__u8 mac[6] = { 0x33, 0x33 };

	if (!l2)
		return 0;
	__builtin_memcpy(&mac[2], &group->s6_addr[12], 4);
	return bpf_skb_store_bytes(skb, 0, mac, sizeof(mac), 0);
}

/*
 * Check a publication and turn it, in place, into a packet of the channel
 * (S_rp, G), whose copy then enters the overlay's ingress.  Returns 0 with
 * the channel in ch, or the reason to drop it.
 */
static __always_inline int republish(struct __sk_buff *skb,
				     const struct mdcs_dp_config *cfg, __u32 l2,
				     struct mdcs_channel *ch)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct publication *p = data + l2;
	struct pub_fields old, new;
	__u32 plen;
	__s64 diff;

	if ((void *)(p + 1) > data_end)
		return MDCS_CNT_DROP_PUBLISH_MALFORMED;
	plen = bpf_ntohs(p->ip6.payload_len);
	if (MDCS_IP6_HLEN + plen != skb->len - l2 ||
	    bpf_ntohs(p->udp.len) != plen || !p->udp.check ||
	    p->pub.version != MDCS_PUB_VERSION || !MDCS_SSM_GROUP(p->pub.group))
		return MDCS_CNT_DROP_PUBLISH_MALFORMED;
	if (!publisher_allowed(&p->ip6.saddr))
		return MDCS_CNT_DROP_PUBLISH_NOT_ALLOWED;
	if (!within_rate(cfg, &p->ip6.saddr))
		return MDCS_CNT_DROP_PUBLISH_RATE;

	old.saddr = p->ip6.saddr;
	old.daddr = p->ip6.daddr;
	old.sport = p->udp.source;
	old.dport = p->udp.dest;
	__builtin_memcpy(&old.hdr, &p->pub, sizeof(old.hdr));

	new.saddr = cfg->channel_source;
	new.daddr = p->pub.group;
	new.sport = cfg->publish_port;
	new.dport = cfg->channel_port;
	new.hdr.version = MDCS_PUB_VERSION;
	new.hdr.flags = 0;
	new.hdr.publisher_port = p->udp.source;
	new.hdr.publisher = p->ip6.saddr;

	ch->source = new.saddr;
	ch->group = new.daddr;
	diff = bpf_csum_diff((void *)&old, sizeof(old), (void *)&new,
			     sizeof(new), 0);
	if (diff < 0 ||
	    bpf_skb_store_bytes(skb, l2 + PUB_HOP_OFF, &cfg->channel_hop_limit,
				1, 0) ||
	    bpf_skb_store_bytes(skb, l2 + PUB_HOP_OFF + 1, &new.saddr, 32, 0) ||
	    bpf_skb_store_bytes(skb, l2 + PUB_PORTS_OFF, &new.sport, 4, 0) ||
	    bpf_skb_store_bytes(skb, l2 + PUB_HDR_OFF, &new.hdr,
				sizeof(new.hdr), 0) ||
	    bpf_l4_csum_replace(skb, l2 + PUB_CHECK_OFF, 0, (__u32)diff,
				BPF_F_PSEUDO_HDR | BPF_F_MARK_MANGLED_0))
		return MDCS_CNT_DROP_NO_ROOM;

	count_add(MDCS_CNT_PUBLISH_PACKETS, 1);
	if (set_mcast_mac(skb, l2, &ch->group) ||
	    bpf_clone_redirect(skb, cfg->overlay_ifindex, BPF_F_INGRESS))
		count_add(MDCS_CNT_DROP_INJECT, 1);
	return 0;
}

#endif
