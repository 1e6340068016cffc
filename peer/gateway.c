/*
 * Tunnel mode (peer.h): the peer as an AMT gateway (RFC 7450) toward its
 * RP, the relay.  The messages are built and parsed by pure functions, so
 * that tests can check their bytes; struct mdcs_gateway adds the exchange
 * of Request, Query and Update, its refresh and the Teardown.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/ip6.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "csum.h"
#include "mld.h"
#include "peer.h"
#include "proto/amt.h"
#include "proto/mld.h"
#include "proto/publish.h"
#include "proto/tunnel.h"

_Static_assert(MDCS_AMT_MAC_LEN == AMT_MAC_LEN, "peer.h's MAC length");

#define UDP_PROTO 17

/*
 * The source of the encapsulated reports.  RFC 7450 sees the tunnel as a
 * link between gateway and relay, on which reports come from a link-local
 * address; mdcs relays send their queries from fe80::1 (rpd/gateways.c),
 * so gateways take the other end, fe80::2.  Every gateway may use the
 * same one: the relay tells gateways apart by the outer address and port.
 */
static const struct in6_addr report_src = { { { 0xfe, 0x80, [15] = 2 } } };
static const struct in6_addr all_routers = { { MLD2_ALL_ROUTERS } };

unsigned mdcs_mld_qqi(uint8_t qqic)
{
	if (!qqic)
		return 125;
	if (qqic < 128)
		return qqic;
	return ((qqic & 0x0fu) | 0x10u) << (((qqic >> 4) & 0x07u) + 3);
}

static ssize_t too_small(void)
{
	errno = EMSGSIZE;
	return -1;
}

static int refused(void)
{
	errno = EBADMSG;
	return -1;
}

ssize_t mdcs_amt_request_build(uint8_t *buf, size_t size, uint32_t nonce)
{
	struct amt_request r = { .version_type = AMT_OCTET0(AMT_TYPE_REQUEST),
				 .flags = AMT_REQUEST_P,
				 .nonce = htonl(nonce) };

	if (size < sizeof(r))
		return too_small();
	memcpy(buf, &r, sizeof(r));
	return sizeof(r);
}

int mdcs_amt_query_parse(const uint8_t *buf, size_t len, uint32_t nonce,
			 struct mdcs_amt_query *q)
{
	struct amt_query_hdr h;
	struct amt_query_gateway g;
	struct mld2_query mq;
	size_t pkt_len, icmp_len;
	const uint8_t *icmp;

	if (len < sizeof(h))
		return refused();
	memcpy(&h, buf, sizeof(h));
	if (h.version_type != AMT_OCTET0(AMT_TYPE_MEMBERSHIP_QUERY) ||
	    ntohl(h.nonce) != nonce)
		return refused();
	/* The G part, when there, ends the message; the query packet's
	 * length is what lies between. */
	pkt_len = len - sizeof(h);
	if (h.flags & AMT_QUERY_G) {
		if (pkt_len < sizeof(g))
			return refused();
		pkt_len -= sizeof(g);
		memcpy(&g, buf + sizeof(h) + pkt_len, sizeof(g));
	}
	icmp = mld_packet_parse(buf + sizeof(h), pkt_len, &icmp_len);
	if (!icmp || icmp_len < sizeof(mq))
		return refused();
	memcpy(&mq, icmp, sizeof(mq));
	if (mq.type != MLD_QUERY_TYPE)
		return refused();
	memcpy(q->mac, h.mac, sizeof(q->mac));
	q->nonce = nonce;
	q->qqi = mdcs_mld_qqi(mq.qqic);
	q->limit = h.flags & AMT_QUERY_L;
	q->has_gateway = h.flags & AMT_QUERY_G;
	if (q->has_gateway) {
		memcpy(&q->addr, g.addr, sizeof(q->addr));
		q->port = ntohs(g.port);
	}
	return 0;
}

ssize_t mdcs_amt_update_build(uint8_t *buf, size_t size,
			      const uint8_t mac[MDCS_AMT_MAC_LEN],
			      uint32_t nonce, uint8_t type,
			      const struct mdcs_peer_channel *ch, size_t n,
			      size_t *taken)
{
	struct amt_update_hdr h = { .version_type = AMT_OCTET0(
					    AMT_TYPE_MEMBERSHIP_UPDATE),
				    .nonce = htonl(nonce) };
	struct mld2_report rep = { .type = MLD2_REPORT_TYPE };
	const size_t rec_min = sizeof(struct mld2_record) + 16;
	size_t room, off = sizeof(rep), i = 0;
	uint8_t *pkt = buf + sizeof(h), *icmp;
	unsigned nrec = 0;

	if (size > MDCS_AMT_UPDATE_MAX)
		size = MDCS_AMT_UPDATE_MAX;
	if (size < sizeof(h) + MLD_PACKET_HLEN + sizeof(rep))
		return too_small();
	room = size - sizeof(h) - MLD_PACKET_HLEN; /* for the ICMPv6 part */
	icmp = pkt + MLD_PACKET_HLEN;
	while (i < n && room - off >= rec_min) {
		struct mld2_record r = { .type = type };
		size_t at = off;
		unsigned k = 0;

		memcpy(r.group, &ch[i].group, sizeof(r.group));
		off += sizeof(r);
		/* a group's sources that do not fit go on in the next
		 * Update's first record */
		for (; i < n && room - off >= 16 &&
		       !memcmp(&ch[i].group, r.group, sizeof(r.group));
		     i++, k++, off += 16)
			memcpy(icmp + off, &ch[i].source, 16);
		r.nsources = htons((uint16_t)k);
		memcpy(icmp + at, &r, sizeof(r));
		nrec++;
	}
	if (n && !i)
		return too_small();
	rep.nrecords = htons((uint16_t)nrec);
	memcpy(icmp, &rep, sizeof(rep));
	memcpy(h.mac, mac, sizeof(h.mac));
	memcpy(buf, &h, sizeof(h));
	*taken = i;
	return (ssize_t)(sizeof(h) + mld_packet_finish(pkt, off, &report_src,
						       &all_routers));
}

ssize_t mdcs_amt_teardown_build(uint8_t *buf, size_t size,
				const uint8_t mac[MDCS_AMT_MAC_LEN],
				uint32_t nonce, const struct in6_addr *addr,
				uint16_t port)
{
	struct amt_teardown t = { .version_type = AMT_OCTET0(AMT_TYPE_TEARDOWN),
				  .nonce = htonl(nonce),
				  .port = htons(port) };

	if (size < sizeof(t))
		return too_small();
	memcpy(t.mac, mac, sizeof(t.mac));
	memcpy(t.addr, addr, sizeof(t.addr));
	memcpy(buf, &t, sizeof(t));
	return sizeof(t);
}

int mdcs_amt_data_parse(const uint8_t *buf, size_t len, uint16_t port,
			struct mdcs_peer_msg *m)
{
	const size_t at = sizeof(struct amt_data_hdr) + MDCS_IP6_HLEN;
	struct ip6_hdr ip6;
	struct {
		__be16 sport, dport, len, csum;
	} udp;
	size_t plen;

	if (len < at + sizeof(udp) || buf[0] != AMT_DATA_OCTET0)
		return refused();
	memcpy(&ip6, buf + sizeof(struct amt_data_hdr), sizeof(ip6));
	memcpy(&udp, buf + at, sizeof(udp));
	plen = len - at;
	if ((ntohl(ip6.ip6_flow) >> 28) != 6 || ntohs(ip6.ip6_plen) != plen ||
	    ip6.ip6_nxt != UDP_PROTO || ntohs(udp.len) != plen ||
	    ntohs(udp.dport) != port)
		return refused();
	/* IPv6 has no UDP without a checksum (RFC 8200, 8.1); a correct one
	 * sums, with the pseudo-header, to all ones. */
	if (!udp.csum ||
	    csum_finish(csum_add(csum_add_pseudo6(0, &ip6.ip6_src, &ip6.ip6_dst,
						  (uint32_t)plen, UDP_PROTO),
				 buf + at, plen)) != 0)
		return refused();
	if (mdcs_chan_parse(buf + at + sizeof(udp), plen - sizeof(udp), m))
		return -1;
	m->source = ip6.ip6_src;
	m->group = ip6.ip6_dst;
	return 0;
}

/* --- the gateway --- */

int64_t mdcs_peer_now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

static int close_failed(int fd)
{
	int e = errno;

	close(fd);
	errno = e;
	return -1;
}

/* The address the routes choose toward to, from a socket connected to it
 * for no longer than that: the gateway's own socket stays unconnected. */
static int route_source(const struct sockaddr_in6 *to, struct in6_addr *src)
{
	struct sockaddr_in6 sa;
	socklen_t sa_len = sizeof(sa);
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)to, sizeof(*to)) ||
	    getsockname(fd, (struct sockaddr *)&sa, &sa_len))
		return close_failed(fd);
	close(fd);
	*src = sa.sin6_addr;
	return 0;
}

int mdcs_gateway_open(struct mdcs_gateway *gw, const struct in6_addr *relay,
		      uint16_t port, const struct in6_addr *local)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6 };
	socklen_t sa_len = sizeof(sa);

	memset(gw, 0, sizeof(*gw));
	gw->fd = -1;
	gw->relay.sin6_family = AF_INET6;
	gw->relay.sin6_port = htons(port);
	gw->relay.sin6_addr = *relay;
	gw->channel_port = MDCS_CHANNEL_PORT;
	gw->qqi = mdcs_mld_qqi(0);
	/*
	 * The socket stays unconnected, so that a datagram from elsewhere
	 * than the relay is read and refused here, where callers can count
	 * it, rather than dropped unseen by the kernel.  It is bound to one
	 * address, so that the relay, whose MAC covers the gateway's address
	 * and port, sees the same one in every message.
	 */
	if (local)
		sa.sin6_addr = *local;
	else if (route_source(&gw->relay, &sa.sin6_addr))
		return -1;
	gw->fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (gw->fd < 0)
		return -1;
	if (bind(gw->fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockname(gw->fd, (struct sockaddr *)&sa, &sa_len)) {
		close_failed(gw->fd);
		gw->fd = -1;
		return -1;
	}
	gw->addr = sa.sin6_addr;
	gw->port = ntohs(sa.sin6_port);
	return 0;
}

static int send_relay(struct mdcs_gateway *gw, const void *buf, size_t len)
{
	ssize_t n =
		sendto(gw->fd, buf, len, 0, (const struct sockaddr *)&gw->relay,
		       sizeof(gw->relay));

	if (n < 0)
		return -1;
	if ((size_t)n != len) {
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

/* Updates of records of type for the n channels at ch, as many as they
 * take, signed with the last Query's MAC and nonce. */
static int send_updates(struct mdcs_gateway *gw, uint8_t type,
			const struct mdcs_peer_channel *ch, size_t n)
{
	uint8_t buf[MDCS_AMT_UPDATE_MAX];

	while (n) {
		size_t taken;
		ssize_t len =
			mdcs_amt_update_build(buf, sizeof(buf), gw->mac,
					      gw->nonce, type, ch, n, &taken);

		if (len < 0 || send_relay(gw, buf, (size_t)len))
			return -1;
		ch += taken;
		n -= taken;
	}
	return 0;
}

static int channel_cmp(const struct mdcs_peer_channel *a,
		       const struct in6_addr *source,
		       const struct in6_addr *group)
{
	int c = memcmp(&a->group, group, sizeof(*group));

	return c ? c : memcmp(&a->source, source, sizeof(*source));
}

/* Where (source, group) is in the sorted channels, or would go. */
static size_t channel_at(const struct mdcs_gateway *gw,
			 const struct in6_addr *source,
			 const struct in6_addr *group, bool *found)
{
	size_t lo = 0, hi = gw->n;

	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = channel_cmp(&gw->ch[mid], source, group);

		if (!c) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int mdcs_gateway_join(struct mdcs_gateway *gw, const struct in6_addr *source,
		      const struct in6_addr *group)
{
	bool found;
	size_t at;

	if (!MDCS_SSM_GROUP(*group)) {
		errno = EINVAL;
		return -1;
	}
	at = channel_at(gw, source, group, &found);
	if (found)
		return 0;
	if (gw->n == MDCS_GATEWAY_MAX_CHANNELS) {
		errno = ENOSPC;
		return -1;
	}
	memmove(&gw->ch[at + 1], &gw->ch[at], (gw->n - at) * sizeof(gw->ch[0]));
	gw->ch[at].source = *source;
	gw->ch[at].group = *group;
	gw->n++;
	if (!gw->queried)
		return 0;
	return send_updates(gw, MLD2_ALLOW_NEW_SOURCES, &gw->ch[at], 1);
}

int mdcs_gateway_leave(struct mdcs_gateway *gw, const struct in6_addr *source,
		       const struct in6_addr *group)
{
	struct mdcs_peer_channel left;
	bool found;
	size_t at = channel_at(gw, source, group, &found);

	if (!found) {
		errno = ENOENT;
		return -1;
	}
	left = gw->ch[at];
	gw->n--;
	memmove(&gw->ch[at], &gw->ch[at + 1], (gw->n - at) * sizeof(gw->ch[0]));
	if (!gw->queried)
		return 0;
	return send_updates(gw, MLD2_BLOCK_OLD_SOURCES, &left, 1);
}

int mdcs_gateway_request(struct mdcs_gateway *gw)
{
	uint8_t buf[sizeof(struct amt_request)];
	uint32_t nonce;

	if (gw->requesting && gw->tries >= MDCS_GATEWAY_TRIES) {
		gw->requesting = false;
		gw->tries = 0;
		gw->next_ms = mdcs_peer_now_ms();
		errno = ETIMEDOUT;
		return -1;
	}
	/* A new nonce each time: a late Query to an earlier Request is
	 * refused rather than taken for the current one. */
	if (getrandom(&nonce, sizeof(nonce), 0) != sizeof(nonce))
		return -1;
	mdcs_amt_request_build(buf, sizeof(buf), nonce);
	if (send_relay(gw, buf, sizeof(buf)))
		return -1;
	gw->request_nonce = nonce;
	gw->requesting = true;
	gw->tries++;
	gw->next_ms = mdcs_peer_now_ms() + MDCS_GATEWAY_RETRY_MS;
	return 0;
}

int mdcs_gateway_due_ms(const struct mdcs_gateway *gw)
{
	int64_t left = gw->next_ms - mdcs_peer_now_ms();

	if (left <= 0)
		return 0;
	return left < INT_MAX ? (int)left : INT_MAX;
}

static int on_query(struct mdcs_gateway *gw, const uint8_t *buf, size_t len)
{
	struct mdcs_amt_query q;

	if (!gw->requesting ||
	    mdcs_amt_query_parse(buf, len, gw->request_nonce, &q))
		return refused();
	gw->requesting = false;
	gw->tries = 0;
	gw->next_ms = mdcs_peer_now_ms() + q.qqi * 1000LL;
	if (q.limit) {
		errno = EBUSY;
		return -1;
	}
	memcpy(gw->mac, q.mac, sizeof(gw->mac));
	gw->nonce = q.nonce;
	gw->qqi = q.qqi;
	gw->queried = true;
	if (q.has_gateway) {
		gw->addr = q.addr;
		gw->port = q.port;
	}
	if (send_updates(gw, MLD2_MODE_IS_INCLUDE, gw->ch, gw->n))
		return -1;
	return MDCS_GATEWAY_QUERY;
}

int mdcs_gateway_input(struct mdcs_gateway *gw, const struct sockaddr_in6 *from,
		       const uint8_t *buf, size_t len, struct mdcs_peer_msg *m)
{
	bool found;

	if (from->sin6_family != AF_INET6 ||
	    from->sin6_port != gw->relay.sin6_port ||
	    memcmp(&from->sin6_addr, &gw->relay.sin6_addr,
		   sizeof(from->sin6_addr)) ||
	    !len)
		return refused();
	if (buf[0] == AMT_OCTET0(AMT_TYPE_MEMBERSHIP_QUERY))
		return on_query(gw, buf, len);
	if (mdcs_amt_data_parse(buf, len, gw->channel_port, m))
		return -1;
	channel_at(gw, &m->source, &m->group, &found);
	if (!found)
		return refused();
	return MDCS_GATEWAY_MESSAGE;
}

int mdcs_gateway_receive(struct mdcs_gateway *gw, uint8_t *buf, size_t size,
			 struct mdcs_peer_msg *m)
{
	struct sockaddr_in6 from;
	socklen_t from_len = sizeof(from);
	/* MSG_TRUNC: the datagram's real length, to refuse one cut short */
	ssize_t n = recvfrom(gw->fd, buf, size, MSG_TRUNC,
			     (struct sockaddr *)&from, &from_len);

	if (n < 0)
		return -1;
	if ((size_t)n > size)
		return refused();
	return mdcs_gateway_input(gw, &from, buf, (size_t)n, m);
}

int mdcs_gateway_close(struct mdcs_gateway *gw)
{
	uint8_t buf[sizeof(struct amt_teardown)];
	int rc = 0;

	if (gw->fd < 0)
		return 0;
	if (gw->queried) {
		mdcs_amt_teardown_build(buf, sizeof(buf), gw->mac, gw->nonce,
					&gw->addr, gw->port);
		rc = send_relay(gw, buf, sizeof(buf));
	}
	if (rc)
		close_failed(gw->fd);
	else
		close(gw->fd);
	gw->fd = -1;
	gw->queried = false;
	return rc;
}
