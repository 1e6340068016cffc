/* AMT (RFC 7450) messages: RPs' tunnel data, and tunnel-mode peers' relay. */
#ifndef MDCS_PROTO_AMT_H
#define MDCS_PROTO_AMT_H

/*
 * RPs tunnel channel packets to each other as AMT Multicast Data messages.
 * Toward peers whose access network has no multicast, an RP is an AMT
 * relay and the peer an AMT gateway (RFC 7450, section 4): the gateway
 * asks for a query (Request), the relay answers with an MLDv2 General
 * Query and a MAC over the gateway's address, port and nonce (Membership
 * Query), the gateway reports its channels with that MAC (Membership
 * Update), and the relay sends the channels' packets as data messages.
 * All of it runs over IPv6/UDP to the RP's tunnel port.  The first octet
 * holds the version (0) in the high nibble and the type in the low one.
 * docs/wire-format.md describes every byte.
 */

#include <linux/types.h>

#define AMT_VERSION 0

enum amt_type {
	AMT_TYPE_RELAY_DISCOVERY = 1,
	AMT_TYPE_RELAY_ADVERTISEMENT = 2,
	AMT_TYPE_REQUEST = 3,
	AMT_TYPE_MEMBERSHIP_QUERY = 4,
	AMT_TYPE_MEMBERSHIP_UPDATE = 5,
	AMT_TYPE_MCAST_DATA = 6,
	AMT_TYPE_TEARDOWN = 7,
};

#define AMT_OCTET0(type) ((AMT_VERSION << 4) | (type))
/* First octet of a data message. */
#define AMT_DATA_OCTET0 AMT_OCTET0(AMT_TYPE_MCAST_DATA)

#define AMT_MAC_LEN 6

/* Multicast Data (5.1.6): followed by the IP packet. */
struct amt_data_hdr {
	__u8 version_type; /* AMT_DATA_OCTET0 */
	__u8 reserved;	   /* zero on send, ignored on receive */
} __attribute__((packed));

/* Relay Discovery (5.1.1). */
struct amt_discovery {
	__u8 version_type;
	__u8 reserved[3];
	__be32 nonce;
} __attribute__((packed));

/* Relay Advertisement (5.1.2), with an IPv6 relay address. */
struct amt_advertisement {
	__u8 version_type;
	__u8 reserved[3];
	__be32 nonce; /* the discovery's */
	__u8 relay[16];
} __attribute__((packed));

/* Request (5.1.3).  flags: AMT_REQUEST_P asks for an MLDv2 query (mdcs
 * relays answer nothing else). */
#define AMT_REQUEST_P 0x01
struct amt_request {
	__u8 version_type;
	__u8 flags;
	__u8 reserved[2];
	__be32 nonce;
} __attribute__((packed));

/* Membership Query (5.1.4): followed by the encapsulated General Query
 * (an IPv6 packet), then with AMT_QUERY_G the gateway's address as the
 * relay saw it (struct amt_query_gateway).  L: the relay accepts no more
 * gateways. */
#define AMT_QUERY_G 0x01
#define AMT_QUERY_L 0x02
struct amt_query_hdr {
	__u8 version_type;
	__u8 flags;
	__u8 mac[AMT_MAC_LEN];
	__be32 nonce; /* the request's */
} __attribute__((packed));

struct amt_query_gateway {
	__be16 port;
	__u8 addr[16];
} __attribute__((packed));

/* Membership Update (5.1.5): followed by the encapsulated MLDv2 Report. */
struct amt_update_hdr {
	__u8 version_type;
	__u8 reserved;
	__u8 mac[AMT_MAC_LEN]; /* the query's */
	__be32 nonce;	       /* the request's */
} __attribute__((packed));

/* Teardown (5.1.7): a gateway's state at the relay ends at once. */
struct amt_teardown {
	__u8 version_type;
	__u8 reserved;
	__u8 mac[AMT_MAC_LEN];
	__be32 nonce;
	__be16 port;
	__u8 addr[16]; /* the gateway, as the relay saw it */
} __attribute__((packed));

#endif
