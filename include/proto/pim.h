/* PIM-SM version 2 (RFC 7761) messages that rpd speaks on the overlay link. */
#ifndef MDCS_PROTO_PIM_H
#define MDCS_PROTO_PIM_H

/*
 * rpd is pim6d's only neighbor on the overlay link: it sends Hellos and
 * Join/Prune(S,G), and reads pim6d's.  Only the IPv6 address family and
 * native encoding are used.
 */

#include <stdint.h>

#define PIM_PROTO   103
#define PIM_VERSION 2

enum pim_type {
	PIM_HELLO = 0,
	PIM_JOIN_PRUNE = 3,
};

struct pim_hdr {
	uint8_t ver_type; /* version << 4 | type */
	uint8_t reserved;
	uint16_t checksum; /* over an IPv6 pseudo-header and the message */
} __attribute__((packed));

/* Hello options (section 4.9.2) */
enum pim_hello_option {
	PIM_OPT_HOLDTIME = 1,
	PIM_OPT_LAN_PRUNE_DELAY = 2,
	PIM_OPT_DR_PRIORITY = 19,
	PIM_OPT_GENERATION_ID = 20,
	PIM_OPT_ADDRESS_LIST = 24,
};

struct pim_option {
	uint16_t type;
	uint16_t length;
} __attribute__((packed));

#define PIM_AF_IPV6    2
#define PIM_ENC_NATIVE 0

/* Encoded-Unicast address, IPv6 (section 4.9.1) */
struct pim_enc_unicast {
	uint8_t family;
	uint8_t encoding;
	uint8_t addr[16];
} __attribute__((packed));

/* Encoded-Group address, IPv6 */
struct pim_enc_group {
	uint8_t family;
	uint8_t encoding;
	uint8_t flags; /* B, reserved, Z, admin scope */
	uint8_t mask_len;
	uint8_t addr[16];
} __attribute__((packed));

#define PIM_SRC_S 0x04 /* sparse bit, always set */
#define PIM_SRC_W 0x02 /* wildcard: (*,G) */
#define PIM_SRC_R 0x01 /* RPT */

/* Encoded-Source address, IPv6 */
struct pim_enc_source {
	uint8_t family;
	uint8_t encoding;
	uint8_t flags; /* reserved, S, W, R */
	uint8_t mask_len;
	uint8_t addr[16];
} __attribute__((packed));

struct pim_jp_hdr {
	struct pim_enc_unicast upstream;
	uint8_t reserved;
	uint8_t num_groups;
	uint16_t holdtime; /* seconds, network order */
} __attribute__((packed));

struct pim_jp_group {
	struct pim_enc_group group;
	uint16_t num_joined; /* network order */
	uint16_t num_pruned; /* network order */
} __attribute__((packed));

/* RFC 7761 default timers, section 4.11 */
#define PIM_HELLO_PERIOD   30
#define PIM_HELLO_HOLDTIME 105
#define PIM_JP_PERIOD	   60
#define PIM_JP_HOLDTIME	   210

#endif
