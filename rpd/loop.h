/* rpd's event loop: readable descriptors through epoll, and timers. */
#ifndef RPD_LOOP_H
#define RPD_LOOP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

typedef void (*loop_cb)(void *arg);

struct timer {
	uint64_t due_ms;
	loop_cb cb;
	void *arg;
	bool armed;
	TAILQ_ENTRY(timer) link;
};

struct loop {
	int epfd;
	bool stop;
	TAILQ_HEAD(, timer) timers; /* armed timers, soonest first */
};

/* Milliseconds on the monotonic clock. */
uint64_t loop_now_ms(void);

/* Microseconds since the epoch: what timestamps of messages are in. */
uint64_t loop_unix_us(void);

int loop_init(struct loop *l);
void loop_fini(struct loop *l);

/* Call cb(arg) whenever fd is readable; the loop owns no descriptor. */
int loop_watch(struct loop *l, int fd, loop_cb cb, void *arg);
void loop_unwatch(struct loop *l, int fd);

void timer_init(struct timer *t, loop_cb cb, void *arg);
void timer_arm(struct loop *l, struct timer *t, uint64_t delay_ms);
void timer_cancel(struct loop *l, struct timer *t);

/* Run until loop_stop(); returns -1 on a failure of epoll itself. */
int loop_run(struct loop *l);
void loop_stop(struct loop *l);

#endif
