/* The peers of the RP's AS that announced themselves, counted by interface. */
#define _GNU_SOURCE /* struct in6_pktinfo */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "announce.h"
#include "log.h"
#include "peer_census.h"
#include "udpsock.h"

#define SWEEP_MS 1000

struct census_peer {
	struct mdcs_channel key; /* the address, then the id */
	struct census_interface *in;
	bool tunnel;
	uint64_t expires_ms;
};

static struct mdcs_channel peer_key(const struct in6_addr *addr,
				    const uint8_t id[8])
{
	struct mdcs_channel k = { .source = *addr };

	memcpy(&k.group, id, 8);
	return k;
}

/* The interface's counters, added if new; NULL if there are too many. */
static struct census_interface *interface_of(struct peer_census *c,
					     unsigned ifindex)
{
	struct census_interface *in;

	for (unsigned i = 0; i < c->n_ifs; i++)
		if (c->ifs[i].ifindex == ifindex)
			return &c->ifs[i];
	if (c->n_ifs == CENSUS_MAX_INTERFACES)
		return NULL;
	in = &c->ifs[c->n_ifs++];
	in->ifindex = ifindex;
	if (!if_indextoname(ifindex, in->name))
		snprintf(in->name, sizeof(in->name), "if%u", ifindex);
	return in;
}

static void count(struct census_peer *p, int by)
{
	p->in->peers += by;
	if (p->tunnel)
		p->in->tunnel_peers += by;
}

static void forget(struct peer_census *c, struct census_peer *p)
{
	count(p, -1);
	chantab_del(&c->peers, &p->key);
	c->n_peers--;
	free(p);
}

/* A peer not counted yet; NULL if it cannot be (counted as full). */
static struct census_peer *add(struct peer_census *c,
			       const struct mdcs_channel *key, unsigned ifindex)
{
	struct census_interface *in = NULL;
	struct census_peer *p = NULL;

	if (c->n_peers < CENSUS_MAX_PEERS)
		in = interface_of(c, ifindex);
	if (in)
		p = calloc(1, sizeof(*p));
	if (p) {
		p->key = *key;
		p->in = in;
		if (!chantab_add(&c->peers, key, p)) {
			c->n_peers++;
			return p;
		}
		free(p);
	}
	c->stats.full++;
	return NULL;
}

void census_input(struct peer_census *c, const struct in6_addr *from,
		  unsigned ifindex, const uint8_t *buf, size_t len)
{
	struct announce a;
	struct mdcs_channel key;
	struct census_peer *p;

	if (!announce_parse(buf, len, &a)) {
		c->stats.malformed++;
		return;
	}
	if (!conf_allows_peer(c->conf, from)) {
		c->stats.not_allowed++;
		return;
	}
	c->stats.announcements++;
	key = peer_key(from, a.id);
	p = chantab_get(&c->peers, &key);
	if (!a.hold_s) {
		c->stats.departures++;
		if (p)
			forget(c, p);
		return;
	}
	/* A peer that moved to another interface is counted there now. */
	if (p && p->in->ifindex != ifindex) {
		forget(c, p);
		p = NULL;
	}
	if (!p) {
		p = add(c, &key, ifindex);
		if (!p)
			return;
	} else {
		count(p, -1);
	}
	p->tunnel = a.flags & MDCS_ANNOUNCE_TUNNEL;
	count(p, 1);
	p->expires_ms = loop_now_ms() + a.hold_s * 1000ULL;
}

static void on_readable(void *arg)
{
	struct peer_census *c = arg;
	uint8_t buf[sizeof(struct mdcs_announce) + 1]; /* longer is wrong */
	union {
		struct cmsghdr align;
		char space[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} control;

	for (;;) {
		struct sockaddr_in6 from;
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
		struct msghdr mh = { .msg_name = &from,
				     .msg_namelen = sizeof(from),
				     .msg_iov = &iov,
				     .msg_iovlen = 1,
				     .msg_control = &control,
				     .msg_controllen = sizeof(control) };
		const struct in6_pktinfo *info = NULL;
		ssize_t n = recvmsg(c->sock, &mh, MSG_DONTWAIT);

		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_debug("census: recvmsg: %m");
			return;
		}
		for (struct cmsghdr *m = CMSG_FIRSTHDR(&mh); m;
		     m = CMSG_NXTHDR(&mh, m))
			if (m->cmsg_level == IPPROTO_IPV6 &&
			    m->cmsg_type == IPV6_PKTINFO)
				info = (const void *)CMSG_DATA(m);
		if (!info || (mh.msg_flags & MSG_TRUNC)) {
			c->stats.malformed++;
			continue;
		}
		census_input(c, &from.sin6_addr, (unsigned)info->ipi6_ifindex,
			     buf, (size_t)n);
	}
}

static void expire(void *arg, const struct mdcs_channel *ch, void *data)
{
	struct peer_census *c = arg;
	struct census_peer *p = data;

	(void)ch;
	if (p->expires_ms <= loop_now_ms()) {
		c->stats.expired++;
		forget(c, p);
	}
}

static void sweep_due(void *arg)
{
	struct peer_census *c = arg;

	chantab_each(&c->peers, expire, c);
	timer_arm(c->loop, &c->sweep_timer, SWEEP_MS);
}

int census_start(struct peer_census *c, struct loop *loop,
		 const struct rpd_conf *conf, uint16_t port)
{
	int on = 1;

	memset(c, 0, sizeof(*c));
	c->conf = conf;
	c->sock = udp_socket(&conf->tunnel_addr, port);
	if (c->sock < 0) {
		log_err("census: announce port %u: %m", port);
		return -1;
	}
	if (setsockopt(c->sock, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on,
		       sizeof(on)) ||
	    chantab_init(&c->peers))
		goto failed;
	if (loop_watch(loop, c->sock, on_readable, c)) {
		chantab_fini(&c->peers, NULL);
		goto failed;
	}
	c->loop = loop;
	timer_init(&c->sweep_timer, sweep_due, c);
	timer_arm(loop, &c->sweep_timer, SWEEP_MS);
	return 0;

failed:
	log_err("census: %m");
	close(c->sock);
	return -1;
}

void census_stop(struct peer_census *c)
{
	if (!c->loop)
		return;
	timer_cancel(c->loop, &c->sweep_timer);
	loop_unwatch(c->loop, c->sock);
	close(c->sock);
	chantab_fini(&c->peers, free);
	c->loop = NULL;
}
