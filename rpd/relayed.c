/* Relayed paths to remote RPs that cannot be punched: this RP's side. */
#include <string.h>
#include <sodium.h>

#include "log.h"
#include "relayed.h"
#include "sampling.h"

/* A KEEPALIVE signed for the relay, to the path's port: the relay binds
 * this RP's endpoint there, and this RP's NAT opens toward it. */
static void bind_at_relay(struct mesh *m, const struct remote_rp *rp)
{
	uint8_t buf[MDCS_CTL_MAX_LEN];

	mesh_send(m, &rp->relayed.at.addr, rp->relayed.at.port, buf,
		  ctl_build_keepalive(buf, sizeof(buf), mesh_next_ts(m), &m->id,
				      rp->relayed.key));
}

/* Use the relay's port at to reach rp, and bind there. */
static void use(struct mesh *m, struct remote_rp *rp, const uint8_t *relay,
		const struct desc_endpoint *at, bool mine)
{
	char a[INET6_ADDRSTRLEN];

	rp->relayed.pending = false;
	rp->relayed.on = true;
	rp->relayed.mine = mine;
	memcpy(rp->relayed.key, relay, MDCS_CTL_KEY_LEN);
	rp->relayed.at = *at;
	rp->relayed.since_ms = loop_now_ms();
	log_notice("remote RP %s is relayed at [%s]:%u", rp->name,
		   addr6_str(&at->addr, a), at->port);
	bind_at_relay(m, rp);
	mesh_latch(m, rp, &at->addr, at->port);
}

static void give_up(struct mesh *m, struct remote_rp *rp, const char *why)
{
	uint8_t relay[MDCS_CTL_KEY_LEN];

	log_notice("remote RP %s: relayed path given up: %s", rp->name, why);
	memcpy(relay, rp->relayed.key, sizeof(relay));
	memset(&rp->relayed, 0, sizeof(rp->relayed));
	memcpy(rp->relayed.refused, relay, sizeof(relay));
	if (!rp->conf)
		mesh_latch(m, rp, &rp->advertised.addr, rp->advertised.port);
}

/* A relay for a path to rp: up, able to relay by its class, neither rp
 * nor the last relay that refused or failed; the one asked before if it
 * still qualifies. */
static struct remote_rp *pick_relay(struct mesh *m, const struct remote_rp *rp)
{
	struct remote_rp *z, *pick = NULL;
	unsigned n = 0;

	mesh_each_rp (m, z) {
		if (z == rp || !z->up || z->relayed.on ||
		    !pss_can_relay(z->nat) ||
		    !memcmp(z->key, rp->relayed.refused, MDCS_CTL_KEY_LEN))
			continue;
		if (rp->relayed.pending &&
		    !memcmp(z->key, rp->relayed.key, MDCS_CTL_KEY_LEN))
			return z;
		if (randombytes_uniform(++n) == 0)
			pick = z;
	}
	return pick;
}

void relayed_ask(struct mesh *m, struct remote_rp *rp)
{
	uint8_t buf[MDCS_CTL_MAX_LEN];
	struct remote_rp *z;

	if (rp->relayed.on) {
		if (rp->relayed.mine)
			sampling_meet(m, rp);
		return;
	}
	z = pick_relay(m, rp);
	if (!z)
		return; /* none yet: the next refresh asks again */
	rp->relayed.pending = true;
	memcpy(rp->relayed.key, z->key, MDCS_CTL_KEY_LEN);
	mesh_send(m, &z->addr, z->port, buf,
		  ctl_build_allocate(buf, sizeof(buf), 0, 0, rp->key, NULL,
				     mesh_next_ts(m), &m->signer, z->key));
}

/* The relay's answer to rp: the port for rp and peer, or 0, a refusal. */
static ssize_t grant(struct mesh *m, uint8_t *buf, const struct remote_rp *rp,
		     const uint8_t *peer, uint16_t port)
{
	struct desc_endpoint at = { .addr = m->conf->tunnel_addr,
				    .port = port };
	struct mdcs_ctl_endpoint ep;

	ep_to_wire(&ep, &at);
	return ctl_build_allocate(buf, MDCS_CTL_MAX_LEN, MDCS_ALLOCATE_ACK,
				  port ? RELAY_LIFETIME_S : 0, peer,
				  port ? &ep : NULL, mesh_next_ts(m),
				  &m->signer, rp->key);
}

/*
 * As the relay: a port for rp and its peer, unless this RP's NAT or
 * firewall would spoil it (pss_can_relay()).  The grant goes from the
 * control port, which rp's NAT lets in, and once more from the granted
 * port, which opens a stateful firewall in front of this RP for it.
 */
static void serve(struct mesh *m, struct remote_rp *rp,
		  const struct ctl_msg *msg)
{
	uint8_t buf[MDCS_CTL_MAX_LEN];
	uint16_t port = 0;
	int sock = -1;

	if (sampling_can_relay(m) &&
	    memcmp(msg->peer, m->id.pk, MDCS_CTL_KEY_LEN))
		port = relay_allocate(&m->relay, rp->key, msg->peer, &sock);
	mesh_send(m, &rp->addr, rp->port, buf,
		  grant(m, buf, rp, msg->peer, port));
	if (port)
		mesh_send_from(m, sock, &rp->addr, rp->port, buf,
			       grant(m, buf, rp, msg->peer, port));
}

void relayed_allocate_input(struct mesh *m, struct remote_rp *z,
			    const struct ctl_msg *msg)
{
	struct remote_rp *rp;
	struct desc_endpoint at;

	if (!(msg->flags & MDCS_ALLOCATE_ACK)) {
		serve(m, z, msg);
		return;
	}
	rp = mesh_rp_by_key(m, msg->peer);
	if (!rp || !rp->relayed.pending ||
	    memcmp(rp->relayed.key, z->key, MDCS_CTL_KEY_LEN))
		return; /* not asked for, asked of another, or the copy */
	if (!msg->lease) {
		log_info("relay %s refused a path to %s", z->name, rp->name);
		memset(&rp->relayed, 0, sizeof(rp->relayed));
		memcpy(rp->relayed.refused, z->key, MDCS_CTL_KEY_LEN);
		return;
	}
	ep_from_wire(&at, msg->endpoint);
	use(m, rp, z->key, &at, true);
	sampling_meet(m, rp);
}

void relayed_met(struct mesh *m, const uint8_t *id, const uint8_t *relay,
		 const struct desc_endpoint *at)
{
	struct remote_rp *rp = mesh_rp_by_key(m, id);

	if (!rp)
		return;
	/* Both asked: the path of the smaller key wins, and the other RP
	 * is told again in case its MEET crossed this RP's. */
	if (rp->relayed.on && rp->relayed.mine &&
	    memcmp(m->id.pk, id, MDCS_CTL_KEY_LEN) < 0) {
		sampling_meet(m, rp);
		return;
	}
	if (rp->relayed.on && !rp->relayed.mine &&
	    !memcmp(rp->relayed.key, relay, MDCS_CTL_KEY_LEN) &&
	    same_endpoint(&rp->relayed.at, at)) {
		bind_at_relay(m, rp);
		return;
	}
	use(m, rp, relay, at, false);
}

void relayed_keep(struct mesh *m, struct remote_rp *rp)
{
	if (!rp->relayed.on)
		return;
	if (!rp->up && loop_now_ms() - rp->relayed.since_ms > m->hold_ms) {
		give_up(m, rp, "not heard through it for a hold time");
		return;
	}
	bind_at_relay(m, rp);
}
