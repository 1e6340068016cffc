/* Binary min-heap of events; (at, seq) is a total order, so runs repeat. */
#include <stdlib.h>

#include "evq.h"

static bool before(const struct event *a, const struct event *b)
{
	return a->at != b->at ? a->at < b->at : a->seq < b->seq;
}

void evq_init(struct evq *q)
{
	q->heap = NULL;
	q->n = q->cap = q->seq = 0;
}

void evq_free(struct evq *q, void (*drop)(struct event *e))
{
	for (uint64_t i = 0; i < q->n; i++)
		drop(&q->heap[i]);
	free(q->heap);
	evq_init(q);
}

int evq_push(struct evq *q, struct event e)
{
	uint64_t i;

	if (q->n == q->cap) {
		uint64_t cap = q->cap ? 2 * q->cap : 1024;
		struct event *h = realloc(q->heap, cap * sizeof(*h));

		if (!h)
			return -1;
		q->heap = h;
		q->cap = cap;
	}
	e.seq = q->seq++;
	for (i = q->n++; i > 0; i = (i - 1) / 2) {
		struct event *parent = &q->heap[(i - 1) / 2];

		if (!before(&e, parent))
			break;
		q->heap[i] = *parent;
	}
	q->heap[i] = e;
	return 0;
}

bool evq_pop(struct evq *q, struct event *out)
{
	struct event last;
	uint64_t i = 0;

	if (!q->n)
		return false;
	*out = q->heap[0];
	last = q->heap[--q->n];
	for (;;) {
		uint64_t c = 2 * i + 1;

		if (c >= q->n)
			break;
		if (c + 1 < q->n && before(&q->heap[c + 1], &q->heap[c]))
			c++;
		if (!before(&q->heap[c], &last))
			break;
		q->heap[i] = q->heap[c];
		i = c;
	}
	q->heap[i] = last;
	return true;
}

bool evq_peek(const struct evq *q, uint64_t *at)
{
	if (!q->n)
		return false;
	*at = q->heap[0].at;
	return true;
}
