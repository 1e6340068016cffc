/* The simulator's signature scheme: keyed BLAKE2b, Ed25519's sizes. */
#ifndef MDCS_SIM_FASTSIG_H
#define MDCS_SIM_FASTSIG_H

#include "control.h"

/*
 * A signer for the key pk under the simulation's secret.  It is a MAC, not
 * a signature: anyone holding the secret could sign for anyone, and only
 * the simulator holds it.  What it keeps is what the protocol relies on in
 * a run: a message or descriptor changed on the way, or signed for another
 * key, fails to verify.  It costs about a microsecond where Ed25519
 * verification costs tens, which makes runs of 10,000 RPs take minutes.
 */
void fastsig_init(struct ctl_signer *s, const uint8_t *pk,
		  const uint8_t secret[32]);

#endif
