/* The remote RPs and the signed control protocol spoken with them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sodium.h>

#include "idpool.h"
#include "log.h"
#include "mesh.h"
#include "netlink.h"

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Timestamps double as sequence numbers: never the same one twice. */
static uint64_t next_ts(struct mesh *m)
{
	uint64_t t = now_us();

	if (t <= m->last_sent_ts)
		t = m->last_sent_ts + 1;
	m->last_sent_ts = t;
	return t;
}

static int send_to(struct mesh *m, struct remote_rp *rp, const uint8_t *buf,
		   ssize_t len)
{
	struct sockaddr_in6 sa = {
		.sin6_family = AF_INET6,
		.sin6_addr = rp->conf->addr,
		.sin6_port = htons(rp->conf->port),
	};

	if (len < 0 || sendto(m->sock, buf, (size_t)len, 0,
			      (struct sockaddr *)&sa, sizeof(sa)) != len) {
		m->stats.send_failed++;
		/* Once per outage, not with every KEEPALIVE. */
		if (!rp->unreachable)
			log_warn("control: cannot send to %s: %m",
				 rp->conf->name);
		rp->unreachable = true;
		return -1;
	}
	rp->unreachable = false;
	m->stats.sent++;
	return 0;
}

int mesh_send_channels(struct mesh *m, struct remote_rp *rp,
		       enum mdcs_ctl_type type, unsigned hold_time,
		       const struct mdcs_ctl_channel *ch, unsigned n)
{
	uint8_t buf[MDCS_CTL_MAX_LEN];
	int rc = 0;

	while (n) {
		unsigned k =
			n < MDCS_CTL_MAX_CHANNELS ? n : MDCS_CTL_MAX_CHANNELS;
		ssize_t len = ctl_build_subscribe(
			buf, sizeof(buf), type, (uint16_t)hold_time, ch, k,
			next_ts(m), &m->id, rp->conf->public_key);

		rc |= send_to(m, rp, buf, len);
		ch += k;
		n -= k;
	}
	return rc;
}

static struct remote_rp *rp_by_key(struct remote_rp *rps, unsigned n,
				   const uint8_t *pk)
{
	for (unsigned i = 0; i < n; i++)
		if (!memcmp(rps[i].key, pk, MDCS_CTL_KEY_LEN))
			return &rps[i];
	return NULL;
}

struct remote_rp *mesh_rp_by_slot(struct mesh *m, uint32_t slot)
{
	for (unsigned i = 0; i < m->n_rps; i++)
		if (m->rps[i].slot == slot)
			return &m->rps[i];
	return NULL;
}

struct remote_rp *mesh_rp_for_source(struct mesh *m, const struct in6_addr *s)
{
	struct remote_rp *best = NULL;
	unsigned best_len = 0;

	for (unsigned i = 0; i < m->n_rps; i++) {
		const struct conf_remote *c = m->rps[i].conf;

		for (unsigned j = 0; j < c->n_prefixes; j++)
			if (prefix6_contains(&c->prefixes[j], s) &&
			    (!best || c->prefixes[j].len > best_len)) {
				best = &m->rps[i];
				best_len = c->prefixes[j].len;
			}
	}
	return best;
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
	if (nl_nexthops_use(&rp->conf->addr))
		log_warn("no route to remote RP %s", rp->conf->name);
	memset(st, 0, sizeof(st));
	m->ops->subscribe(m->arg, rp, msg->channels, msg->count, msg->hold_time,
			  st);
	len = ctl_build_ack(buf, sizeof(buf), msg->timestamp, st, msg->count,
			    next_ts(m), &m->id, rp->conf->public_key);
	send_to(m, rp, buf, len);
}

static void set_status(struct mesh *m, struct remote_rp *rp, bool up)
{
	if (rp->up == up)
		return;
	rp->up = up;
	log_notice("remote RP %s is %s", rp->conf->name, up ? "up" : "down");
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
 * down, and every RP hears from this one.  Down is therefore noticed
 * between one hold time and one hold time plus an interval after the
 * RP's last message.
 */
static void keepalive(void *arg)
{
	struct mesh *m = arg;
	uint64_t now = loop_now_ms();
	uint8_t buf[MDCS_CTL_MAX_LEN];

	for (unsigned i = 0; i < m->n_rps; i++) {
		struct remote_rp *rp = &m->rps[i];

		if (rp->up && now - rp->heard_ms > m->hold_ms)
			set_status(m, rp, false);
		send_to(m, rp, buf,
			ctl_build_keepalive(buf, sizeof(buf), next_ts(m),
					    &m->id, rp->conf->public_key));
	}
	timer_arm(m->loop, &m->keepalive_timer, m->keepalive_ms);
}

/* Authenticate a message and refuse replays; the reason is counted. */
static struct remote_rp *accept_msg(struct mesh *m, const struct ctl_msg *msg)
{
	struct remote_rp *rp = rp_by_key(m->rps, m->n_rps, msg->sender);
	uint64_t now = now_us(), skew = m->max_skew * 1000000ULL;

	if (!rp) {
		m->stats.unknown_sender++;
		return NULL;
	}
	if (ctl_verify(msg, m->id.pk) != CTL_OK) {
		m->stats.bad_signature++;
		log_warn("control: bad signature on a message from %s",
			 rp->conf->name);
		return NULL;
	}
	if (msg->timestamp <= rp->last_ts) {
		m->stats.replayed++;
		log_warn("control: replayed message from %s", rp->conf->name);
		return NULL;
	}
	if (msg->timestamp + skew < now || msg->timestamp > now + skew) {
		m->stats.stale++;
		log_warn("control: message from %s is %s the allowed skew",
			 rp->conf->name,
			 msg->timestamp < now ? "older than" : "ahead of");
		return NULL;
	}
	rp->last_ts = msg->timestamp;
	m->stats.accepted++;
	heard(m, rp, now);
	return rp;
}

static void dispatch(struct mesh *m, const uint8_t *buf, size_t len)
{
	struct remote_rp *rp;
	struct ctl_msg msg;
	enum ctl_error e = ctl_parse(buf, len, &msg);

	if (e != CTL_OK) {
		m->stats.malformed++;
		log_debug("control: dropped a message: %s", ctl_strerror(e));
		return;
	}
	rp = accept_msg(m, &msg);
	if (!rp)
		return;
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
	case MDCS_CTL_SHUFFLE:
	case MDCS_CTL_SHUFFLE_REPLY:
		break; /* rpd's mesh is configured, not sampled, for now */
	}
}

static void readable(void *arg)
{
	struct mesh *m = arg;
	uint8_t buf[2048];
	ssize_t n;

	while ((n = recv(m->sock, buf, sizeof(buf), MSG_TRUNC)) >= 0) {
		if ((size_t)n > sizeof(buf)) {
			m->stats.malformed++;
			continue;
		}
		dispatch(m, buf, (size_t)n);
	}
	if (errno != EAGAIN)
		log_warn("control: recv: %m");
}

/* Slots stay what an earlier rpd made them, so that its channel maps keep
 * their meaning; slots of RPs no longer configured are freed. */
static int assign_slots(struct mesh *m, struct datapath *dp)
{
	struct idpool slots;
	int rc = 0;

	if (idpool_init(&slots, MDCS_MAX_RPS))
		return -1;
	for (uint32_t s = 0; s < MDCS_MAX_RPS; s++) {
		struct mdcs_rp rp;
		bool kept = false;

		if (datapath_get_rp(dp, s, &rp) || !rp.in_use)
			continue;
		for (unsigned i = 0; i < m->n_rps && !kept; i++) {
			const struct conf_remote *c = m->rps[i].conf;

			if (m->rps[i].slot == UINT32_MAX &&
			    !memcmp(&rp.addr, &c->addr, sizeof(rp.addr)) &&
			    rp.port == htons(c->port)) {
				m->rps[i].slot = s;
				kept = idpool_take(&slots, s);
			}
		}
		if (!kept)
			datapath_clear_rp(dp, s);
	}
	for (unsigned i = 0; i < m->n_rps && !rc; i++) {
		struct remote_rp *rp = &m->rps[i];

		if (rp->slot == UINT32_MAX && !idpool_get(&slots, &rp->slot))
			rc = -1;
		else if (datapath_set_rp(dp, rp->slot, &rp->conf->addr,
					 rp->conf->port))
			rc = -1;
	}
	idpool_fini(&slots);
	return rc;
}

static int open_socket(const struct rpd_conf *c)
{
	struct sockaddr_in6 sa = {
		.sin6_family = AF_INET6,
		.sin6_addr = c->tunnel_addr,
		.sin6_port = htons(c->tunnel_port),
	};
	int one = 1;
	int s = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (s < 0)
		return -1;
	/* The tunnel address may still be tentative when rpd starts. */
	if (setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) ||
	    setsockopt(s, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof(one)) ||
	    bind(s, (struct sockaddr *)&sa, sizeof(sa))) {
		log_err("control socket on port %u: %m", c->tunnel_port);
		close(s);
		return -1;
	}
	return s;
}

/* Carry over what was heard from the RPs of the closed mesh's old ones
 * that are still configured, known by their keys. */
static void take_over(struct mesh *m, struct remote_rp *old, unsigned n)
{
	for (unsigned i = 0; i < m->n_rps; i++) {
		struct remote_rp *rp = &m->rps[i];
		const struct remote_rp *was = rp_by_key(old, n, rp->key);

		if (!was)
			continue;
		rp->last_ts = was->last_ts;
		rp->heard_ms = was->heard_ms;
		rp->heard_unix_us = was->heard_unix_us;
		rp->up = was->up;
	}
}

int mesh_open(struct mesh *m, struct loop *loop, const struct rpd_conf *c,
	      const struct ctl_identity *id, struct datapath *dp,
	      const struct mesh_ops *ops, void *arg)
{
	struct remote_rp *old = m->rps;
	unsigned n_old = m->n_rps;

	m->loop = loop;
	m->sock = -1;
	m->id = *id;
	m->max_skew = c->max_skew;
	m->hold_ms = c->hold_time * 1000ULL;
	m->keepalive_ms = c->keepalive_interval * 1000ULL;
	m->ops = ops;
	m->arg = arg;
	m->on_status = NULL;
	timer_init(&m->keepalive_timer, keepalive, m);
	m->n_rps = c->n_remotes;
	m->rps = calloc(c->n_remotes ? c->n_remotes : 1, sizeof(*m->rps));
	if (!m->rps) {
		m->rps = old;
		m->n_rps = n_old;
		return -1;
	}
	for (unsigned i = 0; i < c->n_remotes; i++) {
		m->rps[i].conf = &c->remotes[i];
		memcpy(m->rps[i].key, c->remotes[i].public_key,
		       MDCS_CTL_KEY_LEN);
		m->rps[i].slot = UINT32_MAX;
	}
	take_over(m, old, n_old);
	free(old);
	if (assign_slots(m, dp)) {
		log_err("datapath: cannot program the remote RPs");
		return -1;
	}
	m->sock = open_socket(c);
	if (m->sock < 0 || loop_watch(loop, m->sock, readable, m))
		return -1;
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
	m->sock = -1;
	sodium_memzero(&m->id, sizeof(m->id));
}

void mesh_free(struct mesh *m)
{
	mesh_close(m);
	free(m->rps);
	m->rps = NULL;
	m->n_rps = 0;
}
