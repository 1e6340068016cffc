/* Replay guard: the newest timestamp accepted from each sender. */
#ifndef MDCS_REPLAY_H
#define MDCS_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/control.h"

enum replay_verdict {
	REPLAY_OK,    /* newer than anything before, and remembered */
	REPLAY_OLD,   /* not newer than one already accepted */
	REPLAY_STALE, /* further from now than the tolerated skew */
	REPLAY_FULL,  /* too many senders to remember: refused */
};

struct replay;

/* Whether a timestamp ts is within skew of the clock now, either way. */
static inline bool replay_in_window(uint64_t ts, uint64_t now, uint64_t skew)
{
	return ts + skew >= now && ts <= now + skew;
}

/* A guard remembering at most max senders at once. */
struct replay *replay_new(unsigned max);
void replay_free(struct replay *r);

/*
 * Judge a timestamp ts (microseconds since the epoch) from sender pk at
 * wall clock now.  A sender whose newest timestamp has fallen out of the
 * skew window is forgotten when room is needed: the skew check alone
 * refuses its old messages from then on.
 */
enum replay_verdict replay_check(struct replay *r, const uint8_t *pk,
				 uint64_t ts, uint64_t now, uint64_t skew);

#endif
