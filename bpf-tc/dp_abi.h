/* The tc-BPF datapath's maps and settings, shared by the programs and rpd. */
#ifndef MDCS_BPF_DP_ABI_H
#define MDCS_BPF_DP_ABI_H

#include <linux/types.h>
#ifdef __bpf__
#include <linux/in6.h>
#else
#include <netinet/in.h>
#endif

#define MDCS_MAX_RPS	      4096  /* remote RP slots */
#define MDCS_MAX_GATEWAYS     16384 /* tunnel-mode peers' (AMT gateways') */
#define MDCS_MAX_CHANNELS     65536 /* channels in each direction */
#define MDCS_MAX_FANOUT	      1024 /* subscribers (RPs, gateways) per channel */
#define MDCS_MAX_PUBLISHERS   65536 /* publishers with a rate state */
#define MDCS_MAX_PUB_PREFIXES 1024  /* prefixes allowed to publish */

/*
 * Slots of remote_rps, rp_stats and the fanouts: remote RPs in the first
 * MDCS_MAX_RPS, then the gateways of tunnel-mode peers, which receive
 * copies like RPs but never send tunnel data.
 */
#define MDCS_GATEWAY_SLOT0 MDCS_MAX_RPS
#define MDCS_MAX_SLOTS	   (MDCS_MAX_RPS + MDCS_MAX_GATEWAYS)

/* channel_stats has one slot per channel in each direction. */
#define MDCS_CHANNEL_STATS (2 * MDCS_MAX_CHANNELS)

/* A channel: the key of both channel maps. */
struct mdcs_channel {
	struct in6_addr source;
	struct in6_addr group;
};

/*
 * tx_channels value: the remote RPs and gateways subscribed to one
 * channel, as slots of remote_rps, and the channel's slot in
 * channel_stats.  A channel of a remote source has one only for gateways:
 * decapsulation copies it to them.  rpd replaces the
 * whole value at once; with a hash map that does not preallocate, a reader
 * sees either the old set or the new one.
 */
struct mdcs_fanout {
	__u32 stats;
	__u16 count;
	__u16 slot[MDCS_MAX_FANOUT];
};

/* rx_channels value: the RP that serves the channel, and its stats slot. */
struct mdcs_rx {
	__u32 slot;
	__u32 stats;
};

/* Packets and their octets. */
struct mdcs_traffic {
	__u64 packets;
	__u64 bytes;
};

/* channel_stats value (per CPU): the channel's packets as they came in,
 * and the copies sent of them (none for a channel received). */
struct mdcs_channel_traffic {
	struct mdcs_traffic in;
	__u64 copies;
};

/* rp_stats value (per CPU), indexed by slot: copies sent, packets taken. */
struct mdcs_rp_traffic {
	struct mdcs_traffic tx;
	struct mdcs_traffic rx;
};

/* nexthops value (per CPU), indexed by slot: the FIB's answer for copies
 * to a remote RP, until expires_ns. */
struct mdcs_nexthop {
	__u64 expires_ns;
	__u32 ifindex;
	__u8 macs[12]; /* destination, then source */
};

/* publishers key: a prefix allowed to publish (an LPM trie's key). */
struct mdcs_prefix_key {
	__u32 prefixlen;
	struct in6_addr addr;
};

/* remote_rps value, indexed by slot: where a remote RP's tunnel ends. */
struct mdcs_rp {
	struct in6_addr addr;
	__be16 port;
	__u16 in_use;
};

/*
 * rp_endpoints key: a remote RP's tunnel source.  Besides (addr, port),
 * rpd also stores (addr, 0), so that a packet from a known address but
 * another port can be told from one of an unknown sender.
 */
struct mdcs_endpoint {
	struct in6_addr addr;
	__be16 port;
	__u16 pad;
};

/* The single entry of dp_config. */
struct mdcs_dp_config {
	struct in6_addr local; /* this RP's tunnel address */
	__be16 port;	       /* this RP's tunnel port */
	__u8 hop_limit;	       /* of the outer header */
	__u8 traffic_class;    /* of the outer header */
	__u32 overlay_ifindex;
	__u32 inner_mtu;    /* largest inner packet, octets */
	__u32 overlay_hlen; /* link header on the overlay: 0 (tun), 14 */

	/* Publishing; off while channel_source is :: */
	struct in6_addr channel_source; /* S_rp */
	__be16 publish_port;
	__be16 channel_port;
	__u8 channel_hop_limit;
	__u8 pad[3];
	/* Per-publisher rate (GCRA): one packet per interval, burst of
	 * 1 + tolerance / interval. */
	__u64 publish_interval_ns;
	__u64 publish_tolerance_ns;
};

#define MDCS_COUNTERS(X)                                                       \
	X(ENCAP_PACKETS, "encap-packets")                                      \
	X(ENCAP_COPIES, "encap-copies")                                        \
	X(ENCAP_BYTES, "encap-bytes")                                          \
	X(DECAP_PACKETS, "decap-packets")                                      \
	X(DECAP_BYTES, "decap-bytes")                                          \
	X(DROP_NO_CHANNEL, "drop-no-channel")                                  \
	X(DROP_TOO_BIG, "drop-too-big")                                        \
	X(DROP_NO_ROUTE, "drop-no-route")                                      \
	X(DROP_NO_NEIGHBOR, "drop-no-neighbor")                                \
	X(DROP_ROUTE_LOOP, "drop-route-loop")                                  \
	X(DROP_NO_ROOM, "drop-no-room")                                        \
	X(DROP_CLONE, "drop-clone-failed")                                     \
	X(DROP_TRUNCATED, "drop-truncated")                                    \
	X(DROP_BAD_LENGTH, "drop-bad-length")                                  \
	X(DROP_BAD_VERSION, "drop-bad-version")                                \
	X(DROP_UNKNOWN_RP, "drop-unknown-rp")                                  \
	X(DROP_WRONG_PORT, "drop-wrong-port")                                  \
	X(DROP_NOT_MULTICAST, "drop-not-multicast")                            \
	X(DROP_HOP_LIMIT, "drop-hop-limit")                                    \
	X(DROP_NOT_SUBSCRIBED, "drop-not-subscribed")                          \
	X(DROP_WRONG_RP, "drop-wrong-rp")                                      \
	X(DROP_FRAGMENT, "drop-fragment")                                      \
	X(DROP_EXT_HEADER, "drop-extension-header")                            \
	X(PUBLISH_PACKETS, "publish-packets")                                  \
	X(DROP_PUBLISH_MALFORMED, "drop-publish-malformed")                    \
	X(DROP_PUBLISH_NOT_ALLOWED, "drop-publish-not-allowed")                \
	X(DROP_PUBLISH_RATE, "drop-publish-rate")                              \
	X(DROP_INJECT, "drop-inject-failed")

/* An X-macro list reads as one expression to clang-format. */
/* clang-format off */
enum mdcs_counter {
#define MDCS_COUNTER_ENUM(id, name) MDCS_CNT_##id,
	MDCS_COUNTERS(MDCS_COUNTER_ENUM)
#undef MDCS_COUNTER_ENUM
	MDCS_CNT_MAX
};
/* clang-format on */

#endif
