/* The simulator's event queue: a binary heap ordered by time, then FIFO. */
#ifndef MDCS_SIM_EVQ_H
#define MDCS_SIM_EVQ_H

#include <stdbool.h>
#include <stdint.h>

struct event {
	uint64_t at;  /* virtual milliseconds */
	uint64_t seq; /* order of scheduling: equal times stay FIFO */
	uint32_t node;
	uint32_t kind;
	uint64_t gen; /* for timers: the generation they belong to */
	void *data;
};

struct evq {
	struct event *heap;
	uint64_t n, cap, seq;
};

void evq_init(struct evq *q);
/* Everything still queued is handed to drop (data may be freed there). */
void evq_free(struct evq *q, void (*drop)(struct event *e));
int evq_push(struct evq *q, struct event e);
bool evq_pop(struct evq *q, struct event *out);
/* The time of the next event; false if none. */
bool evq_peek(const struct evq *q, uint64_t *at);

#endif
