/* Calls from other threads, run one at a time on the event loop's thread. */
#ifndef RPD_HANDOFF_H
#define RPD_HANDOFF_H

/*
 * rpd's state belongs to the loop's thread.  A management thread hands a
 * function over and waits until the loop has run it, so that no state is
 * ever touched by two threads.
 */

#include <pthread.h>
#include <stdbool.h>

#include "loop.h"

struct handoff {
	struct loop *loop;
	int efd;		/* readable while a call waits */
	pthread_mutex_t caller; /* one call at a time */
	pthread_mutex_t lock;
	pthread_cond_t done_cv;
	loop_cb fn;
	void *arg;
	bool done;
	bool closed;
};

int handoff_init(struct handoff *h, struct loop *loop);

/* Run fn(arg) on the loop's thread and wait for it; -1 if the handoff is
 * closed, and fn was not run. */
int handoff_call(struct handoff *h, loop_cb fn, void *arg);

/* Refuse further calls and release a caller waiting for a loop that no
 * longer runs. */
void handoff_close(struct handoff *h);

void handoff_fini(struct handoff *h);

#endif
