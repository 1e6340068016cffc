/* The RP mesh's peer sampling in rpd: lib/pss on the control socket. */
#ifndef RPD_SAMPLING_H
#define RPD_SAMPLING_H

#include "conf.h"
#include "mesh.h"
#include "pss.h"

/*
 * Sample the mesh as c says, starting from its remote RPs (the seeds) and
 * from the RPs learned before.  An instance that sampled with the same
 * parameters and the same descriptor of this RP goes on with its view and
 * its replay guard; any change starts a new one, under a new incarnation.
 */
int sampling_open(struct mesh *m, const struct rpd_conf *c);

/* Stop the shuffles, keeping the instance for the next sampling_open(). */
void sampling_close(struct mesh *m);
void sampling_free(struct mesh *m);

/* A message of peer sampling's that came from addr and port. */
void sampling_input(struct mesh *m, const struct in6_addr *addr, uint16_t port,
		    const uint8_t *buf, size_t len);

/* Open a path to a learned RP through the NATs between (pss_punch()). */
void sampling_punch(struct mesh *m, const struct remote_rp *rp);

/* Tell rp, through one of its partners, where this RP meets it: at its
 * relayed path's port (pss_meet()). */
void sampling_meet(struct mesh *m, const struct remote_rp *rp);

/* Whether this RP and rp cannot punch through the NATs between them. */
bool sampling_needs_relay(const struct mesh *m, const struct remote_rp *rp);

/* Whether this RP's NAT class lets it relay for others (pss_can_relay()). */
bool sampling_can_relay(const struct mesh *m);

/* Whether this RP still classifies its NAT: nothing else is sent. */
bool sampling_classifying(const struct mesh *m);

/* Whether a descriptor signed at issued has outlived its lifetime. */
bool sampling_expired(const struct mesh *m, uint64_t issued, uint64_t now_us);

/* The current instance, or NULL. */
const struct pss *sampling_pss(const struct mesh *m);

/* Counters since rpd started, across instances. */
void sampling_stats(const struct mesh *m, struct pss_stats *out);
void sampling_clear_stats(struct mesh *m);

#endif
