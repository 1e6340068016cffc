/*
 * The simulator's NAT66 and firewall boxes (sim/netmodel.c): each profile's
 * mapping and filtering, conntrack's timeouts, port preservation, the flow
 * cap, and the hole punching matrix measured with nftables, reproduced by
 * punching between two boxes.
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netmodel.h"
#include "runner.h"

#define INSIDE	"fd00::10"
#define INSIDE2 "fd00::11"
#define GLOBAL	"2001:db8:1::10" /* the host's own, without a NAT */
#define PUBLIC	"2001:db8:1::1"	 /* the NAT's */
#define REM_X	"2001:db8:2::1"
#define REM_Z	"2001:db8:3::1"
#define PORT	5000

static void addr(uint8_t a[16], const char *s)
{
	ck_assert(inet_pton(AF_INET6, s, a) == 1);
}

static struct nm_ep ep(const char *a, uint16_t port)
{
	struct nm_ep e;

	addr(e.addr, a);
	e.port = port;
	return e;
}

static bool ep_eq(const struct nm_ep *a, const struct nm_ep *b)
{
	return a->port == b->port && !memcmp(a->addr, b->addr, 16);
}

static bool ep_is(const struct nm_ep *e, const char *a, uint16_t port)
{
	struct nm_ep want = ep(a, port);

	return ep_eq(e, &want);
}

/* One host behind a box of profile p, with the addresses that fit. */
struct bed {
	struct nm_box *box;
	struct nm_ep host;
	const char *outside; /* the address the world sends to */
};

static void bed_init(struct bed *t, enum nm_profile p,
		     const struct nm_params *par, uint64_t seed)
{
	uint8_t in[16], pub[16];
	bool nat = nm_translates(p);

	t->host = ep(nat ? INSIDE : GLOBAL, PORT);
	t->outside = nat ? PUBLIC : GLOBAL;
	addr(in, nat ? INSIDE : GLOBAL);
	addr(pub, PUBLIC);
	t->box = nm_box_new(p, in, nat ? pub : NULL, seed, par);
	ck_assert_ptr_nonnull(t->box);
}

static struct nm_ep out(struct bed *t, uint64_t now, const struct nm_ep *src,
			const struct nm_ep *dst)
{
	struct nm_ep o;

	ck_assert_int_eq(nm_box_out(t->box, now, src, dst, &o), 0);
	return o;
}

/* Does a packet from src to dst get in, and to the host? */
static bool in(struct bed *t, uint64_t now, const struct nm_ep *src,
	       const struct nm_ep *dst)
{
	struct nm_ep d;

	if (!nm_box_in(t->box, now, src, dst, &d))
		return false;
	ck_assert(ep_eq(&d, &t->host));
	return true;
}

START_TEST(profile_names)
{
	enum nm_profile q;

	for (unsigned i = 0; i < NM_PROFILES; i++) {
		const char *n = nm_profile_name((enum nm_profile)i);

		ck_assert_ptr_nonnull(n);
		ck_assert(nm_profile_parse(n, &q));
		ck_assert_uint_eq(q, i);
		for (unsigned j = 0; j < i; j++)
			ck_assert_str_ne(n,
					 nm_profile_name((enum nm_profile)j));
	}
	ck_assert_str_eq(nm_profile_name(NM_OPEN), "open");
	ck_assert_str_eq(nm_profile_name(NM_FULL_CONE), "full-cone");
	ck_assert_ptr_null(nm_profile_name(NM_PROFILES));
	ck_assert(!nm_profile_parse("cone", &q));
	ck_assert(!nm_profile_parse("", &q));
}
END_TEST

/* The table the profiles were measured from. */
START_TEST(profile_kinds)
{
	static const struct {
		enum nm_mapping map;
		enum nm_filtering filt;
	} want[NM_PROFILES] = {
		[NM_OPEN] = { NM_MAP_NONE, NM_FILT_NONE },
		[NM_FW_EIF] = { NM_MAP_NONE, NM_FILT_EIF },
		[NM_FULL_CONE] = { NM_MAP_EIM, NM_FILT_EIF },
		[NM_RESTRICTED_CONE] = { NM_MAP_EIM, NM_FILT_ADF },
		[NM_PORT_RESTRICTED_CONE] = { NM_MAP_EIM, NM_FILT_APDF },
		[NM_NAT66] = { NM_MAP_EIM, NM_FILT_APDF },
		[NM_FW_APDF] = { NM_MAP_NONE, NM_FILT_APDF },
		[NM_SYMMETRIC] = { NM_MAP_APDM, NM_FILT_APDF },
	};

	for (unsigned i = 0; i < NM_PROFILES; i++) {
		enum nm_profile p = (enum nm_profile)i;

		ck_assert_int_eq(nm_profile_mapping(p), want[i].map);
		ck_assert_int_eq(nm_profile_filtering(p), want[i].filt);
		ck_assert(nm_translates(p) == (want[i].map != NM_MAP_NONE));
	}
}
END_TEST

START_TEST(box_new_rejects)
{
	struct nm_params par;
	uint8_t a[16];

	addr(a, INSIDE);
	nm_params_default(&par);
	ck_assert_uint_eq(par.unreplied_ms, 30000);
	ck_assert_uint_eq(par.replied_ms, 120000);
	ck_assert_uint_eq(par.stream_ms, 2000);
	par.max_flows = 0;
	ck_assert_ptr_null(nm_box_new(NM_NAT66, a, a, 1, &par));
	ck_assert_ptr_null(nm_box_new(NM_NAT66, a, NULL, 1, NULL));
	ck_assert_ptr_null(nm_box_new(NM_PROFILES, a, a, 1, NULL));
	nm_box_free(NULL);
}
END_TEST

/* One outside endpoint for every destination, or one per destination. */
START_TEST(mapping_per_profile)
{
	enum nm_profile p = (enum nm_profile)_i;
	struct nm_ep x = ep(REM_X, 1000), z = ep(REM_Z, 1000);
	struct nm_ep o1, o2, o3;
	struct bed t;

	bed_init(&t, p, NULL, 7);
	o1 = out(&t, 0, &t.host, &x);
	o2 = out(&t, 10, &t.host, &z);
	o3 = out(&t, 20, &t.host, &x);
	ck_assert(ep_eq(&o1, &o3));
	switch (nm_profile_mapping(p)) {
	case NM_MAP_NONE:
		ck_assert(ep_eq(&o1, &t.host));
		ck_assert(ep_eq(&o2, &t.host));
		break;
	case NM_MAP_EIM:
		ck_assert(ep_is(&o1, PUBLIC, PORT));
		ck_assert(ep_is(&o2, PUBLIC, PORT));
		break;
	case NM_MAP_APDM:
		ck_assert(!memcmp(o1.addr, o2.addr, 16));
		ck_assert(ep_is(&o1, PUBLIC, o1.port));
		ck_assert_uint_ne(o1.port, o2.port);
		ck_assert_uint_ge(o1.port, 1024);
		ck_assert_uint_ge(o2.port, 1024);
		break;
	}
	ck_assert_uint_eq(nm_box_flows(t.box, 20), p == NM_OPEN ? 0 : 2);
	nm_box_free(t.box);
}
END_TEST

/*
 * After the host sent to X: X itself, a new port of X, a new address, and
 * a port nobody inside used.
 */
START_TEST(filtering_per_profile)
{
	enum nm_profile p = (enum nm_profile)_i;
	enum nm_filtering f = nm_profile_filtering(p);
	struct nm_ep x = ep(REM_X, 1000), x2 = ep(REM_X, 1001);
	struct nm_ep z = ep(REM_Z, 1000), e, unused, d;
	struct bed t;

	bed_init(&t, p, NULL, 7);
	e = out(&t, 0, &t.host, &x);
	ck_assert(in(&t, 100, &x, &e));
	ck_assert(in(&t, 200, &x2, &e) ==
		  (f == NM_FILT_NONE || f == NM_FILT_EIF || f == NM_FILT_ADF));
	ck_assert(in(&t, 300, &z, &e) ==
		  (f == NM_FILT_NONE || f == NM_FILT_EIF));

	/* only the full cone's DNAT of all ports lets it in, port kept */
	unused = ep(t.outside, PORT + 1);
	if (nm_box_in(t.box, 400, &z, &unused, &d))
		ck_assert(ep_is(&d, p == NM_OPEN ? GLOBAL : INSIDE, PORT + 1));
	else
		ck_assert(p != NM_OPEN && p != NM_FULL_CONE);
	nm_box_free(t.box);
}
END_TEST

/* Unsolicited packets go, silently and without a trace on the mapping. */
START_TEST(unsolicited_leaves_no_state)
{
	enum nm_profile p = (enum nm_profile)_i;
	struct nm_ep x = ep(REM_X, 1000), z = ep(REM_Z, 1000);
	struct nm_ep dst, o;
	struct bed t;
	bool passed;

	bed_init(&t, p, NULL, 7);
	dst = ep(t.outside, PORT);
	passed = in(&t, 0, &z, &dst);
	ck_assert(passed == (p == NM_OPEN || p == NM_FULL_CONE));
	if (!passed)
		ck_assert_uint_eq(nm_box_flows(t.box, 0), 0);
	o = out(&t, 10, &t.host, &x);
	if (nm_profile_mapping(p) == NM_MAP_EIM)
		ck_assert(ep_is(&o, PUBLIC, PORT));
	/* and the early punch did not open anything either */
	if (p != NM_OPEN && p != NM_FULL_CONE && p != NM_FW_EIF)
		ck_assert(!in(&t, 20, &z, &o));
	nm_box_free(t.box);
}
END_TEST

/* A symmetric box's port answers the one destination it was made for. */
START_TEST(symmetric_filters_per_mapping)
{
	struct nm_ep x = ep(REM_X, 1000), z = ep(REM_Z, 1000);
	struct nm_ep ox, oz;
	struct bed t;

	bed_init(&t, NM_SYMMETRIC, NULL, 3);
	ox = out(&t, 0, &t.host, &x);
	oz = out(&t, 0, &t.host, &z);
	ck_assert(!in(&t, 10, &z, &ox));
	ck_assert(!in(&t, 10, &x, &oz));
	ck_assert(in(&t, 20, &x, &ox));
	ck_assert(in(&t, 20, &z, &oz));
	nm_box_free(t.box);
}
END_TEST

static const enum nm_profile eim[] = { NM_FULL_CONE, NM_RESTRICTED_CONE,
				       NM_PORT_RESTRICTED_CONE, NM_NAT66 };

/*
 * Two inside hosts with the same port: the second gets another public port,
 * and the port is preserved again once the first mapping is gone.
 */
START_TEST(port_preserved_unless_taken)
{
	struct nm_ep x = ep(REM_X, 1000), h2 = ep(INSIDE2, PORT);
	struct nm_ep o1, o2, d;
	struct bed t;

	bed_init(&t, eim[_i], NULL, 11);
	o1 = out(&t, 0, &t.host, &x);
	ck_assert(ep_is(&o1, PUBLIC, PORT));
	o2 = out(&t, 0, &h2, &x);
	ck_assert(ep_is(&o2, PUBLIC, o2.port));
	ck_assert_uint_ne(o2.port, PORT);
	ck_assert_uint_ge(o2.port, 1024);
	ck_assert(nm_box_in(t.box, 10, &x, &o2, &d));
	ck_assert(ep_eq(&d, &h2));
	ck_assert(in(&t, 10, &x, &o1));

	/* both expire; the second host now comes first */
	ck_assert_uint_eq(nm_box_flows(t.box, 30010), 0);
	o2 = out(&t, 30010, &h2, &x);
	ck_assert(ep_is(&o2, PUBLIC, PORT));
	o1 = out(&t, 30010, &t.host, &x);
	ck_assert_uint_ne(o1.port, PORT);
	nm_box_free(t.box);
}
END_TEST

/* Masquerade finds the same port again; fully-random draws a new one. */
START_TEST(port_after_expiry)
{
	struct nm_ep x = ep(REM_X, 1000), o1, o2;
	struct bed t;

	bed_init(&t, NM_NAT66, NULL, 5);
	o1 = out(&t, 0, &t.host, &x);
	ck_assert_uint_eq(nm_box_flows(t.box, 30000), 0);
	o2 = out(&t, 40000, &t.host, &x);
	ck_assert(ep_eq(&o1, &o2));
	ck_assert(ep_is(&o2, PUBLIC, PORT));
	nm_box_free(t.box);

	bed_init(&t, NM_SYMMETRIC, NULL, 5);
	o1 = out(&t, 0, &t.host, &x);
	o2 = out(&t, 29999, &t.host, &x);
	ck_assert(ep_eq(&o1, &o2));
	ck_assert_uint_eq(nm_box_flows(t.box, 59999), 0);
	o2 = out(&t, 60000, &t.host, &x);
	ck_assert_uint_ne(o1.port, o2.port);
	nm_box_free(t.box);
}
END_TEST

/* Every public port once, then no more. */
START_TEST(symmetric_port_exhaustion)
{
	struct nm_params par;
	struct nm_ep d = ep(REM_X, 0), o;
	struct bed t;
	uint8_t *seen = calloc(65536, 1);
	unsigned n = 65536 - 1024;

	ck_assert_ptr_nonnull(seen);
	nm_params_default(&par);
	par.max_flows = 100000;
	bed_init(&t, NM_SYMMETRIC, &par, 9);
	for (unsigned i = 0; i < n; i++) {
		d.port = (uint16_t)i;
		d.addr[15] = (uint8_t)(i >> 16);
		o = out(&t, 0, &t.host, &d);
		ck_assert_uint_ge(o.port, 1024);
		ck_assert(!seen[o.port]);
		seen[o.port] = 1;
	}
	d.addr[15] = 0xff;
	ck_assert_int_eq(nm_box_out(t.box, 0, &t.host, &d, &o), -1);
	ck_assert_uint_eq(nm_box_flows(t.box, 0), n);
	/* room again once they expire */
	ck_assert_int_eq(nm_box_out(t.box, 30000, &t.host, &d, &o), 0);
	ck_assert_uint_eq(nm_box_flows(t.box, 30000), 1);
	nm_box_free(t.box);
	free(seen);
}
END_TEST

/* 30 s without a reply, for every box that keeps state. */
START_TEST(timeout_unreplied)
{
	enum nm_profile p = (enum nm_profile)(_i + 1);
	struct nm_ep x = ep(REM_X, 1000), e;
	struct bed t;

	bed_init(&t, p, NULL, 1);
	e = out(&t, 0, &t.host, &x);
	ck_assert_uint_eq(nm_box_flows(t.box, 29999), 1);
	ck_assert_uint_eq(nm_box_flows(t.box, 30000), 0);
	/* the answer comes too late; the full cone lets it in anyway */
	ck_assert(in(&t, 30000, &x, &e) == (p == NM_FULL_CONE));
	nm_box_free(t.box);

	bed_init(&t, p, NULL, 1);
	e = out(&t, 0, &t.host, &x);
	ck_assert(in(&t, 29999, &x, &e));
	nm_box_free(t.box);
}
END_TEST

/* Traffic either way restarts the timeout. */
START_TEST(timeout_refresh)
{
	struct nm_ep x = ep(REM_X, 1000), e;
	struct bed t;

	bed_init(&t, NM_NAT66, NULL, 1);
	e = out(&t, 0, &t.host, &x);
	out(&t, 20000, &t.host, &x);
	ck_assert_uint_eq(nm_box_flows(t.box, 49999), 1);
	ck_assert(in(&t, 49999, &x, &e));
	/* replied now, and the flow is older than 2 s: 120 s */
	ck_assert_uint_eq(nm_box_flows(t.box, 169998), 1);
	ck_assert_uint_eq(nm_box_flows(t.box, 169999), 0);
	nm_box_free(t.box);

	bed_init(&t, NM_NAT66, NULL, 1);
	out(&t, 0, &t.host, &x);
	out(&t, 20000, &t.host, &x);
	ck_assert_uint_eq(nm_box_flows(t.box, 50000), 0);
	nm_box_free(t.box);
}
END_TEST

/*
 * 120 s once replied, but only for packets after the flow's first 2 s, as
 * in nf_conntrack_udp_packet(): a quick query and answer stay at 30 s.
 */
START_TEST(timeout_replied)
{
	struct nm_params par;
	struct nm_ep x = ep(REM_X, 1000), e;
	struct bed t;

	bed_init(&t, NM_PORT_RESTRICTED_CONE, NULL, 1);
	e = out(&t, 0, &t.host, &x);
	ck_assert(in(&t, 100, &x, &e));
	ck_assert_uint_eq(nm_box_flows(t.box, 30099), 1);
	ck_assert(!in(&t, 30100, &x, &e));
	nm_box_free(t.box);

	/* a packet after 2 s makes it a stream */
	bed_init(&t, NM_PORT_RESTRICTED_CONE, NULL, 1);
	e = out(&t, 0, &t.host, &x);
	ck_assert(in(&t, 100, &x, &e));
	out(&t, 2100, &t.host, &x);
	ck_assert(in(&t, 122099, &x, &e));
	/* and it stays one: every packet gives 120 s from then on */
	out(&t, 200000, &t.host, &x);
	ck_assert_uint_eq(nm_box_flows(t.box, 319999), 1);
	ck_assert_uint_eq(nm_box_flows(t.box, 320000), 0);
	nm_box_free(t.box);

	/* the first reply itself, if late enough */
	bed_init(&t, NM_FW_APDF, NULL, 1);
	e = out(&t, 0, &t.host, &x);
	ck_assert(in(&t, 2000, &x, &e));
	ck_assert_uint_eq(nm_box_flows(t.box, 121999), 1);
	ck_assert_uint_eq(nm_box_flows(t.box, 122000), 0);
	nm_box_free(t.box);

	/* stream_ms 0: 120 s from the first reply on */
	nm_params_default(&par);
	par.stream_ms = 0;
	bed_init(&t, NM_NAT66, &par, 1);
	e = out(&t, 0, &t.host, &x);
	ck_assert(in(&t, 100, &x, &e));
	ck_assert_uint_eq(nm_box_flows(t.box, 120099), 1);
	ck_assert_uint_eq(nm_box_flows(t.box, 120100), 0);
	nm_box_free(t.box);
}
END_TEST

/* The simulator shortens the timeouts. */
START_TEST(timeout_custom)
{
	struct nm_params par = { .unreplied_ms = 1000,
				 .replied_ms = 5000,
				 .stream_ms = 0,
				 .max_flows = 8 };
	struct nm_ep x = ep(REM_X, 1000), e;
	struct bed t;

	bed_init(&t, NM_SYMMETRIC, &par, 1);
	e = out(&t, 0, &t.host, &x);
	ck_assert(!in(&t, 1000, &x, &e));
	e = out(&t, 2000, &t.host, &x);
	ck_assert(in(&t, 2500, &x, &e));
	ck_assert(in(&t, 7499, &x, &e));
	ck_assert(!in(&t, 12499, &x, &e));
	nm_box_free(t.box);
}
END_TEST

/* Past the cap the oldest unreplied flow goes first, replied ones last. */
START_TEST(flow_cap)
{
	struct nm_params par;
	struct nm_ep d[6], e;
	struct bed t;

	for (unsigned i = 0; i < 6; i++)
		d[i] = ep(REM_X, (uint16_t)(1000 + i));
	nm_params_default(&par);
	par.max_flows = 4;
	bed_init(&t, NM_PORT_RESTRICTED_CONE, &par, 1);
	for (unsigned i = 0; i < 6; i++)
		e = out(&t, i, &t.host, &d[i]);
	ck_assert_uint_eq(nm_box_flows(t.box, 10), 4);
	ck_assert(!in(&t, 10, &d[0], &e));
	ck_assert(!in(&t, 10, &d[1], &e));
	ck_assert(in(&t, 10, &d[2], &e));
	ck_assert(in(&t, 10, &d[5], &e));
	nm_box_free(t.box);

	par.max_flows = 3;
	bed_init(&t, NM_PORT_RESTRICTED_CONE, &par, 1);
	e = out(&t, 0, &t.host, &d[0]);
	ck_assert(in(&t, 3000, &d[0], &e));
	for (unsigned i = 1; i <= 3; i++)
		out(&t, 3000 + i, &t.host, &d[i]);
	ck_assert_uint_eq(nm_box_flows(t.box, 3010), 3);
	ck_assert(in(&t, 3010, &d[0], &e));
	ck_assert(!in(&t, 3010, &d[1], &e));
	ck_assert(in(&t, 3010, &d[3], &e));
	nm_box_free(t.box);

	/* all replied: the new flow stays, the oldest replied one goes */
	par.max_flows = 2;
	bed_init(&t, NM_PORT_RESTRICTED_CONE, &par, 1);
	e = out(&t, 0, &t.host, &d[0]);
	ck_assert(in(&t, 3000, &d[0], &e));
	out(&t, 3001, &t.host, &d[1]);
	ck_assert(in(&t, 5002, &d[1], &e));
	out(&t, 5003, &t.host, &d[2]);
	ck_assert_uint_eq(nm_box_flows(t.box, 5010), 2);
	ck_assert(in(&t, 5010, &d[2], &e));
	ck_assert(in(&t, 5010, &d[1], &e));
	ck_assert(!in(&t, 5010, &d[0], &e));
	nm_box_free(t.box);
}
END_TEST

/* Enough flows to grow the tables; every one still found. */
START_TEST(many_flows)
{
	struct nm_params par;
	struct nm_ep d = ep(REM_X, 0), e, z = ep(REM_Z, 1);
	struct bed t;
	unsigned n = 3000;

	nm_params_default(&par);
	par.max_flows = 5000;
	bed_init(&t, NM_NAT66, &par, 1);
	for (unsigned i = 0; i < n; i++) {
		d.addr[14] = (uint8_t)(i >> 8);
		d.addr[15] = (uint8_t)i;
		d.port = (uint16_t)(i * 7);
		e = out(&t, i, &t.host, &d);
		ck_assert(ep_is(&e, PUBLIC, PORT));
	}
	ck_assert_uint_eq(nm_box_flows(t.box, n), n);
	for (unsigned i = 0; i < n; i++) {
		d.addr[14] = (uint8_t)(i >> 8);
		d.addr[15] = (uint8_t)i;
		d.port = (uint16_t)(i * 7);
		ck_assert(in(&t, n, &d, &e));
		d.port++;
		ck_assert(!in(&t, n, &d, &e));
	}
	ck_assert(!in(&t, n, &z, &e));
	ck_assert_uint_eq(nm_box_flows(t.box, n), n);
	nm_box_free(t.box);
}
END_TEST

/*
 * The measured results: P punched, L punched only with latching, R relay.
 * Rows and columns in enum nm_profile order; the table is symmetric.
 */
static const char measured[NM_PROFILES][NM_PROFILES + 1] = {
	/* OPEN FW-EIF FC RC PRC NAT66 FW-APDF SYM */
	[NM_OPEN] = "PPPPPPPL",
	[NM_FW_EIF] = "PPPPPPPL",
	[NM_FULL_CONE] = "PPPPPPPL",
	[NM_RESTRICTED_CONE] = "PPPPPPPL",
	[NM_PORT_RESTRICTED_CONE] = "PPPPPPPR",
	[NM_NAT66] = "PPPPPPPR",
	[NM_FW_APDF] = "PPPPPPPR",
	[NM_SYMMETRIC] = "LLLLRRRR",
};

/* An RP behind its box, punching towards target. */
struct rp {
	struct nm_box *box;
	struct nm_ep host;
	uint8_t outside[16];
	struct nm_ep target;
	bool latched;
};

static void rp_init(struct rp *r, enum nm_profile p, unsigned site,
		    uint64_t seed)
{
	char inside[INET6_ADDRSTRLEN], global[INET6_ADDRSTRLEN];
	uint8_t a[16];

	snprintf(inside, sizeof(inside), "fd00:%x::10", site);
	snprintf(global, sizeof(global), "2001:db8:%x::10", site);
	r->host =
		ep(nm_translates(p) ? inside : global, (uint16_t)(4000 + site));
	addr(r->outside, global);
	addr(a, inside);
	r->box = nm_box_new(p, nm_translates(p) ? a : r->outside, r->outside,
			    seed, NULL);
	ck_assert_ptr_nonnull(r->box);
	r->latched = false;
}

/* Ask the third host what our endpoint looks like from outside. */
static struct nm_ep reflexive(struct rp *r, uint64_t now)
{
	struct nm_ep server = ep("2001:db8:ffff::1", 3478), refl, d;

	ck_assert_int_eq(nm_box_out(r->box, now, &r->host, &server, &refl), 0);
	ck_assert(nm_box_in(r->box, now + 20, &server, &refl, &d));
	ck_assert(ep_eq(&d, &r->host));
	return refl;
}

/* One packet from one RP to the other; latching replies to its source. */
static bool rp_send(struct rp *from, struct rp *to, uint64_t now, bool latch)
{
	struct nm_ep src, d;

	ck_assert_int_eq(
		nm_box_out(from->box, now, &from->host, &from->target, &src),
		0);
	ck_assert(!memcmp(from->target.addr, to->outside, 16));
	if (!nm_box_in(to->box, now + 10, &src, &from->target, &d))
		return false;
	ck_assert(ep_eq(&d, &to->host));
	if (latch && !to->latched) {
		to->target = src;
		to->latched = true;
	}
	return true;
}

#define ROUNDS 4

/* Both directions get through by the last round. */
static bool punch(enum nm_profile pa, enum nm_profile pb, bool latch,
		  bool a_first, uint64_t seed)
{
	struct rp a, b, *x = a_first ? &a : &b, *y = a_first ? &b : &a;
	bool xy = false, yx = false;

	rp_init(&a, pa, 1, seed);
	rp_init(&b, pb, 2, seed + 1);
	b.target = reflexive(&a, 0);
	a.target = reflexive(&b, 0);
	for (unsigned r = 0; r < ROUNDS; r++) {
		uint64_t t = 1000 + 500 * r;

		xy = rp_send(x, y, t, latch);
		yx = rp_send(y, x, t + 250, latch);
	}
	nm_box_free(a.box);
	nm_box_free(b.box);
	return xy && yx;
}

START_TEST(punch_matrix)
{
	enum nm_profile pa = (enum nm_profile)(_i / NM_PROFILES);
	enum nm_profile pb = (enum nm_profile)(_i % NM_PROFILES);
	static const char rule[] = {
		[NM_PUNCH] = 'P', [NM_PUNCH_LATCH] = 'L', [NM_RELAY] = 'R'
	};
	char want = measured[pa][pb];

	ck_assert_int_eq(want, measured[pb][pa]);
	for (int first = 0; first < 2; first++) {
		bool plain = punch(pa, pb, false, first, (uint64_t)_i * 4);
		bool latching = punch(pa, pb, true, first, (uint64_t)_i * 4);
		char got = plain ? 'P' : latching ? 'L' : 'R';

		/* latching never hurts */
		ck_assert(!plain || latching);
		ck_assert_msg(got == want,
			      "%s vs %s, %s first: %c, measured %c",
			      nm_profile_name(pa), nm_profile_name(pb),
			      first ? "a" : "b", got, want);
	}
	ck_assert_int_eq(rule[nm_traversal(pa, pb)], want);
}
END_TEST

static Suite *netmodel_suite(void)
{
	Suite *s = suite_create("netmodel");
	TCase *p = tcase_create("profile"), *m = tcase_create("mapping");
	TCase *f = tcase_create("filtering"), *t = tcase_create("timeout");
	TCase *c = tcase_create("cap"), *h = tcase_create("punch");

	tcase_add_test(p, profile_names);
	tcase_add_test(p, profile_kinds);
	tcase_add_test(p, box_new_rejects);
	suite_add_tcase(s, p);

	tcase_add_loop_test(m, mapping_per_profile, 0, NM_PROFILES);
	tcase_add_loop_test(m, port_preserved_unless_taken, 0,
			    sizeof(eim) / sizeof(eim[0]));
	tcase_add_test(m, port_after_expiry);
	tcase_add_test(m, symmetric_port_exhaustion);
	tcase_set_timeout(m, 60);
	suite_add_tcase(s, m);

	tcase_add_loop_test(f, filtering_per_profile, 0, NM_PROFILES);
	tcase_add_loop_test(f, unsolicited_leaves_no_state, 0, NM_PROFILES);
	tcase_add_test(f, symmetric_filters_per_mapping);
	suite_add_tcase(s, f);

	/* every profile but OPEN */
	tcase_add_loop_test(t, timeout_unreplied, 0, NM_PROFILES - 1);
	tcase_add_test(t, timeout_refresh);
	tcase_add_test(t, timeout_replied);
	tcase_add_test(t, timeout_custom);
	suite_add_tcase(s, t);

	tcase_add_test(c, flow_cap);
	tcase_add_test(c, many_flows);
	suite_add_tcase(s, c);

	tcase_add_loop_test(h, punch_matrix, 0, NM_PROFILES * NM_PROFILES);
	suite_add_tcase(s, h);
	return s;
}

CHECK_MAIN(netmodel_suite)
