/* Small packet helpers for the tc programs: addresses and checksums. */
#ifndef MDCS_PACKET_BPF_H
#define MDCS_PACKET_BPF_H

#include <linux/types.h>
#include <linux/in6.h>
#include <bpf/bpf_helpers.h>

#include "proto/tunnel.h"

/*
 * Address tests are macros so that they also apply to addresses in packed
 * headers, which a pointer would claim to be aligned.
 */

/* Multicast with a scope wider than link-local, i.e. worth routing. */
#define ROUTABLE_MULTICAST(a)                                                  \
	((a).s6_addr[0] == 0xff && ((a).s6_addr[1] & 0x0f) > 2)

#define IN6_IS_ZERO(a)                                                         \
	(((a).s6_addr32[0] | (a).s6_addr32[1] | (a).s6_addr32[2] |             \
	  (a).s6_addr32[3]) == 0)

#define IN6_EQUAL(a, b)                                                        \
	((((a).s6_addr32[0] ^ (b).s6_addr32[0]) |                              \
	  ((a).s6_addr32[1] ^ (b).s6_addr32[1]) |                              \
	  ((a).s6_addr32[2] ^ (b).s6_addr32[2]) |                              \
	  ((a).s6_addr32[3] ^ (b).s6_addr32[3])) == 0)

/*
 * One's-complement sums are kept unfolded in 64 bits and folded once at the
 * end; words are summed as they lie in memory, which RFC 1071 shows gives
 * the right checksum whatever the host's byte order.
 */
static __always_inline __u64 sum_in6(const struct in6_addr *a)
{
	return (__u64)a->s6_addr32[0] + a->s6_addr32[1] + a->s6_addr32[2] +
	       a->s6_addr32[3];
}

static __always_inline __u16 csum_fold64(__u64 sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/*
 * Positions are masked to 14 bits for the verifier: a packet pointer's
 * offset plus the access must stay below 64 KiB for it to check bounds.
 */
#define CSUM_POS_MASK 0x3fff
_Static_assert(MDCS_ETH_HLEN + MDCS_INNER_MTU_MAX < CSUM_POS_MASK,
	       "checksum positions must fit the mask");

struct csum_walk {
	struct __sk_buff *skb;
	__u32 base; /* first octet of this stage, from skb->data */
	__u64 sum;
};

/*
 * One step of a checksum walk over size octets, for bpf_loop; each size
 * gets its own callback so that the verifier sees a constant length, and
 * the position comes from the step's index so that its states converge.
 * bpf_csum_diff sums at most 512 octets a call.
 */
#define CSUM_STEP(name, size)                                                  \
	static long name(__u32 i, void *arg)                                   \
	{                                                                      \
		struct csum_walk *w = arg;                                     \
		void *data = (void *)(long)w->skb->data;                       \
		void *data_end = (void *)(long)w->skb->data_end;               \
		void *p = data + ((w->base + i * (size)) & CSUM_POS_MASK);     \
		__s64 part;                                                    \
                                                                               \
		if (p + (size) > data_end)                                     \
			return 1;                                              \
		part = bpf_csum_diff(0, 0, p, (size), 0);                      \
		if (part < 0)                                                  \
			return 1;                                              \
		w->sum += (__u32)part;                                         \
		return 0;                                                      \
	}

CSUM_STEP(csum_step_512, 512)
CSUM_STEP(csum_step_64, 64)
CSUM_STEP(csum_step_16, 16)
CSUM_STEP(csum_step_4, 4)

static __always_inline int csum_steps(long (*step)(__u32, void *), __u32 n,
				      __u32 size, struct csum_walk *w)
{
	if (n && bpf_loop(n, step, w, 0) != n)
		return -1;
	w->base += n * size;
	return 0;
}

/*
 * Sum len octets of the packet from off: 512-octet chunks, then 64-, 16-
 * and 4-octet ones (at most 3 of each of the last two), then the last one to
 * three octets padded with zeros, as the checksum pads an odd length.  They
 * must be in the linear buffer.
 */
static __always_inline int sum_packet(struct __sk_buff *skb, __u32 off,
				      __u32 len, __u64 *sum)
{
	struct csum_walk w = { .skb = skb, .base = off };
	__u32 last = 0, tail = len & 3;

	if (len > MDCS_INNER_MTU_MAX ||
	    csum_steps(csum_step_512, len / 512, 512, &w) ||
	    csum_steps(csum_step_64, len % 512 / 64, 64, &w) ||
	    csum_steps(csum_step_16, len % 64 / 16, 16, &w) ||
	    csum_steps(csum_step_4, len % 16 / 4, 4, &w))
		return -1;
	if (tail) {
		/* The same 1 to 3, in a form that Linux 6.1's verifier
		 * (Debian bookworm's) sees cannot be 0: it does not narrow
		 * a range on "!= 0", and refuses a load of a size that may
		 * be 0. */
		barrier_var(tail);
		tail = ((tail - 1) & 3) + 1;
		/* last starts zeroed: the padding of an odd length */
		if (bpf_skb_load_bytes(skb, w.base, &last, tail))
			return -1;
	}
	*sum = w.sum + last;
	return 0;
}

#endif
