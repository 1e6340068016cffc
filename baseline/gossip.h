/* The gossip baseline's protocol logic, without sockets: what to send. */
#ifndef MDCS_GOSSIP_H
#define MDCS_GOSSIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/types.h>

#include "proto/gossip.h"
#include "rng.h"

/*
 * One node of Ethereum-style iterative diffusion (proto/gossip.h has the
 * datagrams, docs/baseline.md the whole of it).  The node knows n peers,
 * by index 0 to n - 1 in a table of the caller's; it is not among them.
 * The caller reads datagrams, names the peer each came from and hands it
 * to gossip_input; the node says what to send to whom and whether the
 * datagram brought a message to deliver.  Times are milliseconds of a
 * monotonic clock of the caller's.  Functions that fail return -1 with
 * errno set.
 *
 * A message had for the first time, published or from a FULL, goes in
 * full to fanout peers chosen uniformly at random (gossip_sqrt_fanout(n)
 * as Ethereum does) and as an ANNOUNCE to all the others; a FULL's sender
 * gets neither.  Only a first FULL of an id is delivered and forwarded;
 * later ones are counted as duplicates.  An ANNOUNCE of an id not had is
 * answered with a REQUEST to the announcer, unless one is outstanding for
 * that id: then the announcer is remembered, and if no FULL came
 * GOSSIP_REQUEST_MS after a REQUEST, the next announcer remembered is
 * asked (gossip_tick); each announcer once, until none is left and the
 * id is given up, to be asked for again at its next ANNOUNCE.  A REQUEST
 * is answered with a FULL if the message is still kept.
 *
 * With gossip_use_mesh, the node spreads as gossipsub does instead: it
 * keeps a mesh of about d peers, made with GRAFT and ended with PRUNE,
 * and sends a message had for the first time in full to its mesh peers
 * alone (but the sender); every GOSSIPSUB_HEARTBEAT_MS it brings the mesh
 * back to d peers if it has fewer than d_lo or more than d_hi, and sends
 * the ids of the messages it had in the last GOSSIPSUB_HISTORY heartbeats
 * in IHAVEs to GOSSIPSUB_LAZY peers outside the mesh.  An id in an IHAVE
 * is taken as an ANNOUNCE of it: a REQUEST (gossipsub's IWANT) if lacked.
 */

/* The ids of messages had, the oldest forgotten first: a FULL of an id
 * forgotten is a new one again. */
#define GOSSIP_SEEN 4096
/* Messages kept to answer REQUESTs with, the oldest dropped first. */
#define GOSSIP_KEEP 256
/* Ids asked for at once; when full, the one whose REQUEST times out
 * first is given up for a new one. */
#define GOSSIP_PENDING 256
/* Announcers remembered per id asked for; later ones are not asked. */
#define GOSSIP_ANNOUNCERS 8
/* How long a REQUEST waits for its FULL before the next announcer is
 * asked. */
#define GOSSIP_REQUEST_MS 1000
/* Peers a node knows at most. */
#define GOSSIP_MAX_PEERS 1024

/* The largest FULL: what UDP carries in IPv6 without jumbograms. */
#define GOSSIP_DATAGRAM_MAX 65527
#define GOSSIP_MESSAGE_MAX                                                     \
	(GOSSIP_DATAGRAM_MAX - sizeof(struct mdcs_gossip_full))

/* Traffic counted by type; received[GOSSIP_MALFORMED] counts datagrams
 * dropped for being malformed. */
#define GOSSIP_MALFORMED 0
#define GOSSIP_TYPES	 (MDCS_GOSSIP_IHAVE + 1)

/* The gossipsub-style mesh's heartbeat, and how far back and to how many
 * peers outside the mesh it gossips ids, as gossipsub's defaults. */
#define GOSSIPSUB_HEARTBEAT_MS 1000
#define GOSSIPSUB_HISTORY      3
#define GOSSIPSUB_LAZY	       6
/* Ids gossiped per heartbeat at most: later ones go by the mesh alone. */
#define GOSSIPSUB_WINDOW 256
/* The mesh's degree at most: a heartbeat's datagrams fit in gossip_out. */
#define GOSSIPSUB_MAX_D 64

struct gossip_traffic {
	uint64_t datagrams, octets;
};

struct gossip_stats {
	/* sent: as handed to the caller to send */
	struct gossip_traffic sent[GOSSIP_TYPES], received[GOSSIP_TYPES];
	uint64_t duplicates; /* FULLs of an id had already */
	uint64_t answered;   /* REQUESTs answered with a FULL */
};

/* One datagram to send: buf and len stay valid until the node is next
 * called. */
struct gossip_send {
	unsigned peer;
	enum mdcs_gossip_type type;
	const uint8_t *buf;
	size_t len;
};

/* A message to deliver; data points into the node's store, valid until
 * the node is next called. */
struct gossip_msg {
	const uint8_t *id;
	struct in6_addr publisher;
	uint16_t publisher_port;
	const uint8_t *data;
	size_t len;
};

/* What the node wants done after a call. */
struct gossip_out {
	size_t n; /* datagrams to send */
	struct gossip_send send[GOSSIP_MAX_PEERS];
	bool deliver; /* msg is a message had for the first time */
	struct gossip_msg msg;
};

struct gossip_kept {
	uint8_t *full; /* the FULL, as received or published; NULL: none */
	size_t len;
	struct mdcs_gossip_hdr announce;
};

struct gossip_pending {
	bool used;
	struct mdcs_gossip_hdr request; /* names the id */
	unsigned announcer[GOSSIP_ANNOUNCERS];
	unsigned announcers, asked; /* asked: announcer[asked] was last */
	int64_t due;		    /* when the next announcer is asked */
};

/* A node's gossipsub-style mesh: its peers, the ids of the messages had
 * in the last heartbeats, and the datagrams of its last heartbeat. */
struct gossip_mesh {
	unsigned d, d_lo, d_hi;
	bool in[GOSSIP_MAX_PEERS];
	unsigned n; /* peers in the mesh */
	uint8_t window[GOSSIPSUB_HISTORY][GOSSIPSUB_WINDOW][MDCS_GOSSIP_ID_LEN];
	unsigned window_n[GOSSIPSUB_HISTORY], window_at;
	int64_t heartbeat_due;
	struct mdcs_gossip_hdr graft, prune;
	uint8_t ihave[GOSSIPSUB_HISTORY * GOSSIPSUB_WINDOW /
		      MDCS_GOSSIP_IHAVE_MAX]
		     [sizeof(struct mdcs_gossip_hdr) +
		      MDCS_GOSSIP_IHAVE_MAX * MDCS_GOSSIP_ID_LEN];
};

/* A node's state: the library's to change, the caller's to read
 * (stats). */
struct gossip {
	unsigned npeers, fanout;
	struct rng rng;
	/* ids had: a ring (seen_at is written next), and a hash table of
	 * chains through seen_next to find them */
	uint8_t seen[GOSSIP_SEEN][MDCS_GOSSIP_ID_LEN];
	uint16_t seen_next[GOSSIP_SEEN];
	uint16_t seen_head[2 * GOSSIP_SEEN];
	unsigned seen_count, seen_at;
	/* messages kept: a ring (kept_at is written next) */
	struct gossip_kept kept[GOSSIP_KEEP];
	unsigned kept_at;
	struct gossip_pending pending[GOSSIP_PENDING];
	unsigned peer_order[GOSSIP_MAX_PEERS]; /* scratch for the choice */
	struct gossip_mesh *mesh;	       /* NULL: iterative diffusion */
	struct gossip_stats stats;
};

/* ceil(sqrt(n)): Ethereum's number of peers sent a message in full. */
unsigned gossip_sqrt_fanout(unsigned n);

/* A node that knows npeers peers and sends messages in full to fanout
 * of them, its random choices made reproducible by seed; -1 with EINVAL
 * for more than GOSSIP_MAX_PEERS peers. */
int gossip_init(struct gossip *g, unsigned npeers, unsigned fanout,
		uint64_t seed);

/* Spread as gossipsub does, with a mesh of d peers (d_lo = 3d/4 and
 * d_hi = 3d/2, gossipsub's 6 and 12 for 8), from now on; the first
 * heartbeat is due at now.  -1 with EINVAL for d of 0 or more than the
 * peers, ENOMEM. */
int gossip_use_mesh(struct gossip *g, unsigned d, int64_t now);

/* Free the messages kept and the mesh; g may be initialised again
 * after. */
void gossip_destroy(struct gossip *g);

/* The FULL of msg published from [publisher]:port into buf, id
 * computed: its length, or -1 with EMSGSIZE if it does not fit in size
 * (or in a UDP datagram). */
ssize_t gossip_full_build(uint8_t *buf, size_t size,
			  const struct in6_addr *publisher, uint16_t port,
			  const void *msg, size_t len);

/* Publish msg from [publisher]:port: in full to fanout peers, announced
 * to the others, not delivered.  -1 with EEXIST for a message had
 * already (nothing is sent), EMSGSIZE for one too long, ENOMEM. */
int gossip_publish(struct gossip *g, const struct in6_addr *publisher,
		   uint16_t port, const void *msg, size_t len,
		   struct gossip_out *out);

/*
 * Handle the datagram of len octets in buf from peer from.  -1 with
 * EBADMSG for a malformed one: cut short or too long for its type,
 * another version, an unknown type, reserved octets not zero, or a FULL
 * whose id is not its content's (counted, nothing sent); ENOMEM if a new
 * message could not be kept (nothing is sent, and the message is not
 * had); EINVAL if from is no peer (not counted).
 */
int gossip_input(struct gossip *g, unsigned from, const uint8_t *buf,
		 size_t len, int64_t now, struct gossip_out *out);

/* Milliseconds until gossip_tick is due; 0: now, -1: no REQUEST waits
 * and there is no mesh. */
int gossip_due_ms(const struct gossip *g, int64_t now);

/* Ask the next announcer of each id whose REQUEST went unanswered; with a
 * mesh, beat its heartbeat if due. */
void gossip_tick(struct gossip *g, int64_t now, struct gossip_out *out);

#endif
