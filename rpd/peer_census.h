/* The peers of the RP's AS that announced themselves, counted by interface. */
#ifndef RPD_PEER_CENSUS_H
#define RPD_PEER_CENSUS_H

/*
 * Peers announce themselves to the RP's tunnel address on the announce
 * port (proto/announce.h) every interval, with a hold time of three.  The
 * RP keeps each peer, told apart by its address and the id it chose, until
 * its hold time passes without another announcement or it says it leaves,
 * and counts the peers by the interface their announcements come in on
 * (as the SRP draft proposes) and by how they receive (natively or in
 * tunnel mode).  Only hosts this RP takes publications from
 * (publishing/allowed-prefix) are counted: the peers of its AS.  The RP
 * never answers, so announcements cannot be turned against anyone.
 */

#include <stdint.h>
#include <net/if.h>

#include "chantab.h"
#include "conf.h"
#include "loop.h"
#include "proto/announce.h"

#define CENSUS_MAX_PEERS      65536
#define CENSUS_MAX_INTERFACES 64

struct census_stats {
	uint64_t announcements; /* taken, departures included */
	uint64_t departures;	/* peers that said they leave */
	uint64_t expired;	/* peers whose hold time passed */
	uint64_t malformed;	/* no announcement, or a wrong one */
	uint64_t not_allowed;	/* from outside the allowed prefixes */
	uint64_t full;		/* new peers turned away */
};

struct census_interface {
	unsigned ifindex;
	char name[IF_NAMESIZE];
	unsigned peers, tunnel_peers; /* tunnel_peers: of peers */
};

struct peer_census {
	struct loop *loop;
	const struct rpd_conf *conf;
	int sock;
	struct chantab peers; /* struct census_peer, by address and id */
	unsigned n_peers;
	struct census_interface ifs[CENSUS_MAX_INTERFACES];
	unsigned n_ifs;
	struct timer sweep_timer;
	struct census_stats stats;
};

/* Take announcements on the tunnel address at port (MDCS_ANNOUNCE_PORT;
 * 0, for tests: any free one, udp_port(c->sock) tells which). */
int census_start(struct peer_census *c, struct loop *loop,
		 const struct rpd_conf *conf, uint16_t port);

/* Forget every peer and close the socket. */
void census_stop(struct peer_census *c);

/* One datagram from from, received on interface ifindex (tests feed the
 * census through this; the socket's reader does too). */
void census_input(struct peer_census *c, const struct in6_addr *from,
		  unsigned ifindex, const uint8_t *buf, size_t len);

#endif
