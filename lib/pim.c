/* Encoding and decoding of the PIM messages rpd exchanges with pim6d. */
#include <arpa/inet.h>
#include <netinet/ip6.h>
#include <string.h>

#include "csum.h"
#include "pim.h"

#define PIM_HOP_LIMIT 1

size_t pim_packet(uint8_t *pkt, size_t cap, const struct in6_addr *src,
		  const struct in6_addr *dst, const uint8_t *msg, size_t len)
{
	struct ip6_hdr *ip6 = (struct ip6_hdr *)pkt;
	struct pim_hdr *pim = (struct pim_hdr *)(ip6 + 1);
	uint64_t sum;

	if (cap < sizeof(*ip6) + len || len < sizeof(*pim))
		return 0;
	memset(ip6, 0, sizeof(*ip6));
	ip6->ip6_vfc = 6 << 4;
	ip6->ip6_plen = htons(len);
	ip6->ip6_nxt = PIM_PROTO;
	ip6->ip6_hlim = PIM_HOP_LIMIT;
	ip6->ip6_src = *src;
	ip6->ip6_dst = *dst;
	memcpy(pim, msg, len);
	pim->checksum = 0;
	sum = csum_add_pseudo6(0, src, dst, len, PIM_PROTO);
	pim->checksum = csum_finish(csum_add(sum, pim, len));
	return sizeof(*ip6) + len;
}

static uint8_t *put_option(uint8_t *p, uint16_t type, const void *v,
			   uint16_t len)
{
	struct pim_option o = { htons(type), htons(len) };

	memcpy(p, &o, sizeof(o));
	memcpy(p + sizeof(o), v, len);
	return p + sizeof(o) + len;
}

size_t pim_build_hello(uint8_t *buf, size_t cap, uint16_t holdtime,
		       uint32_t dr_priority, uint32_t genid)
{
	struct pim_hdr h = { PIM_VERSION << 4 | PIM_HELLO, 0, 0 };
	uint16_t hold = htons(holdtime);
	uint32_t prio = htonl(dr_priority), gen = htonl(genid);
	uint8_t *p = buf;

	if (cap < sizeof(h) + 3 * sizeof(struct pim_option) + 10)
		return 0;
	memcpy(p, &h, sizeof(h));
	p += sizeof(h);
	p = put_option(p, PIM_OPT_HOLDTIME, &hold, sizeof(hold));
	p = put_option(p, PIM_OPT_DR_PRIORITY, &prio, sizeof(prio));
	p = put_option(p, PIM_OPT_GENERATION_ID, &gen, sizeof(gen));
	return p - buf;
}

static unsigned group_run(const struct pim_jp_entry *e, unsigned n)
{
	unsigned k = 1;

	while (k < n && !memcmp(&e[k].group, &e[0].group, sizeof(e->group)))
		k++;
	return k;
}

static uint8_t *put_source(uint8_t *p, const struct in6_addr *s)
{
	struct pim_enc_source src = {
		.family = PIM_AF_IPV6,
		.encoding = PIM_ENC_NATIVE,
		.flags = PIM_SRC_S,
		.mask_len = 128,
	};

	memcpy(src.addr, s, sizeof(src.addr));
	memcpy(p, &src, sizeof(src));
	return p + sizeof(src);
}

static uint8_t *put_group(uint8_t *p, const struct pim_jp_entry *e, unsigned k)
{
	struct pim_jp_group g = {
		.group = { PIM_AF_IPV6, PIM_ENC_NATIVE, 0, 128, { 0 } },
	};
	unsigned joined = 0;

	for (unsigned i = 0; i < k; i++)
		joined += e[i].join;
	memcpy(g.group.addr, &e->group, sizeof(g.group.addr));
	g.num_joined = htons(joined);
	g.num_pruned = htons(k - joined);
	memcpy(p, &g, sizeof(g));
	p += sizeof(g);
	for (unsigned pass = 0; pass < 2; pass++)
		for (unsigned i = 0; i < k; i++)
			if (e[i].join == (pass == 0))
				p = put_source(p, &e[i].source);
	return p;
}

size_t pim_build_join_prune(uint8_t *buf, size_t cap,
			    const struct in6_addr *upstream, uint16_t holdtime,
			    const struct pim_jp_entry *e, unsigned n,
			    unsigned *used)
{
	struct pim_hdr h = { PIM_VERSION << 4 | PIM_JOIN_PRUNE, 0, 0 };
	struct pim_jp_hdr jp = {
		.upstream = { PIM_AF_IPV6, PIM_ENC_NATIVE, { 0 } },
		.holdtime = htons(holdtime),
	};
	uint8_t *p = buf + sizeof(h) + sizeof(jp);
	unsigned i = 0;

	*used = 0;
	if (cap < sizeof(h) + sizeof(jp))
		return 0;
	while (i < n && jp.num_groups < 255) {
		unsigned k = group_run(e + i, n - i);
		size_t room = cap - (size_t)(p - buf);
		size_t fit;

		if (room <
		    sizeof(struct pim_jp_group) + sizeof(struct pim_enc_source))
			break;
		/* A group with more sources than fit continues in the
		 * next message. */
		fit = (room - sizeof(struct pim_jp_group)) /
		      sizeof(struct pim_enc_source);
		if (k > fit)
			k = (unsigned)fit;
		p = put_group(p, e + i, k);
		jp.num_groups++;
		i += k;
	}
	memcpy(jp.upstream.addr, upstream, sizeof(jp.upstream.addr));
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), &jp, sizeof(jp));
	*used = i;
	return i ? (size_t)(p - buf) : 0;
}

int pim_unwrap(const uint8_t *pkt, size_t len, struct in6_addr *src,
	       const uint8_t **msg, size_t *msg_len)
{
	const struct ip6_hdr *ip6 = (const struct ip6_hdr *)pkt;
	const struct pim_hdr *pim;
	size_t plen;
	uint64_t sum;

	if (len < sizeof(*ip6) + sizeof(*pim) || (ip6->ip6_vfc >> 4) != 6 ||
	    ip6->ip6_nxt != PIM_PROTO)
		return -1;
	plen = ntohs(ip6->ip6_plen);
	if (plen < sizeof(*pim) || sizeof(*ip6) + plen > len)
		return -1;
	pim = (const struct pim_hdr *)(ip6 + 1);
	if (pim->ver_type >> 4 != PIM_VERSION)
		return -1;
	sum = csum_add_pseudo6(0, &ip6->ip6_src, &ip6->ip6_dst, plen,
			       PIM_PROTO);
	if (csum_finish(csum_add(sum, pim, plen)) != 0)
		return -1;
	*src = ip6->ip6_src;
	*msg = (const uint8_t *)pim;
	*msg_len = plen;
	return 0;
}

int pim_parse_hello(const uint8_t *msg, size_t len, struct pim_hello *h)
{
	size_t off = sizeof(struct pim_hdr);

	memset(h, 0, sizeof(*h));
	h->holdtime = PIM_HELLO_HOLDTIME;
	h->dr_priority = 1;
	while (off + sizeof(struct pim_option) <= len) {
		struct pim_option o;
		const uint8_t *v;
		uint16_t type, olen;

		memcpy(&o, msg + off, sizeof(o));
		type = ntohs(o.type);
		olen = ntohs(o.length);
		v = msg + off + sizeof(o);
		if (off + sizeof(o) + olen > len)
			return -1;
		if (type == PIM_OPT_HOLDTIME && olen == 2) {
			h->holdtime = (uint16_t)(v[0] << 8 | v[1]);
		} else if (type == PIM_OPT_DR_PRIORITY && olen == 4) {
			memcpy(&h->dr_priority, v, 4);
			h->dr_priority = ntohl(h->dr_priority);
		} else if (type == PIM_OPT_GENERATION_ID && olen == 4) {
			memcpy(&h->genid, v, 4);
			h->genid = ntohl(h->genid);
			h->has_genid = true;
		}
		off += sizeof(o) + olen;
	}
	return off == len ? 0 : -1;
}

static int parse_sources(const uint8_t *msg, size_t len, size_t *off,
			 unsigned count, bool join,
			 const struct pim_enc_group *g, pim_jp_cb cb, void *arg)
{
	for (unsigned i = 0; i < count; i++) {
		struct pim_enc_source s;
		struct pim_jp_entry e = { .join = join };

		if (*off + sizeof(s) > len)
			return -1;
		memcpy(&s, msg + *off, sizeof(s));
		*off += sizeof(s);
		if (s.family != PIM_AF_IPV6 || s.encoding != PIM_ENC_NATIVE)
			return -1;
		if (!(s.flags & PIM_SRC_S) ||
		    (s.flags & (PIM_SRC_W | PIM_SRC_R)) || s.mask_len != 128 ||
		    g->mask_len != 128)
			continue;
		memcpy(&e.source, s.addr, sizeof(e.source));
		memcpy(&e.group, g->addr, sizeof(e.group));
		if (cb)
			cb(arg, &e);
	}
	return 0;
}

/* One pass over a Join/Prune message; without cb it only checks it. */
static int walk_join_prune(const uint8_t *msg, size_t len,
			   struct in6_addr *upstream, uint16_t *holdtime,
			   pim_jp_cb cb, void *arg)
{
	size_t off = sizeof(struct pim_hdr);
	struct pim_jp_hdr jp;

	if (off + sizeof(jp) > len)
		return -1;
	memcpy(&jp, msg + off, sizeof(jp));
	off += sizeof(jp);
	if (jp.upstream.family != PIM_AF_IPV6 ||
	    jp.upstream.encoding != PIM_ENC_NATIVE)
		return -1;
	memcpy(upstream, jp.upstream.addr, sizeof(*upstream));
	*holdtime = ntohs(jp.holdtime);
	for (unsigned i = 0; i < jp.num_groups; i++) {
		struct pim_jp_group g;

		if (off + sizeof(g) > len)
			return -1;
		memcpy(&g, msg + off, sizeof(g));
		off += sizeof(g);
		if (g.group.family != PIM_AF_IPV6 ||
		    g.group.encoding != PIM_ENC_NATIVE)
			return -1;
		if (parse_sources(msg, len, &off, ntohs(g.num_joined), true,
				  &g.group, cb, arg) ||
		    parse_sources(msg, len, &off, ntohs(g.num_pruned), false,
				  &g.group, cb, arg))
			return -1;
	}
	return off == len ? 0 : -1;
}

int pim_parse_join_prune(const uint8_t *msg, size_t len,
			 struct in6_addr *upstream, uint16_t *holdtime,
			 pim_jp_cb cb, void *arg)
{
	/* Nothing of a malformed message is acted upon. */
	if (walk_join_prune(msg, len, upstream, holdtime, NULL, NULL))
		return -1;
	return walk_join_prune(msg, len, upstream, holdtime, cb, arg);
}
