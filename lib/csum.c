/* Internet checksums (RFC 1071) with the IPv6 pseudo-header (RFC 8200). */
#include <arpa/inet.h>

#include "csum.h"

uint64_t csum_add(uint64_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	for (; len >= 2; p += 2, len -= 2)
		sum += (uint16_t)(p[0] << 8 | p[1]);
	if (len)
		sum += (uint16_t)(p[0] << 8);
	return sum;
}

uint64_t csum_add_pseudo6(uint64_t sum, const struct in6_addr *src,
			  const struct in6_addr *dst, uint32_t len,
			  uint8_t next_header)
{
	uint32_t fields[2] = { htonl(len), htonl(next_header) };

	sum = csum_add(sum, src, sizeof(*src));
	sum = csum_add(sum, dst, sizeof(*dst));
	return csum_add(sum, fields, sizeof(fields));
}

uint16_t csum_finish(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}
