/* Crafted packets: channel packets, publications, tunnel frames. */
#include <arpa/inet.h>
#include <string.h>

#include "csum.h"
#include "frames.h"
#include "proto/publish.h"
#include "proto/tunnel.h"

static void ip6_header(uint8_t *p, uint8_t tclass, uint16_t plen, uint8_t nh,
		       uint8_t hop_limit, const struct in6_addr *s,
		       const struct in6_addr *d)
{
	p[0] = 0x60 | tclass >> 4;
	p[1] = (uint8_t)(tclass << 4);
	p[2] = p[3] = 0;
	p[4] = plen >> 8;
	p[5] = plen & 0xff;
	p[6] = nh;
	p[7] = hop_limit;
	memcpy(p + 8, s, 16);
	memcpy(p + 24, d, 16);
}

static void udp_header(uint8_t *p, uint16_t sport, uint16_t dport, uint16_t len)
{
	uint16_t f[4] = { htons(sport), htons(dport), htons(len), 0 };

	memcpy(p, f, sizeof(f));
}

/* Fill the UDP checksum of a packet whose IPv6 header is at p. */
static void udp_checksum(uint8_t *p, uint16_t udp_len)
{
	struct in6_addr s, d;
	uint64_t sum;
	uint16_t c;

	memcpy(&s, p + 8, 16);
	memcpy(&d, p + 24, 16);
	sum = csum_add_pseudo6(0, &s, &d, udp_len, IPPROTO_UDP);
	c = csum_finish(csum_add(sum, p + 40, udp_len));
	if (!c)
		c = 0xffff;
	memcpy(p + 46, &c, 2);
}

size_t pkt_channel(uint8_t *buf, const struct in6_addr *s,
		   const struct in6_addr *g, uint8_t hop_limit, size_t len)
{
	uint16_t udp_len = (uint16_t)(8 + len);

	ip6_header(buf, 0, udp_len, IPPROTO_UDP, hop_limit, s, g);
	udp_header(buf + 40, 40000, 5001, udp_len);
	for (size_t i = 0; i < len; i++)
		buf[48 + i] = (uint8_t)(i * 7 + 1);
	udp_checksum(buf, udp_len);
	return 40 + udp_len;
}

/* IPv6/UDP from src:sport to dst:dport carrying a 20-octet mdcs header
 * (version 1, flags 0, 2 octets, an address) and then msg. */
static size_t pkt_mdcs(uint8_t *buf, const struct in6_addr *src, uint16_t sport,
		       const struct in6_addr *dst, uint16_t dport,
		       uint8_t hop_limit, uint16_t field,
		       const struct in6_addr *field_addr, const uint8_t *msg,
		       size_t len)
{
	uint16_t udp_len = (uint16_t)(8 + 20 + len);
	uint8_t *h = buf + 48;

	ip6_header(buf, 0, udp_len, IPPROTO_UDP, hop_limit, src, dst);
	udp_header(buf + 40, sport, dport, udp_len);
	h[0] = MDCS_PUB_VERSION;
	h[1] = 0;
	h[2] = field >> 8;
	h[3] = field & 0xff;
	memcpy(h + 4, field_addr, 16);
	memcpy(h + 20, msg, len);
	udp_checksum(buf, udp_len);
	return 40 + udp_len;
}

size_t pkt_publication(uint8_t *buf, const struct in6_addr *src, uint16_t sport,
		       const struct in6_addr *chan,
		       const struct in6_addr *group, const uint8_t *msg,
		       size_t len)
{
	return pkt_mdcs(buf, src, sport, chan, MDCS_PUBLISH_PORT, 64, 0, group,
			msg, len);
}

size_t pkt_republished(uint8_t *buf, const struct in6_addr *src, uint16_t sport,
		       const struct in6_addr *chan,
		       const struct in6_addr *group, const uint8_t *msg,
		       size_t len)
{
	return pkt_mdcs(buf, chan, MDCS_PUBLISH_PORT, group, MDCS_CHANNEL_PORT,
			33, sport, src, msg, len);
}

size_t pkt_tunnel(uint8_t *buf, const struct tunnel_spec *t,
		  const uint8_t *inner, size_t inner_len)
{
	uint16_t udp_len = (uint16_t)(8 + 2 + inner_len);
	uint8_t *ip = buf + OFF_OUTER;

	memcpy(buf, t->dst_mac, 6);
	memcpy(buf + 6, t->src_mac, 6);
	buf[12] = 0x86;
	buf[13] = 0xdd;
	ip6_header(ip, t->traffic_class, udp_len, IPPROTO_UDP, t->hop_limit,
		   &t->src, &t->dst);
	udp_header(buf + OFF_UDP, t->sport, t->dport, udp_len);
	buf[OFF_AMT] = AMT_DATA_OCTET0;
	buf[OFF_AMT + 1] = 0;
	memcpy(buf + OFF_INNER, inner, inner_len);
	udp_checksum(ip, udp_len);
	return OFF_INNER + inner_len;
}
