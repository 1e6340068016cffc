/* The gossip baseline's datagrams: iterative diffusion, gossipsub-style meshes.
 */
#ifndef MDCS_PROTO_GOSSIP_H
#define MDCS_PROTO_GOSSIP_H

/*
 * What mdcs is measured against: a peer sends a message it has for the
 * first time in full (FULL) to a few peers and only its id (ANNOUNCE) to
 * the others; a peer that hears the id of a message it lacks asks the
 * announcer for it (REQUEST), which answers with a FULL.  All of it is
 * unicast UDP between peers, on the gossip port.  Every datagram starts
 * with mdcs_gossip_hdr; ANNOUNCE and REQUEST are that header alone, a
 * FULL goes on with the publisher, as a channel message names it
 * (proto/publish.h), and the message.  The id is BLAKE2b-256, unkeyed,
 * of everything in the FULL after the header: publisher address,
 * publisher port, message.  The gossipsub-style mesh adds GRAFT and
 * PRUNE (the header alone, its id zero), which make and end mesh links,
 * and IHAVE, a header with a zero id followed by 1 to
 * MDCS_GOSSIP_IHAVE_MAX ids, answered by a REQUEST per id lacked.
 * docs/baseline.md describes every byte.
 */

#include <linux/types.h>
#include <netinet/in.h>

#define MDCS_GOSSIP_PORT    2271 /* [peer]:2271 takes all three types */
#define MDCS_GOSSIP_VERSION 1
#define MDCS_GOSSIP_ID_LEN  32

enum mdcs_gossip_type {
	MDCS_GOSSIP_FULL = 1,	  /* the message in full */
	MDCS_GOSSIP_ANNOUNCE = 2, /* the sender has the message of this id */
	MDCS_GOSSIP_REQUEST = 3,  /* send me the message of this id */
	MDCS_GOSSIP_GRAFT = 4,	  /* you are in my mesh now */
	MDCS_GOSSIP_PRUNE = 5,	  /* you are no longer in my mesh */
	MDCS_GOSSIP_IHAVE = 6,	  /* the sender has the messages of these ids */
};

/* Ids in one IHAVE at most. */
#define MDCS_GOSSIP_IHAVE_MAX 64

struct mdcs_gossip_hdr {
	__u8 version;		     /* MDCS_GOSSIP_VERSION */
	__u8 type;		     /* enum mdcs_gossip_type */
	__be16 reserved;	     /* zero */
	__u8 id[MDCS_GOSSIP_ID_LEN]; /* the message's */
} __attribute__((packed));

/* A FULL, followed by the message. */
struct mdcs_gossip_full {
	struct mdcs_gossip_hdr hdr;
	struct in6_addr publisher; /* where the message was published from */
	__be16 publisher_port;
} __attribute__((packed));

#endif
