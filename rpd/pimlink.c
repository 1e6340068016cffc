/* PIM on the overlay link: rpd as pim6d's one neighbor there. */
#include <errno.h>
#include <string.h>
#include <sodium.h>

#include "log.h"
#include "pimlink.h"
#include "prefix.h"

/* ff02::d, All-PIM-Routers */
static const struct in6_addr all_pim_routers = {
	{ { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0d } }
};

/* PIM messages stay within the IPv6 minimum MTU. */
#define PIM_MAX_MSG (1280 - 40)

static void send_msg(struct pimlink *pl, const uint8_t *msg, size_t len)
{
	uint8_t pkt[1280];
	size_t n = pim_packet(pkt, sizeof(pkt), &pl->self, &all_pim_routers,
			      msg, len);

	if (n)
		overlay_write(pl->overlay, pkt, n);
}

static void send_hello(struct pimlink *pl, uint16_t holdtime)
{
	uint8_t msg[64];
	size_t len = pim_build_hello(msg, sizeof(msg), holdtime, 1, pl->genid);

	send_msg(pl, msg, len);
}

static void hello_due(void *arg)
{
	struct pimlink *pl = arg;

	send_hello(pl, pl->hello_interval * 7 / 2);
	timer_arm(pl->loop, &pl->hello_timer, pl->hello_interval * 1000ULL);
}

static void neighbor_lost(void *arg)
{
	struct pimlink *pl = arg;
	char a[INET6_ADDRSTRLEN];

	log_notice("pim: neighbor %s on %s timed out",
		   addr6_str(&pl->neighbor, a), pl->overlay->name);
	pl->has_neighbor = false;
}

static void on_hello(struct pimlink *pl, const struct in6_addr *src,
		     const uint8_t *msg, size_t len)
{
	struct pim_hello h;
	char a[INET6_ADDRSTRLEN];
	bool fresh;

	if (pim_parse_hello(msg, len, &h))
		return;
	if (h.holdtime == 0) {
		if (pl->has_neighbor &&
		    !memcmp(src, &pl->neighbor, sizeof(*src))) {
			timer_cancel(pl->loop, &pl->neighbor_timer);
			neighbor_lost(pl);
		}
		return;
	}
	fresh = !pl->has_neighbor || memcmp(src, &pl->neighbor, sizeof(*src)) ||
		h.has_genid != pl->neighbor_has_genid ||
		h.genid != pl->neighbor_genid;
	pl->has_neighbor = true;
	pl->neighbor = *src;
	pl->neighbor_has_genid = h.has_genid;
	pl->neighbor_genid = h.genid;
	if (h.holdtime != 0xffff)
		timer_arm(pl->loop, &pl->neighbor_timer, h.holdtime * 1000ULL);
	else
		timer_cancel(pl->loop, &pl->neighbor_timer);
	if (fresh) {
		log_notice("pim: neighbor %s up on %s", addr6_str(src, a),
			   pl->overlay->name);
		/* A new neighbor learns of rpd at once, not a period later. */
		send_hello(pl, pl->hello_interval * 7 / 2);
		pl->ops->neighbor_up(pl->arg);
	}
}

struct jp_ctx {
	struct pimlink *pl;
	unsigned holdtime;
};

static void on_entry(void *arg, const struct pim_jp_entry *e)
{
	struct jp_ctx *c = arg;

	if (e->join)
		c->pl->ops->join(c->pl->arg, &e->source, &e->group,
				 c->holdtime);
	else
		c->pl->ops->prune(c->pl->arg, &e->source, &e->group);
}

static void on_join_prune(struct pimlink *pl, const uint8_t *msg, size_t len)
{
	struct in6_addr upstream;
	struct jp_ctx c = { pl, 0 };
	uint16_t holdtime;

	/* Parsed twice: first only to learn whom it is for. */
	if (pim_parse_join_prune(msg, len, &upstream, &holdtime, NULL, NULL))
		return;
	if (memcmp(&upstream, &pl->self, sizeof(upstream)))
		return;
	c.holdtime = holdtime;
	pim_parse_join_prune(msg, len, &upstream, &holdtime, on_entry, &c);
}

static void readable(void *arg)
{
	struct pimlink *pl = arg;
	uint8_t pkt[65536];
	ssize_t n;

	while ((n = overlay_read(pl->overlay, pkt, sizeof(pkt))) > 0) {
		struct in6_addr src;
		const uint8_t *msg;
		size_t len;

		if (pim_unwrap(pkt, (size_t)n, &src, &msg, &len))
			continue; /* MLD, ND and anything not PIM */
		switch (msg[0] & 0x0f) {
		case PIM_HELLO:
			on_hello(pl, &src, msg, len);
			break;
		case PIM_JOIN_PRUNE:
			on_join_prune(pl, msg, len);
			break;
		}
	}
	if (n < 0 && errno != EAGAIN)
		log_warn("overlay %s: read: %m", pl->overlay->name);
}

int pimlink_start(struct pimlink *pl, struct loop *loop, struct overlay *o,
		  const struct in6_addr *self, unsigned hello_interval,
		  const struct pimlink_ops *ops, void *arg)
{
	memset(pl, 0, sizeof(*pl));
	pl->loop = loop;
	pl->overlay = o;
	pl->self = *self;
	pl->hello_interval = hello_interval;
	pl->genid = randombytes_random();
	pl->ops = ops;
	pl->arg = arg;
	timer_init(&pl->hello_timer, hello_due, pl);
	timer_init(&pl->neighbor_timer, neighbor_lost, pl);
	if (loop_watch(loop, o->fd, readable, pl))
		return -1;
	hello_due(pl);
	return 0;
}

void pimlink_stop(struct pimlink *pl, bool goodbye)
{
	if (goodbye)
		send_hello(pl, 0);
	timer_cancel(pl->loop, &pl->hello_timer);
	timer_cancel(pl->loop, &pl->neighbor_timer);
	loop_unwatch(pl->loop, pl->overlay->fd);
}

int pimlink_send(struct pimlink *pl, const struct pim_jp_entry *e, unsigned n,
		 unsigned holdtime)
{
	uint8_t msg[PIM_MAX_MSG];

	if (!pl->has_neighbor)
		return -1;
	while (n) {
		unsigned used;
		size_t len = pim_build_join_prune(
			msg, sizeof(msg), &pl->neighbor, holdtime, e, n, &used);

		if (!len)
			return -1;
		send_msg(pl, msg, len);
		e += used;
		n -= used;
	}
	return 0;
}
