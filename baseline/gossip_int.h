/* What the gossipsub-style mesh (gossipsub.c) shares of the node (gossip.c). */
#ifndef MDCS_GOSSIP_INT_H
#define MDCS_GOSSIP_INT_H

#include "gossip.h"

#define GOSSIP_HDR_LEN sizeof(struct mdcs_gossip_hdr)

/* Send the datagram of len octets at buf to peer, counted. */
void gossip_add(struct gossip *g, struct gossip_out *out, unsigned peer,
		const void *buf, size_t len);

/* Peer from has the message of id: ask it, unless the node has the
 * message or asked for it already (gossip.h). */
void gossip_announced(struct gossip *g, unsigned from, const uint8_t *id,
		      int64_t now, struct gossip_out *out);

/* Move k of the n peers in order, chosen uniformly at random, to its
 * front. */
void gossip_draw(struct gossip *g, unsigned *order, unsigned n, unsigned k);

/* The mesh's side of the node: a message kept at k had for the first
 * time from from (GOSSIP_MAX_PEERS: published here); a well-formed GRAFT,
 * PRUNE or IHAVE from from; the heartbeat. */
void gossipsub_spread(struct gossip *g, const struct gossip_kept *k,
		      unsigned from, struct gossip_out *out);
void gossipsub_input(struct gossip *g, unsigned from, unsigned type,
		     const uint8_t *buf, size_t len, int64_t now,
		     struct gossip_out *out);
void gossipsub_heartbeat(struct gossip *g, int64_t now, struct gossip_out *out);

#endif
