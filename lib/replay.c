/* Replay guard: an open-addressing table of senders, grown on demand. */
#include <stdlib.h>
#include <string.h>

#include "replay.h"

struct sender {
	uint8_t pk[MDCS_CTL_KEY_LEN];
	uint64_t last_ts; /* 0: free slot */
};

struct replay {
	struct sender *slots;
	unsigned size, used, max; /* size: a power of two */
};

struct replay *replay_new(unsigned max)
{
	struct replay *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->size = 16;
	r->max = max;
	r->slots = calloc(r->size, sizeof(*r->slots));
	if (!r->slots) {
		free(r);
		return NULL;
	}
	return r;
}

void replay_free(struct replay *r)
{
	if (!r)
		return;
	free(r->slots);
	free(r);
}

/* Keys are public keys: their first octets are already uniform. */
static unsigned home(const struct replay *r, const uint8_t *pk)
{
	uint64_t h;

	memcpy(&h, pk, sizeof(h));
	return (unsigned)h & (r->size - 1);
}

static struct sender *find(struct replay *r, const uint8_t *pk)
{
	for (unsigned i = home(r, pk);; i = (i + 1) & (r->size - 1)) {
		struct sender *s = &r->slots[i];

		if (!s->last_ts || !memcmp(s->pk, pk, MDCS_CTL_KEY_LEN))
			return s;
	}
}

/* Rebuild in size slots, leaving out senders that need no memory. */
static int rebuild(struct replay *r, unsigned size, uint64_t forget_before)
{
	struct sender *old = r->slots;
	unsigned old_size = r->size;

	r->slots = calloc(size, sizeof(*r->slots));
	if (!r->slots) {
		r->slots = old;
		return -1;
	}
	r->size = size;
	r->used = 0;
	for (unsigned i = 0; i < old_size; i++) {
		if (!old[i].last_ts || old[i].last_ts < forget_before)
			continue;
		*find(r, old[i].pk) = old[i];
		r->used++;
	}
	free(old);
	return 0;
}

enum replay_verdict replay_check(struct replay *r, const uint8_t *pk,
				 uint64_t ts, uint64_t now, uint64_t skew)
{
	struct sender *s;

	if (!replay_in_window(ts, now, skew) || !ts)
		return REPLAY_STALE;
	s = find(r, pk);
	if (s->last_ts) {
		if (ts <= s->last_ts)
			return REPLAY_OLD;
		s->last_ts = ts;
		return REPLAY_OK;
	}
	/* A new sender: at most max of them, the table at most half full;
	 * past that, only forgetting can make room. */
	if (r->used >= r->max || 2 * (r->used + 1) > r->size) {
		unsigned size = r->size;

		if (2 * (r->used + 1) > r->size && r->size < 2 * r->max)
			size *= 2;
		if (rebuild(r, size, now > skew ? now - skew : 0) ||
		    r->used >= r->max || 2 * (r->used + 1) > r->size)
			return REPLAY_FULL;
		s = find(r, pk);
	}
	memcpy(s->pk, pk, MDCS_CTL_KEY_LEN);
	s->last_ts = ts;
	r->used++;
	return REPLAY_OK;
}
