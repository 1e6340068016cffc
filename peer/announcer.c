/* A peer announcing itself to its RP (proto/announce.h). */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "announce.h"
#include "peer.h"

static int send_hold(const struct mdcs_announcer *a, uint16_t hold_s)
{
	struct announce m = { .flags = a->flags, .hold_s = hold_s };
	uint8_t buf[sizeof(struct mdcs_announce)];
	size_t n;

	memcpy(m.id, a->id, sizeof(m.id));
	n = announce_build(buf, &m);
	return sendto(a->fd, buf, n, 0, (const struct sockaddr *)&a->rp,
		      sizeof(a->rp)) == (ssize_t)n
		       ? 0
		       : -1;
}

int mdcs_announcer_open(struct mdcs_announcer *a, const struct in6_addr *rp,
			uint16_t port, const struct in6_addr *local,
			unsigned interval_s, bool tunnel)
{
	if (!interval_s || interval_s > MDCS_ANNOUNCE_MAX_HOLD / 3) {
		errno = EINVAL;
		return -1;
	}
	memset(a, 0, sizeof(*a));
	if (getrandom(a->id, sizeof(a->id), 0) != sizeof(a->id))
		return -1;
	a->fd = mdcs_peer_publisher(local);
	if (a->fd < 0)
		return -1;
	a->rp = (struct sockaddr_in6){ .sin6_family = AF_INET6,
				       .sin6_port = htons(port),
				       .sin6_addr = *rp };
	a->flags = tunnel ? MDCS_ANNOUNCE_TUNNEL : 0;
	a->interval_ms = interval_s * 1000;
	a->next_ms = mdcs_peer_now_ms();
	return 0;
}

int mdcs_announcer_due_ms(const struct mdcs_announcer *a)
{
	long long left = a->next_ms - mdcs_peer_now_ms();

	return left > 0 ? (int)left : 0;
}

int mdcs_announcer_send(struct mdcs_announcer *a)
{
	a->next_ms = mdcs_peer_now_ms() + a->interval_ms;
	return send_hold(a, (uint16_t)(3 * a->interval_ms / 1000));
}

int mdcs_announcer_close(struct mdcs_announcer *a)
{
	int rc = send_hold(a, 0);

	close(a->fd);
	a->fd = -1;
	return rc;
}
