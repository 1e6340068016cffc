/* A consensus peer's side of mdcs: publishing through an RP, receiving. */
#ifndef MDCS_PEER_H
#define MDCS_PEER_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/types.h>

/*
 * A peer publishes by unicast UDP to its RP's channel-source address S_rp
 * (publish port 2269 by default), and receives the channels (S_rp', G) of
 * any RP by joining them with MLDv2 on its interface and listening on the
 * channel port (2270 by default).  docs/peers.md says how a peer finds
 * these; docs/wire-format.md has the bytes.  Functions that fail return -1
 * with errno set.
 */

/* A message received on a channel. */
struct mdcs_peer_msg {
	struct in6_addr source, group; /* the channel (S, G) */
	struct in6_addr publisher;     /* the publication's source, */
	uint16_t publisher_port;       /* and port, as the RP took it */
	const uint8_t *data;	       /* the message, in the caller's buffer */
	size_t len;
};

/* The publication of msg to group, as the UDP payload in buf; its length,
 * or -1: EINVAL for a group that is no SSM group of wider than link-local
 * scope, EMSGSIZE if it does not fit in size. */
ssize_t mdcs_pub_build(uint8_t *buf, size_t size, const struct in6_addr *group,
		       const void *msg, size_t len);

/* A channel message's UDP payload into m (m->data points into buf); -1
 * with EBADMSG if it is none. */
int mdcs_chan_parse(const uint8_t *buf, size_t len, struct mdcs_peer_msg *m);

/* A UDP socket to publish from, bound to local (NULL: any address). */
int mdcs_peer_publisher(const struct in6_addr *local);

/* Publish msg to the channel (rp, group) through the RP whose channel
 * source is rp, at its publish port. */
int mdcs_peer_publish(int fd, const struct in6_addr *rp, uint16_t port,
		      const struct in6_addr *group, const void *msg,
		      size_t len);

/* A UDP socket that receives channel messages at port. */
int mdcs_peer_listener(uint16_t port);

/* Join or leave the channel (source, group) on interface ifindex. */
int mdcs_peer_join(int fd, unsigned ifindex, const struct in6_addr *source,
		   const struct in6_addr *group);
int mdcs_peer_leave(int fd, unsigned ifindex, const struct in6_addr *source,
		    const struct in6_addr *group);

/* Receive one datagram into buf and parse it into m; -1 with EBADMSG for
 * one that is no channel message (it is consumed), or recvmsg's error. */
int mdcs_peer_receive(int fd, uint8_t *buf, size_t size,
		      struct mdcs_peer_msg *m);

#endif
