/* The remote RPs and the signed control protocol spoken with them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sodium.h>

#include "log.h"
#include "mesh.h"
#include "proto/amt.h"
#include "netlink.h"
#include "relayed.h"
#include "replay.h"
#include "sampling.h"
#include "udpsock.h"

/* Timestamps double as sequence numbers: never the same one twice. */
uint64_t mesh_next_ts(struct mesh *m)
{
	uint64_t t = loop_unix_us();

	if (t <= m->last_sent_ts)
		t = m->last_sent_ts + 1;
	m->last_sent_ts = t;
	return t;
}

int mesh_send_from(struct mesh *m, int sock, const struct in6_addr *addr,
		   uint16_t port, const uint8_t *buf, ssize_t len)
{
	struct sockaddr_in6 sa = {
		.sin6_family = AF_INET6,
		.sin6_addr = *addr,
		.sin6_port = htons(port),
	};

	if (len < 0 || sock < 0 ||
	    sendto(sock, buf, (size_t)len, 0, (struct sockaddr *)&sa,
		   sizeof(sa)) != len) {
		m->stats.send_failed++;
		return -1;
	}
	m->stats.sent++;
	return 0;
}

int mesh_send(struct mesh *m, const struct in6_addr *addr, uint16_t port,
	      const uint8_t *buf, ssize_t len)
{
	return mesh_send_from(m, m->sock, addr, port, buf, len);
}

static int send_to(struct mesh *m, struct remote_rp *rp, const uint8_t *buf,
		   ssize_t len)
{
	/* Anything sent to an RP opens this RP's NAT toward it, which would
	 * spoil the classification's filtering test: keepalives and
	 * subscriptions wait the second or so it takes. */
	if (sampling_classifying(m))
		return -1;
	if (mesh_send(m, &rp->addr, rp->port, buf, len)) {
		/* Once per outage, not with every KEEPALIVE. */
		if (!rp->unreachable)
			log_warn("control: cannot send to %s: %m", rp->name);
		rp->unreachable = true;
		return -1;
	}
	rp->unreachable = false;
	return 0;
}

int mesh_send_channels(struct mesh *m, struct remote_rp *rp,
		       enum mdcs_ctl_type type, unsigned hold_time,
		       const struct mdcs_ctl_channel *ch, unsigned n)
{
	uint8_t buf[MDCS_CTL_MAX_LEN];
	int rc = 0;

	/* A learned RP not heard from that sits behind a filter keeps this
	 * RP out until both have punched, or met at a relay: this message
	 * may be lost, the next refresh gets through. */
	if (!rp->conf && !rp->up && !pss_reachable(rp->nat)) {
		if (sampling_needs_relay(m, rp))
			relayed_ask(m, rp);
		else
			sampling_punch(m, rp);
	}
	while (n) {
		unsigned k =
			n < MDCS_CTL_MAX_CHANNELS ? n : MDCS_CTL_MAX_CHANNELS;
		ssize_t len = ctl_build_subscribe(
			buf, sizeof(buf), type, (uint16_t)hold_time, ch, k,
			mesh_next_ts(m), &m->id, rp->key);

		rc |= send_to(m, rp, buf, len);
		ch += k;
		n -= k;
	}
	return rc;
}

struct remote_rp *mesh_next_rp(const struct mesh *m, const struct remote_rp *rp)
{
	if (!rp)
		return m->n_rps ? m->rps : m->learned;
	if (!rp->conf)
		return rp->next;
	if (rp + 1 < m->rps + m->n_rps)
		return (struct remote_rp *)rp + 1;
	return m->learned;
}

struct remote_rp *mesh_rp_by_key(const struct mesh *m, const uint8_t *pk)
{
	struct remote_rp *rp;

	mesh_each_rp (m, rp)
		if (!memcmp(rp->key, pk, MDCS_CTL_KEY_LEN))
			return rp;
	return NULL;
}

struct remote_rp *mesh_rp_by_slot(struct mesh *m, uint32_t slot)
{
	struct remote_rp *rp;

	mesh_each_rp (m, rp)
		if (rp->slot == slot)
			return rp;
	return NULL;
}

struct remote_rp *mesh_rp_for_source(struct mesh *m, const struct in6_addr *s)
{
	struct remote_rp *best = NULL, *rp;
	unsigned best_len = 0;

	/* Configured RPs come first, so a learned one must be longer. */
	mesh_each_rp (m, rp)
		for (unsigned j = 0; j < rp->n_prefixes; j++)
			if (prefix6_contains(&rp->prefixes[j], s) &&
			    (!best || rp->prefixes[j].len > best_len)) {
				best = rp;
				best_len = rp->prefixes[j].len;
			}
	return best;
}

static void changed(struct mesh *m)
{
	if (m->on_change)
		m->on_change(m->change_arg);
}

/* Take a learned RP out of the mesh, its datapath slot with it. */
static void forget(struct mesh *m, struct remote_rp *rp, const char *why)
{
	struct remote_rp **at = &m->learned;

	while (*at != rp)
		at = &(*at)->next;
	*at = rp->next;
	m->n_learned--;
	log_notice("remote RP %s forgotten: %s", rp->name, why);
	if (m->ops && m->ops->gone)
		m->ops->gone(m->arg, rp);
	datapath_clear_rp(m->dp, rp->slot);
	idpool_put(&m->slots, rp->slot);
	free(rp->desc);
	free(rp);
	changed(m);
}

static struct remote_rp *learned_new(struct mesh *m, const uint8_t *key)
{
	struct remote_rp *rp;

	if (m->n_learned >= MESH_MAX_LEARNED) {
		m->stats.learned_full++;
		return NULL;
	}
	rp = calloc(1, sizeof(*rp));
	if (!rp || !idpool_get(&m->slots, &rp->slot)) {
		free(rp);
		return NULL;
	}
	memcpy(rp->key, key, MDCS_CTL_KEY_LEN);
	snprintf(rp->name, sizeof(rp->name), "rp-%02x%02x%02x%02x", key[0],
		 key[1], key[2], key[3]);
	rp->prefixes = rp->learned_prefixes;
	rp->next = m->learned;
	m->learned = rp;
	m->n_learned++;
	return rp;
}

/* The prefixes of a descriptor that do not overlap this RP's own. */
static unsigned foreign_prefixes(const struct mesh *m, const struct desc *d,
				 struct prefix6 *out)
{
	unsigned n = 0;

	for (unsigned i = 0; i < d->n_prefixes; i++) {
		struct prefix6 p = { d->prefixes[i].addr, d->prefixes[i].len };
		bool own = false;

		for (unsigned j = 0; j < m->conf->n_prefixes && !own; j++)
			own = prefix6_overlap(&p, &m->conf->prefixes[j]);
		if (!own)
			out[n++] = p;
	}
	return n;
}

/*
 * The channel source a descriptor gives, if it lies in the prefixes the RP
 * serves (as this RP takes them), else ::.  Peers join what the directory
 * lists, so an RP cannot list an address of another RP's sources as its
 * own.
 */
static struct in6_addr served_channel_source(const struct desc *d,
					     const struct prefix6 *prefixes,
					     unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (prefix6_contains(&prefixes[i], &d->channel_source))
			return d->channel_source;
	return in6addr_any;
}

/* Send to rp at addr and port from now on, data included. */
static void reach(struct mesh *m, struct remote_rp *rp,
		  const struct in6_addr *addr, uint16_t port)
{
	rp->addr = *addr;
	rp->port = port;
	if (datapath_set_rp(m->dp, rp->slot, addr, port))
		log_warn("datapath: cannot program remote RP %s", rp->name);
}

void mesh_learn(struct mesh *m, const struct desc *d, const uint8_t *raw,
		size_t len)
{
	struct remote_rp *rp = mesh_rp_by_key(m, d->id);
	struct prefix6 prefixes[MDCS_DESC_MAX_PREFIXES];
	unsigned n = foreign_prefixes(m, d, prefixes);
	char addr[INET6_ADDRSTRLEN];
	bool fresh = !rp, moved, listed;
	uint8_t *copy;

	if (rp &&
	    !desc_newer(d->incarnation, d->issued, rp->incarnation, rp->issued))
		return;
	/* A configured RP is what the configuration says; its channel
	 * source, which the configuration does not give, is taken (none
	 * once it says it leaves: peers need not join its channels). */
	if (rp && rp->conf) {
		rp->incarnation = d->incarnation;
		rp->issued = d->issued;
		rp->channel_source =
			d->flags & MDCS_DESC_F_LEAVING
				? in6addr_any
				: served_channel_source(d, rp->prefixes,
							rp->n_prefixes);
		return;
	}
	if (d->flags & MDCS_DESC_F_LEAVING) {
		if (rp)
			forget(m, rp, "it left the mesh");
		return;
	}
	copy = malloc(len);
	if (!copy || (!rp && !(rp = learned_new(m, d->id)))) {
		free(copy);
		return;
	}
	memcpy(copy, raw, len);
	free(rp->desc);
	rp->desc = copy;
	rp->desc_len = len;
	rp->incarnation = d->incarnation;
	rp->issued = d->issued;
	moved = fresh || rp->advertised.port != d->endpoints[0].port ||
		memcmp(&rp->advertised.addr, &d->endpoints[0].addr,
		       sizeof(rp->advertised.addr));
	listed = fresh || n != rp->n_prefixes ||
		 memcmp(prefixes, rp->learned_prefixes, n * sizeof(*prefixes));
	rp->advertised = d->endpoints[0];
	rp->nat = d->nat;
	rp->channel_source = served_channel_source(d, prefixes, n);
	if (moved)
		rp->punched = false;
	if (moved && !rp->relayed.on)
		reach(m, rp, &d->endpoints[0].addr, d->endpoints[0].port);
	rp->n_prefixes = n;
	memcpy(rp->learned_prefixes, prefixes, n * sizeof(*prefixes));
	if (listed && n < d->n_prefixes)
		log_warn("remote RP %s claims prefixes of this RP: ignored",
			 rp->name);
	if (fresh)
		log_notice("remote RP %s learned at [%s]:%u", rp->name,
			   addr6_str(&rp->addr, addr), rp->port);
	if (listed)
		changed(m);
}

void mesh_latch(struct mesh *m, struct remote_rp *rp,
		const struct in6_addr *addr, uint16_t port)
{
	char a[INET6_ADDRSTRLEN];

	/* Only authenticated messages move an RP, so nobody else can draw
	 * its traffic away. */
	if (rp->port == port && !memcmp(&rp->addr, addr, sizeof(*addr)))
		return;
	if (rp->relayed.on &&
	    (rp->relayed.at.port != port ||
	     memcmp(&rp->relayed.at.addr, addr, sizeof(*addr))))
		return;
	log_info("remote RP %s is reached at [%s]:%u now", rp->name,
		 addr6_str(addr, a), port);
	reach(m, rp, addr, port);
}

static void answer_subscribe(struct mesh *m, struct remote_rp *rp,
			     const struct ctl_msg *msg)
{
	struct mdcs_ctl_status st[MDCS_CTL_MAX_CHANNELS];
	uint8_t buf[MDCS_CTL_MAX_LEN];
	ssize_t len;

	/*
	 * Copies to the RP will follow, and bpf_fib_lookup only finds a
	 * resolved neighbor: have the kernel resolve or confirm the next hop
	 * now, and again with every refresh so that it stays valid.
	 */
	if (nl_nexthops_use(&rp->addr))
		log_warn("no route to remote RP %s", rp->name);
	memset(st, 0, sizeof(st));
	m->ops->subscribe(m->arg, rp, msg->channels, msg->count, msg->hold_time,
			  st);
	len = ctl_build_ack(buf, sizeof(buf), msg->timestamp, st, msg->count,
			    mesh_next_ts(m), &m->id, rp->key);
	send_to(m, rp, buf, len);
}

static void set_status(struct mesh *m, struct remote_rp *rp, bool up)
{
	if (rp->up == up)
		return;
	rp->up = up;
	log_notice("remote RP %s is %s", rp->name, up ? "up" : "down");
	if (m->on_status)
		m->on_status(m->status_arg, rp);
}

static void heard(struct mesh *m, struct remote_rp *rp, uint64_t unix_us)
{
	rp->heard_ms = loop_now_ms();
	rp->heard_unix_us = unix_us;
	set_status(m, rp, true);
}

/*
 * Every keepalive interval: RPs silent for longer than the hold time are
 * down, and the configured RPs and the learned ones that talk to this RP
 * hear from it.  Down is therefore noticed between one hold time and one
 * hold time plus an interval after the RP's last message.  A learned RP
 * that is down and whose descriptor expired is forgotten.
 */
static void keepalive(void *arg)
{
	struct mesh *m = arg;
	uint64_t now = loop_now_ms(), unix_now = loop_unix_us();
	uint8_t buf[MDCS_CTL_MAX_LEN];
	struct remote_rp *rp, *next;

	for (rp = mesh_next_rp(m, NULL); rp; rp = next) {
		next = mesh_next_rp(m, rp);
		if (rp->up && now - rp->heard_ms > m->hold_ms)
			set_status(m, rp, false);
		relayed_keep(m, rp);
		if (!rp->conf && !rp->up) {
			if (sampling_expired(m, rp->issued, unix_now))
				forget(m, rp, "its descriptor expired");
			continue;
		}
		send_to(m, rp, buf,
			ctl_build_keepalive(buf, sizeof(buf), mesh_next_ts(m),
					    &m->id, rp->key));
	}
	timer_arm(m->loop, &m->keepalive_timer, m->keepalive_ms);
}

/* Authenticate a message and refuse replays; the reason is counted. */
static struct remote_rp *accept_msg(struct mesh *m, const struct ctl_msg *msg)
{
	struct remote_rp *rp = mesh_rp_by_key(m, msg->sender);
	uint64_t now = loop_unix_us(), skew = m->max_skew * 1000000ULL;

	if (!rp) {
		m->stats.unknown_sender++;
		return NULL;
	}
	if (ctl_verify(msg, m->id.pk) != CTL_OK) {
		m->stats.bad_signature++;
		log_warn("control: bad signature on a message from %s",
			 rp->name);
		return NULL;
	}
	if (msg->timestamp <= rp->last_ts) {
		m->stats.replayed++;
		log_warn("control: replayed message from %s", rp->name);
		return NULL;
	}
	if (!replay_in_window(msg->timestamp, now, skew)) {
		m->stats.stale++;
		log_warn("control: message from %s is %s the allowed skew",
			 rp->name,
			 msg->timestamp < now ? "older than" : "ahead of");
		return NULL;
	}
	rp->last_ts = msg->timestamp;
	m->stats.accepted++;
	heard(m, rp, now);
	return rp;
}

static void dispatch(struct mesh *m, const struct sockaddr_in6 *from,
		     const uint8_t *buf, size_t len)
{
	struct remote_rp *rp;
	struct ctl_msg msg;
	enum ctl_error e = ctl_parse(buf, len, &msg);

	if (e != CTL_OK) {
		m->stats.malformed++;
		log_debug("control: dropped a message: %s", ctl_strerror(e));
		return;
	}
	/* Peer sampling's messages come from any RP: it checks them. */
	if (pss_takes(msg.type)) {
		sampling_input(m, &from->sin6_addr, ntohs(from->sin6_port), buf,
			       len);
		return;
	}
	rp = accept_msg(m, &msg);
	if (!rp)
		return;
	/* A relay's grant comes from the granted port too: not where the
	 * relay is reached. */
	if (msg.type != MDCS_CTL_ALLOCATE || !(msg.flags & MDCS_ALLOCATE_ACK))
		mesh_latch(m, rp, &from->sin6_addr, ntohs(from->sin6_port));
	switch (msg.type) {
	case MDCS_CTL_SUBSCRIBE:
		answer_subscribe(m, rp, &msg);
		break;
	case MDCS_CTL_UNSUBSCRIBE:
		m->ops->unsubscribe(m->arg, rp, msg.channels, msg.count);
		break;
	case MDCS_CTL_SUBSCRIBE_ACK:
		m->ops->ack(m->arg, rp, msg.statuses, msg.count);
		break;
	case MDCS_CTL_KEEPALIVE:
		break; /* heard: that is all it says */
	case MDCS_CTL_ALLOCATE:
		relayed_allocate_input(m, rp, &msg);
		break;
	case MDCS_CTL_SHUFFLE:
	case MDCS_CTL_SHUFFLE_REPLY:
	case MDCS_CTL_PROBE:
	case MDCS_CTL_PROBE_REPLY:
	case MDCS_CTL_REGISTER:
	case MDCS_CTL_REGISTER_ACK:
	case MDCS_CTL_OPEN_HOLE:
	case MDCS_CTL_PUNCH:
	case MDCS_CTL_RELAY:
	case MDCS_CTL_MEET:
		break; /* taken above */
	}
}

static void readable(void *arg)
{
	struct mesh *m = arg;
	struct sockaddr_in6 from;
	socklen_t from_len = sizeof(from);
	uint8_t buf[2048];
	ssize_t n;

	while ((n = recvfrom(m->sock, buf, sizeof(buf), MSG_TRUNC,
			     (struct sockaddr *)&from, &from_len)) >= 0) {
		if ((size_t)n > sizeof(buf) || from_len != sizeof(from)) {
			m->stats.malformed++;
		} else if (n && buf[0] >> 4 == AMT_VERSION && m->on_amt) {
			/* Control messages never start so (proto/tunnel.h). */
			m->on_amt(m->amt_arg, &from, buf, (size_t)n);
		} else {
			dispatch(m, &from, buf, (size_t)n);
		}
		from_len = sizeof(from);
	}
	if (errno != EAGAIN)
		log_warn("control: recv: %m");
}

/*
 * Slots stay what an earlier rpd made them, so that its channel maps keep
 * their meaning: a learned RP keeps its own, a configured RP the one with
 * its address and port.  Slots of RPs no longer known are freed.
 */
static int assign_slots(struct mesh *m)
{
	struct remote_rp *rp;
	int rc = 0;

	idpool_fini(&m->slots);
	if (idpool_init(&m->slots, MDCS_MAX_RPS))
		return -1;
	for (rp = m->learned; rp; rp = rp->next)
		idpool_take(&m->slots, rp->slot);
	for (uint32_t s = 0; s < MDCS_MAX_RPS; s++) {
		struct mdcs_rp in;
		bool kept = false;

		if (datapath_get_rp(m->dp, s, &in) || !in.in_use ||
		    !idpool_take(&m->slots, s))
			continue; /* unused, or a learned RP's */
		for (unsigned i = 0; i < m->n_rps && !kept; i++) {
			rp = &m->rps[i];
			kept = rp->slot == UINT32_MAX &&
			       !memcmp(&in.addr, &rp->addr, sizeof(in.addr)) &&
			       in.port == htons(rp->port);
			if (kept)
				rp->slot = s;
		}
		if (!kept) {
			idpool_put(&m->slots, s);
			datapath_clear_rp(m->dp, s);
		}
	}
	mesh_each_rp (m, rp)
		if ((rp->slot == UINT32_MAX &&
		     !idpool_get(&m->slots, &rp->slot)) ||
		    datapath_set_rp(m->dp, rp->slot, &rp->addr, rp->port))
			rc = -1;
	return rc;
}

void mesh_punched(struct mesh *m, const uint8_t *key,
		  const struct in6_addr *addr, uint16_t port)
{
	struct remote_rp *rp = mesh_rp_by_key(m, key);

	if (!rp)
		return;
	mesh_latch(m, rp, addr, port);
	rp->punched = true;
	heard(m, rp, loop_unix_us());
}

/* Carry over what was heard from the RPs of the closed mesh's old ones
 * that are still configured, known by their keys.  A learned RP that is
 * configured now is what the configuration says. */
static void take_over(struct mesh *m, struct remote_rp *old, unsigned n)
{
	for (unsigned i = 0; i < m->n_rps; i++) {
		struct remote_rp *rp = &m->rps[i], *was = NULL;

		for (unsigned j = 0; j < n && !was; j++)
			if (!memcmp(old[j].key, rp->key, MDCS_CTL_KEY_LEN))
				was = &old[j];
		for (struct remote_rp *l = m->learned; l && !was; l = l->next)
			if (!memcmp(l->key, rp->key, MDCS_CTL_KEY_LEN))
				was = l;
		if (!was)
			continue;
		rp->last_ts = was->last_ts;
		rp->heard_ms = was->heard_ms;
		rp->heard_unix_us = was->heard_unix_us;
		rp->up = was->up;
		if (!was->conf)
			forget(m, was, "it is configured now");
	}
}

int mesh_open(struct mesh *m, struct loop *loop, const struct rpd_conf *c,
	      const struct ctl_identity *id, struct datapath *dp,
	      const struct mesh_ops *ops, void *arg)
{
	struct remote_rp *old = m->rps;
	unsigned n_old = m->n_rps;

	m->loop = loop;
	m->dp = dp;
	m->conf = c;
	m->sock = -1;
	m->id = *id;
	ctl_signer_ed25519(&m->signer, &m->id);
	m->max_skew = c->max_skew;
	m->hold_ms = c->hold_time * 1000ULL;
	m->keepalive_ms = c->keepalive_interval * 1000ULL;
	m->ops = ops;
	m->arg = arg;
	m->on_status = NULL;
	m->on_change = NULL;
	timer_init(&m->keepalive_timer, keepalive, m);
	m->n_rps = c->n_remotes;
	m->rps = calloc(c->n_remotes ? c->n_remotes : 1, sizeof(*m->rps));
	if (!m->rps) {
		m->rps = old;
		m->n_rps = n_old;
		return -1;
	}
	for (unsigned i = 0; i < c->n_remotes; i++) {
		const struct conf_remote *cr = &c->remotes[i];
		struct remote_rp *rp = &m->rps[i];

		rp->conf = cr;
		snprintf(rp->name, sizeof(rp->name), "%s", cr->name);
		memcpy(rp->key, cr->public_key, MDCS_CTL_KEY_LEN);
		rp->addr = cr->addr;
		rp->port = cr->port;
		rp->prefixes = cr->prefixes;
		rp->n_prefixes = cr->n_prefixes;
		rp->slot = UINT32_MAX;
	}
	take_over(m, old, n_old);
	free(old);
	if (assign_slots(m)) {
		log_err("datapath: cannot program the remote RPs");
		return -1;
	}
	m->sock = udp_socket(&c->tunnel_addr, c->tunnel_port);
	if (m->sock < 0)
		log_err("control socket on port %u: %m", c->tunnel_port);
	if (m->sock < 0 || loop_watch(loop, m->sock, readable, m) ||
	    sampling_open(m, c))
		return -1;
	/* Relayed paths through this RP outlive a commit that keeps its
	 * address and key. */
	if (!m->relay.loop ||
	    memcmp(&m->relay.addr, &c->tunnel_addr, sizeof(c->tunnel_addr)) ||
	    memcmp(m->relay.pk, id->pk, MDCS_CTL_KEY_LEN)) {
		relay_fini(&m->relay);
		relay_init(&m->relay, loop, &c->tunnel_addr, id->pk,
			   c->max_skew * 1000000ULL);
	}
	timer_arm(loop, &m->keepalive_timer, 0);
	return 0;
}

void mesh_close(struct mesh *m)
{
	if (m->sock >= 0) {
		loop_unwatch(m->loop, m->sock);
		close(m->sock);
	}
	if (m->loop)
		timer_cancel(m->loop, &m->keepalive_timer);
	sampling_close(m);
	m->sock = -1;
	sodium_memzero(&m->id, sizeof(m->id));
}

void mesh_free(struct mesh *m)
{
	mesh_close(m);
	relay_fini(&m->relay);
	sampling_free(m);
	while (m->learned) {
		struct remote_rp *rp = m->learned;

		m->learned = rp->next;
		free(rp->desc);
		free(rp);
	}
	m->n_learned = 0;
	idpool_fini(&m->slots);
	free(m->rps);
	m->rps = NULL;
	m->n_rps = 0;
}

void mesh_control_stats(const struct mesh *m, struct mesh_stats *out)
{
	struct pss_stats ps;

	*out = m->stats;
	sampling_stats(m, &ps);
	out->malformed += ps.malformed;
	out->bad_signature += ps.bad_signature;
	out->replayed += ps.replayed;
	out->stale += ps.stale;
	out->accepted += ps.received - ps.malformed - ps.bad_signature -
			 ps.replayed - ps.stale;
}

void mesh_clear_stats(struct mesh *m)
{
	memset(&m->stats, 0, sizeof(m->stats));
	memset(&m->relay.stats, 0, sizeof(m->relay.stats));
	sampling_clear_stats(m);
}
