/* Running rpd's event loop in a test until a counter reaches a value. */
#include "pump.h"

#define POLL_MS 5

struct pump {
	struct loop *loop;
	const uint64_t *counter;
	uint64_t want, deadline;
	struct timer t;
};

static void poll_counter(void *arg)
{
	struct pump *p = arg;

	if (*p->counter >= p->want || loop_now_ms() >= p->deadline)
		loop_stop(p->loop);
	else
		timer_arm(p->loop, &p->t, POLL_MS);
}

uint64_t pump(struct loop *loop, const uint64_t *counter, uint64_t want,
	      unsigned bound_ms)
{
	struct pump p = { loop, counter, want, loop_now_ms() + bound_ms };
	int rc;

	timer_init(&p.t, poll_counter, &p);
	timer_arm(loop, &p.t, 0);
	loop->stop = false;
	rc = loop_run(loop);
	timer_cancel(loop, &p.t);
	return rc ? UINT64_MAX : *counter;
}
