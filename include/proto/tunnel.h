/* Tunnel framing between RPs: outer IPv6/UDP carrying AMT data messages. */
#ifndef MDCS_PROTO_TUNNEL_H
#define MDCS_PROTO_TUNNEL_H

/*
 * Group traffic between RPs travels as AMT Multicast Data messages
 * (RFC 7450, section 5.1.6) over unicast IPv6/UDP, so that any AMT-aware
 * decoder (tshark, Wireshark) shows the inner (S,G) packet.  The same UDP
 * port carries the RP-RP control protocol (proto/control.h); its first octet
 * can never be a version-0 AMT type, which is how the two are told apart.
 * docs/wire-format.md describes every byte.
 */

#include <linux/types.h>

#include "amt.h"

#define MDCS_TUNNEL_PORT 2268 /* IANA port of AMT */

#define MDCS_IP6_HLEN 40
#define MDCS_UDP_HLEN 8
#define MDCS_ETH_HLEN 14

/* What encapsulation puts in front of the inner IPv6 packet. */
#define MDCS_ENCAP_LEN                                                         \
	(MDCS_IP6_HLEN + MDCS_UDP_HLEN + (int)sizeof(struct amt_data_hdr))

/* The smallest inner packet is a bare IPv6 header. */
#define MDCS_INNER_MIN MDCS_IP6_HLEN

/*
 * Largest inner packet a tunnel carries by default: an outer IPv6 packet of
 * 1500 octets (the usual Ethernet MTU) minus the encapsulation.
 */
#define MDCS_INNER_MTU_DEFAULT (1500 - MDCS_ENCAP_LEN)
#define MDCS_INNER_MTU_MAX     9000

#endif
