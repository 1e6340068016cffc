/* RP-RP control protocol: signed SUBSCRIBE, UNSUBSCRIBE, ACKs, KEEPALIVE. */
#ifndef MDCS_PROTO_CONTROL_H
#define MDCS_PROTO_CONTROL_H

/*
 * Control messages share the tunnel's UDP port (proto/tunnel.h), so that a
 * path that lets one through lets the other through too.  Their first
 * octet, 0x6d, is never a version-0 AMT message.  Every message is signed
 * with the sender's Ed25519 key over the recipient's public key followed by
 * the message up to the signature, so it can neither be forged nor be
 * replayed to another RP; the timestamp, strictly increasing per sender and
 * close to the receiver's clock, stops replays to the same RP.
 * docs/wire-format.md describes every byte.
 */

#include <stdint.h>

#define MDCS_CTL_MAGIC0	 0x6d /* 'm' */
#define MDCS_CTL_MAGIC1	 0x64 /* 'd' */
#define MDCS_CTL_VERSION 1

enum mdcs_ctl_type {
	MDCS_CTL_SUBSCRIBE = 1,
	MDCS_CTL_UNSUBSCRIBE = 2,
	MDCS_CTL_SUBSCRIBE_ACK = 3,
	MDCS_CTL_KEEPALIVE = 4, /* no body: the sender is alive */
};

#define MDCS_CTL_KEY_LEN 32 /* Ed25519 public key */
#define MDCS_CTL_SIG_LEN 64 /* Ed25519 signature */

struct mdcs_ctl_hdr {
	uint8_t magic[2];   /* MDCS_CTL_MAGIC0, MDCS_CTL_MAGIC1 */
	uint8_t version;    /* MDCS_CTL_VERSION */
	uint8_t type;	    /* enum mdcs_ctl_type */
	uint16_t length;    /* whole message with signature, network order */
	uint16_t reserved;  /* zero on send, ignored on receive */
	uint64_t timestamp; /* microseconds since the epoch, network order */
	uint8_t sender[MDCS_CTL_KEY_LEN];
} __attribute__((packed));

struct mdcs_ctl_channel {
	uint8_t source[16];
	uint8_t group[16];
} __attribute__((packed));

/* Body of SUBSCRIBE and UNSUBSCRIBE, followed by count channels. */
struct mdcs_ctl_subscribe {
	uint16_t hold_time; /* seconds; zero in UNSUBSCRIBE; network order */
	uint16_t count;	    /* network order */
} __attribute__((packed));

enum mdcs_ctl_status_code {
	MDCS_CTL_ACCEPTED = 0,
	MDCS_CTL_NOT_SERVED = 1,  /* the source is outside this RP's prefixes */
	MDCS_CTL_FANOUT_FULL = 2, /* the channel has its maximum of RPs */
	MDCS_CTL_TABLE_FULL = 3,  /* this RP has its maximum of channels */
};

struct mdcs_ctl_status {
	struct mdcs_ctl_channel channel;
	uint8_t status; /* enum mdcs_ctl_status_code */
	uint8_t pad[3];
} __attribute__((packed));

/* Body of SUBSCRIBE_ACK, followed by count statuses. */
struct mdcs_ctl_ack {
	uint64_t acked; /* timestamp of the SUBSCRIBE answered */
	uint16_t count; /* network order */
	uint16_t reserved;
} __attribute__((packed));

/* Every message fits an IPv6 minimum-MTU packet with its UDP header. */
#define MDCS_CTL_MAX_LEN      (1280 - 40 - 8)
#define MDCS_CTL_MAX_CHANNELS 30

_Static_assert(sizeof(struct mdcs_ctl_hdr) + sizeof(struct mdcs_ctl_ack) +
			       MDCS_CTL_MAX_CHANNELS *
				       sizeof(struct mdcs_ctl_status) +
			       MDCS_CTL_SIG_LEN <=
		       MDCS_CTL_MAX_LEN,
	       "a full SUBSCRIBE_ACK must fit the minimum MTU");

#endif
