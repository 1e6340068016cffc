/* The remote RPs and the signed control protocol spoken with them. */
#ifndef RPD_MESH_H
#define RPD_MESH_H

#include <stdint.h>

#include "conf.h"
#include "control.h"
#include "datapath.h"
#include "desc.h"
#include "idpool.h"
#include "loop.h"
#include "relay.h"

/* A remote RP: configured, or learned from the descriptors gossip brings. */
struct remote_rp {
	char name[64];
	uint8_t key[MDCS_CTL_KEY_LEN];
	/* Where it is reached: configured or advertised, until a message
	 * that verified came from elsewhere (its NAT maps per destination,
	 * or the path is punched); then there. */
	struct in6_addr addr;
	uint16_t port;
	const struct prefix6 *prefixes; /* the sources it serves */
	unsigned n_prefixes;
	/* Where its channels come from, as its newest descriptor says
	 * (:: if it publishes none, or none came yet): what peers join. */
	struct in6_addr channel_source;
	const struct conf_remote *conf; /* NULL if learned */
	uint32_t slot;			/* in the datapath's remote_rps map */
	uint64_t last_ts;		/* newest timestamp accepted from it */
	/* The last valid message from it: when on the loop's clock (0 if
	 * none came), and when in microseconds since the epoch. */
	uint64_t heard_ms;
	uint64_t heard_unix_us;
	bool punched; /* reached through the NATs between, by PUNCHes */
	/* Reached through a port of a third RP's, the relay, since the
	 * NATs between cannot be punched (relayed.c): asked for, then in
	 * use; mine if this RP asked for it, else the other did. */
	struct {
		bool pending, on, mine;
		uint8_t key[MDCS_CTL_KEY_LEN]; /* the relay's */
		struct desc_endpoint at;       /* the port of the path */
		uint64_t since_ms;
		/* The last relay that refused, or whose path failed. */
		uint8_t refused[MDCS_CTL_KEY_LEN];
	} relayed;
	bool up;	  /* heard within the subscription hold time */
	bool unreachable; /* the last message to it could not be sent */

	/* A learned RP: its descriptor, newest first seen, and the
	 * prefixes it lists, which prefixes points to. */
	uint64_t incarnation, issued;
	struct desc_endpoint advertised;
	uint8_t nat; /* MDCS_DESC_NAT() */
	struct prefix6 learned_prefixes[MDCS_DESC_MAX_PREFIXES];
	uint8_t *desc;
	size_t desc_len;
	struct remote_rp *next; /* in mesh.learned */
};

/* Why control messages were refused, and how many were taken. */
struct mesh_stats {
	uint64_t accepted;
	uint64_t malformed;
	uint64_t unknown_sender;
	uint64_t bad_signature;
	uint64_t replayed; /* not newer than one already accepted */
	uint64_t stale;	   /* timestamp beyond the allowed clock skew */
	uint64_t sent;
	uint64_t send_failed;
	uint64_t learned_full; /* RPs not learned: the table was full */
};

struct mesh_ops {
	/* A remote RP subscribes; fill in one status per channel. */
	void (*subscribe)(void *arg, struct remote_rp *rp,
			  const struct mdcs_ctl_channel *ch, unsigned n,
			  unsigned hold_time, struct mdcs_ctl_status *status);
	void (*unsubscribe)(void *arg, struct remote_rp *rp,
			    const struct mdcs_ctl_channel *ch, unsigned n);
	void (*ack)(void *arg, struct remote_rp *rp,
		    const struct mdcs_ctl_status *status, unsigned n);
	/* A learned RP is forgotten: nothing may point to it after. */
	void (*gone)(void *arg, struct remote_rp *rp);
};

typedef void (*mesh_status_fn)(void *arg, const struct remote_rp *rp);
typedef void (*mesh_change_fn)(void *arg);

/* Learned RPs at most; more are refused and counted. */
#define MESH_MAX_LEARNED 1024

struct mesh {
	struct loop *loop;
	struct datapath *dp;
	int sock;
	struct ctl_identity id;
	struct ctl_signer signer; /* signs with id */
	struct remote_rp *rps;	  /* as many as, and in the order of, conf's */
	unsigned n_rps;
	struct remote_rp *learned; /* a list, the newest first */
	unsigned n_learned;
	struct idpool slots; /* in the datapath's remote_rps map */
	const struct rpd_conf *conf;
	struct sampling *sampling;
	struct relay relay; /* ports for other RPs' relayed paths */
	unsigned max_skew;  /* seconds */
	uint64_t hold_ms;   /* silence after which a remote RP is down */
	uint64_t keepalive_ms;
	struct timer keepalive_timer;
	uint64_t last_sent_ts;
	const struct mesh_ops *ops;
	void *arg;
	mesh_status_fn on_status; /* NULL, or told when an RP goes up or down */
	void *status_arg;
	/* NULL, or told when the set of RPs or their prefixes change */
	mesh_change_fn on_change;
	void *change_arg;
	/* NULL, or given the AMT messages of gateways (the AMT relay) */
	void (*on_amt)(void *arg, const struct sockaddr_in6 *from,
		       const uint8_t *buf, size_t len);
	void *amt_arg;
	struct mesh_stats stats;
};

/*
 * Give every configured remote RP, and every RP learned before, a datapath
 * slot (keeping the one an
 * earlier rpd gave it), program the datapath, open the control socket and
 * start sending KEEPALIVEs.  What a closed mesh heard from an RP with the
 * same key carries over, with the counters.
 */
int mesh_open(struct mesh *m, struct loop *loop, const struct rpd_conf *c,
	      const struct ctl_identity *id, struct datapath *dp,
	      const struct mesh_ops *ops, void *arg);

/*
 * Close the control socket and stop the KEEPALIVEs, keeping what was heard
 * from the remote RPs for the next mesh_open(): a commit neither makes
 * them look down nor forgets the newest timestamps, which guard against
 * replays.  mesh_free() forgets it too.
 */
void mesh_close(struct mesh *m);
void mesh_free(struct mesh *m);

/* The remote RPs, configured first: NULL gives the first, the last
 * gives NULL. */
struct remote_rp *mesh_next_rp(const struct mesh *m,
			       const struct remote_rp *rp);
#define mesh_each_rp(m, rp)                                                    \
	for ((rp) = mesh_next_rp((m), NULL); (rp);                             \
	     (rp) = mesh_next_rp((m), (rp)))

struct remote_rp *mesh_rp_by_slot(struct mesh *m, uint32_t slot);

/* The remote RP serving a source: the longest matching prefix wins, and
 * among equals a configured RP. */
struct remote_rp *mesh_rp_for_source(struct mesh *m, const struct in6_addr *s);

/*
 * A descriptor that verified: learn its RP, or update what is known of it
 * if it is newer; a LEAVING one makes the mesh forget the RP.  Configured
 * RPs are what the configuration says, whatever they gossip, and no
 * learned RP serves a prefix that overlaps this RP's own: another RP
 * cannot draw this AS's sources into the overlay.
 */
void mesh_learn(struct mesh *m, const struct desc *d, const uint8_t *raw,
		size_t len);

/* A PUNCH from the RP with key came from addr and port: it is reached
 * there now, and alive. */
void mesh_punched(struct mesh *m, const uint8_t *key,
		  const struct in6_addr *addr, uint16_t port);

/* The control counters, the peer sampling's included. */
void mesh_control_stats(const struct mesh *m, struct mesh_stats *out);
void mesh_clear_stats(struct mesh *m);

struct remote_rp *mesh_rp_by_key(const struct mesh *m, const uint8_t *key);

/* A timestamp for a message: never the same one twice. */
uint64_t mesh_next_ts(struct mesh *m);

/*
 * A message that verified came from rp at addr and port: answers go there
 * from now on, data included.  An RP reached through a relay stays there
 * until the relayed path is given up.
 */
void mesh_latch(struct mesh *m, struct remote_rp *rp,
		const struct in6_addr *addr, uint16_t port);

/* Send a message built for the RP at `to` (a reply goes where the request
 * came from); counted in the mesh's statistics. */
int mesh_send(struct mesh *m, const struct in6_addr *addr, uint16_t port,
	      const uint8_t *buf, ssize_t len);

/* The same from another socket of this RP's, counted alike. */
int mesh_send_from(struct mesh *m, int sock, const struct in6_addr *addr,
		   uint16_t port, const uint8_t *buf, ssize_t len);

/* Send SUBSCRIBE (hold_time > 0) or UNSUBSCRIBE for n channels, in as
 * many messages as needed. */
int mesh_send_channels(struct mesh *m, struct remote_rp *rp,
		       enum mdcs_ctl_type type, unsigned hold_time,
		       const struct mdcs_ctl_channel *ch, unsigned n);

#endif
