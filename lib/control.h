/* Building, parsing and authenticating RP-RP control messages. */
#ifndef MDCS_CONTROL_H
#define MDCS_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "proto/control.h"

/* An RP's signing identity. */
struct ctl_identity {
	uint8_t pk[MDCS_CTL_KEY_LEN];
	uint8_t sk[64]; /* libsodium's secret key: seed and public key */
};

/*
 * How an RP signs, and how anyone checks a signature: Ed25519 in rpd.  The
 * simulator plugs in a cheaper scheme of the same sizes, so that the same
 * code builds and checks every message and descriptor.
 */
struct ctl_signer {
	uint8_t pk[MDCS_CTL_KEY_LEN];
	int (*sign)(const struct ctl_signer *s, const uint8_t *m, size_t n,
		    uint8_t sig[MDCS_CTL_SIG_LEN]);
	/* 0 if sig is pk's signature of m */
	int (*verify)(const struct ctl_signer *s, const uint8_t *pk,
		      const uint8_t *m, size_t n, const uint8_t *sig);
	const void *ctx;
};

/* An Ed25519 signer for id, which must outlive it. */
void ctl_signer_ed25519(struct ctl_signer *s, const struct ctl_identity *id);

/* A parsed message; pointers lead into the caller's buffer. */
struct ctl_msg {
	enum mdcs_ctl_type type;
	uint64_t timestamp;
	const uint8_t *sender;
	uint16_t hold_time; /* SUBSCRIBE */
	uint64_t acked;	    /* SUBSCRIBE_ACK */
	unsigned count;
	const struct mdcs_ctl_channel *channels; /* (UN)SUBSCRIBE */
	const struct mdcs_ctl_status *statuses;	 /* SUBSCRIBE_ACK */
	uint32_t xid;				 /* SHUFFLE, SHUFFLE_REPLY */
	const uint8_t *entries; /* count struct mdcs_ctl_entry, each framed */
	size_t entries_len;
	uint64_t nonce;	     /* PROBE, PROBE_REPLY */
	uint8_t flags;	     /* PROBE, PROBE_REPLY, PUNCH, ALLOCATE */
	const uint8_t *peer; /* PROBE, ALLOCATE; MEET: the relay */
	uint16_t lease;	     /* REGISTER(_ACK); ALLOCATE: the lifetime */
	/* REGISTER_ACK, RELAY, PROBE (the peer's), PROBE_REPLY, ALLOCATE
	 * (the relayed port), MEET (the relay's) */
	const struct mdcs_ctl_endpoint *endpoint;
	const uint8_t *target; /* RELAY */
	const uint8_t *inner;  /* RELAY: the message carried */
	size_t inner_len;
	const uint8_t *desc; /* OPEN_HOLE: the sender's descriptor */
	size_t desc_len;
	const uint8_t *buf;
	size_t len;
};

enum ctl_error {
	CTL_OK,
	CTL_ERR_SHORT,
	CTL_ERR_MAGIC,
	CTL_ERR_VERSION,
	CTL_ERR_TYPE,
	CTL_ERR_LENGTH,
	CTL_ERR_FIELD,
	CTL_ERR_SIGNATURE,
};

const char *ctl_strerror(enum ctl_error e);

/* Key pair from a 32-octet seed. */
int ctl_identity_from_seed(struct ctl_identity *id, const uint8_t seed[32]);

/*
 * Build a signed SUBSCRIBE (hold_time > 0) or UNSUBSCRIBE for n channels,
 * at most MDCS_CTL_MAX_CHANNELS.  Returns the length, or -1 if it does not
 * fit cap or is not a message ctl_parse would accept.
 */
ssize_t ctl_build_subscribe(uint8_t *buf, size_t cap, enum mdcs_ctl_type type,
			    uint16_t hold_time,
			    const struct mdcs_ctl_channel *channels, unsigned n,
			    uint64_t timestamp, const struct ctl_identity *self,
			    const uint8_t *peer_pk);

ssize_t ctl_build_ack(uint8_t *buf, size_t cap, uint64_t acked,
		      const struct mdcs_ctl_status *statuses, unsigned n,
		      uint64_t timestamp, const struct ctl_identity *self,
		      const uint8_t *peer_pk);

/* Build a signed KEEPALIVE; the length, or -1 if it does not fit cap. */
ssize_t ctl_build_keepalive(uint8_t *buf, size_t cap, uint64_t timestamp,
			    const struct ctl_identity *self,
			    const uint8_t *peer_pk);

/*
 * Build a signed SHUFFLE or SHUFFLE_REPLY carrying count view entries,
 * already laid out (struct mdcs_ctl_entry and descriptor, each) in
 * entries, with flags (MDCS_SHUFFLE_*).  The length, or -1 if it does not
 * fit or the flags do not fit the type.
 */
ssize_t ctl_build_shuffle(uint8_t *buf, size_t cap, enum mdcs_ctl_type type,
			  uint32_t xid, uint8_t flags, const uint8_t *entries,
			  size_t entries_len, unsigned count,
			  uint64_t timestamp, const struct ctl_signer *self,
			  const uint8_t *peer_pk);

/* Build a signed PROBE; peer and peer_ep as the flags say, else NULL.
 * The length, or -1. */
ssize_t ctl_build_probe(uint8_t *buf, size_t cap, uint64_t nonce, uint8_t flags,
			const uint8_t *peer,
			const struct mdcs_ctl_endpoint *peer_ep,
			uint64_t timestamp, const struct ctl_signer *self,
			const uint8_t *peer_pk);

ssize_t ctl_build_probe_reply(uint8_t *buf, size_t cap, uint64_t nonce,
			      const struct mdcs_ctl_endpoint *observed,
			      uint8_t flags, uint64_t timestamp,
			      const struct ctl_signer *self,
			      const uint8_t *peer_pk);

/* Build a signed REGISTER (observed NULL) or REGISTER_ACK; the length, or
 * -1 if it does not fit. */
ssize_t ctl_build_register(uint8_t *buf, size_t cap, enum mdcs_ctl_type type,
			   uint16_t lease,
			   const struct mdcs_ctl_endpoint *observed,
			   uint64_t timestamp, const struct ctl_signer *self,
			   const uint8_t *peer_pk);

/* Build a signed RELAY of inner (a message for target) to the next hop
 * peer_pk; origin NULL leaves it zero.  The length, or -1. */
ssize_t ctl_build_relay(uint8_t *buf, size_t cap, const uint8_t *target,
			const struct mdcs_ctl_endpoint *origin,
			const uint8_t *inner, size_t inner_len,
			uint64_t timestamp, const struct ctl_signer *self,
			const uint8_t *peer_pk);

/* Build a signed OPEN_HOLE carrying the sender's descriptor. */
ssize_t ctl_build_open_hole(uint8_t *buf, size_t cap, const uint8_t *desc,
			    size_t desc_len, uint64_t timestamp,
			    const struct ctl_signer *self,
			    const uint8_t *peer_pk);

/* Build a signed PUNCH, or its answer with flags MDCS_PUNCH_ACK. */
ssize_t ctl_build_punch(uint8_t *buf, size_t cap, uint8_t flags,
			uint64_t timestamp, const struct ctl_signer *self,
			const uint8_t *peer_pk);

/* Build a signed ALLOCATE asking for a path with peer (flags, lifetime 0
 * and relayed NULL), or its answer flagged MDCS_ALLOCATE_ACK: the lifetime
 * and the relayed port, or 0 and NULL for a refusal.  The length, or -1. */
ssize_t ctl_build_allocate(uint8_t *buf, size_t cap, uint8_t flags,
			   uint16_t lifetime, const uint8_t *peer,
			   const struct mdcs_ctl_endpoint *relayed,
			   uint64_t timestamp, const struct ctl_signer *self,
			   const uint8_t *peer_pk);

/* Build a signed MEET: the recipient reaches the sender at the relay's
 * endpoint at. */
ssize_t ctl_build_meet(uint8_t *buf, size_t cap, const uint8_t *relay,
		       const struct mdcs_ctl_endpoint *at, uint64_t timestamp,
		       const struct ctl_signer *self, const uint8_t *peer_pk);

/* The next entry of a parsed shuffle after *pos (start at 0): its age and
 * descriptor; false after the last. */
bool ctl_next_entry(const struct ctl_msg *m, size_t *pos, unsigned *age,
		    const uint8_t **desc, size_t *desc_len);

/* Check the framing and fill m; the signature is checked by ctl_verify. */
enum ctl_error ctl_parse(const uint8_t *buf, size_t len, struct ctl_msg *m);

/* Check m's signature by its sender, addressed to the RP owning self_pk. */
enum ctl_error ctl_verify(const struct ctl_msg *m, const uint8_t *self_pk);

/* The same with another signature scheme (the simulator's). */
enum ctl_error ctl_verify_by(const struct ctl_msg *m, const uint8_t *self_pk,
			     const struct ctl_signer *scheme);

#endif
