/* rpd's event loop: readable descriptors through epoll, and timers. */
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"

struct watch {
	int fd;
	loop_cb cb;
	void *arg;
};

/*
 * Watches are kept by descriptor so that loop_unwatch can free them; rpd
 * watches a handful of descriptors, all with small numbers.
 */
#define LOOP_MAX_FD 1024
static struct watch *watches[LOOP_MAX_FD];

uint64_t loop_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t loop_unix_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int loop_init(struct loop *l)
{
	l->stop = false;
	TAILQ_INIT(&l->timers);
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	return l->epfd < 0 ? -1 : 0;
}

void loop_fini(struct loop *l)
{
	for (int fd = 0; fd < LOOP_MAX_FD; fd++)
		if (watches[fd])
			loop_unwatch(l, fd);
	if (l->epfd >= 0)
		close(l->epfd);
	l->epfd = -1;
}

int loop_watch(struct loop *l, int fd, loop_cb cb, void *arg)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct watch *w;

	if (fd < 0 || fd >= LOOP_MAX_FD || watches[fd])
		return -1;
	w = malloc(sizeof(*w));
	if (!w)
		return -1;
	*w = (struct watch){ fd, cb, arg };
	ev.data.fd = fd;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev)) {
		free(w);
		return -1;
	}
	watches[fd] = w;
	return 0;
}

void loop_unwatch(struct loop *l, int fd)
{
	if (fd < 0 || fd >= LOOP_MAX_FD || !watches[fd])
		return;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	free(watches[fd]);
	watches[fd] = NULL;
}

void timer_init(struct timer *t, loop_cb cb, void *arg)
{
	t->cb = cb;
	t->arg = arg;
	t->armed = false;
}

void timer_arm(struct loop *l, struct timer *t, uint64_t delay_ms)
{
	struct timer *it;

	timer_cancel(l, t);
	t->due_ms = loop_now_ms() + delay_ms;
	t->armed = true;
	TAILQ_FOREACH (it, &l->timers, link) {
		if (it->due_ms > t->due_ms) {
			TAILQ_INSERT_BEFORE(it, t, link);
			return;
		}
	}
	TAILQ_INSERT_TAIL(&l->timers, t, link);
}

void timer_cancel(struct loop *l, struct timer *t)
{
	if (!t->armed)
		return;
	TAILQ_REMOVE(&l->timers, t, link);
	t->armed = false;
}

static int next_timeout(struct loop *l)
{
	struct timer *t = TAILQ_FIRST(&l->timers);
	uint64_t now = loop_now_ms();

	if (!t)
		return -1;
	return t->due_ms <= now ? 0 : (int)(t->due_ms - now);
}

static void run_due_timers(struct loop *l)
{
	struct timer *t;
	uint64_t now = loop_now_ms();

	while ((t = TAILQ_FIRST(&l->timers)) && t->due_ms <= now && !l->stop) {
		timer_cancel(l, t);
		t->cb(t->arg);
	}
}

int loop_run(struct loop *l)
{
	struct epoll_event evs[16];

	while (!l->stop) {
		int n = epoll_wait(l->epfd, evs, 16, next_timeout(l));

		if (n < 0 && errno != EINTR) {
			log_err("epoll_wait: %m");
			return -1;
		}
		for (int i = 0; i < n && !l->stop; i++) {
			/*
			 * By the descriptor, not a pointer: a callback may
			 * unwatch (and free) a descriptor whose event is
			 * still in this batch, as a commit does with the
			 * control socket.  A descriptor watched again
			 * meanwhile gets a callback for nothing to read.
			 */
			struct watch *w = watches[evs[i].data.fd];

			if (w)
				w->cb(w->arg);
		}
		run_due_timers(l);
	}
	return 0;
}

void loop_stop(struct loop *l)
{
	l->stop = true;
}
