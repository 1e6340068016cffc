/* The AMT relay for tunnel-mode peers: their gateways and channels. */
#ifndef RPD_GATEWAYS_H
#define RPD_GATEWAYS_H

/*
 * A peer whose access network has no multicast runs an AMT gateway
 * (RFC 7450) toward its RP, which answers as a relay on its tunnel port:
 * a Request gets a Membership Query with a MAC over the gateway's address,
 * port and nonce; an Update carrying that MAC and an MLDv2 report joins
 * or leaves channels.  Each gateway holds a slot of the datapath's
 * remote_rps above the RPs', so that channel packets are copied to it like
 * to a remote RP.  Its channels are soft state, held
 * GATEWAY_HOLD_S seconds after each report.  Only hosts this RP takes
 * publications from (publishing/allowed-prefix, by default the RP's own
 * source prefixes) may be gateways: the peers of its AS.
 */

#include <stdint.h>
#include <netinet/in.h>

#include "chantab.h"
#include "conf.h"
#include "datapath.h"
#include "idpool.h"
#include "loop.h"

/* The query interval told to gateways, and how long a report holds. */
#define GATEWAY_QUERY_INTERVAL_S 30
#define GATEWAY_HOLD_S		 (2 * GATEWAY_QUERY_INTERVAL_S + 10)
/* Channels one gateway may join. */
#define GATEWAY_MAX_CHANNELS 256
/* The MAC key is renewed this often; MACs of the key before still hold,
 * so a gateway's refresh every query interval always finds its MAC good. */
#define GATEWAY_REKEY_S 60
/*
 * Answers (Queries, Advertisements) a second, in bursts of as many: each
 * is larger than what asked for it, from an address nobody checked, so an
 * unbounded relay would amplify floods toward forged sources.  16384
 * gateways asking every query interval need 547 a second.
 */
#define GATEWAY_ANSWERS_PER_S 2048

struct channels;

struct gateways_stats {
	uint64_t discoveries, requests, updates, teardowns;
	uint64_t malformed;   /* not an AMT relay message, or cut short */
	uint64_t bad_mac;     /* an Update or Teardown whose MAC is wrong */
	uint64_t unsupported; /* a Request for an IGMP query */
	uint64_t not_allowed; /* from outside the allowed prefixes */
	uint64_t refused;     /* records or channels not taken */
	uint64_t full;	      /* gateways turned away: no slot left */
	uint64_t over_rate;   /* Requests and Discoveries not answered */
};

struct gateways {
	struct loop *loop;
	const struct rpd_conf *conf;
	struct datapath *dp;
	struct channels *cs;
	int sock;	       /* the tunnel port's, shared with the mesh */
	int discovery_sock;    /* on rp/discovery-address, or -1 */
	struct chantab by_end; /* struct gateway, by address and port */
	struct gateway *by_slot[MDCS_MAX_GATEWAYS];
	struct idpool slots;
	unsigned n_gateways;
	unsigned n_channels;	 /* joined, over all gateways */
	uint8_t secret[2][32];	 /* keys the MACs: current, previous */
	uint64_t rekey_ms;	 /* when the current one gives way */
	uint64_t answers_tat_us; /* GCRA's theoretical arrival time */
	struct timer sweep_timer;
	struct gateways_stats stats;
};

/* Start relaying on sock, with no gateways, and answering Relay Discovery
 * on rp/discovery-address if configured; slots an earlier rpd left in the
 * datapath are cleared. */
int gateways_start(struct gateways *g, struct loop *loop,
		   const struct rpd_conf *conf, struct datapath *dp,
		   struct channels *cs, int sock);

/* Forget every gateway and clear its slot.  The channels' side is the
 * caller's (channels_stop). */
void gateways_stop(struct gateways *g);

/* One AMT message (first octet's high nibble 0: AMT_VERSION) from a
 * gateway at from; len is at least 1. */
void gateways_input(struct gateways *g, const struct sockaddr_in6 *from,
		    const uint8_t *buf, size_t len);

/* The name of the gateway in a datapath slot, for logs and state. */
const char *gateways_name(const struct gateways *g, uint32_t slot);

/* How many gateways there are. */
unsigned gateways_count(const struct gateways *g);

#endif
