/* A consensus peer's side of mdcs: publishing through an RP, receiving. */
#ifndef MDCS_PEER_H
#define MDCS_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <netinet/in.h>
#include <sys/types.h>

/*
 * A peer publishes by unicast UDP to its RP's channel-source address S_rp
 * (publish port 2269 by default), and receives the channels (S_rp', G) of
 * any RP by joining them with MLDv2 on its interface and listening on the
 * channel port (2270 by default).  docs/peers.md says how a peer finds
 * these; docs/wire-format.md has the bytes.  Functions that fail return -1
 * with errno set.
 */

/* A message received on a channel. */
struct mdcs_peer_msg {
	struct in6_addr source, group; /* the channel (S, G) */
	struct in6_addr publisher;     /* the publication's source, */
	uint16_t publisher_port;       /* and port, as the RP took it */
	const uint8_t *data;	       /* the message, in the caller's buffer */
	size_t len;
};

/* The publication of msg to group, as the UDP payload in buf; its length,
 * or -1: EINVAL for a group that is no SSM group of wider than link-local
 * scope, EMSGSIZE if it does not fit in size. */
ssize_t mdcs_pub_build(uint8_t *buf, size_t size, const struct in6_addr *group,
		       const void *msg, size_t len);

/* A channel message's UDP payload into m (m->data points into buf); -1
 * with EBADMSG if it is none. */
int mdcs_chan_parse(const uint8_t *buf, size_t len, struct mdcs_peer_msg *m);

/* A UDP socket to publish from, bound to local (NULL: any address). */
int mdcs_peer_publisher(const struct in6_addr *local);

/* Publish msg to the channel (rp, group) through the RP whose channel
 * source is rp, at its publish port. */
int mdcs_peer_publish(int fd, const struct in6_addr *rp, uint16_t port,
		      const struct in6_addr *group, const void *msg,
		      size_t len);

/* A UDP socket that receives channel messages at port. */
int mdcs_peer_listener(uint16_t port);

/* Join or leave the channel (source, group) on interface ifindex. */
int mdcs_peer_join(int fd, unsigned ifindex, const struct in6_addr *source,
		   const struct in6_addr *group);
int mdcs_peer_leave(int fd, unsigned ifindex, const struct in6_addr *source,
		    const struct in6_addr *group);

/* Receive one datagram into buf and parse it into m; -1 with EBADMSG for
 * one that is no channel message (it is consumed), or recvmsg's error. */
int mdcs_peer_receive(int fd, uint8_t *buf, size_t size,
		      struct mdcs_peer_msg *m);

/* Print m as one line on f, and flush it: source, group, [publisher]:port,
 * length, the message with \xNN for octets other than printable ASCII and
 * for \ itself.  An unspecified source or group (::) prints as -, for a
 * message that came through no channel (the gossip baseline's).  With
 * stamped, the line begins with mdcs_peer_stamp's time. */
void mdcs_peer_print(FILE *f, const struct mdcs_peer_msg *m, bool stamped);

/* The wall clock's time on f, seconds since the epoch with microseconds,
 * and a space: processes on one machine share it, so the lab measures
 * how long messages take from one peer to another with it. */
void mdcs_peer_stamp(FILE *f);

/* A port, 1 to 65535, in decimal, for the tools' arguments; -1 with
 * EINVAL for anything else. */
int mdcs_port_parse(const char *s, uint16_t *port);

/* Milliseconds of the monotonic clock, which the gateway's timers use. */
int64_t mdcs_peer_now_ms(void);

/* Have SIGINT and SIGTERM call handler, and block them but while the
 * caller waits with *mask (ppoll, epoll_pwait), which is the mask before:
 * a tool that must say goodbye (a Teardown) on its way out sees every stop
 * signal between two waits, and misses none. */
void mdcs_peer_catch_stops(void (*handler)(int), sigset_t *mask);

/* --- Announcing the peer to its RP --- */

/* Seconds between announcements by default; each holds three of them. */
#define MDCS_ANNOUNCE_INTERVAL_S 10

/* A peer's announcements (proto/announce.h) to one RP. */
struct mdcs_announcer {
	int fd;
	struct sockaddr_in6 rp;
	uint8_t flags; /* MDCS_ANNOUNCE_TUNNEL for a tunnel-mode peer */
	uint8_t id[8];
	unsigned interval_ms;
	long long next_ms; /* mdcs_peer_now_ms() of the next one */
};

/*
 * Announce the peer to the RP whose tunnel address is rp, at port (the
 * RP's announce port, MDCS_ANNOUNCE_PORT), from local (NULL: the address the
 * routes choose), every interval_s seconds (1 to MDCS_ANNOUNCE_MAX_HOLD / 3),
 * with tunnel for a tunnel-mode peer; the first is due at once.  -1 with EINVAL
 * for an interval out of range, or the socket's error.
 */
int mdcs_announcer_open(struct mdcs_announcer *a, const struct in6_addr *rp,
			uint16_t port, const struct in6_addr *local,
			unsigned interval_s, bool tunnel);

/* Milliseconds until mdcs_announcer_send is due; 0: now. */
int mdcs_announcer_due_ms(const struct mdcs_announcer *a);

/* Send an announcement and schedule the next; -1 if sendto failed (the
 * next is scheduled all the same: the RP holds the peer three intervals). */
int mdcs_announcer_send(struct mdcs_announcer *a);

/* Tell the RP the peer leaves (hold time 0) and close the socket (even if
 * the send fails: then -1). */
int mdcs_announcer_close(struct mdcs_announcer *a);

/* --- Finding the RP, and the RPs whose channels there are --- */

/*
 * A peer that is not told its RP finds it by AMT relay discovery (RFC
 * 7450, 5.2.3.1): it sends a Relay Discovery to an anycast address that
 * its AS routes to its RP (MDCS_DISCOVERY_ADDRESS unless configured
 * otherwise), and the RP answers with a Relay Advertisement naming its
 * tunnel address.  There the peer asks the RP for its directory: the
 * channel-source addresses of the RPs it knows, its own first
 * (proto/directory.h).  A peer joins (S, G) for every S listed and its
 * consensus system's group G.  Questions are asked up to
 * MDCS_ASK_TRIES times, MDCS_ASK_WAIT_MS apart, each with a new nonce.
 */

/* An address of 2001:3::/32, the prefix RFC 7450 set aside for AMT relay
 * discovery by anycast. */
#define MDCS_DISCOVERY_ADDRESS "2001:3::1"
#define MDCS_ASK_TRIES	       3
#define MDCS_ASK_WAIT_MS       1000

/* The tunnel address of the RP that answers at [addr]:port (the AMT port,
 * MDCS_TUNNEL_PORT), asked from local (NULL: any address), into relay; -1
 * with ETIMEDOUT if no Advertisement with the Discovery's nonce came from
 * there. */
int mdcs_relay_discover(const struct in6_addr *addr, uint16_t port,
			const struct in6_addr *local, struct in6_addr *relay);

/*
 * The directory of the RP whose tunnel address is rp, at port
 * (MDCS_DIRECTORY_PORT), asked from local (NULL: any address), into out
 * (max entries); *own says whether out[0] is that RP's own channel
 * source.  How many entries, or -1 with ETIMEDOUT if a page went
 * unanswered, ENOBUFS if the directory has more than max entries, ESTALE
 * if it changed while its pages came, three times over.
 */
ssize_t mdcs_directory_fetch(const struct in6_addr *rp, uint16_t port,
			     const struct in6_addr *local, struct in6_addr *out,
			     size_t max, bool *own);

/* --- Tunnel mode --- */

/*
 * A peer whose access network has no multicast receives channels through
 * its RP acting as an AMT relay (RFC 7450), over IPv6/UDP to the RP's
 * tunnel address and port (2268 by default): the peer is an AMT gateway.
 * It sends a Request with a random nonce; the relay answers with a
 * Membership Query (an MLDv2 General Query, a MAC, the nonce, the query
 * interval QQI); the gateway reports all its channels in Membership
 * Updates (MLDv2 reports, MODE_IS_INCLUDE) carrying that MAC and nonce;
 * the relay then sends the channels' packets as Multicast Data messages.
 * The relay holds the channels as soft state, so the gateway repeats the
 * exchange every QQI, and sends a Teardown when it stops.
 * docs/peers.md has the details.
 */

#define MDCS_AMT_MAC_LEN 6
/* A Request unanswered this long is sent again (with a new nonce), up
 * to MDCS_GATEWAY_TRIES Requests in all before the round fails. */
#define MDCS_GATEWAY_RETRY_MS 1000
#define MDCS_GATEWAY_TRIES    3
/* Channels one gateway joins at most: as many as an mdcs relay takes. */
#define MDCS_GATEWAY_MAX_CHANNELS 256
/* The largest Update, as a UDP payload: its IPv6 packet fits in the
 * IPv6 minimum MTU of 1280 octets, so it is never fragmented. */
#define MDCS_AMT_UPDATE_MAX (1280 - 40 - 8)

/* What mdcs_gateway_receive got: a channel message, or a Query (which it
 * answered with Updates). */
enum mdcs_gateway_event {
	MDCS_GATEWAY_MESSAGE = 0,
	MDCS_GATEWAY_QUERY = 1,
};

struct mdcs_peer_channel {
	struct in6_addr source, group;
};

/* A gateway's state: the library's to change (but channel_port), the
 * caller's to read. */
struct mdcs_gateway {
	int fd;			   /* UDP, bound, not connected */
	struct sockaddr_in6 relay; /* Requests go there; nothing else taken */
	struct in6_addr addr;	   /* the gateway as the relay saw it (the */
	uint16_t port;		   /* Query's G part), else the socket's */
	uint16_t channel_port;	   /* inner UDP port: MDCS_CHANNEL_PORT, or
				    * what the caller sets after open */
	int64_t next_ms;	   /* the next Request is due (monotonic) */
	/* the outstanding Request */
	bool requesting;
	unsigned tries;
	uint32_t request_nonce;
	/* the last Query answered: its MAC and Request nonce sign Updates
	 * and the Teardown */
	bool queried;
	uint8_t mac[MDCS_AMT_MAC_LEN];
	uint32_t nonce;
	unsigned qqi; /* s */
	/* joined channels, sorted by group, then source */
	size_t n;
	struct mdcs_peer_channel ch[MDCS_GATEWAY_MAX_CHANNELS];
};

/* A Membership Query as the gateway reads it. */
struct mdcs_amt_query {
	uint8_t mac[MDCS_AMT_MAC_LEN];
	uint32_t nonce;
	unsigned qqi;	      /* s, from the General Query's QQIC */
	bool limit;	      /* L: the relay takes no new gateways */
	bool has_gateway;     /* G: the two fields below are there */
	struct in6_addr addr; /* the gateway, as the relay saw it */
	uint16_t port;
};

/* The query interval, s, that an MLDv2 QQIC stands for (RFC 9777,
 * 5.1.9); 0 stands for the default, 125 s. */
unsigned mdcs_mld_qqi(uint8_t qqic);

/* A Request (P: for an MLDv2 query) with nonce into buf; its length, 8,
 * or -1 with EMSGSIZE. */
ssize_t mdcs_amt_request_build(uint8_t *buf, size_t size, uint32_t nonce);

/* A Membership Query of len octets into q; -1 with EBADMSG if it is
 * none, or answers another Request than the one with nonce. */
int mdcs_amt_query_parse(const uint8_t *buf, size_t len, uint32_t nonce,
			 struct mdcs_amt_query *q);

/*
 * A Membership Update signed with mac and nonce into buf, at most size
 * (and MDCS_AMT_UPDATE_MAX) octets: an MLDv2 report from fe80::2 to
 * ff02::16 with records of type (enum mld2_record_type) for as many of
 * the n channels in ch, from the first, as fit; adjacent channels of one
 * group share a record.  *taken is how many went in.  Its length, or -1
 * with EMSGSIZE if not even one channel fits.
 */
ssize_t mdcs_amt_update_build(uint8_t *buf, size_t size,
			      const uint8_t mac[MDCS_AMT_MAC_LEN],
			      uint32_t nonce, uint8_t type,
			      const struct mdcs_peer_channel *ch, size_t n,
			      size_t *taken);

/* A Teardown into buf: its length, 30, or -1 with EMSGSIZE. */
ssize_t mdcs_amt_teardown_build(uint8_t *buf, size_t size,
				const uint8_t mac[MDCS_AMT_MAC_LEN],
				uint32_t nonce, const struct in6_addr *addr,
				uint16_t port);

/*
 * A Multicast Data message of len octets into m (m->data points into
 * buf): the inner IPv6 packet from S to G with UDP right after the IPv6
 * header, lengths that agree with len, the UDP destination port port, a
 * correct, non-zero UDP checksum, and a channel message as payload; -1
 * with EBADMSG otherwise.  Whether (S, G) is joined is the caller's.
 */
int mdcs_amt_data_parse(const uint8_t *buf, size_t len, uint16_t port,
			struct mdcs_peer_msg *m);

/*
 * A gateway toward the relay at [relay]:port, from local (NULL: the
 * address the routes choose), no channel joined.  Its socket, gw->fd, is
 * the caller's to poll for reading.
 */
int mdcs_gateway_open(struct mdcs_gateway *gw, const struct in6_addr *relay,
		      uint16_t port, const struct in6_addr *local);

/*
 * Join or leave the channel (source, group).  Before the first Query the
 * state alone changes, and the first Updates carry it; afterwards the
 * change is also sent at once in an Update signed with the last Query's
 * MAC and nonce (ALLOW_NEW_SOURCES or BLOCK_OLD_SOURCES), which the relay
 * takes while the gateway's address and port stay the same.  If that
 * send fails, the channel is joined or left all the same and -1 reports
 * the error; a join is sent again at the next refresh, a leave is not
 * (the relay forgets it when its state times out).  -1 with EINVAL for no
 * SSM group, ENOSPC if MDCS_GATEWAY_MAX_CHANNELS are joined, ENOENT to
 * leave a channel not joined.  Joining a channel twice is no error.
 */
int mdcs_gateway_join(struct mdcs_gateway *gw, const struct in6_addr *source,
		      const struct in6_addr *group);
int mdcs_gateway_leave(struct mdcs_gateway *gw, const struct in6_addr *source,
		       const struct in6_addr *group);

/*
 * Send a Request with a new nonce.  Called when mdcs_gateway_due_ms says
 * so: first, then every QQI to refresh the relay's state, and again
 * after MDCS_GATEWAY_RETRY_MS while no Query answered.  After
 * MDCS_GATEWAY_TRIES unanswered Requests, it sends nothing and fails with
 * ETIMEDOUT; the next call starts a new round.
 */
int mdcs_gateway_request(struct mdcs_gateway *gw);

/* Milliseconds until mdcs_gateway_request is due; 0: now. */
int mdcs_gateway_due_ms(const struct mdcs_gateway *gw);

/*
 * Read one datagram from gw->fd into buf and handle it:
 * MDCS_GATEWAY_MESSAGE with the channel message in m (m->data points into
 * buf), or MDCS_GATEWAY_QUERY for the Query that answered the outstanding
 * Request, answered with Updates of all channels.  -1 with EBADMSG for a
 * datagram refused (consumed): not from the relay's address and port,
 * truncated, a malformed or unsolicited Query, a Data message that
 * mdcs_amt_data_parse refuses or of a channel not joined; EBUSY for a
 * Query that says the relay takes no new gateways (no Update is sent;
 * the next Request is due after its QQI); or the socket's error.
 */
int mdcs_gateway_receive(struct mdcs_gateway *gw, uint8_t *buf, size_t size,
			 struct mdcs_peer_msg *m);

/* The same for a datagram the caller read, from from. */
int mdcs_gateway_input(struct mdcs_gateway *gw, const struct sockaddr_in6 *from,
		       const uint8_t *buf, size_t len, struct mdcs_peer_msg *m);

/* Send a Teardown if a Query was answered, so the relay drops the
 * gateway's state at once, and close the socket (even if the send
 * fails: then -1). */
int mdcs_gateway_close(struct mdcs_gateway *gw);

#endif
