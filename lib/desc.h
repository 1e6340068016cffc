/* RP descriptors: building, signing, parsing and checking them. */
#ifndef MDCS_DESC_H
#define MDCS_DESC_H

#include <endian.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/types.h>
#include <netinet/in.h>

#include "control.h"

struct desc_endpoint {
	struct in6_addr addr;
	uint16_t port; /* host order */
};

static inline bool same_endpoint(const struct desc_endpoint *a,
				 const struct desc_endpoint *b)
{
	return a->port == b->port && !memcmp(&a->addr, &b->addr, 16);
}

static inline void ep_to_wire(struct mdcs_ctl_endpoint *w,
			      const struct desc_endpoint *e)
{
	memcpy(w->addr, &e->addr, sizeof(w->addr));
	w->port = htobe16(e->port);
}

static inline void ep_from_wire(struct desc_endpoint *e,
				const struct mdcs_ctl_endpoint *w)
{
	memcpy(&e->addr, w->addr, sizeof(e->addr));
	e->port = be16toh(w->port);
}

struct desc_partner {
	uint8_t id[MDCS_CTL_KEY_LEN];
	struct desc_endpoint endpoint;
};

struct desc_prefix {
	struct in6_addr addr;
	uint8_t len;
};

/* A descriptor's content, in host order. */
struct desc {
	uint8_t id[MDCS_CTL_KEY_LEN];
	uint8_t flags; /* enum mdcs_desc_flags */
	uint8_t nat;   /* MDCS_DESC_NAT() */
	uint64_t incarnation;
	uint64_t issued; /* microseconds since the epoch */
	struct in6_addr channel_source;
	unsigned n_endpoints, n_partners, n_prefixes;
	struct desc_endpoint endpoints[MDCS_DESC_MAX_ENDPOINTS];
	struct desc_partner partners[MDCS_DESC_MAX_PARTNERS];
	struct desc_prefix prefixes[MDCS_DESC_MAX_PREFIXES];
};

/* Encode d and sign it with s (whose key must be d's id).  The length,
 * or -1 if d is not a descriptor desc_parse would accept or cap is short. */
ssize_t desc_build(uint8_t *buf, size_t cap, const struct desc *d,
		   const struct ctl_signer *s);

/* Check the framing and every field, and fill d; CTL_ERR_* on refusal.
 * The signature is checked by desc_verify. */
enum ctl_error desc_parse(const uint8_t *buf, size_t len, struct desc *d);

/* Whether buf, parsed as d, is signed by d's subject. */
enum ctl_error desc_verify(const uint8_t *buf, size_t len, const uint8_t *id,
			   const struct ctl_signer *scheme);

/* Whether a is a newer statement of its subject than b. */
bool desc_newer(uint64_t a_incarnation, uint64_t a_issued,
		uint64_t b_incarnation, uint64_t b_issued);

/* The name of a NAT mapping or filtering behaviour (enum mdcs_desc_behaviour),
 * as YANG's nat-behaviour spells it. */
const char *desc_behaviour_name(unsigned behaviour);

#endif
