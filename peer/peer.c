/*
 * A consensus peer's side of mdcs (peer.h): publications built and sent to
 * an RP, channels joined with MLDv2 (the kernel sends the reports), their
 * messages read with the channel they came on, and printed.
 */
#define _GNU_SOURCE /* struct in6_pktinfo */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "peer.h"
#include "proto/publish.h"

ssize_t mdcs_pub_build(uint8_t *buf, size_t size, const struct in6_addr *group,
		       const void *msg, size_t len)
{
	struct mdcs_pub_hdr h = { .version = MDCS_PUB_VERSION,
				  .group = *group };

	if (!MDCS_SSM_GROUP(*group)) {
		errno = EINVAL;
		return -1;
	}
	if (size < sizeof(h) || len > size - sizeof(h)) {
		errno = EMSGSIZE;
		return -1;
	}
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), msg, len);
	return (ssize_t)(sizeof(h) + len);
}

int mdcs_chan_parse(const uint8_t *buf, size_t len, struct mdcs_peer_msg *m)
{
	struct mdcs_chan_hdr h;

	if (len < sizeof(h)) {
		errno = EBADMSG;
		return -1;
	}
	memcpy(&h, buf, sizeof(h));
	if (h.version != MDCS_PUB_VERSION) {
		errno = EBADMSG;
		return -1;
	}
	m->publisher = h.publisher;
	m->publisher_port = ntohs(h.publisher_port);
	m->data = buf + sizeof(h);
	m->len = len - sizeof(h);
	return 0;
}

/* Close fd after a failure, keeping the failure's errno; -1. */
static int close_failed(int fd)
{
	int e = errno;

	close(fd);
	errno = e;
	return -1;
}

static int udp_socket(const struct in6_addr *addr, uint16_t port)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6,
				   .sin6_port = htons(port),
				   .sin6_addr = addr ? *addr : in6addr_any };
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		return close_failed(fd);
	return fd;
}

int mdcs_peer_publisher(const struct in6_addr *local)
{
	return udp_socket(local, 0);
}

int mdcs_peer_publish(int fd, const struct in6_addr *rp, uint16_t port,
		      const struct in6_addr *group, const void *msg, size_t len)
{
	struct sockaddr_in6 to = { .sin6_family = AF_INET6,
				   .sin6_port = htons(port),
				   .sin6_addr = *rp };
	uint8_t buf[65527]; /* the most UDP carries in IPv6 without jumbograms
			     */
	ssize_t n = mdcs_pub_build(buf, sizeof(buf), group, msg, len);

	if (n < 0)
		return -1;
	if (sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&to, sizeof(to)) !=
	    n)
		return -1;
	return 0;
}

int mdcs_peer_listener(uint16_t port)
{
	int on = 1, off = 0, fd = udp_socket(NULL, port);

	/* The group a message came to names its channel; and only the
	 * channels joined on this socket come to it, not those that other
	 * sockets of the host joined. */
	if (fd >= 0 &&
	    (setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on)) ||
	     setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_ALL, &off,
			sizeof(off))))
		return close_failed(fd);
	return fd;
}

static int membership(int fd, int op, unsigned ifindex,
		      const struct in6_addr *source,
		      const struct in6_addr *group)
{
	struct group_source_req r = { .gsr_interface = ifindex };
	struct sockaddr_in6 *s = (struct sockaddr_in6 *)&r.gsr_source,
			    *g = (struct sockaddr_in6 *)&r.gsr_group;

	if (!MDCS_SSM_GROUP(*group)) {
		errno = EINVAL;
		return -1;
	}
	s->sin6_family = g->sin6_family = AF_INET6;
	s->sin6_addr = *source;
	g->sin6_addr = *group;
	return setsockopt(fd, IPPROTO_IPV6, op, &r, sizeof(r));
}

int mdcs_peer_join(int fd, unsigned ifindex, const struct in6_addr *source,
		   const struct in6_addr *group)
{
	return membership(fd, MCAST_JOIN_SOURCE_GROUP, ifindex, source, group);
}

int mdcs_peer_leave(int fd, unsigned ifindex, const struct in6_addr *source,
		    const struct in6_addr *group)
{
	return membership(fd, MCAST_LEAVE_SOURCE_GROUP, ifindex, source, group);
}

int mdcs_peer_receive(int fd, uint8_t *buf, size_t size,
		      struct mdcs_peer_msg *m)
{
	union {
		char buf[256]; /* room for options a caller may turn on */
		struct cmsghdr align;
	} control;
	struct sockaddr_in6 from;
	struct iovec iov = { .iov_base = buf, .iov_len = size };
	struct msghdr msg = { .msg_name = &from,
			      .msg_namelen = sizeof(from),
			      .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = control.buf,
			      .msg_controllen = sizeof(control.buf) };
	const struct in6_pktinfo *info = NULL;
	ssize_t n = recvmsg(fd, &msg, 0);

	if (n < 0)
		return -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c;
	     c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_PKTINFO)
			info = (const struct in6_pktinfo *)CMSG_DATA(c);
	/* a unicast datagram to the port, or one cut short, is no channel
	 * message */
	if (!info || !MDCS_SSM_GROUP(info->ipi6_addr) ||
	    (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		errno = EBADMSG;
		return -1;
	}
	if (mdcs_chan_parse(buf, (size_t)n, m))
		return -1;
	m->source = from.sin6_addr;
	m->group = info->ipi6_addr;
	return 0;
}

/* An address as text, or - for the unspecified one. */
static const char *addr_text(const struct in6_addr *a, char *buf)
{
	if (IN6_IS_ADDR_UNSPECIFIED(a))
		return "-";
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

void mdcs_peer_stamp(FILE *f)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	fprintf(f, "%lld.%06ld ", (long long)now.tv_sec, now.tv_nsec / 1000);
}

void mdcs_peer_print(FILE *f, const struct mdcs_peer_msg *m, bool stamped)
{
	char s[INET6_ADDRSTRLEN], g[INET6_ADDRSTRLEN], p[INET6_ADDRSTRLEN];

	if (stamped)
		mdcs_peer_stamp(f);
	fprintf(f, "%s %s [%s]:%u %zu ", addr_text(&m->source, s),
		addr_text(&m->group, g),
		inet_ntop(AF_INET6, &m->publisher, p, sizeof(p)),
		m->publisher_port, m->len);
	for (size_t i = 0; i < m->len; i++)
		if (isprint(m->data[i]) && m->data[i] != '\\')
			putc(m->data[i], f);
		else
			fprintf(f, "\\x%02x", m->data[i]);
	putc('\n', f);
	fflush(f);
}

int mdcs_port_parse(const char *s, uint16_t *port)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (!*s || *end || !v || v > 65535) {
		errno = EINVAL;
		return -1;
	}
	*port = (uint16_t)v;
	return 0;
}

void mdcs_peer_catch_stops(void (*handler)(int), sigset_t *mask)
{
	struct sigaction sa = { .sa_handler = handler };
	sigset_t stops;

	sigemptyset(&stops);
	sigaddset(&stops, SIGINT);
	sigaddset(&stops, SIGTERM);
	sigprocmask(SIG_BLOCK, &stops, mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}
