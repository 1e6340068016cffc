/* Encapsulated MLDv2 packets: IPv6, Hop-by-Hop Router Alert, ICMPv6. */
#include <string.h>
#include <arpa/inet.h>
#include <netinet/ip6.h>

#include "csum.h"
#include "mld.h"

/* The offset of the ICMPv6 checksum. */
#define CSUM_AT 2

size_t mld_packet_finish(uint8_t *buf, size_t len, const struct in6_addr *src,
			 const struct in6_addr *dst)
{
	struct ip6_hdr ip6 = { 0 };
	struct mld_hbh hbh = MLD_HBH_INIT;
	uint8_t *icmp = buf + MLD_PACKET_HLEN;
	uint16_t c;

	ip6.ip6_flow = htonl(6u << 28);
	ip6.ip6_plen = htons((uint16_t)(sizeof(hbh) + len));
	ip6.ip6_nxt = IPPROTO_HBH;
	ip6.ip6_hlim = MLD_HOP_LIMIT;
	ip6.ip6_src = *src;
	ip6.ip6_dst = *dst;
	memcpy(buf, &ip6, sizeof(ip6));
	memcpy(buf + sizeof(ip6), &hbh, sizeof(hbh));
	icmp[CSUM_AT] = icmp[CSUM_AT + 1] = 0;
	c = csum_finish(csum_add(csum_add_pseudo6(0, src, dst, (uint32_t)len,
						  IPPROTO_ICMPV6_MLD),
				 icmp, len));
	memcpy(icmp + CSUM_AT, &c, sizeof(c));
	return MLD_PACKET_HLEN + len;
}

static int router_alert(const struct mld_hbh *h)
{
	return h->nexthdr == IPPROTO_ICMPV6_MLD && h->hdrlen == 0 &&
	       h->ra_type == 5 && h->ra_len == 2 && h->ra_value == 0;
}

const uint8_t *mld_packet_parse(const uint8_t *buf, size_t size, size_t *len)
{
	struct ip6_hdr ip6;
	struct mld_hbh hbh;
	size_t icmp_len;

	if (size < MLD_PACKET_HLEN + 4)
		return NULL;
	memcpy(&ip6, buf, sizeof(ip6));
	memcpy(&hbh, buf + sizeof(ip6), sizeof(hbh));
	if ((ntohl(ip6.ip6_flow) >> 28) != 6 ||
	    sizeof(ip6) + ntohs(ip6.ip6_plen) != size ||
	    ip6.ip6_nxt != IPPROTO_HBH || ip6.ip6_hlim != MLD_HOP_LIMIT ||
	    !IN6_IS_ADDR_LINKLOCAL(&ip6.ip6_src) || !router_alert(&hbh))
		return NULL;
	icmp_len = size - MLD_PACKET_HLEN;
	/* A correct checksum sums, with the pseudo-header, to all ones. */
	if (csum_finish(csum_add(csum_add_pseudo6(0, &ip6.ip6_src, &ip6.ip6_dst,
						  (uint32_t)icmp_len,
						  IPPROTO_ICMPV6_MLD),
				 buf + MLD_PACKET_HLEN, icmp_len)) != 0)
		return NULL;
	*len = icmp_len;
	return buf + MLD_PACKET_HLEN;
}
