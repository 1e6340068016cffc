/* MLDv2 (RFC 9777) messages as AMT encapsulates them, in IPv6 with HBH. */
#ifndef MDCS_PROTO_MLD_H
#define MDCS_PROTO_MLD_H

/*
 * An encapsulated MLDv2 message is a whole IPv6 packet: link-local
 * source, hop limit 1, a Hop-by-Hop Options header with the Router Alert
 * option (RFC 2711, value 0: MLD), then ICMPv6.  The General Query goes to
 * ff02::1, Reports to ff02::16.  The ICMPv6 checksum covers the IPv6
 * pseudo-header.  docs/wire-format.md shows both.
 */

#include <linux/types.h>

#define MLD_QUERY_TYPE	   130
#define MLD2_REPORT_TYPE   143
#define MLD_HOP_LIMIT	   1
#define IPPROTO_HBH	   0
#define IPPROTO_ICMPV6_MLD 58

/* Hop-by-Hop Options header: Router Alert (MLD) and a PadN of 0. */
struct mld_hbh {
	__u8 nexthdr;	 /* IPPROTO_ICMPV6_MLD */
	__u8 hdrlen;	 /* 0: 8 octets */
	__u8 ra_type;	 /* 5 */
	__u8 ra_len;	 /* 2 */
	__be16 ra_value; /* 0: MLD */
	__u8 padn_type;	 /* 1 */
	__u8 padn_len;	 /* 0 */
} __attribute__((packed));

#define MLD_HBH_INIT                                                           \
	{                                                                      \
		IPPROTO_ICMPV6_MLD, 0, 5, 2, 0, 1, 0                           \
	}

/* MLDv2 Query (RFC 9777, 5.1), without sources in a General Query. */
struct mld2_query {
	__u8 type; /* MLD_QUERY_TYPE */
	__u8 code;
	__be16 csum;
	__be16 max_resp_code; /* ms */
	__be16 reserved;
	__u8 group[16]; /* :: in a General Query */
	__u8 s_qrv;	/* S flag, robustness variable (low 3 bits) */
	__u8 qqic;	/* query interval, s (exact up to 127) */
	__be16 nsources;
} __attribute__((packed));

/* MLDv2 Report (RFC 9777, 5.2): a header, then nrecords records. */
struct mld2_report {
	__u8 type; /* MLD2_REPORT_TYPE */
	__u8 reserved1;
	__be16 csum;
	__be16 reserved2;
	__be16 nrecords;
} __attribute__((packed));

/* One record: then nsources source addresses and aux_len 32-bit words. */
struct mld2_record {
	__u8 type; /* enum mld2_record_type */
	__u8 aux_len;
	__be16 nsources;
	__u8 group[16];
} __attribute__((packed));

enum mld2_record_type {
	MLD2_MODE_IS_INCLUDE = 1,
	MLD2_MODE_IS_EXCLUDE = 2,
	MLD2_CHANGE_TO_INCLUDE = 3,
	MLD2_CHANGE_TO_EXCLUDE = 4,
	MLD2_ALLOW_NEW_SOURCES = 5,
	MLD2_BLOCK_OLD_SOURCES = 6,
};

/* ff02::1 and ff02::16, where queries and reports go. */
#define MLD_ALL_NODES                                                          \
	{                                                                      \
		0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1              \
	}
#define MLD2_ALL_ROUTERS                                                       \
	{                                                                      \
		0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x16           \
	}

#endif
