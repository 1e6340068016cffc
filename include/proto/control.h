/* RP-RP control protocol: subscriptions, keepalives, peer sampling. */
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
	MDCS_CTL_KEEPALIVE = 4,	    /* no body: the sender is alive */
	MDCS_CTL_SHUFFLE = 5,	    /* peer sampling: view entries offered */
	MDCS_CTL_SHUFFLE_REPLY = 6, /* as many entries back, or fewer */
	MDCS_CTL_PROBE = 7,	    /* how does the sender look from here? */
	MDCS_CTL_PROBE_REPLY = 8,   /* the endpoint the probe came from */
	MDCS_CTL_REGISTER = 9,	    /* an RP behind a NAT, to its partner */
	MDCS_CTL_REGISTER_ACK = 10, /* the lease, and where it came from */
	MDCS_CTL_OPEN_HOLE = 11,    /* in a RELAY: punch toward the sender */
	/* 12: kept */
	MDCS_CTL_PUNCH = 13, /* opens the sender's NAT toward the recipient */
	MDCS_CTL_RELAY = 14, /* a message for another RP, through a partner */
	MDCS_CTL_ALLOCATE = 15, /* a relayed path for two RPs, or its grant */
	MDCS_CTL_MEET = 16,	/* in a RELAY: reach me through this relay */
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

/*
 * Body of SHUFFLE and SHUFFLE_REPLY, followed by count view entries.  A
 * shuffle larger than one message is sent as several exchanges, each
 * answered on its own, so a lost message loses only its own entries.
 */
struct mdcs_ctl_shuffle {
	uint32_t xid;  /* chosen by the initiator, echoed in the reply */
	uint8_t flags; /* SHUFFLE: MDCS_SHUFFLE_REDIRECTED; reply: _BUSY */
	uint8_t count;
	uint16_t reserved;
} __attribute__((packed));

/*
 * The exchange quota (Leitao et al., IPTPS 2010): an RP that anyone
 * reaches and that served as many shuffles as it started, and then some,
 * answers BUSY with one entry, an RP behind a filter that shuffled with it
 * last; the initiator shuffles with that one instead, REDIRECTED, which
 * is served whatever its quota.
 */
#define MDCS_SHUFFLE_REDIRECTED 1
#define MDCS_SHUFFLE_BUSY	2

/* A view entry: the age its sender gives it, then an RP descriptor. */
struct mdcs_ctl_entry {
	uint16_t age;	 /* shuffle periods; network order */
	uint16_t length; /* of the descriptor that follows; network order */
} __attribute__((packed));

struct mdcs_ctl_endpoint {
	uint8_t addr[16];
	uint16_t port; /* network order */
} __attribute__((packed));

/*
 * Body of PROBE: an RP classifies its own NAT or firewall (RFC 5780's
 * tests, with two other RPs as the server's two addresses).  VIA_OTHER
 * asks the recipient to have peer answer instead, which it does with a
 * FORWARDED PROBE naming the requester and where it saw it; ALT_PORT asks
 * for a second answer from another port.
 */
enum mdcs_ctl_probe_flags {
	MDCS_PROBE_ALT_PORT = 1 << 0,
	MDCS_PROBE_VIA_OTHER = 1 << 1,
	MDCS_PROBE_FORWARDED = 1 << 2,
};

struct mdcs_ctl_probe {
	uint64_t nonce; /* chosen by the requester, echoed in the reply */
	uint8_t flags;	/* enum mdcs_ctl_probe_flags */
	uint8_t reserved[3];
	/* VIA_OTHER: the RP to answer; FORWARDED: the requester, and the
	 * endpoint its PROBE came from.  Zero otherwise. */
	uint8_t peer[MDCS_CTL_KEY_LEN];
	struct mdcs_ctl_endpoint peer_endpoint;
	uint16_t reserved2;
} __attribute__((packed));

/* Body of PROBE_REPLY. */
struct mdcs_ctl_probe_reply {
	uint64_t nonce;
	struct mdcs_ctl_endpoint observed; /* where the probe came from */
	uint8_t flags;			   /* enum mdcs_ctl_probe_reply_flags */
	uint8_t reserved;
} __attribute__((packed));

/*
 * ALT: sent from the alternate port.  VIA: the answer to a FORWARDED
 * PROBE.  ANSWERED_VIA: the answerer sent the requester a VIA answer with
 * this nonce lately, so a requester that did not get it knows its own
 * filter kept it out, and not the answerer's the helper's request.
 */
enum mdcs_ctl_probe_reply_flags {
	MDCS_PROBE_REPLY_ALT = 1 << 0,
	MDCS_PROBE_REPLY_VIA = 1 << 1,
	MDCS_PROBE_REPLY_ANSWERED_VIA = 1 << 2,
};

#define MDCS_PROBE_REPLY_FLAGS                                                 \
	(MDCS_PROBE_REPLY_ALT | MDCS_PROBE_REPLY_VIA |                         \
	 MDCS_PROBE_REPLY_ANSWERED_VIA)

/*
 * Body of REGISTER and REGISTER_ACK.  An RP behind a NAT registers with
 * each of its partners every keepalive interval, which holds its NAT's
 * mapping toward them open; a partner forwards RELAY messages for it while
 * the lease runs, and tells it the endpoint its REGISTER came from.
 */
struct mdcs_ctl_register {
	uint16_t lease; /* seconds; in the ACK 0 is a refusal; network order */
	uint16_t reserved;
	struct mdcs_ctl_endpoint observed; /* ACK only: the REGISTER's source */
	uint16_t reserved2;
} __attribute__((packed));

/*
 * Body of OPEN_HOLE, followed by desc_len octets: the sender's descriptor.
 * It travels in a RELAY through one of the target's partners, whose
 * envelope says where the partner saw the sender.  The target learns the
 * sender from the descriptor and sends PUNCHes there, while the sender
 * sends PUNCHes to the target's advertised endpoint: each NAT lets in
 * what answers what it let out.
 */
struct mdcs_ctl_open_hole {
	uint16_t desc_len; /* network order */
	uint16_t reserved;
} __attribute__((packed));

/* Body of PUNCH.  A PUNCH is answered with a PUNCH flagged ACK, to where
 * it came from; an ACK is not answered. */
struct mdcs_ctl_punch {
	uint8_t flags; /* MDCS_PUNCH_ACK */
	uint8_t reserved[7];
} __attribute__((packed));

#define MDCS_PUNCH_ACK 1

/*
 * Body of RELAY, followed by a whole control message (a SHUFFLE,
 * SHUFFLE_REPLY, OPEN_HOLE or MEET) that its own sender signed for target.  The
 * relay signature binds the envelope to one hop: to the partner, then from the
 * partner to the target.  A partner forwards only to an RP registered with
 * it, or back to an RP that sent one of those a RELAY within the last
 * keepalive interval.
 */
struct mdcs_ctl_relay {
	uint8_t target[MDCS_CTL_KEY_LEN];
	/* Where the partner saw the envelope's sender; zero from the sender. */
	struct mdcs_ctl_endpoint origin;
	uint16_t reserved;
} __attribute__((packed));

/*
 * Body of ALLOCATE.  Two RPs that cannot punch (one NAT maps per
 * destination, the other filters per address and port) meet at a port of
 * a third RP's that takes anyone's messages, the relay: the RP that wants
 * the path asks the relay for one for itself and peer, and the relay
 * answers with the ACK flag, the lifetime and the port it opened.  Each of
 * the two then sends a KEEPALIVE signed for the relay to that port every
 * keepalive interval, which binds the endpoint it came from to its key;
 * the relay passes every control message and AMT data message from one
 * bound endpoint to the other, from that port.
 */
struct mdcs_ctl_allocate {
	uint8_t flags; /* MDCS_ALLOCATE_ACK */
	uint8_t reserved;
	uint16_t lifetime; /* ACK: seconds, 0 is a refusal; network order */
	uint8_t peer[MDCS_CTL_KEY_LEN];	  /* the other RP of the path */
	struct mdcs_ctl_endpoint relayed; /* ACK: the port; else zero */
	uint16_t reserved2;
} __attribute__((packed));

#define MDCS_ALLOCATE_ACK 1

/* Body of MEET, which travels in a RELAY through one of the peer's
 * partners: the sender reaches the recipient at the relay's port, and
 * asks it to bind there too. */
struct mdcs_ctl_meet {
	uint8_t relay[MDCS_CTL_KEY_LEN];
	struct mdcs_ctl_endpoint at; /* the relay's address and port */
	uint16_t reserved;
} __attribute__((packed));

/*
 * An RP descriptor, signed by the RP it describes (the subject) so that it
 * can travel through any number of views unchanged and unforged.  After
 * the fixed part: n_endpoints endpoints (the first is where others reach
 * the RP; a second is its own address behind a NAT), n_partners partners
 * (RPs that forward to it when it is behind a NAT), n_prefixes source
 * prefixes it serves, then the subject's signature over
 * MDCS_DESC_SIG_DOMAIN followed by every octet before the signature.
 */
#define MDCS_DESC_VERSION    1
#define MDCS_DESC_SIG_DOMAIN "mdcs-desc-v1"

enum mdcs_desc_flags {
	MDCS_DESC_F_LEAVING = 1 << 0, /* the subject left: forget it */
	MDCS_DESC_F_RELAY = 1 << 1,   /* it forwards for RPs behind NATs */
};

/* NAT classification of the subject, RFC 5780 terms. */
enum mdcs_desc_behaviour {
	MDCS_NAT_UNKNOWN = 0,
	MDCS_NAT_INDEPENDENT = 1, /* endpoint-independent (or no filter) */
	MDCS_NAT_ADDRESS = 2,	  /* address-dependent */
	MDCS_NAT_ADDRESS_PORT = 3 /* address- and port-dependent */
};
#define MDCS_DESC_NAT_MAPPING(nat)   ((nat)&3)
#define MDCS_DESC_NAT_FILTERING(nat) (((nat) >> 2) & 3)
#define MDCS_DESC_NAT_TRANSLATED     (1 << 4)
#define MDCS_DESC_NAT(mapping, filtering, translated)                          \
	((mapping) | (filtering) << 2 |                                        \
	 ((translated) ? MDCS_DESC_NAT_TRANSLATED : 0))

struct mdcs_desc_hdr {
	uint8_t version; /* MDCS_DESC_VERSION */
	uint8_t flags;	 /* enum mdcs_desc_flags; others zero */
	uint8_t nat;	 /* MDCS_DESC_NAT(); bits 5-7 zero */
	uint8_t n_endpoints;
	uint8_t n_partners;
	uint8_t n_prefixes;
	uint16_t reserved;
	uint8_t id[MDCS_CTL_KEY_LEN]; /* the subject's public key */
	/* Larger after every restart and every change of content. */
	uint64_t incarnation; /* network order */
	/* When the subject signed it, microseconds since the epoch. */
	uint64_t issued;	    /* network order */
	uint8_t channel_source[16]; /* all zero: publishes no channel */
} __attribute__((packed));

struct mdcs_desc_partner {
	uint8_t id[MDCS_CTL_KEY_LEN];
	struct mdcs_ctl_endpoint endpoint;
} __attribute__((packed));

struct mdcs_desc_prefix {
	uint8_t addr[16]; /* bits past len are zero */
	uint8_t len;
} __attribute__((packed));

#define MDCS_DESC_MAX_ENDPOINTS 2
#define MDCS_DESC_MAX_PARTNERS	3
#define MDCS_DESC_MAX_PREFIXES	8
#define MDCS_DESC_MAX_LEN                                                      \
	(sizeof(struct mdcs_desc_hdr) +                                        \
	 MDCS_DESC_MAX_ENDPOINTS * sizeof(struct mdcs_ctl_endpoint) +          \
	 MDCS_DESC_MAX_PARTNERS * sizeof(struct mdcs_desc_partner) +           \
	 MDCS_DESC_MAX_PREFIXES * sizeof(struct mdcs_desc_prefix) +            \
	 MDCS_CTL_SIG_LEN)

/* Every message fits an IPv6 minimum-MTU packet with its UDP header. */
#define MDCS_CTL_MAX_LEN      (1280 - 40 - 8)
#define MDCS_CTL_MAX_CHANNELS 30

_Static_assert(sizeof(struct mdcs_ctl_hdr) + sizeof(struct mdcs_ctl_ack) +
			       MDCS_CTL_MAX_CHANNELS *
				       sizeof(struct mdcs_ctl_status) +
			       MDCS_CTL_SIG_LEN <=
		       MDCS_CTL_MAX_LEN,
	       "a full SUBSCRIBE_ACK must fit the minimum MTU");
_Static_assert(sizeof(struct mdcs_ctl_hdr) + sizeof(struct mdcs_ctl_shuffle) +
			       sizeof(struct mdcs_ctl_entry) +
			       MDCS_DESC_MAX_LEN + MDCS_CTL_SIG_LEN <=
		       MDCS_CTL_MAX_LEN,
	       "a SHUFFLE must carry at least the largest descriptor");

/* Room for the message a RELAY carries. */
#define MDCS_CTL_MAX_RELAYED                                                   \
	(MDCS_CTL_MAX_LEN - sizeof(struct mdcs_ctl_hdr) -                      \
	 sizeof(struct mdcs_ctl_relay) - MDCS_CTL_SIG_LEN)
_Static_assert(sizeof(struct mdcs_ctl_hdr) + sizeof(struct mdcs_ctl_shuffle) +
			       sizeof(struct mdcs_ctl_entry) +
			       MDCS_DESC_MAX_LEN + MDCS_CTL_SIG_LEN <=
		       MDCS_CTL_MAX_RELAYED,
	       "a relayed SHUFFLE must carry the largest descriptor");

#endif
