/* The AMT relay for tunnel-mode peers: their gateways and channels. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sodium.h>

#include "channels.h"
#include "gateways.h"
#include "log.h"
#include "mld.h"
#include "netlink.h"
#include "proto/amt.h"
#include "proto/publish.h"
#include "proto/tunnel.h"
#include "rate.h"
#include "udpsock.h"

#define SWEEP_MS 1000
/* Max Response Delay told to gateways, ms; they answer at once anyway. */
#define MAX_RESPONSE_MS	 10000
#define QUERY_ROBUSTNESS 2
/* The relay's link-local address on the gateways' pseudo-interface. */
static const struct in6_addr relay_ll = { { { 0xfe, 0x80, [15] = 1 } } };

struct gateway_channel {
	struct mdcs_channel ch;
	uint64_t expires_ms;
};

struct gateway {
	struct in6_addr addr;
	uint16_t port;
	uint32_t slot; /* in the datapath */
	char name[INET6_ADDRSTRLEN + 16];
	unsigned n, cap;
	struct gateway_channel *ch;
};

/* chantab keys are 32 octets: the address, then the port. */
static struct mdcs_channel end_key(const struct in6_addr *addr, uint16_t port)
{
	struct mdcs_channel k = { .source = *addr };

	memcpy(&k.group, &port, sizeof(port));
	return k;
}

static void mac_of(const uint8_t *key, const struct in6_addr *addr,
		   uint16_t port_be, uint32_t nonce_be,
		   uint8_t mac[AMT_MAC_LEN])
{
	uint8_t in[16 + 2 + 4], out[16];

	memcpy(in, addr, 16);
	memcpy(in + 16, &port_be, 2);
	memcpy(in + 18, &nonce_be, 4);
	crypto_generichash(out, sizeof(out), in, sizeof(in), key, 32);
	memcpy(mac, out, AMT_MAC_LEN);
}

/* A MAC of the current key or of the one before. */
static bool mac_ok(const struct gateways *g, const struct in6_addr *addr,
		   uint16_t port_be, uint32_t nonce_be,
		   const uint8_t mac[AMT_MAC_LEN])
{
	uint8_t want[AMT_MAC_LEN];
	bool ok = false;

	for (unsigned k = 0; k < 2; k++) {
		mac_of(g->secret[k], addr, port_be, nonce_be, want);
		ok |= sodium_memcmp(want, mac, AMT_MAC_LEN) == 0;
	}
	return ok;
}

static void rekey(struct gateways *g)
{
	memcpy(g->secret[1], g->secret[0], sizeof(g->secret[0]));
	randombytes_buf(g->secret[0], sizeof(g->secret[0]));
	g->rekey_ms = loop_now_ms() + GATEWAY_REKEY_S * 1000ULL;
}

/* Whether a gateway at addr is one of the RP's peers; counted if not. */
static bool allowed(struct gateways *g, const struct in6_addr *addr)
{
	if (conf_allows_peer(g->conf, addr))
		return true;
	g->stats.not_allowed++;
	return false;
}

static void send_from(int sock, const struct sockaddr_in6 *to, const void *buf,
		      size_t len)
{
	if (sendto(sock, buf, len, 0, (const struct sockaddr *)to,
		   sizeof(*to)) < 0)
		log_debug("relay: sendto: %m");
}

static void send_to(struct gateways *g, const struct sockaddr_in6 *to,
		    const void *buf, size_t len)
{
	send_from(g->sock, to, buf, len);
}

/* --- gateways and their channels --- */

static struct gateway *find(const struct gateways *g,
			    const struct in6_addr *addr, uint16_t port)
{
	struct mdcs_channel k = end_key(addr, port);

	return chantab_get(&g->by_end, &k);
}

static struct gateway *create(struct gateways *g, const struct in6_addr *addr,
			      uint16_t port)
{
	struct mdcs_channel k = end_key(addr, port);
	struct gateway *gw = calloc(1, sizeof(*gw));
	char a[INET6_ADDRSTRLEN];
	uint32_t i;

	if (!gw)
		return NULL;
	if (!idpool_get(&g->slots, &i)) {
		g->stats.full++;
		free(gw);
		return NULL;
	}
	gw->addr = *addr;
	gw->port = port;
	gw->slot = MDCS_GATEWAY_SLOT0 + i;
	snprintf(gw->name, sizeof(gw->name), "gateway [%s]:%u",
		 addr6_str(addr, a), port);
	if (datapath_set_gateway(g->dp, gw->slot, addr, port) ||
	    chantab_add(&g->by_end, &k, gw)) {
		datapath_clear_gateway(g->dp, gw->slot);
		idpool_put(&g->slots, i);
		free(gw);
		return NULL;
	}
	g->by_slot[i] = gw;
	g->n_gateways++;
	return gw;
}

static void destroy(struct gateways *g, struct gateway *gw)
{
	struct mdcs_channel k = end_key(&gw->addr, gw->port);
	uint32_t i = gw->slot - MDCS_GATEWAY_SLOT0;

	chantab_del(&g->by_end, &k);
	datapath_clear_gateway(g->dp, gw->slot);
	g->by_slot[i] = NULL;
	g->n_gateways--;
	idpool_put(&g->slots, i);
	free(gw->ch);
	free(gw);
}

static int find_channel(const struct gateway *gw, const struct mdcs_channel *ch)
{
	for (unsigned i = 0; i < gw->n; i++)
		if (!memcmp(&gw->ch[i].ch, ch, sizeof(*ch)))
			return (int)i;
	return -1;
}

static void leave(struct gateways *g, struct gateway *gw, unsigned i)
{
	channels_gateway_leave(g->cs, gw->slot, &gw->ch[i].ch);
	gw->ch[i] = gw->ch[--gw->n];
	g->n_channels--;
}

static void join(struct gateways *g, struct gateway *gw,
		 const struct mdcs_channel *ch)
{
	uint64_t expires = loop_now_ms() + GATEWAY_HOLD_S * 1000ULL;
	int at = find_channel(gw, ch), status;

	if (at < 0 && gw->n == gw->cap) {
		unsigned cap = gw->cap ? 2 * gw->cap : 4;
		struct gateway_channel *p;

		if (gw->cap == GATEWAY_MAX_CHANNELS ||
		    !(p = realloc(gw->ch, cap * sizeof(*p)))) {
			g->stats.refused++;
			return;
		}
		gw->ch = p;
		gw->cap = cap;
	}
	status = channels_gateway_join(g->cs, gw->slot, ch, expires);
	if (status != MDCS_CTL_ACCEPTED) {
		g->stats.refused++;
		if (at >= 0)
			leave(g, gw, (unsigned)at);
		return;
	}
	if (at >= 0) {
		gw->ch[at].expires_ms = expires;
		return;
	}
	if (!gw->n)
		log_info("%s joined its first channel", gw->name);
	gw->ch[gw->n++] = (struct gateway_channel){ *ch, expires };
	g->n_channels++;
}

/* Leave the gateway's channels of group but those in keep (n of them). */
static void leave_group_but(struct gateways *g, struct gateway *gw,
			    const struct in6_addr *group, const uint8_t *keep,
			    unsigned n)
{
	for (unsigned i = gw->n; i-- > 0;) {
		bool kept = false;

		if (memcmp(&gw->ch[i].ch.group, group, sizeof(*group)))
			continue;
		for (unsigned j = 0; j < n && !kept; j++)
			kept = !memcmp(&gw->ch[i].ch.source, keep + 16 * j, 16);
		if (!kept)
			leave(g, gw, i);
	}
}

/* One record of a report, its sources at src; false if it is no SSM
 * record, which mdcs does not serve. */
static bool apply_record(struct gateways *g, struct gateway *gw,
			 const struct mld2_record *r, const uint8_t *src)
{
	unsigned n = ntohs(r->nsources);
	struct mdcs_channel ch;

	memcpy(&ch.group, r->group, 16);
	if (!MDCS_SSM_GROUP(ch.group))
		return false;
	switch (r->type) {
	case MLD2_CHANGE_TO_INCLUDE:
		leave_group_but(g, gw, &ch.group, src, n);
		/* fall through */
	case MLD2_MODE_IS_INCLUDE:
	case MLD2_ALLOW_NEW_SOURCES:
		for (unsigned i = 0; i < n; i++) {
			memcpy(&ch.source, src + 16 * i, 16);
			join(g, gw, &ch);
		}
		return true;
	case MLD2_BLOCK_OLD_SOURCES:
		for (unsigned i = 0; i < n; i++) {
			int at;

			memcpy(&ch.source, src + 16 * i, 16);
			at = find_channel(gw, &ch);
			if (at >= 0)
				leave(g, gw, (unsigned)at);
		}
		return true;
	}
	return false; /* EXCLUDE modes: any-source multicast */
}

/* A record's length, its sources and aux data with it. */
static size_t record_len(const struct mld2_record *r)
{
	return sizeof(*r) + 16 * (size_t)ntohs(r->nsources) +
	       4 * (size_t)r->aux_len;
}

/* The records of an MLDv2 report, each checked to fit before any is
 * applied; false if the report is malformed. */
static bool report_ok(const uint8_t *icmp, size_t len)
{
	struct mld2_report h;
	size_t off = sizeof(h);

	if (len < sizeof(h))
		return false;
	memcpy(&h, icmp, sizeof(h));
	if (h.type != MLD2_REPORT_TYPE)
		return false;
	for (unsigned i = 0; i < ntohs(h.nrecords); i++) {
		struct mld2_record r;

		if (len - off < sizeof(r))
			return false;
		memcpy(&r, icmp + off, sizeof(r));
		off += record_len(&r);
		if (off > len)
			return false;
	}
	return off == len;
}

static void apply_report(struct gateways *g, struct gateway *gw,
			 const uint8_t *icmp)
{
	struct mld2_report h;
	size_t off = sizeof(h);

	memcpy(&h, icmp, sizeof(h));
	for (unsigned i = 0; i < ntohs(h.nrecords); i++) {
		struct mld2_record r;

		memcpy(&r, icmp + off, sizeof(r));
		if (!apply_record(g, gw, &r, icmp + off + sizeof(r)))
			g->stats.refused++;
		off += record_len(&r);
	}
}

/* --- the relay's messages --- */

/* Whether one more answer fits the rate (GCRA, at ms resolution: a burst
 * of GATEWAY_ANSWERS_PER_S within any second); counted if not. */
static bool may_answer(struct gateways *g)
{
	if (rate_take(&g->answers_tat_us, loop_now_ms() * 1000,
		      GATEWAY_ANSWERS_PER_S))
		return true;
	g->stats.over_rate++;
	return false;
}

/* A Relay Discovery that came to sock, answered from there: the gateway
 * takes the Advertisement from the address it asked. */
static void on_discovery(struct gateways *g, int sock,
			 const struct sockaddr_in6 *from, const uint8_t *buf,
			 size_t len)
{
	struct amt_discovery d;
	struct amt_advertisement a = { .version_type = AMT_OCTET0(
					       AMT_TYPE_RELAY_ADVERTISEMENT) };

	if (len != sizeof(d)) {
		g->stats.malformed++;
		return;
	}
	if (!may_answer(g))
		return;
	memcpy(&d, buf, sizeof(d));
	a.nonce = d.nonce;
	memcpy(a.relay, &g->conf->tunnel_addr, 16);
	g->stats.discoveries++;
	send_from(sock, from, &a, sizeof(a));
}

/* A General Query for all channels, with the gateway's own address. */
static void on_request(struct gateways *g, const struct sockaddr_in6 *from,
		       const uint8_t *buf, size_t len)
{
	uint8_t out[sizeof(struct amt_query_hdr) + MLD_PACKET_HLEN +
		    sizeof(struct mld2_query) +
		    sizeof(struct amt_query_gateway)];
	struct amt_query_hdr *h = (void *)out;
	uint8_t *pkt = out + sizeof(*h);
	struct mld2_query q = { .type = MLD_QUERY_TYPE };
	static const struct in6_addr all_nodes = { { MLD_ALL_NODES } };
	struct amt_query_gateway gwp;
	struct amt_request r;
	size_t n;

	if (len != sizeof(r)) {
		g->stats.malformed++;
		return;
	}
	memcpy(&r, buf, sizeof(r));
	if (!(r.flags & AMT_REQUEST_P)) {
		g->stats.unsupported++;
		return;
	}
	if (!allowed(g, &from->sin6_addr) || !may_answer(g))
		return;
	g->stats.requests++;
	memset(h, 0, sizeof(*h));
	h->version_type = AMT_OCTET0(AMT_TYPE_MEMBERSHIP_QUERY);
	h->flags = AMT_QUERY_G;
	/* A newcomer is told when no slot is left for it. */
	if (g->n_gateways == MDCS_MAX_GATEWAYS &&
	    !find(g, &from->sin6_addr, ntohs(from->sin6_port)))
		h->flags |= AMT_QUERY_L;
	h->nonce = r.nonce;
	mac_of(g->secret[0], &from->sin6_addr, from->sin6_port, r.nonce,
	       h->mac);
	q.max_resp_code = htons(MAX_RESPONSE_MS);
	q.s_qrv = QUERY_ROBUSTNESS;
	q.qqic = GATEWAY_QUERY_INTERVAL_S;
	memcpy(pkt + MLD_PACKET_HLEN, &q, sizeof(q));
	n = mld_packet_finish(pkt, sizeof(q), &relay_ll, &all_nodes);
	gwp.port = from->sin6_port;
	memcpy(gwp.addr, &from->sin6_addr, 16);
	memcpy(pkt + n, &gwp, sizeof(gwp));
	send_to(g, from, out, sizeof(*h) + n + sizeof(gwp));
}

static void on_update(struct gateways *g, const struct sockaddr_in6 *from,
		      const uint8_t *buf, size_t len)
{
	uint16_t port = ntohs(from->sin6_port);
	struct amt_update_hdr h;
	struct gateway *gw;
	const uint8_t *icmp;
	size_t icmp_len;
	unsigned had;

	if (len < sizeof(h) ||
	    !(icmp = mld_packet_parse(buf + sizeof(h), len - sizeof(h),
				      &icmp_len)) ||
	    !report_ok(icmp, icmp_len)) {
		g->stats.malformed++;
		return;
	}
	memcpy(&h, buf, sizeof(h));
	if (!mac_ok(g, &from->sin6_addr, from->sin6_port, h.nonce, h.mac)) {
		g->stats.bad_mac++;
		return;
	}
	/* The prefixes may have changed since the Query. */
	if (!allowed(g, &from->sin6_addr))
		return;
	g->stats.updates++;
	gw = find(g, &from->sin6_addr, port);
	if (!gw && !(gw = create(g, &from->sin6_addr, port)))
		return;
	/* Copies from tc never resolve a neighbor; have the kernel do it. */
	nl_nexthops_use(&gw->addr);
	had = gw->n;
	apply_report(g, gw, icmp);
	if (!gw->n) {
		if (had)
			log_info("%s left its last channel", gw->name);
		destroy(g, gw);
	}
}

/* Leave every channel of a gateway, and forget it. */
static void drop_gateway(struct gateways *g, struct gateway *gw)
{
	while (gw->n)
		leave(g, gw, gw->n - 1);
	destroy(g, gw);
}

static void on_teardown(struct gateways *g, const uint8_t *buf, size_t len)
{
	struct amt_teardown t;
	struct in6_addr addr;
	struct gateway *gw;

	if (len != sizeof(t)) {
		g->stats.malformed++;
		return;
	}
	memcpy(&t, buf, sizeof(t));
	memcpy(&addr, t.addr, 16);
	/* The MAC is over where the relay saw the gateway, which may not
	 * be where the teardown comes from. */
	if (!mac_ok(g, &addr, t.port, t.nonce, t.mac)) {
		g->stats.bad_mac++;
		return;
	}
	g->stats.teardowns++;
	gw = find(g, &addr, ntohs(t.port));
	if (gw) {
		log_info("%s tore down", gw->name);
		drop_gateway(g, gw);
	}
}

void gateways_input(struct gateways *g, const struct sockaddr_in6 *from,
		    const uint8_t *buf, size_t len)
{
	switch (buf[0] & 0x0f) {
	case AMT_TYPE_RELAY_DISCOVERY:
		on_discovery(g, g->sock, from, buf, len);
		break;
	case AMT_TYPE_REQUEST:
		on_request(g, from, buf, len);
		break;
	case AMT_TYPE_MEMBERSHIP_UPDATE:
		on_update(g, from, buf, len);
		break;
	case AMT_TYPE_TEARDOWN:
		on_teardown(g, buf, len);
		break;
	default:
		g->stats.malformed++;
	}
}

/* Datagrams to the discovery address: Relay Discovery alone is taken. */
static void on_discovery_readable(void *arg)
{
	struct gateways *g = arg;
	uint8_t buf[sizeof(struct amt_discovery) + 1]; /* longer is wrong */

	for (;;) {
		struct sockaddr_in6 from;
		socklen_t from_len = sizeof(from);
		ssize_t n = recvfrom(g->discovery_sock, buf, sizeof(buf),
				     MSG_DONTWAIT, (struct sockaddr *)&from,
				     &from_len);

		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_debug("relay: discovery: %m");
			return;
		}
		if (n && buf[0] == AMT_OCTET0(AMT_TYPE_RELAY_DISCOVERY))
			on_discovery(g, g->discovery_sock, &from, buf,
				     (size_t)n);
		else
			g->stats.malformed++;
	}
}

/* A socket on the discovery address at AMT's port, whatever the tunnel
 * port (an Advertisement names no port), which may not be configured yet:
 * the AS's routes bring Discoveries once it is. */
static int open_discovery(struct gateways *g)
{
	char addr[INET6_ADDRSTRLEN];

	g->discovery_sock = -1;
	if (!g->conf->has_discovery_addr)
		return 0;
	g->discovery_sock =
		udp_socket(&g->conf->discovery_addr, MDCS_TUNNEL_PORT);
	if (g->discovery_sock >= 0 &&
	    !loop_watch(g->loop, g->discovery_sock, on_discovery_readable, g))
		return 0;
	log_err("relay: discovery address [%s]:%u: %m",
		addr6_str(&g->conf->discovery_addr, addr), MDCS_TUNNEL_PORT);
	if (g->discovery_sock >= 0)
		close(g->discovery_sock);
	g->discovery_sock = -1;
	return -1;
}

/* --- expiry, start and stop --- */

static void sweep_due(void *arg)
{
	struct gateways *g = arg;
	uint64_t now = loop_now_ms();

	if (now >= g->rekey_ms)
		rekey(g);
	for (uint32_t s = 0; s < MDCS_MAX_GATEWAYS; s++) {
		struct gateway *gw = g->by_slot[s];

		if (!gw)
			continue;
		for (unsigned i = gw->n; i-- > 0;)
			if (gw->ch[i].expires_ms <= now)
				leave(g, gw, i);
		if (!gw->n) {
			log_info("%s expired", gw->name);
			destroy(g, gw);
		}
	}
	timer_arm(g->loop, &g->sweep_timer, SWEEP_MS);
}

int gateways_start(struct gateways *g, struct loop *loop,
		   const struct rpd_conf *conf, struct datapath *dp,
		   struct channels *cs, int sock)
{
	memset(g, 0, sizeof(*g));
	g->loop = loop;
	g->conf = conf;
	g->dp = dp;
	g->cs = cs;
	g->sock = sock;
	rekey(g);
	rekey(g);
	if (chantab_init(&g->by_end)) {
		g->loop = NULL;
		return -1;
	}
	if (idpool_init(&g->slots, MDCS_MAX_GATEWAYS) || open_discovery(g)) {
		idpool_fini(&g->slots);
		chantab_fini(&g->by_end, NULL);
		g->loop = NULL; /* nothing for gateways_stop */
		return -1;
	}
	/* An earlier rpd's gateways ask again; their slots are free. */
	for (uint32_t s = MDCS_GATEWAY_SLOT0; s < MDCS_MAX_SLOTS; s++) {
		struct mdcs_rp in;

		if (!datapath_get_rp(dp, s, &in) && in.in_use)
			datapath_clear_gateway(dp, s);
	}
	timer_init(&g->sweep_timer, sweep_due, g);
	timer_arm(loop, &g->sweep_timer, SWEEP_MS);
	return 0;
}

void gateways_stop(struct gateways *g)
{
	if (!g->loop)
		return;
	timer_cancel(g->loop, &g->sweep_timer);
	if (g->discovery_sock >= 0) {
		loop_unwatch(g->loop, g->discovery_sock);
		close(g->discovery_sock);
	}
	for (uint32_t s = 0; s < MDCS_MAX_GATEWAYS; s++)
		if (g->by_slot[s])
			destroy(g, g->by_slot[s]);
	chantab_fini(&g->by_end, NULL);
	idpool_fini(&g->slots);
	g->loop = NULL;
}

const char *gateways_name(const struct gateways *g, uint32_t slot)
{
	const struct gateway *gw = NULL;

	if (slot >= MDCS_GATEWAY_SLOT0 && slot < MDCS_MAX_SLOTS)
		gw = g->by_slot[slot - MDCS_GATEWAY_SLOT0];
	return gw ? gw->name : "gateway ?";
}

unsigned gateways_count(const struct gateways *g)
{
	return g->n_gateways;
}
