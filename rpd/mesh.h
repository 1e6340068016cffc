/* The remote RPs and the signed control protocol spoken with them. */
#ifndef RPD_MESH_H
#define RPD_MESH_H

#include <stdint.h>

#include "conf.h"
#include "control.h"
#include "datapath.h"
#include "loop.h"

struct remote_rp {
	const struct conf_remote *conf;
	/* conf's public key, to know the RP again in a later configuration */
	uint8_t key[MDCS_CTL_KEY_LEN];
	uint32_t slot;	  /* in the datapath's remote_rps map */
	uint64_t last_ts; /* newest timestamp accepted from it */
	/* The last valid message from it: when on the loop's clock (0 if
	 * none came), and when in microseconds since the epoch. */
	uint64_t heard_ms;
	uint64_t heard_unix_us;
	bool up;	  /* heard within the subscription hold time */
	bool unreachable; /* the last message to it could not be sent */
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
};

typedef void (*mesh_status_fn)(void *arg, const struct remote_rp *rp);

struct mesh {
	struct loop *loop;
	int sock;
	struct ctl_identity id;
	struct remote_rp *rps; /* as many as, and in the order of, conf's */
	unsigned n_rps;
	unsigned max_skew; /* seconds */
	uint64_t hold_ms;  /* silence after which a remote RP is down */
	uint64_t keepalive_ms;
	struct timer keepalive_timer;
	uint64_t last_sent_ts;
	const struct mesh_ops *ops;
	void *arg;
	mesh_status_fn on_status; /* NULL, or told when an RP goes up or down */
	void *status_arg;
	struct mesh_stats stats;
};

/*
 * Give every configured remote RP a datapath slot (keeping the one an
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

struct remote_rp *mesh_rp_by_slot(struct mesh *m, uint32_t slot);

/* The remote RP serving a source: the longest matching prefix wins. */
struct remote_rp *mesh_rp_for_source(struct mesh *m, const struct in6_addr *s);

/* Send SUBSCRIBE (hold_time > 0) or UNSUBSCRIBE for n channels, in as
 * many messages as needed. */
int mesh_send_channels(struct mesh *m, struct remote_rp *rp,
		       enum mdcs_ctl_type type, unsigned hold_time,
		       const struct mdcs_ctl_channel *ch, unsigned n);

#endif
