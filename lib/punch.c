/*
 * Peer sampling's hole punching (pss.h): paths for the data between RPs
 * behind NATs.  The RP that wants a path PUNCHes the other's advertised
 * endpoint, which opens its own NAT toward it, and sends it an OPEN_HOLE
 * through a partner; the other PUNCHes back to where the partner saw the
 * first.  Each NAT now lets in what answers what it let out, unless one
 * maps per destination and the other filters per port (docs/mesh.md):
 * then a MEET through a partner names the relay where both meet.
 */
#include <stdlib.h>
#include <string.h>

#include "pss_int.h"

static void punch(struct pss *s, const uint8_t *peer,
		  const struct desc_endpoint *to, uint8_t flags, uint64_t wall)
{
	uint8_t buf[MDCS_CTL_MAX_LEN];
	ssize_t len = ctl_build_punch(buf, sizeof(buf), flags,
				      pss_next_ts(s, wall), s->io.signer, peer);

	if (len > 0) {
		s->stats.punches++;
		pss_send(s, to, buf, (size_t)len);
	}
}

int pss_punch(struct pss *s, const uint8_t *raw, size_t len, uint64_t wall)
{
	uint8_t buf[MDCS_CTL_MAX_LEN];
	struct path via;
	struct desc d;
	ssize_t n;

	if (desc_parse(raw, len, &d) != CTL_OK || same_id(d.id, s->self.id))
		return -1;
	punch(s, d.id, &d.endpoints[0], 0, wall);
	if (!pss_path_via_partner(s, &d, &via))
		return 0; /* it takes anyone's messages, or cannot be helped */
	n = ctl_build_open_hole(buf, sizeof(buf), s->self_raw, s->self_len,
				pss_next_ts(s, wall), s->io.signer, d.id);
	if (n > 0)
		pss_send_along(s, &via, d.id, buf, (size_t)n, wall);
	return 0;
}

/*
 * An OPEN_HOLE, come through a partner that saw its sender at origin: the
 * sender is learned from its descriptor, and PUNCHed where the partner saw
 * it and, if that differs, where it is advertised.
 */
void pss_hole_opened(struct pss *s, const struct ctl_msg *m,
		     const struct desc_endpoint *origin, uint64_t wall)
{
	struct pss_entry e;
	struct desc d;
	int taken;

	if (desc_parse(m->desc, m->desc_len, &d) != CTL_OK ||
	    !same_id(d.id, m->sender)) {
		s->stats.desc_malformed++;
		return;
	}
	taken = pss_take_desc(s, m->desc, m->desc_len, 0, wall, &e);
	if (taken < 0)
		return;
	if (taken == 0)
		free(e.raw); /* learned, not for the view */
	s->stats.holes_opened++;
	punch(s, d.id, origin, 0, wall);
	if (!same_endpoint(origin, &d.endpoints[0]))
		punch(s, d.id, &d.endpoints[0], 0, wall);
}

/* A PUNCH got through: its source is where its sender is reached. */
void pss_punched(struct pss *s, const struct ctl_msg *m,
		 const struct desc_endpoint *from, uint64_t wall)
{
	s->stats.punched++;
	if (!(m->flags & MDCS_PUNCH_ACK))
		punch(s, m->sender, from, MDCS_PUNCH_ACK, wall);
	if (s->io.punched)
		s->io.punched(s->io.ctx, m->sender, from);
}

int pss_meet(struct pss *s, const uint8_t *raw, size_t len,
	     const uint8_t *relay, const struct desc_endpoint *at,
	     uint64_t wall)
{
	uint8_t buf[MDCS_CTL_MAX_LEN];
	struct mdcs_ctl_endpoint wire;
	struct path via;
	struct desc d;
	ssize_t n;

	if (desc_parse(raw, len, &d) != CTL_OK || same_id(d.id, s->self.id) ||
	    !pss_path_via_partner(s, &d, &via))
		return -1;
	ep_to_wire(&wire, at);
	n = ctl_build_meet(buf, sizeof(buf), relay, &wire, pss_next_ts(s, wall),
			   s->io.signer, d.id);
	if (n < 0)
		return -1;
	s->stats.meets++;
	pss_send_along(s, &via, d.id, buf, (size_t)n, wall);
	return 0;
}

/* A MEET, come through a partner: rpd binds at the relay. */
void pss_met(struct pss *s, const struct ctl_msg *m)
{
	struct desc_endpoint at;

	ep_from_wire(&at, m->endpoint);
	if (s->io.meet)
		s->io.meet(s->io.ctx, m->sender, m->peer, &at);
}
