/* Crafted packets: channel packets, publications, tunnel frames. */
#ifndef MDCS_FRAMES_H
#define MDCS_FRAMES_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

/* An IPv6/UDP channel packet (S,G) with a payload of len octets; returns
 * its length. */
size_t pkt_channel(uint8_t *buf, const struct in6_addr *s,
		   const struct in6_addr *g, uint8_t hop_limit, size_t len);

/* A publication from src:sport to the channel source chan:MDCS_PUBLISH_PORT
 * for group, and the channel packet an RP makes of it (hop limit 33). */
size_t pkt_publication(uint8_t *buf, const struct in6_addr *src, uint16_t sport,
		       const struct in6_addr *chan,
		       const struct in6_addr *group, const uint8_t *msg,
		       size_t len);
size_t pkt_republished(uint8_t *buf, const struct in6_addr *src, uint16_t sport,
		       const struct in6_addr *chan,
		       const struct in6_addr *group, const uint8_t *msg,
		       size_t len);

struct tunnel_spec {
	uint8_t dst_mac[6], src_mac[6];
	struct in6_addr src, dst;
	uint16_t sport, dport;
	uint8_t hop_limit, traffic_class;
};

/* Ethernet, outer IPv6, UDP with its checksum, AMT data header, inner;
 * returns the frame's length. */
size_t pkt_tunnel(uint8_t *buf, const struct tunnel_spec *t,
		  const uint8_t *inner, size_t inner_len);

/* Offsets into a tunnel frame, for mutations. */
#define OFF_OUTER 14
#define OFF_UDP	  (OFF_OUTER + 40)
#define OFF_AMT	  (OFF_UDP + 8)
#define OFF_INNER (OFF_AMT + 2)

#endif
