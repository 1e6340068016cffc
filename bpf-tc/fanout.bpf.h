/* Copies of a tunnel packet to every subscriber of its channel. */
#ifndef MDCS_FANOUT_BPF_H
#define MDCS_FANOUT_BPF_H

/*
 * Encapsulation sends a channel's packets to the remote RPs and gateways
 * subscribed; decapsulation copies a remote channel's packets to the
 * gateways subscribed here.  Both write one outer header template in front
 * of the inner packet, then per copy only what differs (MAC addresses,
 * destination, port and checksum), and send clones.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "proto/tunnel.h"
#include "maps.bpf.h"
#include "packet.bpf.h"

#ifndef AF_INET6
#define AF_INET6 10
#endif

/* Everything in front of the inner packet, as it goes on the wire. */
struct encap_hdr {
	struct ethhdr eth;
	struct ipv6hdr ip6;
	struct udphdr udp;
	struct amt_data_hdr amt;
} __attribute__((packed));

/* What differs between copies (MAC addresses, outer destination, UDP port
 * and checksum) lies before the AMT header: one write per copy. */
#define COPY_HEAD_LEN __builtin_offsetof(struct encap_hdr, amt)

_Static_assert(sizeof(struct encap_hdr) == MDCS_ETH_HLEN + MDCS_ENCAP_LEN,
	       "encapsulation header size");

/* Sum of the UDP checksum's fixed parts: all but the destination and port. */
static __always_inline __u64 fixed_sum(const struct encap_hdr *h,
				       const struct in6_addr *src, __u64 inner)
{
	__u32 words[4] = {};

	/* pseudo-header length and next header, as 32-bit fields */
	words[0] = bpf_htonl(bpf_ntohs(h->udp.len));
	words[1] = bpf_htonl(IPPROTO_UDP);
	/* source port beside a zero destination port, length beside zero */
	__builtin_memcpy(&words[2], &h->udp.source, 2);
	__builtin_memcpy(&words[3], &h->udp.len, 2);
	/* the AMT header's two octets, still 16-bit aligned */
	__u32 amt = 0;

	__builtin_memcpy(&amt, &h->amt, sizeof(h->amt));
	return sum_in6(src) + words[0] + words[1] + words[2] + words[3] + amt +
	       inner;
}

static __always_inline __u16 copy_csum(__u64 fixed, const struct mdcs_rp *rp)
{
	__u32 port = 0;
	__u16 c;

	__builtin_memcpy(&port, &rp->port, 2);
	c = csum_fold64(fixed + sum_in6(&rp->addr) + port);
	return c ? c : 0xffff; /* zero means "no checksum" in UDP */
}

/*
 * Where copies to each remote RP go: the FIB's answer, kept per CPU for
 * NEXTHOP_TTL_NS, since a FIB lookup per copy would cost a third of it.  A
 * route or neighbor change thus takes effect within that time; rpd clears
 * a slot's entry when it gives the slot to another RP.  An entry is made
 * only when a packet of the inner MTU fits the route, so that any packet
 * may use it; otherwise each packet is looked up on its own.
 */
#define NEXTHOP_TTL_NS 100000000ULL

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MDCS_MAX_SLOTS);
	__type(key, __u32);
	__type(value, struct mdcs_nexthop);
} nexthops SEC(".maps");

/* What each copy needs; bpf_loop hands it to send_copy. */
struct fanout_walk {
	struct __sk_buff *skb;
	const struct mdcs_dp_config *cfg;
	const struct mdcs_fanout *fanout;
	__u64 fixed;
	__u64 now;
	__u32 outer_len;
	__u32 copies;
	__u32 slot;	     /* of the copy prepare_copy wrote */
	__u32 gateways_only; /* skip remote RPs' slots */
	__u32 resolve;	     /* the last copy's neighbor is unresolved, */
	struct bpf_redir_neigh gateway; /* and the kernel resolves it */
	struct encap_hdr h;
};

static __always_inline int fib_nexthop(struct fanout_walk *w,
				       const struct mdcs_rp *rp, __u32 tot_len,
				       struct mdcs_nexthop *nh)
{
	const struct mdcs_dp_config *cfg = w->cfg;
	struct bpf_fib_lookup fib = {};
	long rc;

	fib.family = AF_INET6;
	fib.l4_protocol = IPPROTO_UDP;
	fib.sport = cfg->port;
	fib.dport = rp->port;
	fib.tot_len = (__u16)tot_len;
	fib.ifindex = cfg->overlay_ifindex;
	__builtin_memcpy(fib.ipv6_src, &cfg->local, 16);
	__builtin_memcpy(fib.ipv6_dst, &rp->addr, 16);
	rc = bpf_fib_lookup(w->skb, &fib, sizeof(fib), 0);
	/* A route to an RP through the overlay would feed this program. */
	if ((rc == BPF_FIB_LKUP_RET_SUCCESS ||
	     rc == BPF_FIB_LKUP_RET_NO_NEIGH) &&
	    fib.ifindex == cfg->overlay_ifindex)
		return MDCS_CNT_DROP_ROUTE_LOOP;
	switch (rc) {
	case BPF_FIB_LKUP_RET_SUCCESS:
		nh->ifindex = fib.ifindex;
		__builtin_memcpy(nh->macs, fib.dmac, ETH_ALEN);
		__builtin_memcpy(nh->macs + ETH_ALEN, fib.smac, ETH_ALEN);
		return 0;
	case BPF_FIB_LKUP_RET_NO_NEIGH:
		nh->ifindex = fib.ifindex;
		w->gateway.nh_family = AF_INET6;
		__builtin_memcpy(w->gateway.ipv6_nh, fib.ipv6_dst, 16);
		return MDCS_CNT_DROP_NO_NEIGHBOR;
	case BPF_FIB_LKUP_RET_FRAG_NEEDED:
		return MDCS_CNT_DROP_TOO_BIG;
	default:
		return MDCS_CNT_DROP_NO_ROUTE;
	}
}

/* The next hop for a copy to the RP in slot: 0, or the reason to drop. */
static __always_inline int route(struct fanout_walk *w, __u32 slot,
				 const struct mdcs_rp *rp,
				 struct mdcs_nexthop *nh)
{
	__u32 largest = MDCS_ENCAP_LEN + w->cfg->inner_mtu;
	struct mdcs_nexthop *cached = bpf_map_lookup_elem(&nexthops, &slot);
	int reason;

	if (cached && cached->expires_ns > w->now) {
		*nh = *cached;
		return 0;
	}
	reason = fib_nexthop(w, rp, largest, nh);
	if (reason != MDCS_CNT_DROP_TOO_BIG) {
		if (!reason && cached) {
			nh->expires_ns = w->now + NEXTHOP_TTL_NS;
			*cached = *nh;
		}
		return reason;
	}
	return fib_nexthop(w, rp, w->outer_len, nh);
}

/*
 * Route the copy to the i-th subscriber and write its headers: the outgoing
 * interface, or 0 with the reason counted.  The last copy, the packet
 * itself, may go to a next hop whose neighbor entry is not resolved: the
 * kernel resolves it and holds the packet meanwhile (bpf_redirect_neigh),
 * as it does for its own packets, and later copies find it resolved.
 */
static __attribute__((noinline)) __u32 prepare_copy(struct fanout_walk *w,
						    __u32 i, __u32 last)
{
	struct mdcs_nexthop nh = {};
	const struct mdcs_rp *rp;
	__u32 slot;
	int reason;

	if (i >= MDCS_MAX_FANOUT)
		return 0;
	slot = w->fanout->slot[i];
	if (w->gateways_only && slot < MDCS_GATEWAY_SLOT0)
		return 0;
	rp = bpf_map_lookup_elem(&remote_rps, &slot);
	if (!rp || !rp->in_use)
		return 0;
	reason = route(w, slot, rp, &nh);
	w->resolve = last && reason == MDCS_CNT_DROP_NO_NEIGHBOR;
	if (reason && !w->resolve) {
		drop(reason);
		return 0;
	}
	__builtin_memcpy(w->h.eth.h_dest, nh.macs, sizeof(nh.macs));
	w->h.ip6.daddr = rp->addr;
	w->h.udp.dest = rp->port;
	w->h.udp.check = copy_csum(w->fixed, rp);
	if (bpf_skb_store_bytes(w->skb, 0, &w->h, COPY_HEAD_LEN, 0)) {
		drop(MDCS_CNT_DROP_CLONE);
		return 0;
	}
	w->slot = slot;
	return nh.ifindex;
}

static __always_inline void copy_sent(struct fanout_walk *w)
{
	rp_count(w->slot, 0, w->outer_len);
	w->copies++;
}

/* Every copy but the last is a clone; the last one is the packet itself. */
static long send_copy(__u32 i, void *arg)
{
	struct fanout_walk *w = arg;
	__u32 ifindex = prepare_copy(w, i, 0);

	if (!ifindex)
		return 0;
	if (bpf_clone_redirect(w->skb, ifindex, 0)) {
		/* dropped on its way, e.g. by a full queue */
		drop(MDCS_CNT_DROP_CLONE);
		return 0;
	}
	copy_sent(w);
	return 0;
}

/*
 * Write the outer header template for an inner packet of inner_len octets
 * whose own sum is inner_sum, at the start of the packet (room for it must
 * be there), and ready w for the copies.
 */
static __always_inline int fanout_begin(struct fanout_walk *w,
					struct __sk_buff *skb,
					const struct mdcs_dp_config *cfg,
					const struct mdcs_fanout *fanout,
					__u32 inner_len, __u64 inner_sum)
{
	struct encap_hdr *h = &w->h;

	w->skb = skb;
	h->eth.h_proto = bpf_htons(ETH_P_IPV6);
	h->ip6.version = 6;
	h->ip6.priority = cfg->traffic_class >> 4;
	h->ip6.flow_lbl[0] = (cfg->traffic_class & 0x0f) << 4;
	h->ip6.payload_len =
		bpf_htons(MDCS_ENCAP_LEN - MDCS_IP6_HLEN + inner_len);
	h->ip6.nexthdr = IPPROTO_UDP;
	h->ip6.hop_limit = cfg->hop_limit;
	h->ip6.saddr = cfg->local;
	h->udp.source = cfg->port;
	h->udp.len = h->ip6.payload_len;
	h->amt.version_type = AMT_DATA_OCTET0;
	if (bpf_skb_store_bytes(skb, 0, h, sizeof(*h), 0))
		return -1;
	w->cfg = cfg;
	w->fanout = fanout;
	w->fixed = fixed_sum(h, &cfg->local, inner_sum);
	/* The coarse clock is enough for the next-hop cache, and cheaper. */
	w->now = bpf_ktime_get_coarse_ns();
	w->outer_len = MDCS_ENCAP_LEN + inner_len;
	return 0;
}

/* The number of subscribers a fanout lists, within the bound. */
static __always_inline __u32 fanout_count(const struct mdcs_fanout *fanout)
{
	return fanout->count < MDCS_MAX_FANOUT ? fanout->count
					       : MDCS_MAX_FANOUT;
}

#endif
