/* The maps both tc programs share, pinned by name under rpd's pin root. */
#ifndef MDCS_MAPS_BPF_H
#define MDCS_MAPS_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "dp_abi.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mdcs_dp_config);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dp_config SEC(".maps");

/* Channels this RP sends: who is subscribed to each. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MDCS_MAX_CHANNELS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct mdcs_channel);
	__type(value, struct mdcs_fanout);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tx_channels SEC(".maps");

/* Channels this RP receives: the RP that serves each. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MDCS_MAX_CHANNELS);
	__type(key, struct mdcs_channel);
	__type(value, struct mdcs_rx);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rx_channels SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MDCS_MAX_SLOTS);
	__type(key, __u32);
	__type(value, struct mdcs_rp);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} remote_rps SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2 * MDCS_MAX_RPS);
	__type(key, struct mdcs_endpoint);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rp_endpoints SEC(".maps");

/* Prefixes whose hosts may publish through this RP. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, MDCS_MAX_PUB_PREFIXES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct mdcs_prefix_key);
	__type(value, __u8);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} publishers SEC(".maps");

/* Each publisher's theoretical arrival time (GCRA), oldest evicted. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MDCS_MAX_PUBLISHERS);
	__type(key, struct in6_addr);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} publisher_tat SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MDCS_CHANNEL_STATS);
	__type(key, __u32);
	__type(value, struct mdcs_channel_traffic);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} channel_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MDCS_MAX_SLOTS);
	__type(key, __u32);
	__type(value, struct mdcs_rp_traffic);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rp_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MDCS_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} counters SEC(".maps");

static __always_inline const struct mdcs_dp_config *dp_config_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&dp_config, &zero);
}

static __always_inline void count_add(enum mdcs_counter c, __u64 n)
{
	__u32 key = c;
	__u64 *v = bpf_map_lookup_elem(&counters, &key);

	if (v)
		*v += n;
}

static __always_inline void traffic_add(struct mdcs_traffic *t, __u64 bytes)
{
	if (t) {
		t->packets++;
		t->bytes += bytes;
	}
}

static __always_inline void channel_count(__u32 stats, __u64 bytes,
					  __u64 copies)
{
	struct mdcs_channel_traffic *t =
		bpf_map_lookup_elem(&channel_stats, &stats);

	if (t) {
		traffic_add(&t->in, bytes);
		t->copies += copies;
	}
}

static __always_inline void rp_count(__u32 slot, int rx, __u64 bytes)
{
	struct mdcs_rp_traffic *t = bpf_map_lookup_elem(&rp_stats, &slot);

	if (t)
		traffic_add(rx ? &t->rx : &t->tx, bytes);
}

static __always_inline int drop(enum mdcs_counter reason)
{
	count_add(reason, 1);
	return 2; /* TC_ACT_SHOT */
}

#endif
