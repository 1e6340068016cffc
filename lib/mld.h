/* Encapsulated MLDv2 packets: IPv6, Hop-by-Hop Router Alert, ICMPv6. */
#ifndef MDCS_MLD_H
#define MDCS_MLD_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/types.h>

#include "proto/mld.h"

/* The IPv6 and Hop-by-Hop headers in front of the ICMPv6 message. */
#define MLD_PACKET_HLEN (40 + (int)sizeof(struct mld_hbh))

/*
 * Wrap the ICMPv6 message of len octets that the caller wrote at
 * buf + MLD_PACKET_HLEN into a packet from src (link-local) to dst, and
 * fill in its checksum.  The packet's length.
 */
size_t mld_packet_finish(uint8_t *buf, size_t len, const struct in6_addr *src,
			 const struct in6_addr *dst);

/*
 * The ICMPv6 message of an encapsulated MLD packet, or NULL if the packet
 * is none: not IPv6, lengths that disagree, no Router Alert Hop-by-Hop
 * header right after IPv6, a hop limit other than 1, a source that is not
 * link-local, or a wrong checksum.  *len is the message's length.
 */
const uint8_t *mld_packet_parse(const uint8_t *buf, size_t size, size_t *len);

#endif
