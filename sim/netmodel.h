/* The simulator's model of the NAT66 or firewall box in front of one RP. */
#ifndef MDCS_SIM_NETMODEL_H
#define MDCS_SIM_NETMODEL_H

#include <stdbool.h>
#include <stdint.h>

struct nm_ep {
	uint8_t addr[16];
	uint16_t port; /* host order */
};

/* The boxes measured with nftables, from most to least permissive. */
enum nm_profile {
	NM_OPEN, /* no box */
	NM_FW_EIF,
	NM_FULL_CONE,
	NM_RESTRICTED_CONE,
	NM_PORT_RESTRICTED_CONE,
	NM_NAT66,
	NM_FW_APDF,
	NM_SYMMETRIC,
	NM_PROFILES
};

/* RFC 4787 behaviours; NONE: the box does not translate, or does not filter. */
enum nm_mapping { NM_MAP_NONE, NM_MAP_EIM, NM_MAP_APDM };
enum nm_filtering { NM_FILT_NONE, NM_FILT_EIF, NM_FILT_ADF, NM_FILT_APDF };

/* "open", "fw-eif", "full-cone", ...; NULL out of range. */
const char *nm_profile_name(enum nm_profile p);
bool nm_profile_parse(const char *s, enum nm_profile *p);
bool nm_translates(enum nm_profile p);
enum nm_mapping nm_profile_mapping(enum nm_profile p);
enum nm_filtering nm_profile_filtering(enum nm_profile p);

/*
 * What hole punching between hosts behind a and b achieves, as measured:
 * a relay is needed iff one side maps per destination (APDM) and the other
 * filters per address and port (APDF); latching suffices if one side is
 * APDM and the other lets the new port in.
 */
enum nm_traversal { NM_PUNCH, NM_PUNCH_LATCH, NM_RELAY };
enum nm_traversal nm_traversal(enum nm_profile a, enum nm_profile b);

/*
 * Flows time out as Linux conntrack's UDP ones do: unreplied_ms after the
 * last packet, replied_ms once traffic was seen both ways and the flow is
 * stream_ms old (the kernel waits 2 s so that a single query and its answer
 * stay short-lived; 0 gives replied_ms from the first reply on).
 */
struct nm_params {
	uint32_t unreplied_ms; /* 30000 */
	uint32_t replied_ms;   /* 120000 */
	uint32_t stream_ms;    /* 2000 */
	unsigned max_flows;    /* 256, at least 1: the oldest are evicted */
};

void nm_params_default(struct nm_params *par);

struct nm_box;

/*
 * inside_host is the full cone's DNAT target; other inside addresses may
 * send too, sharing the public address (which is how ports collide).
 * public_addr is used by translating profiles only, and may be NULL for the
 * others.  The seed drives the random ports.  par NULL: the defaults.  NULL
 * on bad parameters or no memory.
 */
struct nm_box *nm_box_new(enum nm_profile p, const uint8_t inside_host[16],
			  const uint8_t public_addr[16], uint64_t seed,
			  const struct nm_params *par);
void nm_box_free(struct nm_box *b);

/*
 * now_ms must not go backwards for one box.  A packet from inside, src to
 * dst, leaves with the source src_out (mapping created or refreshed).
 * 0, or -1 if no public port is free or no memory.
 */
int nm_box_out(struct nm_box *b, uint64_t now_ms, const struct nm_ep *src,
	       const struct nm_ep *dst, struct nm_ep *src_out);

/*
 * A packet from src outside arrives at dst (the public address, or the
 * host's own for OPEN and the firewalls): true and the inside destination
 * if it passes, refreshing its flow; false if dropped, silently and without
 * leaving any state.
 */
bool nm_box_in(struct nm_box *b, uint64_t now_ms, const struct nm_ep *src,
	       const struct nm_ep *dst, struct nm_ep *dst_in);

/* The flows alive at now_ms (the expired ones are forgotten first). */
unsigned nm_box_flows(struct nm_box *b, uint64_t now_ms);

#endif
