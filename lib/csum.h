/* Internet checksums (RFC 1071) with the IPv6 pseudo-header (RFC 8200). */
#ifndef MDCS_CSUM_H
#define MDCS_CSUM_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

/* Add len octets to a running sum; an odd tail is padded with zero. */
uint64_t csum_add(uint64_t sum, const void *data, size_t len);

/* Add the pseudo-header of an upper-layer packet of len octets. */
uint64_t csum_add_pseudo6(uint64_t sum, const struct in6_addr *src,
			  const struct in6_addr *dst, uint32_t len,
			  uint8_t next_header);

/* The checksum field's value (network order) for a finished sum. */
uint16_t csum_finish(uint64_t sum);

#endif
