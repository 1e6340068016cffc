/* Peer announcements: a peer telling its RP, now and then, that it is there. */
#ifndef MDCS_PROTO_ANNOUNCE_H
#define MDCS_PROTO_ANNOUNCE_H

/*
 * A peer announces itself by unicast UDP to its RP's tunnel address and
 * announce port, every interval, with a hold time of three intervals: the
 * RP counts it, on the interface the announcement came in on, until the
 * hold time has passed without another.  A hold time of 0 says the peer
 * leaves.  The RP answers nothing.  docs/wire-format.md describes every
 * byte.
 */

#include <linux/types.h>

#define MDCS_ANNOUNCE_PORT     2272 /* [RP tunnel address]:2272 */
#define MDCS_ANNOUNCE_VERSION  1
#define MDCS_ANNOUNCE_MAX_HOLD 3600 /* seconds */
/* flags */
#define MDCS_ANNOUNCE_TUNNEL 0x01 /* the peer receives in tunnel mode */
#define MDCS_ANNOUNCE_FLAGS  MDCS_ANNOUNCE_TUNNEL

struct mdcs_announce {
	__u8 version;  /* MDCS_ANNOUNCE_VERSION */
	__u8 flags;    /* MDCS_ANNOUNCE_*; others zero */
	__be16 hold_s; /* 0 to MDCS_ANNOUNCE_MAX_HOLD */
	__u8 id[8];    /* random, chosen by the peer when it starts */
} __attribute__((packed));

#endif
