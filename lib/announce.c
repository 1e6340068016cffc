/* Peer announcements (proto/announce.h): building and parsing them. */
#include <string.h>
#include <arpa/inet.h>

#include "announce.h"

size_t announce_build(uint8_t buf[sizeof(struct mdcs_announce)],
		      const struct announce *a)
{
	struct mdcs_announce m = {
		.version = MDCS_ANNOUNCE_VERSION,
		.flags = a->flags,
		.hold_s = htons(a->hold_s),
	};

	memcpy(m.id, a->id, sizeof(m.id));
	memcpy(buf, &m, sizeof(m));
	return sizeof(m);
}

bool announce_parse(const uint8_t *buf, size_t len, struct announce *a)
{
	struct mdcs_announce m;

	if (len != sizeof(m))
		return false;
	memcpy(&m, buf, sizeof(m));
	if (m.version != MDCS_ANNOUNCE_VERSION ||
	    (m.flags & ~MDCS_ANNOUNCE_FLAGS) ||
	    ntohs(m.hold_s) > MDCS_ANNOUNCE_MAX_HOLD)
		return false;
	a->flags = m.flags;
	a->hold_s = ntohs(m.hold_s);
	memcpy(a->id, m.id, sizeof(a->id));
	return true;
}
