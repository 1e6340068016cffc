/* Building, parsing and authenticating RP-RP control messages. */
#include <endian.h>
#include <string.h>
#include <sodium.h>

#include "control.h"

const char *ctl_strerror(enum ctl_error e)
{
	switch (e) {
	case CTL_OK:
		return "ok";
	case CTL_ERR_SHORT:
		return "shorter than its header";
	case CTL_ERR_MAGIC:
		return "not an mdcs control message";
	case CTL_ERR_VERSION:
		return "unsupported version";
	case CTL_ERR_TYPE:
		return "unknown message type";
	case CTL_ERR_LENGTH:
		return "length fields disagree";
	case CTL_ERR_FIELD:
		return "a field has an invalid value";
	case CTL_ERR_SIGNATURE:
		return "bad signature";
	}
	return "unknown error";
}

int ctl_identity_from_seed(struct ctl_identity *id, const uint8_t seed[32])
{
	if (sodium_init() < 0)
		return -1;
	return crypto_sign_seed_keypair(id->pk, id->sk, seed);
}

static int ed25519_sign(const struct ctl_signer *s, const uint8_t *m, size_t n,
			uint8_t sig[MDCS_CTL_SIG_LEN])
{
	const struct ctl_identity *id = s->ctx;

	return crypto_sign_detached(sig, NULL, m, n, id->sk);
}

static int ed25519_verify(const struct ctl_signer *s, const uint8_t *pk,
			  const uint8_t *m, size_t n, const uint8_t *sig)
{
	return crypto_sign_verify_detached(sig, m, n, pk);
}

void ctl_signer_ed25519(struct ctl_signer *s, const struct ctl_identity *id)
{
	memcpy(s->pk, id->pk, MDCS_CTL_KEY_LEN);
	s->sign = ed25519_sign;
	s->verify = ed25519_verify;
	s->ctx = id;
}

static const struct ctl_signer ed25519_scheme = {
	.sign = ed25519_sign,
	.verify = ed25519_verify,
};

/*
 * The signature covers the recipient's key and then the message; both are
 * laid out in one buffer because Ed25519 signs a contiguous message.
 */
static int sign_for(uint8_t *msg, size_t body_end,
		    const struct ctl_signer *self, const uint8_t *peer_pk)
{
	uint8_t signed_part[MDCS_CTL_KEY_LEN + MDCS_CTL_MAX_LEN];

	memcpy(signed_part, peer_pk, MDCS_CTL_KEY_LEN);
	memcpy(signed_part + MDCS_CTL_KEY_LEN, msg, body_end);
	return self->sign(self, signed_part, MDCS_CTL_KEY_LEN + body_end,
			  msg + body_end);
}

static ssize_t finish_by(uint8_t *buf, size_t cap, enum mdcs_ctl_type type,
			 size_t body_end, uint64_t timestamp,
			 const struct ctl_signer *self, const uint8_t *peer_pk)
{
	struct mdcs_ctl_hdr *h = (struct mdcs_ctl_hdr *)buf;
	size_t len = body_end + MDCS_CTL_SIG_LEN;

	if (len > cap || len > MDCS_CTL_MAX_LEN)
		return -1;
	h->magic[0] = MDCS_CTL_MAGIC0;
	h->magic[1] = MDCS_CTL_MAGIC1;
	h->version = MDCS_CTL_VERSION;
	h->type = type;
	h->length = htobe16(len);
	h->reserved = 0;
	h->timestamp = htobe64(timestamp);
	memcpy(h->sender, self->pk, MDCS_CTL_KEY_LEN);
	if (sign_for(buf, body_end, self, peer_pk))
		return -1;
	return (ssize_t)len;
}

static ssize_t finish(uint8_t *buf, size_t cap, enum mdcs_ctl_type type,
		      size_t body_end, uint64_t timestamp,
		      const struct ctl_identity *self, const uint8_t *peer_pk)
{
	struct ctl_signer signer;

	ctl_signer_ed25519(&signer, self);
	return finish_by(buf, cap, type, body_end, timestamp, &signer, peer_pk);
}

ssize_t ctl_build_subscribe(uint8_t *buf, size_t cap, enum mdcs_ctl_type type,
			    uint16_t hold_time,
			    const struct mdcs_ctl_channel *channels, unsigned n,
			    uint64_t timestamp, const struct ctl_identity *self,
			    const uint8_t *peer_pk)
{
	size_t off = sizeof(struct mdcs_ctl_hdr);
	struct mdcs_ctl_subscribe *s = (void *)(buf + off);
	size_t body_end = off + sizeof(*s) + n * sizeof(*channels);

	/* Only what ctl_parse would accept is built. */
	if ((type != MDCS_CTL_SUBSCRIBE && type != MDCS_CTL_UNSUBSCRIBE) ||
	    (type == MDCS_CTL_SUBSCRIBE && hold_time == 0) ||
	    n > MDCS_CTL_MAX_CHANNELS || body_end + MDCS_CTL_SIG_LEN > cap)
		return -1;
	s->hold_time = htobe16(type == MDCS_CTL_SUBSCRIBE ? hold_time : 0);
	s->count = htobe16(n);
	memcpy(s + 1, channels, n * sizeof(*channels));
	return finish(buf, cap, type, body_end, timestamp, self, peer_pk);
}

ssize_t ctl_build_ack(uint8_t *buf, size_t cap, uint64_t acked,
		      const struct mdcs_ctl_status *statuses, unsigned n,
		      uint64_t timestamp, const struct ctl_identity *self,
		      const uint8_t *peer_pk)
{
	size_t off = sizeof(struct mdcs_ctl_hdr);
	struct mdcs_ctl_ack *a = (void *)(buf + off);
	size_t body_end = off + sizeof(*a) + n * sizeof(*statuses);

	if (n > MDCS_CTL_MAX_CHANNELS || body_end + MDCS_CTL_SIG_LEN > cap)
		return -1;
	a->acked = htobe64(acked);
	a->count = htobe16(n);
	a->reserved = 0;
	memcpy(a + 1, statuses, n * sizeof(*statuses));
	return finish(buf, cap, MDCS_CTL_SUBSCRIBE_ACK, body_end, timestamp,
		      self, peer_pk);
}

ssize_t ctl_build_keepalive(uint8_t *buf, size_t cap, uint64_t timestamp,
			    const struct ctl_identity *self,
			    const uint8_t *peer_pk)
{
	return finish(buf, cap, MDCS_CTL_KEEPALIVE, sizeof(struct mdcs_ctl_hdr),
		      timestamp, self, peer_pk);
}

/* A SHUFFLE may be redirected; a reply may be BUSY, with the one entry
 * to shuffle with instead. */
static bool shuffle_flags_valid(enum mdcs_ctl_type type, uint8_t flags,
				unsigned count)
{
	if (type == MDCS_CTL_SHUFFLE)
		return !(flags & ~MDCS_SHUFFLE_REDIRECTED);
	if (flags & MDCS_SHUFFLE_BUSY)
		return flags == MDCS_SHUFFLE_BUSY && count == 1;
	return !flags;
}

ssize_t ctl_build_shuffle(uint8_t *buf, size_t cap, enum mdcs_ctl_type type,
			  uint32_t xid, uint8_t flags, const uint8_t *entries,
			  size_t entries_len, unsigned count,
			  uint64_t timestamp, const struct ctl_signer *self,
			  const uint8_t *peer_pk)
{
	size_t off = sizeof(struct mdcs_ctl_hdr);
	struct mdcs_ctl_shuffle *sh = (void *)(buf + off);
	size_t body_end = off + sizeof(*sh) + entries_len;

	if ((type != MDCS_CTL_SHUFFLE && type != MDCS_CTL_SHUFFLE_REPLY) ||
	    count > UINT8_MAX || !shuffle_flags_valid(type, flags, count) ||
	    body_end + MDCS_CTL_SIG_LEN > cap ||
	    body_end + MDCS_CTL_SIG_LEN > MDCS_CTL_MAX_LEN)
		return -1;
	sh->xid = htobe32(xid);
	sh->flags = flags;
	sh->count = count;
	sh->reserved = 0;
	if (entries_len) /* an empty reply may come with no buffer */
		memcpy(sh + 1, entries, entries_len);
	return finish_by(buf, cap, type, body_end, timestamp, self, peer_pk);
}

ssize_t ctl_build_probe(uint8_t *buf, size_t cap, uint64_t nonce, uint8_t flags,
			const uint8_t *peer,
			const struct mdcs_ctl_endpoint *peer_ep,
			uint64_t timestamp, const struct ctl_signer *self,
			const uint8_t *peer_pk)
{
	size_t off = sizeof(struct mdcs_ctl_hdr);
	struct mdcs_ctl_probe p = { .nonce = htobe64(nonce), .flags = flags };
	bool named = flags & (MDCS_PROBE_VIA_OTHER | MDCS_PROBE_FORWARDED);

	if (flags & ~(MDCS_PROBE_ALT_PORT | MDCS_PROBE_VIA_OTHER |
		      MDCS_PROBE_FORWARDED) ||
	    named != (peer && peer_ep) ||
	    off + sizeof(p) + MDCS_CTL_SIG_LEN > cap)
		return -1;
	if (named) {
		memcpy(p.peer, peer, sizeof(p.peer));
		p.peer_endpoint = *peer_ep;
	}
	memcpy(buf + off, &p, sizeof(p));
	return finish_by(buf, cap, MDCS_CTL_PROBE, off + sizeof(p), timestamp,
			 self, peer_pk);
}

ssize_t ctl_build_probe_reply(uint8_t *buf, size_t cap, uint64_t nonce,
			      const struct mdcs_ctl_endpoint *observed,
			      uint8_t flags, uint64_t timestamp,
			      const struct ctl_signer *self,
			      const uint8_t *peer_pk)
{
	size_t off = sizeof(struct mdcs_ctl_hdr);
	struct mdcs_ctl_probe_reply r = { .nonce = htobe64(nonce),
					  .observed = *observed,
					  .flags = flags };

	if (flags & ~MDCS_PROBE_REPLY_FLAGS ||
	    off + sizeof(r) + MDCS_CTL_SIG_LEN > cap)
		return -1;
	memcpy(buf + off, &r, sizeof(r));
	return finish_by(buf, cap, MDCS_CTL_PROBE_REPLY, off + sizeof(r),
			 timestamp, self, peer_pk);
}

ssize_t ctl_build_register(uint8_t *buf, size_t cap, enum mdcs_ctl_type type,
			   uint16_t lease,
			   const struct mdcs_ctl_endpoint *observed,
			   uint64_t timestamp, const struct ctl_signer *self,
			   const uint8_t *peer_pk)
{
	size_t off = sizeof(struct mdcs_ctl_hdr);
	struct mdcs_ctl_register r = { .lease = htobe16(lease) };

	if ((type != MDCS_CTL_REGISTER && type != MDCS_CTL_REGISTER_ACK) ||
	    (type == MDCS_CTL_REGISTER) != !observed ||
	    off + sizeof(r) + MDCS_CTL_SIG_LEN > cap)
		return -1;
	if (observed)
		r.observed = *observed;
	memcpy(buf + off, &r, sizeof(r));
	return finish_by(buf, cap, type, off + sizeof(r), timestamp, self,
			 peer_pk);
}

ssize_t ctl_build_relay(uint8_t *buf, size_t cap, const uint8_t *target,
			const struct mdcs_ctl_endpoint *origin,
			const uint8_t *inner, size_t inner_len,
			uint64_t timestamp, const struct ctl_signer *self,
			const uint8_t *peer_pk)
{
	size_t off = sizeof(struct mdcs_ctl_hdr);
	struct mdcs_ctl_relay r = { .reserved = 0 };
	size_t body_end = off + sizeof(r) + inner_len;

	if (inner_len > MDCS_CTL_MAX_RELAYED ||
	    body_end + MDCS_CTL_SIG_LEN > cap)
		return -1;
	memcpy(r.target, target, sizeof(r.target));
	if (origin)
		r.origin = *origin;
	memcpy(buf + off, &r, sizeof(r));
	memmove(buf + off + sizeof(r), inner, inner_len);
	return finish_by(buf, cap, MDCS_CTL_RELAY, body_end, timestamp, self,
			 peer_pk);
}

ssize_t ctl_build_open_hole(uint8_t *buf, size_t cap, const uint8_t *desc,
			    size_t desc_len, uint64_t timestamp,
			    const struct ctl_signer *self,
			    const uint8_t *peer_pk)
{
	size_t off = sizeof(struct mdcs_ctl_hdr);
	struct mdcs_ctl_open_hole o = { .desc_len = htobe16(desc_len) };
	size_t body_end = off + sizeof(o) + desc_len;

	if (!desc_len || desc_len > MDCS_DESC_MAX_LEN ||
	    body_end + MDCS_CTL_SIG_LEN > cap)
		return -1;
	memcpy(buf + off, &o, sizeof(o));
	memcpy(buf + off + sizeof(o), desc, desc_len);
	return finish_by(buf, cap, MDCS_CTL_OPEN_HOLE, body_end, timestamp,
			 self, peer_pk);
}

ssize_t ctl_build_punch(uint8_t *buf, size_t cap, uint8_t flags,
			uint64_t timestamp, const struct ctl_signer *self,
			const uint8_t *peer_pk)
{
	size_t off = sizeof(struct mdcs_ctl_hdr);
	struct mdcs_ctl_punch p = { .flags = flags };

	if (flags & ~MDCS_PUNCH_ACK || off + sizeof(p) + MDCS_CTL_SIG_LEN > cap)
		return -1;
	memcpy(buf + off, &p, sizeof(p));
	return finish_by(buf, cap, MDCS_CTL_PUNCH, off + sizeof(p), timestamp,
			 self, peer_pk);
}

/* A request names only the peer; an answer names the port and its
 * lifetime, or neither if it refuses. */
static bool allocate_fields_valid(uint8_t flags, uint16_t lifetime, bool named)
{
	if (flags & ~MDCS_ALLOCATE_ACK)
		return false;
	if (flags & MDCS_ALLOCATE_ACK)
		return !lifetime == !named;
	return !lifetime && !named;
}

ssize_t ctl_build_allocate(uint8_t *buf, size_t cap, uint8_t flags,
			   uint16_t lifetime, const uint8_t *peer,
			   const struct mdcs_ctl_endpoint *relayed,
			   uint64_t timestamp, const struct ctl_signer *self,
			   const uint8_t *peer_pk)
{
	size_t off = sizeof(struct mdcs_ctl_hdr);
	struct mdcs_ctl_allocate a = { .flags = flags,
				       .lifetime = htobe16(lifetime) };

	if (!allocate_fields_valid(flags, lifetime, relayed) ||
	    off + sizeof(a) + MDCS_CTL_SIG_LEN > cap)
		return -1;
	memcpy(a.peer, peer, sizeof(a.peer));
	if (relayed)
		a.relayed = *relayed;
	memcpy(buf + off, &a, sizeof(a));
	return finish_by(buf, cap, MDCS_CTL_ALLOCATE, off + sizeof(a),
			 timestamp, self, peer_pk);
}

ssize_t ctl_build_meet(uint8_t *buf, size_t cap, const uint8_t *relay,
		       const struct mdcs_ctl_endpoint *at, uint64_t timestamp,
		       const struct ctl_signer *self, const uint8_t *peer_pk)
{
	size_t off = sizeof(struct mdcs_ctl_hdr);
	struct mdcs_ctl_meet mt = { .at = *at };

	if (off + sizeof(mt) + MDCS_CTL_SIG_LEN > cap)
		return -1;
	memcpy(mt.relay, relay, sizeof(mt.relay));
	memcpy(buf + off, &mt, sizeof(mt));
	return finish_by(buf, cap, MDCS_CTL_MEET, off + sizeof(mt), timestamp,
			 self, peer_pk);
}

bool ctl_next_entry(const struct ctl_msg *m, size_t *pos, unsigned *age,
		    const uint8_t **desc, size_t *desc_len)
{
	struct mdcs_ctl_entry e;

	if (*pos + sizeof(e) > m->entries_len)
		return false;
	memcpy(&e, m->entries + *pos, sizeof(e));
	*age = be16toh(e.age);
	*desc = m->entries + *pos + sizeof(e);
	*desc_len = be16toh(e.length);
	*pos += sizeof(e) + *desc_len;
	return true;
}

/* The entries must fill the body exactly, each within it. */
static enum ctl_error parse_shuffle(const uint8_t *body, size_t body_len,
				    struct ctl_msg *m)
{
	const struct mdcs_ctl_shuffle *sh = (const void *)body;
	size_t pos = 0, n = 0;

	if (body_len < sizeof(*sh))
		return CTL_ERR_LENGTH;
	m->xid = be32toh(sh->xid);
	m->flags = sh->flags;
	m->count = sh->count;
	m->entries = body + sizeof(*sh);
	m->entries_len = body_len - sizeof(*sh);
	while (pos < m->entries_len) {
		struct mdcs_ctl_entry e;

		if (pos + sizeof(e) > m->entries_len)
			return CTL_ERR_LENGTH;
		memcpy(&e, m->entries + pos, sizeof(e));
		pos += sizeof(e) + be16toh(e.length);
		if (pos > m->entries_len || !e.length)
			return CTL_ERR_LENGTH;
		n++;
	}
	if (n != m->count)
		return CTL_ERR_LENGTH;
	return shuffle_flags_valid(m->type, m->flags, m->count) ? CTL_OK
								: CTL_ERR_FIELD;
}

static enum ctl_error parse_register(const uint8_t *body, size_t body_len,
				     struct ctl_msg *m)
{
	const struct mdcs_ctl_register *r = (const void *)body;
	static const uint8_t zero[sizeof(*r)];

	if (body_len != sizeof(*r))
		return CTL_ERR_LENGTH;
	m->lease = be16toh(r->lease);
	if (m->type == MDCS_CTL_REGISTER_ACK)
		m->endpoint = &r->observed;
	else if (memcmp(&r->observed, zero, sizeof(r->observed)))
		return CTL_ERR_FIELD;
	return CTL_OK;
}

static enum ctl_error parse_probe(const uint8_t *body, size_t body_len,
				  struct ctl_msg *m)
{
	const struct mdcs_ctl_probe *p = (const void *)body;
	const struct mdcs_ctl_probe_reply *r = (const void *)body;

	if (m->type == MDCS_CTL_PROBE_REPLY) {
		if (body_len != sizeof(*r))
			return CTL_ERR_LENGTH;
		m->nonce = be64toh(r->nonce);
		m->endpoint = &r->observed;
		m->flags = r->flags;
		return m->flags & ~MDCS_PROBE_REPLY_FLAGS ? CTL_ERR_FIELD
							  : CTL_OK;
	}
	if (body_len != sizeof(*p))
		return CTL_ERR_LENGTH;
	m->nonce = be64toh(p->nonce);
	m->flags = p->flags;
	if (m->flags & ~(MDCS_PROBE_ALT_PORT | MDCS_PROBE_VIA_OTHER |
			 MDCS_PROBE_FORWARDED))
		return CTL_ERR_FIELD;
	if (m->flags & (MDCS_PROBE_VIA_OTHER | MDCS_PROBE_FORWARDED)) {
		m->peer = p->peer;
		m->endpoint = &p->peer_endpoint;
	}
	return CTL_OK;
}

static enum ctl_error parse_open_hole(const uint8_t *body, size_t body_len,
				      struct ctl_msg *m)
{
	const struct mdcs_ctl_open_hole *o = (const void *)body;

	if (body_len < sizeof(*o) ||
	    be16toh(o->desc_len) != body_len - sizeof(*o) ||
	    body_len == sizeof(*o))
		return CTL_ERR_LENGTH;
	m->desc = body + sizeof(*o);
	m->desc_len = body_len - sizeof(*o);
	return CTL_OK;
}

static enum ctl_error parse_punch(const uint8_t *body, size_t body_len,
				  struct ctl_msg *m)
{
	const struct mdcs_ctl_punch *p = (const void *)body;

	if (body_len != sizeof(*p))
		return CTL_ERR_LENGTH;
	m->flags = p->flags;
	return m->flags & ~MDCS_PUNCH_ACK ? CTL_ERR_FIELD : CTL_OK;
}

static enum ctl_error parse_allocate(const uint8_t *body, size_t body_len,
				     struct ctl_msg *m)
{
	const struct mdcs_ctl_allocate *a = (const void *)body;
	static const struct mdcs_ctl_endpoint none;

	if (body_len != sizeof(*a))
		return CTL_ERR_LENGTH;
	m->flags = a->flags;
	m->lease = be16toh(a->lifetime);
	m->peer = a->peer;
	m->endpoint = &a->relayed;
	return allocate_fields_valid(m->flags, m->lease,
				     memcmp(&a->relayed, &none, sizeof(none)))
		       ? CTL_OK
		       : CTL_ERR_FIELD;
}

static enum ctl_error parse_meet(const uint8_t *body, size_t body_len,
				 struct ctl_msg *m)
{
	const struct mdcs_ctl_meet *mt = (const void *)body;

	if (body_len != sizeof(*mt))
		return CTL_ERR_LENGTH;
	m->peer = mt->relay;
	m->endpoint = &mt->at;
	return mt->at.port ? CTL_OK : CTL_ERR_FIELD;
}

/* The inner message is parsed on its own when it is taken. */
static enum ctl_error parse_relay(const uint8_t *body, size_t body_len,
				  struct ctl_msg *m)
{
	const struct mdcs_ctl_relay *r = (const void *)body;

	if (body_len <
	    sizeof(*r) + sizeof(struct mdcs_ctl_hdr) + MDCS_CTL_SIG_LEN)
		return CTL_ERR_LENGTH;
	m->target = r->target;
	m->endpoint = &r->origin;
	m->inner = body + sizeof(*r);
	m->inner_len = body_len - sizeof(*r);
	return CTL_OK;
}

static enum ctl_error parse_body(const uint8_t *body, size_t body_len,
				 struct ctl_msg *m)
{
	if (m->type == MDCS_CTL_KEEPALIVE)
		return body_len ? CTL_ERR_LENGTH : CTL_OK;
	if (m->type == MDCS_CTL_REGISTER || m->type == MDCS_CTL_REGISTER_ACK)
		return parse_register(body, body_len, m);
	if (m->type == MDCS_CTL_PROBE || m->type == MDCS_CTL_PROBE_REPLY)
		return parse_probe(body, body_len, m);
	if (m->type == MDCS_CTL_RELAY)
		return parse_relay(body, body_len, m);
	if (m->type == MDCS_CTL_OPEN_HOLE)
		return parse_open_hole(body, body_len, m);
	if (m->type == MDCS_CTL_PUNCH)
		return parse_punch(body, body_len, m);
	if (m->type == MDCS_CTL_ALLOCATE)
		return parse_allocate(body, body_len, m);
	if (m->type == MDCS_CTL_MEET)
		return parse_meet(body, body_len, m);
	if (m->type == MDCS_CTL_SHUFFLE || m->type == MDCS_CTL_SHUFFLE_REPLY)
		return parse_shuffle(body, body_len, m);
	if (m->type == MDCS_CTL_SUBSCRIBE_ACK) {
		const struct mdcs_ctl_ack *a = (const void *)body;

		if (body_len < sizeof(*a))
			return CTL_ERR_LENGTH;
		m->acked = be64toh(a->acked);
		m->count = be16toh(a->count);
		m->statuses = (const void *)(a + 1);
		if (body_len != sizeof(*a) + m->count * sizeof(*m->statuses))
			return CTL_ERR_LENGTH;
	} else {
		const struct mdcs_ctl_subscribe *s = (const void *)body;

		if (body_len < sizeof(*s))
			return CTL_ERR_LENGTH;
		m->hold_time = be16toh(s->hold_time);
		m->count = be16toh(s->count);
		m->channels = (const void *)(s + 1);
		if (body_len != sizeof(*s) + m->count * sizeof(*m->channels))
			return CTL_ERR_LENGTH;
		if ((m->type == MDCS_CTL_SUBSCRIBE) != (m->hold_time > 0))
			return CTL_ERR_FIELD;
	}
	if (m->count > MDCS_CTL_MAX_CHANNELS)
		return CTL_ERR_FIELD;
	return CTL_OK;
}

static bool known_type(uint8_t type)
{
	return (type >= MDCS_CTL_SUBSCRIBE && type <= MDCS_CTL_OPEN_HOLE) ||
	       (type >= MDCS_CTL_PUNCH && type <= MDCS_CTL_MEET);
}

enum ctl_error ctl_parse(const uint8_t *buf, size_t len, struct ctl_msg *m)
{
	const struct mdcs_ctl_hdr *h = (const void *)buf;
	size_t hlen = sizeof(*h);

	memset(m, 0, sizeof(*m));
	if (len < 2 || buf[0] != MDCS_CTL_MAGIC0 || buf[1] != MDCS_CTL_MAGIC1)
		return CTL_ERR_MAGIC;
	if (len < hlen + MDCS_CTL_SIG_LEN)
		return CTL_ERR_SHORT;
	if (h->version != MDCS_CTL_VERSION)
		return CTL_ERR_VERSION;
	if (!known_type(h->type))
		return CTL_ERR_TYPE;
	if (be16toh(h->length) != len || len > MDCS_CTL_MAX_LEN)
		return CTL_ERR_LENGTH;
	m->type = h->type;
	m->timestamp = be64toh(h->timestamp);
	m->sender = h->sender;
	m->buf = buf;
	m->len = len;
	return parse_body(buf + hlen, len - hlen - MDCS_CTL_SIG_LEN, m);
}

enum ctl_error ctl_verify_by(const struct ctl_msg *m, const uint8_t *self_pk,
			     const struct ctl_signer *scheme)
{
	uint8_t signed_part[MDCS_CTL_KEY_LEN + MDCS_CTL_MAX_LEN];
	size_t body_end = m->len - MDCS_CTL_SIG_LEN;

	memcpy(signed_part, self_pk, MDCS_CTL_KEY_LEN);
	memcpy(signed_part + MDCS_CTL_KEY_LEN, m->buf, body_end);
	if (scheme->verify(scheme, m->sender, signed_part,
			   MDCS_CTL_KEY_LEN + body_end, m->buf + body_end))
		return CTL_ERR_SIGNATURE;
	return CTL_OK;
}

enum ctl_error ctl_verify(const struct ctl_msg *m, const uint8_t *self_pk)
{
	return ctl_verify_by(m, self_pk, &ed25519_scheme);
}
