/*
 * RP descriptors (proto/control.h).  A descriptor is signed by its subject
 * alone and carried unchanged by every RP that gossips it, so that no RP
 * can speak for another: whatever an RP learns of a third one, it learns
 * in that RP's own words.
 */
#include <endian.h>
#include <string.h>

#include "desc.h"

static const uint8_t zero16[16];

static void put_endpoint(struct mdcs_ctl_endpoint *w,
			 const struct desc_endpoint *e)
{
	memcpy(w->addr, &e->addr, 16);
	w->port = htobe16(e->port);
}

static void get_endpoint(struct desc_endpoint *e,
			 const struct mdcs_ctl_endpoint *w)
{
	memcpy(&e->addr, w->addr, 16);
	e->port = be16toh(w->port);
}

static bool prefix_clean(const uint8_t *addr, unsigned len)
{
	if (len > 128)
		return false;
	for (unsigned bit = len; bit < 128; bit++)
		if (addr[bit / 8] & (0x80 >> (bit % 8)))
			return false;
	return true;
}

static size_t body_len(unsigned e, unsigned p, unsigned x)
{
	return sizeof(struct mdcs_desc_hdr) +
	       e * sizeof(struct mdcs_ctl_endpoint) +
	       p * sizeof(struct mdcs_desc_partner) +
	       x * sizeof(struct mdcs_desc_prefix);
}

/* The signed octets: a domain of their own, so that no control message
 * signature can pass for a descriptor's or the other way round. */
static size_t signed_part(uint8_t *out, const uint8_t *buf, size_t n)
{
	size_t dl = sizeof(MDCS_DESC_SIG_DOMAIN) - 1;

	memcpy(out, MDCS_DESC_SIG_DOMAIN, dl);
	memcpy(out + dl, buf, n);
	return dl + n;
}

ssize_t desc_build(uint8_t *buf, size_t cap, const struct desc *d,
		   const struct ctl_signer *s)
{
	uint8_t tbs[sizeof(MDCS_DESC_SIG_DOMAIN) + MDCS_DESC_MAX_LEN];
	struct mdcs_desc_hdr *h = (void *)buf;
	size_t n = body_len(d->n_endpoints, d->n_partners, d->n_prefixes);
	uint8_t *p = buf + sizeof(*h);
	struct desc check;

	if (d->n_endpoints < 1 || d->n_endpoints > MDCS_DESC_MAX_ENDPOINTS ||
	    d->n_partners > MDCS_DESC_MAX_PARTNERS ||
	    d->n_prefixes > MDCS_DESC_MAX_PREFIXES ||
	    n + MDCS_CTL_SIG_LEN > cap)
		return -1;
	memset(buf, 0, n);
	h->version = MDCS_DESC_VERSION;
	h->flags = d->flags;
	h->nat = d->nat;
	h->n_endpoints = d->n_endpoints;
	h->n_partners = d->n_partners;
	h->n_prefixes = d->n_prefixes;
	memcpy(h->id, d->id, sizeof(h->id));
	h->incarnation = htobe64(d->incarnation);
	h->issued = htobe64(d->issued);
	memcpy(h->channel_source, &d->channel_source, 16);
	for (unsigned i = 0; i < d->n_endpoints; i++, p += 18)
		put_endpoint((void *)p, &d->endpoints[i]);
	for (unsigned i = 0; i < d->n_partners; i++, p += 50) {
		struct mdcs_desc_partner *w = (void *)p;

		memcpy(w->id, d->partners[i].id, sizeof(w->id));
		put_endpoint(&w->endpoint, &d->partners[i].endpoint);
	}
	for (unsigned i = 0; i < d->n_prefixes; i++, p += 17) {
		struct mdcs_desc_prefix *w = (void *)p;

		memcpy(w->addr, &d->prefixes[i].addr, 16);
		w->len = d->prefixes[i].len;
	}
	/* Only what desc_parse accepts is signed. */
	if (desc_parse(buf, n + MDCS_CTL_SIG_LEN, &check) != CTL_OK ||
	    memcmp(s->pk, d->id, MDCS_CTL_KEY_LEN))
		return -1;
	if (s->sign(s, tbs, signed_part(tbs, buf, n), buf + n))
		return -1;
	return (ssize_t)(n + MDCS_CTL_SIG_LEN);
}

enum ctl_error desc_parse(const uint8_t *buf, size_t len, struct desc *d)
{
	const struct mdcs_desc_hdr *h = (const void *)buf;
	const uint8_t *p = buf + sizeof(*h);

	memset(d, 0, sizeof(*d));
	if (len < sizeof(*h) + MDCS_CTL_SIG_LEN)
		return CTL_ERR_SHORT;
	if (h->version != MDCS_DESC_VERSION)
		return CTL_ERR_VERSION;
	if (h->n_endpoints < 1 || h->n_endpoints > MDCS_DESC_MAX_ENDPOINTS ||
	    h->n_partners > MDCS_DESC_MAX_PARTNERS ||
	    h->n_prefixes > MDCS_DESC_MAX_PREFIXES)
		return CTL_ERR_FIELD;
	if (len != body_len(h->n_endpoints, h->n_partners, h->n_prefixes) +
			   MDCS_CTL_SIG_LEN)
		return CTL_ERR_LENGTH;
	if (h->flags & ~(MDCS_DESC_F_LEAVING | MDCS_DESC_F_RELAY) ||
	    h->nat & ~0x1f || h->reserved)
		return CTL_ERR_FIELD;
	memcpy(d->id, h->id, sizeof(d->id));
	d->flags = h->flags;
	d->nat = h->nat;
	d->incarnation = be64toh(h->incarnation);
	d->issued = be64toh(h->issued);
	memcpy(&d->channel_source, h->channel_source, 16);
	d->n_endpoints = h->n_endpoints;
	d->n_partners = h->n_partners;
	d->n_prefixes = h->n_prefixes;
	for (unsigned i = 0; i < d->n_endpoints; i++, p += 18) {
		get_endpoint(&d->endpoints[i], (const void *)p);
		/* nobody can be reached at port 0 or the unspecified address */
		if (!d->endpoints[i].port || !memcmp(p, zero16, 16))
			return CTL_ERR_FIELD;
	}
	for (unsigned i = 0; i < d->n_partners; i++, p += 50) {
		const struct mdcs_desc_partner *w = (const void *)p;

		memcpy(d->partners[i].id, w->id, sizeof(w->id));
		get_endpoint(&d->partners[i].endpoint, &w->endpoint);
		if (!d->partners[i].endpoint.port)
			return CTL_ERR_FIELD;
	}
	for (unsigned i = 0; i < d->n_prefixes; i++, p += 17) {
		const struct mdcs_desc_prefix *w = (const void *)p;

		if (!prefix_clean(w->addr, w->len))
			return CTL_ERR_FIELD;
		memcpy(&d->prefixes[i].addr, w->addr, 16);
		d->prefixes[i].len = w->len;
	}
	return CTL_OK;
}

enum ctl_error desc_verify(const uint8_t *buf, size_t len, const uint8_t *id,
			   const struct ctl_signer *scheme)
{
	uint8_t tbs[sizeof(MDCS_DESC_SIG_DOMAIN) + MDCS_DESC_MAX_LEN];
	size_t n = len - MDCS_CTL_SIG_LEN;

	if (len < MDCS_CTL_SIG_LEN || len > MDCS_DESC_MAX_LEN)
		return CTL_ERR_LENGTH;
	if (scheme->verify(scheme, id, tbs, signed_part(tbs, buf, n), buf + n))
		return CTL_ERR_SIGNATURE;
	return CTL_OK;
}

bool desc_newer(uint64_t a_incarnation, uint64_t a_issued,
		uint64_t b_incarnation, uint64_t b_issued)
{
	if (a_incarnation != b_incarnation)
		return a_incarnation > b_incarnation;
	return a_issued > b_issued;
}

const char *desc_behaviour_name(unsigned behaviour)
{
	static const char *const names[] = {
		[MDCS_NAT_UNKNOWN] = "unknown",
		[MDCS_NAT_INDEPENDENT] = "endpoint-independent",
		[MDCS_NAT_ADDRESS] = "address-dependent",
		[MDCS_NAT_ADDRESS_PORT] = "address-and-port-dependent",
	};

	return names[behaviour & 3];
}
