// SPDX-License-Identifier: GPL-2.0
/*
 * The floor of tc replication: the packet, unchanged, N times out of one
 * interface (N - 1 clones, then the packet itself).  What mdcs_encap costs
 * beyond this is the price of encapsulation, next-hop lookup and counters.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#define MAX_COPIES 1024

const volatile __u32 copies = 1;
const volatile __u32 out_ifindex;
__u64 packets, copies_made;

SEC("tc")
int clone_loop(struct __sk_buff *skb)
{
	__sync_fetch_and_add(&packets, 1);
	for (__u32 i = 1; i < copies && i < MAX_COPIES; i++) {
		if (bpf_clone_redirect(skb, out_ifindex, 0))
			return TC_ACT_SHOT;
		__sync_fetch_and_add(&copies_made, 1);
	}
	__sync_fetch_and_add(&copies_made, 1);
	return bpf_redirect(out_ifindex, 0);
}

char LICENSE[] SEC("license") = "GPL";
