/* The RP directory: which RPs' channels a peer can join, asked of its RP. */
#ifndef MDCS_PROTO_DIRECTORY_H
#define MDCS_PROTO_DIRECTORY_H

/*
 * A peer asks its RP, by unicast UDP to the RP's tunnel address and
 * directory port, for the channel-source addresses of the RPs it knows:
 * its own first, then the others it learned by peer sampling or has
 * configured, in address order.  A peer joins (S, G) for every S listed
 * and the consensus system's group G.  A long directory comes in pages:
 * a request names the first entry it wants; every answer says how many
 * entries the whole directory has and a digest of it, so that pages of two
 * versions are not mixed.  An answer is never longer than its request:
 * the peer pads the request to the answer it can take, so that nobody can
 * use the RP to amplify a flood.  docs/wire-format.md describes every
 * byte.
 */

#include <linux/types.h>

#define MDCS_DIRECTORY_PORT    2273 /* [RP tunnel address]:2273 */
#define MDCS_DIRECTORY_VERSION 1
/* At most what fits in one unfragmented datagram on any IPv6 path. */
#define MDCS_DIRECTORY_MAX_LEN 1232

enum mdcs_directory_type {
	MDCS_DIRECTORY_REQUEST = 1,
	MDCS_DIRECTORY_ANSWER = 2,
};

/* Both messages open with it; a request is this and zeros up to its
 * length. */
struct mdcs_directory_hdr {
	__u8 version; /* MDCS_DIRECTORY_VERSION */
	__u8 type;    /* enum mdcs_directory_type */
	__be16 start; /* the first entry asked for, or given */
	__u8 nonce[8];
} __attribute__((packed));

/* answer flags */
#define MDCS_DIRECTORY_OWN 0x01 /* entry 0 is the answering RP's own */

/* An answer: then count entries of 16 octets, each a channel-source
 * address. */
struct mdcs_directory_answer {
	struct mdcs_directory_hdr h; /* the request's start and nonce */
	__be16 total;		     /* entries in the whole directory */
	__u8 flags;		     /* MDCS_DIRECTORY_*; others zero */
	__u8 count;		     /* entries in this answer */
	__be32 digest;		     /* FNV-1a of all entries, in order */
} __attribute__((packed));

/* Entries a directory has at most: more RPs than an RP can know. */
#define MDCS_DIRECTORY_MAX_TOTAL 4096

#define MDCS_DIRECTORY_ENTRY_LEN 16
/* Entries in an answer at most: 75. */
#define MDCS_DIRECTORY_MAX_ENTRIES                                             \
	((MDCS_DIRECTORY_MAX_LEN - sizeof(struct mdcs_directory_answer)) /     \
	 MDCS_DIRECTORY_ENTRY_LEN)

#endif
