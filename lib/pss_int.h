/* Peer sampling's insides, shared by pss.c and partners.c. */
#ifndef MDCS_PSS_INT_H
#define MDCS_PSS_INT_H

#include <endian.h>
#include <string.h>

#include "pss.h"
#include "replay.h"
#include "rng.h"

#define MAX_VIEW    1024 /* view_size at most */
#define MAX_OFFER   64	 /* shuffle_length at most */
#define MAX_PARTS   8	 /* messages of one offer */
#define MAX_SENDERS 4096
#define MAX_SEEDS   64
#define MAX_ROUTES  256 /* RPs a partner sends answers back to */
#define MISSED_MAX  3	/* keepalive intervals a partner may stay silent */

/* Room for entries in one shuffle message, sent directly or relayed. */
#define ENTRY_ROOM                                                             \
	(MDCS_CTL_MAX_LEN - sizeof(struct mdcs_ctl_hdr) -                      \
	 sizeof(struct mdcs_ctl_shuffle) - MDCS_CTL_SIG_LEN)
#define RELAYED_ENTRY_ROOM                                                     \
	(MDCS_CTL_MAX_RELAYED - sizeof(struct mdcs_ctl_hdr) -                  \
	 sizeof(struct mdcs_ctl_shuffle) - MDCS_CTL_SIG_LEN)

/* How a message reaches an RP: directly, or through its partner via. */
struct path {
	struct desc_endpoint to;
	bool relayed;
	uint8_t via[MDCS_CTL_KEY_LEN];
};

/* An RP that this one registers with, or that registered here. */
struct contact {
	uint8_t id[MDCS_CTL_KEY_LEN];
	struct desc_endpoint endpoint;
	uint64_t expires; /* mono ms; a client's lease, a route's end */
	unsigned missed;  /* a partner's unanswered REGISTERs */
	bool acked;	  /* a partner that answered */
};

/* This RP's classification of its own NAT (natclass.c). */
enum cls_phase { CLS_DONE, CLS_START, CLS_MAPPING, CLS_FILTERING };

/* Rounds of probes at most; each sends to two helpers at most. */
#define CLS_ROUNDS   8
#define CLS_SENT_MAX (2 * CLS_ROUNDS)
/* After rounds that learned nothing, as when the RP started before its
 * routes were up, it tries again this much later, in fewer rounds, since
 * its shuffles wait meanwhile. */
#define CLS_AGAIN_MS	 60000
#define CLS_AGAIN_ROUNDS 2

struct classify {
	enum cls_phase phase;
	unsigned tries;
	uint8_t sent[CLS_SENT_MAX][MDCS_CTL_KEY_LEN]; /* helpers sent to */
	unsigned n_sent;
	uint64_t deadline; /* mono ms */
	uint64_t again;	   /* mono ms, after learning nothing; 0: never */
	unsigned rounds;   /* CLS_ROUNDS, or CLS_AGAIN_ROUNDS */
	uint64_t nonce[2]; /* to A; to A for B to answer, then to B */
	struct contact a, b;
	bool got_a, got_via, got_b, got_alt, answered_via;
	struct desc_endpoint m_a, m_b; /* where A and B saw this RP */
};

/* VIA answers this RP sent lately, for their requesters' asking: a ring
 * of the nonces, each mixed with its requester's key.  Classifying RPs
 * ask within 16 answer timeouts; a busier helper forgets sooner, and its
 * requesters then learn nothing of their filtering. */
#define ANSWERED_VIA 256

struct answered_via {
	uint64_t tag[ANSWERED_VIA];
	unsigned next;
};

/* Checking that a NAT still maps this RP where its descriptor says. */
struct recheck {
	uint64_t due; /* mono ms */
	uint64_t nonce;
	struct contact a, b;
	bool got_a, got_b;
	struct desc_endpoint m_a, m_b;
};

struct offer_part {
	uint32_t xid;
	unsigned first, n; /* its entries in round.sent */
	bool open;
};

/* This period's exchange, from this RP's side. */
struct round {
	bool active, answered, from_fallback, redirected;
	uint8_t busy[MDCS_CTL_KEY_LEN]; /* the target that sent it on */
	unsigned attempt;
	struct pss_entry target; /* out of the view, as Cyclon does */
	struct path path;	 /* to the target */
	uint64_t deadline;
	unsigned n_parts, n_sent;
	struct offer_part parts[MAX_PARTS];
	uint8_t sent[MAX_OFFER][MDCS_CTL_KEY_LEN];
};

struct pss {
	struct pss_params p;
	struct pss_io io;
	struct rng rng;
	struct desc self;
	uint8_t self_raw[MDCS_DESC_MAX_LEN];
	size_t self_len;
	struct pss_entry *view; /* room for view_size + MAX_OFFER */
	unsigned view_len;
	struct pss_entry *fallback;
	unsigned fallback_len;
	struct pss_entry seeds[MAX_SEEDS];
	unsigned n_seeds;
	struct contact partners[MDCS_DESC_MAX_PARTNERS];
	unsigned n_partners;
	struct contact *clients; /* max_clients, as a partner */
	unsigned n_clients;
	struct contact routes[MAX_ROUTES];
	unsigned n_routes;
	uint64_t next_keepalive;    /* mono ms */
	struct desc_endpoint local; /* the RP's own, as it was created */
	struct classify cls;
	struct answered_via answered_via;
	struct recheck recheck;
	struct replay *replay;
	uint64_t next_period; /* mono ms; 0 before the first run */
	uint64_t last_ts;
	struct round round;
	/* The quota: shuffle messages this RP may serve beyond those it
	 * sent; the last RP behind a filter that shuffled with it; and the
	 * initiator it answered BUSY last, with the RP it named, until. */
	unsigned credit;
	struct pss_entry cached;
	struct {
		uint8_t initiator[MDCS_CTL_KEY_LEN];
		struct pss_entry named;
		uint64_t until; /* mono ms */
	} busy;
	struct pss_stats stats;
};

static inline bool same_id(const uint8_t *a, const uint8_t *b)
{
	return !memcmp(a, b, MDCS_CTL_KEY_LEN);
}

/* The contact of a view or fallback entry: its RP and where to reach it. */
static inline void contact_of(struct contact *c, const struct pss_entry *e)
{
	memset(c, 0, sizeof(*c));
	memcpy(c->id, e->id, MDCS_CTL_KEY_LEN);
	c->endpoint = e->endpoint;
}

/* pss.c */
uint64_t pss_next_ts(struct pss *s, uint64_t wall);
/* Whether the message left this RP (io.send). */
bool pss_send(struct pss *s, const struct desc_endpoint *to, const uint8_t *buf,
	      size_t len);
void pss_sign_self(struct pss *s, uint64_t wall);
int pss_take_desc(struct pss *s, const uint8_t *raw, size_t len, unsigned age,
		  uint64_t wall, struct pss_entry *e);

/* natclass.c: this RP's own class, and answering others' probes */
uint64_t pss_classify_run(struct pss *s, uint64_t mono, uint64_t wall);
/* Behind a NAT that maps independently of the destination, probe where it
 * maps now and follow; the time of the next check, or UINT64_MAX. */
uint64_t pss_recheck_run(struct pss *s, uint64_t mono, uint64_t wall);
void pss_probed(struct pss *s, const struct ctl_msg *m,
		const struct desc_endpoint *from, uint64_t wall);
void pss_probe_answered(struct pss *s, const struct ctl_msg *m, uint64_t mono,
			uint64_t wall);

/* partners.c: reaching RPs behind filters, and being a partner */
bool pss_path_to(struct pss *s, const struct pss_entry *e, struct path *p);
/* Through one of d's partners, at random; false if it lists none. */
bool pss_path_via_partner(struct pss *s, const struct desc *d, struct path *p);
void pss_send_along(struct pss *s, const struct path *p, const uint8_t *peer,
		    const uint8_t *msg, size_t len, uint64_t wall);
bool pss_needs_partners(const struct pss *s);
void pss_keep_partners(struct pss *s, uint64_t wall);
void pss_registered(struct pss *s, const struct ctl_msg *m,
		    const struct desc_endpoint *from, uint64_t mono,
		    uint64_t wall);
void pss_partner_answered(struct pss *s, const struct ctl_msg *m,
			  uint64_t wall);
void pss_forward(struct pss *s, const struct ctl_msg *m,
		 const struct desc_endpoint *from, uint64_t mono,
		 uint64_t wall);

/* punch.c: opening paths through NATs for the data */
void pss_hole_opened(struct pss *s, const struct ctl_msg *m,
		     const struct desc_endpoint *origin, uint64_t wall);
void pss_punched(struct pss *s, const struct ctl_msg *m,
		 const struct desc_endpoint *from, uint64_t wall);
void pss_met(struct pss *s, const struct ctl_msg *m);

#endif
