/* The relay: ports this RP opens for pairs of RPs that cannot punch. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "log.h"
#include "proto/tunnel.h"
#include "relay.h"
#include "replay.h"
#include "udpsock.h"

/* The largest tunnelled packet, with room to tell a larger one. */
#define RELAY_MAX_DATAGRAM                                                     \
	(MDCS_INNER_MTU_MAX + (int)sizeof(struct amt_data_hdr) + 1)
#define EXPIRY_CHECK_MS 5000

struct relay_alloc {
	struct relay *r;
	int sock;
	uint16_t port;
	uint8_t key[2][MDCS_CTL_KEY_LEN]; /* the client, then its peer */
	struct sockaddr_in6 end[2];	  /* sin6_port 0: not bound yet */
	uint64_t last_ts[2];		  /* of the newest bind */
	uint64_t expires_ms;
};

static bool same_end(const struct sockaddr_in6 *a, const struct sockaddr_in6 *b)
{
	return a->sin6_port == b->sin6_port &&
	       !memcmp(&a->sin6_addr, &b->sin6_addr, sizeof(a->sin6_addr));
}

/*
 * A KEEPALIVE signed for this relay by one of the two RPs binds the
 * endpoint it came from to that RP, and keeps the allocation.  Anything
 * else (a KEEPALIVE between the two, say) is not a bind.
 */
static bool bind_end(struct relay_alloc *a, const struct sockaddr_in6 *from,
		     const uint8_t *buf, size_t len)
{
	struct relay *r = a->r;
	uint64_t now = loop_unix_us();
	struct ctl_msg m;
	int i;

	if (ctl_parse(buf, len, &m) != CTL_OK || m.type != MDCS_CTL_KEEPALIVE)
		return false;
	for (i = 0; i < 2; i++)
		if (!memcmp(m.sender, a->key[i], MDCS_CTL_KEY_LEN))
			break;
	if (i == 2 || ctl_verify(&m, r->pk) != CTL_OK)
		return false;
	if (m.timestamp <= a->last_ts[i] ||
	    !replay_in_window(m.timestamp, now, r->max_skew_us)) {
		r->stats.dropped++; /* a replay */
		return true;
	}
	a->last_ts[i] = m.timestamp;
	a->end[i] = *from;
	a->expires_ms = loop_now_ms() + RELAY_LIFETIME_S * 1000ULL;
	r->stats.binds++;
	return true;
}

/* Only what the two RPs send each other passes: a control message or an
 * AMT data message, which the receiver checks in full. */
static bool passable(const uint8_t *buf, size_t len)
{
	return len >= 2 &&
	       (buf[0] == AMT_DATA_OCTET0 ||
		(buf[0] == MDCS_CTL_MAGIC0 && buf[1] == MDCS_CTL_MAGIC1));
}

static void readable(void *arg)
{
	struct relay_alloc *a = arg;
	struct relay_stats *st = &a->r->stats;
	static uint8_t buf[RELAY_MAX_DATAGRAM];
	struct sockaddr_in6 from;
	socklen_t from_len = sizeof(from);
	ssize_t n;

	while ((n = recvfrom(a->sock, buf, sizeof(buf), MSG_TRUNC,
			     (struct sockaddr *)&from, &from_len)) >= 0) {
		size_t len = (size_t)n;
		int side = -1;

		from_len = sizeof(from);
		if (len > sizeof(buf)) {
			st->dropped++;
			continue;
		}
		if (bind_end(a, &from, buf, len))
			continue;
		for (int i = 0; i < 2 && side < 0; i++)
			if (a->end[i].sin6_port && same_end(&a->end[i], &from))
				side = i;
		if (side < 0 || !passable(buf, len) ||
		    !a->end[!side].sin6_port ||
		    sendto(a->sock, buf, len, 0,
			   (struct sockaddr *)&a->end[!side],
			   sizeof(a->end[!side])) != n) {
			st->dropped++;
			continue;
		}
		st->packets++;
		st->octets += len;
	}
	if (errno != EAGAIN)
		log_warn("relay: recv on port %u: %m", a->port);
}

static void alloc_free(struct relay *r, unsigned i)
{
	struct relay_alloc *a = r->allocs[i];

	loop_unwatch(r->loop, a->sock);
	close(a->sock);
	free(a);
	r->allocs[i] = NULL;
}

static void expire(void *arg)
{
	struct relay *r = arg;
	uint64_t now = loop_now_ms();

	for (unsigned i = 0; i < RELAY_MAX_ALLOCS; i++)
		if (r->allocs[i] && r->allocs[i]->expires_ms <= now) {
			log_info("relay: port %u expired", r->allocs[i]->port);
			alloc_free(r, i);
		}
	timer_arm(r->loop, &r->expiry, EXPIRY_CHECK_MS);
}

void relay_init(struct relay *r, struct loop *loop, const struct in6_addr *addr,
		const uint8_t *pk, uint64_t max_skew_us)
{
	memset(r, 0, sizeof(*r));
	r->loop = loop;
	r->addr = *addr;
	memcpy(r->pk, pk, MDCS_CTL_KEY_LEN);
	r->max_skew_us = max_skew_us;
	timer_init(&r->expiry, expire, r);
	timer_arm(loop, &r->expiry, EXPIRY_CHECK_MS);
}

void relay_fini(struct relay *r)
{
	if (!r->loop)
		return;
	for (unsigned i = 0; i < RELAY_MAX_ALLOCS; i++)
		if (r->allocs[i])
			alloc_free(r, i);
	timer_cancel(r->loop, &r->expiry);
	r->loop = NULL;
}

static struct relay_alloc *alloc_new(struct relay *r, const uint8_t *client,
				     const uint8_t *peer)
{
	struct relay_alloc *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->r = r;
	a->sock = udp_socket(&r->addr, 0);
	a->port = a->sock < 0 ? 0 : udp_port(a->sock);
	if (!a->port || loop_watch(r->loop, a->sock, readable, a)) {
		if (a->sock >= 0)
			close(a->sock);
		free(a);
		return NULL;
	}
	memcpy(a->key[0], client, MDCS_CTL_KEY_LEN);
	memcpy(a->key[1], peer, MDCS_CTL_KEY_LEN);
	return a;
}

static bool same_pair(const struct relay_alloc *a, const uint8_t *x,
		      const uint8_t *y)
{
	return (!memcmp(a->key[0], x, MDCS_CTL_KEY_LEN) &&
		!memcmp(a->key[1], y, MDCS_CTL_KEY_LEN)) ||
	       (!memcmp(a->key[0], y, MDCS_CTL_KEY_LEN) &&
		!memcmp(a->key[1], x, MDCS_CTL_KEY_LEN));
}

uint16_t relay_allocate(struct relay *r, const uint8_t *client,
			const uint8_t *peer, int *sock)
{
	struct relay_alloc *a;
	int free_at = -1;

	for (int i = 0; i < RELAY_MAX_ALLOCS; i++) {
		a = r->allocs[i];
		if (!a) {
			if (free_at < 0)
				free_at = i;
			continue;
		}
		/* Asked again (the answer was lost), or by the other end
		 * at the same time: one port per pair. */
		if (same_pair(a, client, peer)) {
			*sock = a->sock;
			return a->port;
		}
	}
	a = free_at < 0 ? NULL : alloc_new(r, client, peer);
	if (!a) {
		r->stats.refused++;
		return 0;
	}
	a->expires_ms = loop_now_ms() + RELAY_LIFETIME_S * 1000ULL;
	r->allocs[free_at] = a;
	r->stats.allocated++;
	*sock = a->sock;
	return a->port;
}

unsigned relay_count(const struct relay *r)
{
	unsigned n = 0;

	for (unsigned i = 0; i < RELAY_MAX_ALLOCS; i++)
		n += r->allocs[i] != NULL;
	return n;
}
