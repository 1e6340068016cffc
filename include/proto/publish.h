/* Publishing through an RP: what peers send, and what the channel carries. */
#ifndef MDCS_PROTO_PUBLISH_H
#define MDCS_PROTO_PUBLISH_H

/*
 * A peer publishes a message by unicast UDP to its RP's channel-source
 * address S_rp and publish port, starting with mdcs_pub_hdr.  The RP turns
 * it, in place, into a packet of the channel (S_rp, G): from S_rp to G, to
 * the channel port, mdcs_pub_hdr replaced by mdcs_chan_hdr of the same
 * length, naming the publisher.  docs/wire-format.md describes every byte.
 */

#include <linux/types.h>
#ifdef __bpf__
#include <linux/in6.h>
#else
#include <netinet/in.h>
#endif

#define MDCS_PUBLISH_PORT 2269 /* [S_rp]:2269 takes publications */
#define MDCS_CHANNEL_PORT 2270 /* [G]:2270 carries a channel's messages */
#define MDCS_PUB_VERSION  1

struct mdcs_pub_hdr {
	__u8 version;	       /* MDCS_PUB_VERSION */
	__u8 flags;	       /* zero */
	__be16 reserved;       /* zero */
	struct in6_addr group; /* the channel (S_rp, group) to publish to */
} __attribute__((packed));

struct mdcs_chan_hdr {
	__u8 version;		   /* MDCS_PUB_VERSION */
	__u8 flags;		   /* zero */
	__be16 publisher_port;	   /* the publication's UDP source port */
	struct in6_addr publisher; /* the publication's source address */
} __attribute__((packed));

_Static_assert(sizeof(struct mdcs_pub_hdr) == sizeof(struct mdcs_chan_hdr),
	       "a publication is rewritten in place");

/* An SSM group, ff3x::/32, of wider than link-local scope: pim6d routes
 * no others, and a publication may name no others. */
#define MDCS_SSM_GROUP(a)                                                      \
	((a).s6_addr[0] == 0xff && ((a).s6_addr[1] & 0xf0) == 0x30 &&          \
	 ((a).s6_addr[1] & 0x0f) > 2 && (a).s6_addr[2] == 0 &&                 \
	 (a).s6_addr[3] == 0)

#endif
