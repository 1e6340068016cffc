/* Relayed paths to remote RPs that cannot be punched: this RP's side. */
#ifndef RPD_RELAYED_H
#define RPD_RELAYED_H

#include "mesh.h"

/*
 * rp and this RP cannot punch through the NATs between them: ask a relay
 * for a path (an RP that is up and takes anyone's messages, at random),
 * or, once it has one, tell rp again where to meet.  Of two paths the
 * RPs ask for at once, the one of the RP with the smaller key is kept.
 * docs/mesh.md tells the whole exchange.
 */
void relayed_ask(struct mesh *m, struct remote_rp *rp);

/* An ALLOCATE that verified, from rp: a request (this RP is the relay) or
 * the answer to this RP's. */
void relayed_allocate_input(struct mesh *m, struct remote_rp *rp,
			    const struct ctl_msg *msg);

/* A MEET that verified: the RP with key id reaches this one at a port of
 * relay's, at. */
void relayed_met(struct mesh *m, const uint8_t *id, const uint8_t *relay,
		 const struct desc_endpoint *at);

/* Every keepalive interval: bind again at the relay, or give the path up
 * if rp was not heard through it for a hold time. */
void relayed_keep(struct mesh *m, struct remote_rp *rp);

#endif
