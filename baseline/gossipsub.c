/*
 * The gossipsub-style mesh (gossip.h): who is in the node's mesh, what it
 * sends in full to it, and what its heartbeat mends and gossips.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gossip_int.h"

int gossip_use_mesh(struct gossip *g, unsigned d, int64_t now)
{
	struct gossip_mesh *m;

	if (!d || d > g->npeers || d > GOSSIPSUB_MAX_D) {
		errno = EINVAL;
		return -1;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return -1;
	m->d = d;
	m->d_lo = d * 3 / 4 ? d * 3 / 4 : 1;
	m->d_hi = d * 3 / 2;
	m->heartbeat_due = now;
	m->graft = (struct mdcs_gossip_hdr){ .version = MDCS_GOSSIP_VERSION,
					     .type = MDCS_GOSSIP_GRAFT };
	m->prune = m->graft;
	m->prune.type = MDCS_GOSSIP_PRUNE;
	free(g->mesh);
	g->mesh = m;
	return 0;
}

void gossipsub_spread(struct gossip *g, const struct gossip_kept *k,
		      unsigned from, struct gossip_out *out)
{
	struct gossip_mesh *m = g->mesh;
	unsigned w = m->window_at;

	if (m->window_n[w] < GOSSIPSUB_WINDOW)
		memcpy(m->window[w][m->window_n[w]++], k->announce.id,
		       MDCS_GOSSIP_ID_LEN);
	for (unsigned p = 0; p < g->npeers; p++)
		if (m->in[p] && p != from)
			gossip_add(g, out, p, k->full, k->len);
}

static void join(struct gossip_mesh *m, unsigned p, bool in)
{
	if (m->in[p] != in)
		m->n += in ? 1 : -1;
	m->in[p] = in;
}

void gossipsub_input(struct gossip *g, unsigned from, unsigned type,
		     const uint8_t *buf, size_t len, int64_t now,
		     struct gossip_out *out)
{
	if (type == MDCS_GOSSIP_IHAVE) {
		for (size_t at = GOSSIP_HDR_LEN; at < len;
		     at += MDCS_GOSSIP_ID_LEN)
			gossip_announced(g, from, buf + at, now, out);
		return;
	}
	/* GRAFT and PRUNE make sense to a mesh alone */
	if (g->mesh)
		join(g->mesh, from, type == MDCS_GOSSIP_GRAFT);
}

/* Bring the mesh back to d peers if it has fewer than d_lo or more than
 * d_hi: GRAFT peers outside it, or PRUNE peers in it, at random. */
static void mend(struct gossip *g, struct gossip_out *out)
{
	struct gossip_mesh *m = g->mesh;
	unsigned *order = g->peer_order, candidates = 0, change;
	bool grow = m->n < m->d_lo;

	if (!grow && m->n <= m->d_hi)
		return;
	/* outside the mesh to grow it, inside to shrink it */
	for (unsigned p = 0; p < g->npeers; p++)
		if (m->in[p] != grow)
			order[candidates++] = p;
	change = grow ? m->d - m->n : m->n - m->d;
	gossip_draw(g, order, candidates, change);
	for (unsigned i = 0; i < change; i++) {
		join(m, order[i], grow);
		gossip_add(g, out, order[i], grow ? &m->graft : &m->prune,
			   GOSSIP_HDR_LEN);
	}
}

/* The ids of the last GOSSIPSUB_HISTORY heartbeats in IHAVEs of up to
 * MDCS_GOSSIP_IHAVE_MAX ids, to GOSSIPSUB_LAZY peers outside the mesh. */
static void gossip_ids(struct gossip *g, struct gossip_out *out)
{
	struct gossip_mesh *m = g->mesh;
	unsigned *order = g->peer_order, n = 0, lazy, datagrams = 0;
	size_t len[sizeof(m->ihave) / sizeof(m->ihave[0])] = { 0 };

	for (unsigned h = 0; h < GOSSIPSUB_HISTORY; h++)
		for (unsigned i = 0; i < m->window_n[h]; i++) {
			uint8_t *d = m->ihave[datagrams];

			if (!len[datagrams]) {
				struct mdcs_gossip_hdr hdr = {
					.version = MDCS_GOSSIP_VERSION,
					.type = MDCS_GOSSIP_IHAVE,
				};

				memcpy(d, &hdr, GOSSIP_HDR_LEN);
				len[datagrams] = GOSSIP_HDR_LEN;
			}
			memcpy(d + len[datagrams], m->window[h][i],
			       MDCS_GOSSIP_ID_LEN);
			len[datagrams] += MDCS_GOSSIP_ID_LEN;
			if (len[datagrams] == sizeof(m->ihave[0]))
				datagrams++;
		}
	if (datagrams < sizeof(len) / sizeof(len[0]) && len[datagrams])
		datagrams++;
	if (!datagrams)
		return;
	for (unsigned p = 0; p < g->npeers; p++)
		if (!m->in[p])
			order[n++] = p;
	lazy = n < GOSSIPSUB_LAZY ? n : GOSSIPSUB_LAZY;
	gossip_draw(g, order, n, lazy);
	for (unsigned i = 0; i < lazy; i++)
		for (unsigned k = 0; k < datagrams; k++)
			gossip_add(g, out, order[i], m->ihave[k], len[k]);
}

void gossipsub_heartbeat(struct gossip *g, int64_t now, struct gossip_out *out)
{
	struct gossip_mesh *m = g->mesh;

	m->heartbeat_due = now + GOSSIPSUB_HEARTBEAT_MS;
	mend(g, out);
	gossip_ids(g, out);
	/* the oldest heartbeat's ids give way to the next's */
	m->window_at = (m->window_at + 1) % GOSSIPSUB_HISTORY;
	m->window_n[m->window_at] = 0;
}
