/* Peer sampling: the gossip that keeps every RP a random view of the mesh. */
#ifndef MDCS_PSS_H
#define MDCS_PSS_H

#include <stdbool.h>
#include <stdint.h>

#include "desc.h"

/*
 * The protocol of Jelasity et al. (TOCS 2007) in Cyclon's form: every
 * period an RP takes the oldest (or a random) entry of its view out,
 * offers that RP shuffle_length entries with a fresh one of its own, and
 * merges what comes back, dropping first `healing` of the oldest, then
 * `swap` of those it sent, then random ones.  Added for the real world:
 * descriptors signed by their subjects expire `lifetime` periods after
 * they were signed, so a dead RP leaves every view within a bounded time;
 * a failed exchange is retried with the next target, up to `attempts`,
 * then with an RP of the fallback cache (ARRG, Drost et al. 2007).
 *
 * No sockets, clocks or randomness of its own: time comes with every call,
 * messages leave through pss_io, so rpd and the simulator run this code.
 */
struct pss_params {
	unsigned view_size;	 /* c */
	unsigned shuffle_length; /* entries offered, its own included */
	unsigned healing, swap;	 /* H and S */
	bool tail;		 /* peer selection: oldest, or random */
	uint64_t period_ms;	 /* T */
	unsigned lifetime;	 /* periods; 0: descriptors never expire */
	unsigned attempts;	 /* targets tried per period, at least 1 */
	unsigned fallback_size;	 /* 0: no fallback cache */
	uint64_t timeout_ms;	 /* for an answer to a shuffle */
	uint64_t max_skew_us;	 /* tolerated clock difference */
	/* Across NATs (Gozar, Payberah et al. 2011): an RP whose filter
	 * keeps out RPs it never sent to registers with `partners` RPs
	 * that take anyone's messages, every keepalive_ms, and others reach
	 * it through one of them.  An RP with relay set serves as one. */
	unsigned partners; /* at most MDCS_DESC_MAX_PARTNERS */
	bool relay;	   /* forward for up to max_clients RPs */
	unsigned max_clients;
	uint64_t keepalive_ms; /* below the NATs' 30 s for UDP mappings */
	/* Find this RP's own NAT class with two other RPs before the first
	 * shuffle (RFC 5780's tests), rather than trust the descriptor's;
	 * then, behind a NAT that maps independently of the destination,
	 * check every keepalive_ms where it maps. */
	bool classify;
	/* The exchange quota (Leitao et al., IPTPS 2010): an RP that anyone
	 * reaches serves at most `quota` shuffle messages more than it sent,
	 * and sends further initiators to an RP behind a filter that
	 * shuffled with it last.  0: no quota. */
	unsigned quota;
};

struct pss_io {
	void *ctx;
	const struct ctl_signer *signer; /* this RP's: signs what it sends */
	/* 0 once the message left this RP; -1 if it could not, as when the
	 * RP has no route or address yet. */
	int (*send)(void *ctx, const struct desc_endpoint *to,
		    const uint8_t *buf, size_t len);
	/* NULL, or told of every descriptor that passed its checks, whether
	 * or not the view keeps it: the RPs a directory can learn. */
	void (*learn)(void *ctx, const struct desc *d, const uint8_t *raw,
		      size_t len);
	/* NULL, or sends from another port of this RP's address: the
	 * answer to a probe that asks for one.  Returns as send does. */
	int (*send_alt)(void *ctx, const struct desc_endpoint *to,
			const uint8_t *buf, size_t len);
	/* NULL, or told of every PUNCH that verified: where its sender's
	 * NAT let it out, which is where the sender is reached now. */
	void (*punched)(void *ctx, const uint8_t *id,
			const struct desc_endpoint *from);
	/* NULL, or told of every MEET that verified: the RP with key id
	 * reaches this one at a port of relay's, at. */
	void (*meet)(void *ctx, const uint8_t *id, const uint8_t *relay,
		     const struct desc_endpoint *at);
};

/* Why messages and descriptors were refused, and what was done. */
struct pss_stats {
	uint64_t started, completed, timed_out, fallbacks, served;
	uint64_t sent, sent_bytes, received; /* sent: that left this RP */
	uint64_t malformed, bad_signature, replayed, stale, unsolicited;
	uint64_t desc_malformed, desc_bad_signature, desc_expired, desc_future;
	uint64_t relayed_out;	  /* shuffle messages sent through a partner */
	uint64_t forwarded;	  /* RELAYs forwarded as a partner */
	uint64_t relay_refused;	  /* for no client, or by a non-partner */
	uint64_t registrations;	  /* REGISTERs taken as a partner */
	uint64_t partners_lost;	  /* partners silent for 3 intervals */
	uint64_t probes_answered; /* for other RPs' classification */
	uint64_t classifications; /* of this RP's own class, finished */
	uint64_t remapped;	  /* NAT mappings followed to a new place */
	uint64_t punches;	  /* PUNCHes sent, answers included */
	uint64_t punched;	  /* PUNCHes that verified */
	uint64_t holes_opened;	  /* OPEN_HOLEs taken */
	uint64_t meets;		  /* MEETs sent */
	uint64_t busy;		  /* shuffles answered BUSY, over quota */
	uint64_t redirects;	  /* exchanges moved on by a BUSY answer */
};

struct pss_entry {
	uint8_t id[MDCS_CTL_KEY_LEN];
	uint64_t incarnation, issued;
	unsigned age;
	struct desc_endpoint endpoint; /* where its subject is reached */
	uint8_t nat, flags;
	uint8_t n_partners;
	uint16_t len;
	uint8_t *raw; /* the signed descriptor; NULL for a seed */
};

struct pss;

/*
 * A peer sampling instance for the RP described by self (its id must be
 * the signer's key; incarnation and issued are set here: the incarnation
 * is wall_us, above any earlier one of a restarted RP).  NULL on bad
 * parameters or out of memory.
 */
struct pss *pss_new(const struct pss_params *p, const struct pss_io *io,
		    const struct desc *self, uint64_t seed, uint64_t wall_us);
void pss_free(struct pss *s);

/* Learn a descriptor from outside the gossip (a seed); 0 if taken,
 * -1 if refused (counted). */
int pss_add(struct pss *s, const uint8_t *desc, size_t len, uint64_t wall_us);

/*
 * An RP to start from, known only by its key and endpoint (a configured
 * remote RP): it joins a view with room at once, and whenever the view is
 * empty at the start of a period, the seeds fill it.  A seed is a target, never
 * offered to others, since nothing signed vouches for it; its own descriptor
 * replaces it once heard.  0 if taken, -1 if there is no room or it is this RP.
 */
int pss_add_seed(struct pss *s, const uint8_t *id,
		 const struct desc_endpoint *endpoint);

void pss_clear_seeds(struct pss *s);

/* Do what is due by now; returns when to be called again. */
uint64_t pss_run(struct pss *s, uint64_t mono_ms, uint64_t wall_us);

/* Whether a message type is peer sampling's, for pss_input(). */
bool pss_takes(enum mdcs_ctl_type type);

/* A message of peer sampling's from `from`. */
void pss_input(struct pss *s, uint64_t mono_ms, uint64_t wall_us,
	       const struct desc_endpoint *from, const uint8_t *buf,
	       size_t len);

/* The view, and this RP's own current descriptor. */
unsigned pss_view_len(const struct pss *s);
const struct pss_entry *pss_view_entry(const struct pss *s, unsigned i);
const uint8_t *pss_self_desc(const struct pss *s, size_t *len);

/*
 * Open a path to the RP a descriptor describes, through its NAT and this
 * RP's (Gozar's rendezvous, Payberah et al. 2011): a PUNCH to where it
 * is advertised, which opens this RP's NAT toward it, and an OPEN_HOLE
 * through one of its partners, at random, which has it PUNCH back to
 * where the partner saw this RP.  io.punched tells of what gets through.
 * -1 if the descriptor does not parse or is this RP's.
 */
int pss_punch(struct pss *s, const uint8_t *desc, size_t len, uint64_t wall_us);

/*
 * Tell the RP a descriptor describes, through one of its partners, that
 * this RP reaches it at a port of relay's, at: io.meet tells it there.
 * -1 if the descriptor does not parse or lists no partner.
 */
int pss_meet(struct pss *s, const uint8_t *desc, size_t len,
	     const uint8_t *relay, const struct desc_endpoint *at,
	     uint64_t wall_us);

/* Whether an RP of a NAT class (MDCS_DESC_NAT()) takes messages from RPs
 * it never sent to: no filter, an endpoint-independent one, or unknown. */
bool pss_reachable(uint8_t nat);

/* Whether RPs of two NAT classes need a relay: one maps per destination
 * and the other filters per address and port, so punching cannot work. */
bool pss_needs_relay(uint8_t a, uint8_t b);

/* Whether an RP of a NAT class can relay for others: a port it opens is
 * the same outside, and anyone's messages get to it once the RP sent from
 * it.  No translation, and endpoint-independent mapping and filtering
 * (or unknown). */
bool pss_can_relay(uint8_t nat);

/* This RP's NAT class, as its descriptor says (MDCS_DESC_NAT()). */
uint8_t pss_self_nat(const struct pss *s);

/* Whether this RP still classifies its NAT (shuffles wait for it). */
bool pss_classifying(const struct pss *s);
const struct pss_stats *pss_stats(const struct pss *s);
void pss_clear_stats(struct pss *s);

/* Add each counter of from to to's. */
void pss_stats_add(struct pss_stats *to, const struct pss_stats *from);

#endif
