/* Calls from other threads, run one at a time on the event loop's thread. */
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "handoff.h"

static void on_call(void *arg)
{
	struct handoff *h = arg;
	uint64_t n;

	if (read(h->efd, &n, sizeof(n)) != sizeof(n))
		return;
	pthread_mutex_lock(&h->lock);
	if (h->fn && !h->done) {
		h->fn(h->arg);
		h->done = true;
		pthread_cond_broadcast(&h->done_cv);
	}
	pthread_mutex_unlock(&h->lock);
}

int handoff_init(struct handoff *h, struct loop *loop)
{
	h->loop = loop;
	h->fn = NULL;
	h->done = false;
	h->closed = false;
	h->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (h->efd < 0)
		return -1;
	pthread_mutex_init(&h->caller, NULL);
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->done_cv, NULL);
	if (loop_watch(loop, h->efd, on_call, h)) {
		handoff_fini(h);
		return -1;
	}
	return 0;
}

int handoff_call(struct handoff *h, loop_cb fn, void *arg)
{
	uint64_t one = 1;
	bool ran;

	pthread_mutex_lock(&h->caller);
	pthread_mutex_lock(&h->lock);
	h->fn = fn;
	h->arg = arg;
	h->done = false;
	if (!h->closed && write(h->efd, &one, sizeof(one)) == sizeof(one))
		while (!h->done && !h->closed)
			pthread_cond_wait(&h->done_cv, &h->lock);
	ran = h->done;
	h->fn = NULL;
	pthread_mutex_unlock(&h->lock);
	pthread_mutex_unlock(&h->caller);
	return ran ? 0 : -1;
}

void handoff_close(struct handoff *h)
{
	pthread_mutex_lock(&h->lock);
	h->closed = true;
	pthread_cond_broadcast(&h->done_cv);
	pthread_mutex_unlock(&h->lock);
}

void handoff_fini(struct handoff *h)
{
	if (h->efd < 0)
		return;
	loop_unwatch(h->loop, h->efd);
	close(h->efd);
	h->efd = -1;
	pthread_cond_destroy(&h->done_cv);
	pthread_mutex_destroy(&h->lock);
	pthread_mutex_destroy(&h->caller);
}
