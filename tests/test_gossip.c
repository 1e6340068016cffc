/*
 * The gossip baseline (baseline/gossip.c, baseline/mdcs-gossip): its
 * datagrams byte by byte, malformed ones dropped, the choice of who gets
 * a message in full and who its id, duplicates, REQUESTs and their
 * timeouts, the stores' bounds; the gossipsub-style mesh's GRAFT, PRUNE
 * and IHAVE, its mending and gossip; then 12 nodes gossiping over UDP
 * sockets on ::1 within the test, both ways, and the tool run as 4
 * processes on ::1.
 */
#define _GNU_SOURCE /* pipe2 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sodium.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "gossip.h"
#include "proto/gossip.h"
#include "runner.h"

#define HDR_LEN	 sizeof(struct mdcs_gossip_hdr)
#define FULL_LEN sizeof(struct mdcs_gossip_full)
#define NO_PEER	 GOSSIP_MAX_PEERS

static struct gossip_out out;

static struct in6_addr addr(const char *s)
{
	struct in6_addr a;

	ck_assert_int_eq(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

/* The FULL of text from [2001:db8:1::7]:40000 into buf; its length. */
static size_t full_of(uint8_t *buf, const char *text)
{
	struct in6_addr pub = addr("2001:db8:1::7");
	ssize_t n = gossip_full_build(buf, GOSSIP_DATAGRAM_MAX, &pub, 40000,
				      text, strlen(text));

	ck_assert_int_eq(n, (ssize_t)(FULL_LEN + strlen(text)));
	return (size_t)n;
}

/* The datagram of type made of the FULL in full: its header alone. */
static void hdr_of(uint8_t *buf, const uint8_t *full, uint8_t type)
{
	memcpy(buf, full, HDR_LEN);
	buf[1] = type;
}

/* Each of n peers but except (NO_PEER: none) is sent one datagram: a
 * FULL to full of them, an ANNOUNCE to the others. */
static void check_spread(const struct gossip_out *o, unsigned n,
			 unsigned except, unsigned full)
{
	static bool hit[GOSSIP_MAX_PEERS];
	unsigned fulls = 0;

	memset(hit, 0, sizeof(hit));
	ck_assert_uint_eq(o->n, n - (except < n));
	for (size_t i = 0; i < o->n; i++) {
		const struct gossip_send *s = &o->send[i];

		ck_assert_uint_lt(s->peer, n);
		ck_assert_uint_ne(s->peer, except);
		ck_assert(!hit[s->peer]);
		hit[s->peer] = true;
		ck_assert_uint_eq(s->buf[1], s->type);
		if (s->type == MDCS_GOSSIP_FULL) {
			ck_assert_uint_ge(s->len, FULL_LEN);
			fulls++;
		} else {
			ck_assert_uint_eq(s->type, MDCS_GOSSIP_ANNOUNCE);
			ck_assert_uint_eq(s->len, HDR_LEN);
		}
	}
	ck_assert_uint_eq(fulls, full);
}

/* The one datagram out sends, to peer, of type. */
static const struct gossip_send *only_send(unsigned peer, uint8_t type)
{
	ck_assert_uint_eq(out.n, 1);
	ck_assert_uint_eq(out.send[0].peer, peer);
	ck_assert_uint_eq(out.send[0].type, type);
	return &out.send[0];
}

/* --- The wire format --- */

START_TEST(full_bytes)
{
	static const uint8_t pub[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0,
					 0,    0,    0,	   0,	 0, 0, 0, 7 };
	uint8_t buf[128], hashed[16 + 2 + 5], id[32];
	struct in6_addr p = addr("2001:db8:1::7");

	ck_assert_uint_eq(HDR_LEN, 36);
	ck_assert_uint_eq(FULL_LEN, 54);
	ck_assert_uint_eq(full_of(buf, "hello"), 59);
	ck_assert_uint_eq(buf[0], 1); /* version */
	ck_assert_uint_eq(buf[1], 1); /* FULL */
	ck_assert_uint_eq(buf[2], 0);
	ck_assert_uint_eq(buf[3], 0);
	ck_assert_mem_eq(buf + 36, pub, 16);
	ck_assert_uint_eq(buf[52], 40000 >> 8);
	ck_assert_uint_eq(buf[53], 40000 & 0xff);
	ck_assert_mem_eq(buf + 54, "hello", 5);
	/* the id: BLAKE2b-256 of publisher, port and message */
	memcpy(hashed, pub, 16);
	hashed[16] = 40000 >> 8;
	hashed[17] = 40000 & 0xff;
	memcpy(hashed + 18, "hello", 5);
	crypto_generichash(id, 32, hashed, sizeof(hashed), NULL, 0);
	ck_assert_mem_eq(buf + 4, id, 32);

	/* exactly full, one octet short, longer than UDP carries */
	ck_assert_int_eq(gossip_full_build(buf, 59, &p, 40000, "hello", 5), 59);
	ck_assert_int_eq(gossip_full_build(buf, 58, &p, 40000, "hello", 5), -1);
	ck_assert_int_eq(errno, EMSGSIZE);
	ck_assert_int_eq(gossip_full_build(buf, SIZE_MAX, &p, 40000, "",
					   GOSSIP_MESSAGE_MAX + 1),
			 -1);
	ck_assert_int_eq(errno, EMSGSIZE);
}
END_TEST

/* A published message's ANNOUNCE, and the REQUEST it brings back: the
 * header alone, naming the FULL's id. */
START_TEST(announce_request_bytes)
{
	static struct gossip a, b;
	struct in6_addr p = addr("2001:db8:1::7");
	uint8_t full[128], id[32];

	ck_assert_int_eq(gossip_init(&a, 2, 0, 1), 0);
	ck_assert_int_eq(gossip_init(&b, 2, 0, 2), 0);
	full_of(full, "hello");
	memcpy(id, full + 4, 32);
	ck_assert_int_eq(gossip_publish(&a, &p, 40000, "hello", 5, &out), 0);
	check_spread(&out, 2, NO_PEER, 0);
	ck_assert_uint_eq(out.send[0].buf[0], 1);
	ck_assert_uint_eq(out.send[0].buf[1], 2);
	ck_assert_uint_eq(out.send[0].buf[2] | out.send[0].buf[3], 0);
	ck_assert_mem_eq(out.send[0].buf + 4, id, 32);

	ck_assert_int_eq(
		gossip_input(&b, 1, out.send[0].buf, out.send[0].len, 0, &out),
		0);
	only_send(1, MDCS_GOSSIP_REQUEST);
	ck_assert_uint_eq(out.send[0].len, 36);
	ck_assert_uint_eq(out.send[0].buf[0], 1);
	ck_assert_uint_eq(out.send[0].buf[1], 3);
	ck_assert_uint_eq(out.send[0].buf[2] | out.send[0].buf[3], 0);
	ck_assert_mem_eq(out.send[0].buf + 4, id, 32);
	gossip_destroy(&a);
	gossip_destroy(&b);
}
END_TEST

/* Malformed datagrams, made of a valid FULL of "block" (59 octets). */
static const char *const malformed_kinds[] = {
	"empty",
	"header cut short",
	"FULL cut short",
	"version 0",
	"version 2",
	"type 0",
	"type 7",
	"reserved octet 2",
	"reserved octet 3",
	"FULL whose message is not its id's",
	"FULL whose id is not its message's",
	"ANNOUNCE too long",
	"REQUEST too long",
};

static size_t malformed(uint8_t *buf, int kind)
{
	uint8_t full[128];
	size_t len = full_of(full, "block");

	memcpy(buf, full, len);
	switch (kind) {
	case 0:
		return 0;
	case 1:
		hdr_of(buf, full, MDCS_GOSSIP_ANNOUNCE);
		return HDR_LEN - 1;
	case 2:
		return FULL_LEN - 1;
	case 3:
	case 4:
		buf[0] = kind == 3 ? 0 : 2;
		return len;
	case 5:
	case 6:
		buf[1] = kind == 5 ? 0 : 7;
		return len;
	case 7:
	case 8:
		buf[kind - 5] = kind == 7 ? 1 : 0x80;
		return len;
	case 9:
		buf[len - 1] ^= 1;
		return len;
	case 10:
		buf[4] ^= 0x80;
		return len;
	}
	hdr_of(buf, full,
	       kind == 11 ? MDCS_GOSSIP_ANNOUNCE : MDCS_GOSSIP_REQUEST);
	return HDR_LEN + 1;
}

/* Each malformed datagram is dropped and counted, nothing sent; the
 * message is not had for it: the valid FULL is delivered after. */
START_TEST(malformed_dropped)
{
	static struct gossip g;
	uint8_t buf[128], full[128];
	size_t len = malformed(buf, _i), full_len = full_of(full, "block");

	ck_assert_int_eq(gossip_init(&g, 3, 1, 1), 0);
	/* a REQUEST has something to be answered with if it is taken */
	ck_assert_int_eq(gossip_input(&g, 0, full, full_len, 0, &out), 0);
	ck_assert(out.deliver);
	memset(&g.stats, 0, sizeof(g.stats));

	ck_assert_msg(gossip_input(&g, 1, buf, len, 0, &out) == -1, "%s",
		      malformed_kinds[_i]);
	ck_assert_int_eq(errno, EBADMSG);
	ck_assert_uint_eq(out.n, 0);
	ck_assert(!out.deliver);
	ck_assert_uint_eq(g.stats.received[GOSSIP_MALFORMED].datagrams, 1);
	ck_assert_uint_eq(g.stats.received[GOSSIP_MALFORMED].octets, len);
	for (unsigned t = 1; t < GOSSIP_TYPES; t++) {
		ck_assert_uint_eq(g.stats.received[t].datagrams, 0);
		ck_assert_uint_eq(g.stats.sent[t].datagrams, 0);
	}
	ck_assert_uint_eq(g.stats.answered, 0);
	gossip_destroy(&g);

	/* a node that never had it takes the valid FULL after the bad one */
	ck_assert_int_eq(gossip_init(&g, 3, 1, 1), 0);
	ck_assert_int_eq(gossip_input(&g, 1, buf, len, 0, &out), -1);
	ck_assert_int_eq(gossip_input(&g, 0, full, full_len, 0, &out), 0);
	ck_assert(out.deliver);
	gossip_destroy(&g);
}
END_TEST

/* A peer index out of range is the caller's error, not a datagram's. */
START_TEST(unknown_peer_refused)
{
	static struct gossip g;
	uint8_t full[128];
	size_t len = full_of(full, "block");

	ck_assert_int_eq(gossip_init(&g, 3, 1, 1), 0);
	ck_assert_int_eq(gossip_input(&g, 3, full, len, 0, &out), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_uint_eq(out.n, 0);
	ck_assert_uint_eq(g.stats.received[MDCS_GOSSIP_FULL].datagrams, 0);
	gossip_destroy(&g);
	ck_assert_int_eq(gossip_init(&g, GOSSIP_MAX_PEERS + 1, 1, 1), -1);
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

/* --- The protocol --- */

START_TEST(sqrt_fanout)
{
	static const unsigned n[] = {
		0, 1, 2, 3, 4, 5, 11, 49, 50, 64, 65, 1024
	};
	static const unsigned k[] = { 0, 1, 2, 2, 2, 3, 4, 7, 8, 8, 9, 32 };

	for (size_t i = 0; i < sizeof(n) / sizeof(n[0]); i++)
		ck_assert_uint_eq(gossip_sqrt_fanout(n[i]), k[i]);
}
END_TEST

/* Peer counts for the fanout: none, one, fewer candidates than fanout
 * once the sender is out, the evaluation's 50, the most. */
static const unsigned fanout_peers[] = { 0, 1, 2, 3, 11, 50, 1024 };

/*
 * Published: ceil(sqrt(n)) distinct peers get the FULL, all the others
 * the ANNOUNCE.  Forwarded from a FULL of peer s: the same but s, which
 * gets nothing; fewer FULLs only if fewer peers are left.
 */
START_TEST(fanout_targets)
{
	static struct gossip g;
	unsigned n = fanout_peers[_i], k = gossip_sqrt_fanout(n);
	struct in6_addr p = addr("2001:db8:1::7");
	uint8_t full[128];
	char text[32];

	ck_assert_int_eq(gossip_init(&g, n, k, 7), 0);
	for (unsigned m = 0; m < 20; m++) {
		snprintf(text, sizeof(text), "published %u", m);
		ck_assert_int_eq(
			gossip_publish(&g, &p, 40000, text, strlen(text), &out),
			0);
		ck_assert(!out.deliver);
		check_spread(&out, n, NO_PEER, k < n ? k : n);
	}
	for (unsigned m = 0; m < 20 && n; m++) {
		unsigned from = m % n;
		size_t len;

		snprintf(text, sizeof(text), "received %u", m);
		len = full_of(full, text);
		ck_assert_int_eq(gossip_input(&g, from, full, len, 0, &out), 0);
		ck_assert(out.deliver);
		check_spread(&out, n, from, k < n - 1 ? k : n - 1);
	}
	gossip_destroy(&g);
}
END_TEST

/* Over many messages, every one of 50 peers gets the FULL about as
 * often as the others (8/50 of the time), and the fanout given instead
 * of ceil(sqrt(n)) is taken, 0 as well. */
START_TEST(fanout_uniform)
{
	static struct gossip g;
	unsigned times[50] = { 0 };
	struct in6_addr p = addr("2001:db8:1::7");
	char text[32];

	ck_assert_int_eq(gossip_init(&g, 50, 8, 11), 0);
	for (unsigned m = 0; m < 5000; m++) {
		snprintf(text, sizeof(text), "m%u", m);
		ck_assert_int_eq(
			gossip_publish(&g, &p, 1, text, strlen(text), &out), 0);
		for (size_t i = 0; i < out.n; i++)
			if (out.send[i].type == MDCS_GOSSIP_FULL)
				times[out.send[i].peer]++;
	}
	/* 800 expected, standard deviation about 26 */
	for (unsigned i = 0; i < 50; i++)
		ck_assert_msg(times[i] > 680 && times[i] < 920,
			      "peer %u got %u FULLs", i, times[i]);
	gossip_destroy(&g);

	ck_assert_int_eq(gossip_init(&g, 50, 3, 11), 0);
	ck_assert_int_eq(gossip_publish(&g, &p, 1, "x", 1, &out), 0);
	check_spread(&out, 50, NO_PEER, 3);
	gossip_destroy(&g);
	ck_assert_int_eq(gossip_init(&g, 50, 0, 11), 0);
	ck_assert_int_eq(gossip_publish(&g, &p, 1, "x", 1, &out), 0);
	check_spread(&out, 50, NO_PEER, 0);
	gossip_destroy(&g);
}
END_TEST

/* The same seed makes the same choices. */
START_TEST(fanout_reproducible)
{
	static struct gossip a, b;
	static struct gossip_out first;
	struct in6_addr p = addr("2001:db8:1::7");

	ck_assert_int_eq(gossip_init(&a, 50, 8, 5), 0);
	ck_assert_int_eq(gossip_init(&b, 50, 8, 5), 0);
	ck_assert_int_eq(gossip_publish(&a, &p, 1, "x", 1, &first), 0);
	ck_assert_int_eq(gossip_publish(&b, &p, 1, "x", 1, &out), 0);
	ck_assert_uint_eq(first.n, out.n);
	for (size_t i = 0; i < out.n; i++) {
		ck_assert_uint_eq(first.send[i].peer, out.send[i].peer);
		ck_assert_uint_eq(first.send[i].type, out.send[i].type);
	}
	gossip_destroy(&a);
	gossip_destroy(&b);
}
END_TEST

/* A second FULL of an id is a duplicate: neither delivered nor sent on;
 * so is one of a message published here, which is not published twice. */
START_TEST(duplicates)
{
	static struct gossip g;
	struct in6_addr p = addr("2001:db8:1::7");
	uint8_t full[128];
	size_t len = full_of(full, "block");

	ck_assert_int_eq(gossip_init(&g, 5, 2, 1), 0);
	ck_assert_int_eq(gossip_input(&g, 0, full, len, 0, &out), 0);
	ck_assert(out.deliver);
	ck_assert_mem_eq(out.msg.id, full + 4, 32);
	ck_assert_mem_eq(&out.msg.publisher, &p, 16);
	ck_assert_uint_eq(out.msg.publisher_port, 40000);
	ck_assert_uint_eq(out.msg.len, 5);
	ck_assert_mem_eq(out.msg.data, "block", 5);
	check_spread(&out, 5, 0, 2);
	ck_assert_int_eq(gossip_input(&g, 1, full, len, 0, &out), 0);
	ck_assert(!out.deliver);
	ck_assert_uint_eq(out.n, 0);
	ck_assert_uint_eq(g.stats.duplicates, 1);
	ck_assert_uint_eq(g.stats.received[MDCS_GOSSIP_FULL].datagrams, 2);
	ck_assert_uint_eq(g.stats.received[MDCS_GOSSIP_FULL].octets, 2 * len);

	ck_assert_int_eq(gossip_publish(&g, &p, 40000, "block", 5, &out), -1);
	ck_assert_int_eq(errno, EEXIST);
	ck_assert_uint_eq(out.n, 0);
	ck_assert_int_eq(gossip_publish(&g, &p, 40000, "", 0, &out), 0);
	ck_assert_int_eq(gossip_input(&g, 2, out.send[0].buf, 54, 0, &out), 0);
	ck_assert(!out.deliver);
	ck_assert_uint_eq(g.stats.duplicates, 2);
	gossip_destroy(&g);
}
END_TEST

/*
 * B hears A's ANNOUNCE and asks A once, though C announces too; A answers
 * with the FULL, which B delivers and spreads; a REQUEST for a message
 * not had goes unanswered.
 */
START_TEST(announce_request_full)
{
	static struct gossip a, b;
	struct in6_addr p = addr("2001:db8:1::7");
	const struct gossip_send *s;
	uint8_t announce[36], request[36], full[128];
	size_t len;

	/* A's peers: 0 is B; B's peers: 0 is A, 1 is C, 2 is D */
	ck_assert_int_eq(gossip_init(&a, 1, 0, 1), 0);
	ck_assert_int_eq(gossip_init(&b, 3, 1, 2), 0);
	ck_assert_int_eq(gossip_publish(&a, &p, 40000, "block", 5, &out), 0);
	s = only_send(0, MDCS_GOSSIP_ANNOUNCE);
	memcpy(announce, s->buf, sizeof(announce));

	ck_assert_int_eq(gossip_input(&b, 0, announce, 36, 0, &out), 0);
	ck_assert(!out.deliver);
	s = only_send(0, MDCS_GOSSIP_REQUEST);
	memcpy(request, s->buf, sizeof(request));
	ck_assert_int_eq(gossip_input(&b, 1, announce, 36, 10, &out), 0);
	ck_assert_uint_eq(out.n, 0);
	ck_assert_int_eq(gossip_due_ms(&b, 10), GOSSIP_REQUEST_MS - 10);

	ck_assert_int_eq(gossip_input(&a, 0, request, 36, 0, &out), 0);
	s = only_send(0, MDCS_GOSSIP_FULL);
	ck_assert_uint_eq(a.stats.answered, 1);
	ck_assert_uint_eq(a.stats.received[MDCS_GOSSIP_REQUEST].datagrams, 1);
	len = s->len;
	memcpy(full, s->buf, len);

	ck_assert_int_eq(gossip_input(&b, 0, full, len, 20, &out), 0);
	ck_assert(out.deliver);
	ck_assert_mem_eq(out.msg.data, "block", 5);
	check_spread(&out, 3, 0, 1);
	ck_assert_int_eq(gossip_due_ms(&b, 20), -1);
	ck_assert_uint_eq(b.stats.received[MDCS_GOSSIP_ANNOUNCE].datagrams, 2);
	ck_assert_uint_eq(b.stats.sent[MDCS_GOSSIP_REQUEST].datagrams, 1);
	/* announced again once had: nothing */
	ck_assert_int_eq(gossip_input(&b, 2, announce, 36, 30, &out), 0);
	ck_assert_uint_eq(out.n, 0);

	/* a REQUEST for another id */
	request[4] ^= 1;
	ck_assert_int_eq(gossip_input(&a, 0, request, 36, 0, &out), 0);
	ck_assert_uint_eq(out.n, 0);
	ck_assert_uint_eq(a.stats.answered, 1);
	ck_assert_uint_eq(a.stats.received[MDCS_GOSSIP_REQUEST].datagrams, 2);
	gossip_destroy(&a);
	gossip_destroy(&b);
}
END_TEST

/*
 * Announced by peers 0, 1, 2 (and 1 again): 0 is asked at once, 1 after
 * GOSSIP_REQUEST_MS without the FULL, 2 after as long again; after
 * that the id is given up, and the next announcer is asked at once.
 */
START_TEST(request_timeouts)
{
	static struct gossip g;
	uint8_t full[128], announce[36];

	full_of(full, "block");
	hdr_of(announce, full, MDCS_GOSSIP_ANNOUNCE);
	ck_assert_int_eq(gossip_init(&g, 5, 2, 1), 0);
	ck_assert_int_eq(gossip_due_ms(&g, 0), -1);
	ck_assert_int_eq(gossip_input(&g, 0, announce, 36, 1000, &out), 0);
	only_send(0, MDCS_GOSSIP_REQUEST);
	for (unsigned p = 1; p <= 3; p++) {
		ck_assert_int_eq(gossip_input(&g, p == 3 ? 1 : p, announce, 36,
					      1000 + p, &out),
				 0);
		ck_assert_uint_eq(out.n, 0);
	}
	ck_assert_int_eq(gossip_due_ms(&g, 1500), 500);
	gossip_tick(&g, 1999, &out);
	ck_assert_uint_eq(out.n, 0);
	ck_assert_int_eq(gossip_due_ms(&g, 2000), 0);
	gossip_tick(&g, 2000, &out);
	only_send(1, MDCS_GOSSIP_REQUEST);
	ck_assert_mem_eq(out.send[0].buf + 4, full + 4, 32);
	ck_assert_int_eq(gossip_due_ms(&g, 2000), 1000);
	gossip_tick(&g, 3000, &out);
	only_send(2, MDCS_GOSSIP_REQUEST);
	gossip_tick(&g, 4000, &out);
	ck_assert_uint_eq(out.n, 0);
	ck_assert_int_eq(gossip_due_ms(&g, 4000), -1);
	ck_assert_uint_eq(g.stats.sent[MDCS_GOSSIP_REQUEST].datagrams, 3);

	ck_assert_int_eq(gossip_input(&g, 4, announce, 36, 5000, &out), 0);
	only_send(4, MDCS_GOSSIP_REQUEST);
	gossip_destroy(&g);
}
END_TEST

/* Publish "m" and the number m from [2001:db8:1::7]:1. */
static int publish_nth(struct gossip *g, unsigned m)
{
	struct in6_addr p = addr("2001:db8:1::7");
	char text[32];

	snprintf(text, sizeof(text), "m%u", m);
	return gossip_publish(g, &p, 1, text, strlen(text), &out);
}

/* GOSSIP_SEEN ids are had; one more, and the oldest is forgotten: its
 * message is new again. */
START_TEST(seen_bounded)
{
	static struct gossip g;

	ck_assert_int_eq(gossip_init(&g, 1, 1, 1), 0);
	for (unsigned m = 0; m < GOSSIP_SEEN; m++)
		ck_assert_int_eq(publish_nth(&g, m), 0);
	for (unsigned m = 0; m < GOSSIP_SEEN; m += 511) {
		ck_assert_int_eq(publish_nth(&g, m), -1);
		ck_assert_int_eq(errno, EEXIST);
	}
	ck_assert_int_eq(publish_nth(&g, GOSSIP_SEEN), 0);
	ck_assert_int_eq(publish_nth(&g, 0), 0);
	ck_assert_int_eq(publish_nth(&g, 2), -1);
	gossip_destroy(&g);
}
END_TEST

/* The last GOSSIP_KEEP messages are kept to answer REQUESTs; the one
 * before them no longer. */
START_TEST(kept_bounded)
{
	static struct gossip g;
	static uint8_t requests[GOSSIP_KEEP + 1][36];

	ck_assert_int_eq(gossip_init(&g, 1, 1, 1), 0);
	for (unsigned m = 0; m <= GOSSIP_KEEP; m++) {
		ck_assert_int_eq(publish_nth(&g, m), 0);
		hdr_of(requests[m], out.send[0].buf, MDCS_GOSSIP_REQUEST);
	}
	ck_assert_int_eq(gossip_input(&g, 0, requests[0], 36, 0, &out), 0);
	ck_assert_uint_eq(out.n, 0);
	ck_assert_int_eq(gossip_input(&g, 0, requests[1], 36, 0, &out), 0);
	only_send(0, MDCS_GOSSIP_FULL);
	ck_assert_mem_eq(out.send[0].buf + FULL_LEN, "m1", 2);
	ck_assert_int_eq(
		gossip_input(&g, 0, requests[GOSSIP_KEEP], 36, 0, &out), 0);
	only_send(0, MDCS_GOSSIP_FULL);
	ck_assert_uint_eq(g.stats.answered, 2);
	gossip_destroy(&g);
}
END_TEST

/* GOSSIP_PENDING ids asked for; a new one gives up the one whose
 * REQUEST times out first: announced again, it is asked for at once,
 * while the next one only has its announcer remembered. */
START_TEST(pending_bounded)
{
	static struct gossip g;
	static uint8_t announces[GOSSIP_PENDING + 1][36];
	uint8_t full[128];
	char text[32];

	ck_assert_int_eq(gossip_init(&g, 2, 1, 1), 0);
	for (unsigned m = 0; m <= GOSSIP_PENDING; m++) {
		snprintf(text, sizeof(text), "m%u", m);
		full_of(full, text);
		hdr_of(announces[m], full, MDCS_GOSSIP_ANNOUNCE);
		ck_assert_int_eq(gossip_input(&g, 0, announces[m], 36, m, &out),
				 0);
		only_send(0, MDCS_GOSSIP_REQUEST);
	}
	ck_assert_int_eq(gossip_input(&g, 1, announces[1], 36, 500, &out), 0);
	ck_assert_uint_eq(out.n, 0);
	ck_assert_int_eq(gossip_input(&g, 1, announces[0], 36, 500, &out), 0);
	only_send(1, MDCS_GOSSIP_REQUEST);
	gossip_destroy(&g);
}
END_TEST

/* --- The gossipsub-style mesh --- */

/* What out sends: per peer, how many datagrams of type it gets. */
static unsigned sends_of(uint8_t type, unsigned counts[GOSSIP_MAX_PEERS])
{
	unsigned n = 0;

	memset(counts, 0, GOSSIP_MAX_PEERS * sizeof(counts[0]));
	for (size_t i = 0; i < out.n; i++)
		if (out.send[i].type == type) {
			counts[out.send[i].peer]++;
			n++;
		}
	return n;
}

/* A GRAFT, PRUNE or IHAVE of ids (an IHAVE with ids[i] all id_octets[i])
 * into buf; its length. */
static size_t control(uint8_t *buf, uint8_t type, const uint8_t *id_octets,
		      unsigned ids)
{
	struct mdcs_gossip_hdr h = { .version = MDCS_GOSSIP_VERSION,
				     .type = type };

	memcpy(buf, &h, HDR_LEN);
	for (unsigned i = 0; i < ids; i++)
		memset(buf + HDR_LEN + i * MDCS_GOSSIP_ID_LEN, id_octets[i],
		       MDCS_GOSSIP_ID_LEN);
	return HDR_LEN + ids * MDCS_GOSSIP_ID_LEN;
}

/* Mesh datagrams that are malformed: dropped and counted, the mesh
 * unchanged. */
START_TEST(mesh_malformed_dropped)
{
	static struct gossip g;
	static uint8_t buf[HDR_LEN + 66 * MDCS_GOSSIP_ID_LEN];
	uint8_t ids[66];
	size_t len;

	memset(ids, 7, sizeof(ids));
	ck_assert_int_eq(gossip_init(&g, 10, 3, 1), 0);
	ck_assert_int_eq(gossip_use_mesh(&g, 4, 0), 0);
	for (int kind = 0; kind < 7; kind++) {
		switch (kind) {
		case 0: /* a GRAFT with an id */
		case 1: /* a PRUNE with an id */
			len = control(buf,
				      kind ? MDCS_GOSSIP_PRUNE
					   : MDCS_GOSSIP_GRAFT,
				      ids, 1);
			memcpy(buf + 4, buf + HDR_LEN, MDCS_GOSSIP_ID_LEN);
			len = HDR_LEN;
			break;
		case 2: /* a GRAFT too long */
			len = control(buf, MDCS_GOSSIP_GRAFT, ids, 1);
			break;
		case 3: /* an IHAVE of no id */
			len = control(buf, MDCS_GOSSIP_IHAVE, ids, 0);
			break;
		case 4: /* an IHAVE with a part of an id */
			len = control(buf, MDCS_GOSSIP_IHAVE, ids, 2) - 1;
			break;
		case 5: /* an IHAVE of 65 ids */
			len = control(buf, MDCS_GOSSIP_IHAVE, ids,
				      MDCS_GOSSIP_IHAVE_MAX + 1);
			break;
		default: /* an IHAVE whose header has an id */
			len = control(buf, MDCS_GOSSIP_IHAVE, ids, 1);
			buf[4] = 1;
		}
		ck_assert_int_eq(gossip_input(&g, 1, buf, len, 0, &out), -1);
		ck_assert_int_eq(errno, EBADMSG);
		ck_assert_uint_eq(out.n, 0);
	}
	ck_assert_uint_eq(g.stats.received[GOSSIP_MALFORMED].datagrams, 7);
	ck_assert_uint_eq(g.mesh->n, 0);
	gossip_destroy(&g);
}
END_TEST

/* The first heartbeat grafts d peers; a message goes in full to them
 * alone, never announced; d of 0 or more than the peers is refused. */
START_TEST(mesh_grafts_and_spreads)
{
	static struct gossip g;
	static unsigned grafted[GOSSIP_MAX_PEERS], full[GOSSIP_MAX_PEERS];
	uint8_t buf[128];
	size_t len = full_of(buf, "block");

	ck_assert_int_eq(gossip_init(&g, 20, 5, 3), 0);
	ck_assert_int_eq(gossip_use_mesh(&g, 0, 0), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(gossip_use_mesh(&g, 21, 0), -1);
	ck_assert_int_eq(gossip_use_mesh(&g, 8, 100), 0);
	ck_assert_int_eq(gossip_due_ms(&g, 40), 60);
	gossip_tick(&g, 100, &out);
	ck_assert_uint_eq(sends_of(MDCS_GOSSIP_GRAFT, grafted), 8);
	ck_assert_uint_eq(out.n, 8); /* nothing to gossip yet */
	for (size_t i = 0; i < out.n; i++) {
		ck_assert_uint_eq(out.send[i].len, HDR_LEN);
		ck_assert(sodium_is_zero(out.send[i].buf + 4,
					 MDCS_GOSSIP_ID_LEN));
	}
	ck_assert_uint_eq(g.mesh->n, 8);
	ck_assert_int_eq(gossip_due_ms(&g, 100), GOSSIPSUB_HEARTBEAT_MS);
	/* from a mesh peer: in full to the 7 others of the mesh */
	for (unsigned p = 0; p < 20; p++)
		if (grafted[p]) {
			ck_assert_int_eq(
				gossip_input(&g, p, buf, len, 200, &out), 0);
			ck_assert(out.deliver);
			ck_assert_uint_eq(sends_of(MDCS_GOSSIP_FULL, full), 7);
			ck_assert_uint_eq(out.n, 7);
			for (unsigned q = 0; q < 20; q++)
				ck_assert_uint_eq(full[q],
						  grafted[q] && q != p);
			break;
		}
	gossip_destroy(&g);
}
END_TEST

/* Above d_hi (12 for 8) a heartbeat prunes the mesh back to 8, below
 * d_lo (6) it grafts it back to 8; GRAFT and PRUNE from peers change it
 * at once. */
START_TEST(mesh_mended)
{
	static struct gossip g;
	static unsigned changed[GOSSIP_MAX_PEERS];
	uint8_t buf[64];
	size_t graft = control(buf, MDCS_GOSSIP_GRAFT, NULL, 0);

	ck_assert_int_eq(gossip_init(&g, 20, 5, 4), 0);
	ck_assert_int_eq(gossip_use_mesh(&g, 8, 0), 0);
	for (unsigned p = 0; p < 13; p++)
		ck_assert_int_eq(gossip_input(&g, p, buf, graft, 0, &out), 0);
	ck_assert_uint_eq(g.mesh->n, 13);
	gossip_tick(&g, 0, &out);
	ck_assert_uint_eq(sends_of(MDCS_GOSSIP_PRUNE, changed), 5);
	for (unsigned p = 0; p < 20; p++)
		ck_assert(!changed[p] || p < 13);
	ck_assert_uint_eq(g.mesh->n, 8);
	/* 3 of the mesh leave: 5 < 6, mended at the next heartbeat */
	buf[1] = MDCS_GOSSIP_PRUNE;
	for (unsigned p = 0, left = 0; left < 3; p++)
		if (g.mesh->in[p]) {
			ck_assert_int_eq(
				gossip_input(&g, p, buf, graft, 10, &out), 0);
			left++;
		}
	ck_assert_uint_eq(g.mesh->n, 5);
	gossip_tick(&g, 10, &out);
	ck_assert_uint_eq(out.n, 0); /* not due yet */
	gossip_tick(&g, GOSSIPSUB_HEARTBEAT_MS, &out);
	ck_assert_uint_eq(sends_of(MDCS_GOSSIP_GRAFT, changed), 3);
	ck_assert_uint_eq(g.mesh->n, 8);
	gossip_destroy(&g);
}
END_TEST

/* A heartbeat sends the ids of the last 3 heartbeats' messages in one
 * IHAVE to 6 peers outside the mesh; an IHAVE's ids lacked are asked for
 * with a REQUEST each, those had are not. */
START_TEST(mesh_gossips_ids)
{
	static struct gossip g;
	static unsigned got[GOSSIP_MAX_PEERS];
	uint8_t full[128], ihave[HDR_LEN + 2 * MDCS_GOSSIP_ID_LEN];
	uint8_t ids[2] = { 0x11, 0x22 };
	struct in6_addr pub = addr("2001:db8:1::7");
	size_t len;

	ck_assert_int_eq(gossip_init(&g, 20, 5, 5), 0);
	ck_assert_int_eq(gossip_use_mesh(&g, 8, 0), 0);
	gossip_tick(&g, 0, &out);
	ck_assert_int_eq(gossip_publish(&g, &pub, 40000, "block", 5, &out), 0);
	ck_assert_uint_eq(out.n, 8);
	full_of(full, "block");
	for (int64_t t = 1; t <= 3; t++) {
		gossip_tick(&g, t * GOSSIPSUB_HEARTBEAT_MS, &out);
		ck_assert_uint_eq(sends_of(MDCS_GOSSIP_IHAVE, got), 6);
		for (size_t i = 0; i < out.n; i++) {
			const struct gossip_send *s = &out.send[i];

			ck_assert(!g.mesh->in[s->peer]);
			ck_assert_uint_eq(s->len, HDR_LEN + MDCS_GOSSIP_ID_LEN);
			ck_assert(
				sodium_is_zero(s->buf + 4, MDCS_GOSSIP_ID_LEN));
			ck_assert_mem_eq(s->buf + HDR_LEN, full + 4,
					 MDCS_GOSSIP_ID_LEN);
		}
	}
	/* the fourth heartbeat has no message to gossip left */
	gossip_tick(&g, 4 * GOSSIPSUB_HEARTBEAT_MS, &out);
	ck_assert_uint_eq(out.n, 0);

	len = control(ihave, MDCS_GOSSIP_IHAVE, ids, 2);
	ck_assert_int_eq(gossip_input(&g, 19, ihave, len, 5000, &out), 0);
	ck_assert_uint_eq(sends_of(MDCS_GOSSIP_REQUEST, got), 2);
	ck_assert_uint_eq(got[19], 2);
	ck_assert_mem_eq(out.send[0].buf + 4, ihave + HDR_LEN,
			 MDCS_GOSSIP_ID_LEN);
	ck_assert_mem_eq(out.send[1].buf + 4,
			 ihave + HDR_LEN + MDCS_GOSSIP_ID_LEN,
			 MDCS_GOSSIP_ID_LEN);
	/* the id had is not asked for */
	memcpy(ihave + HDR_LEN, full + 4, MDCS_GOSSIP_ID_LEN);
	ck_assert_int_eq(gossip_input(&g, 18, ihave,
				      HDR_LEN + MDCS_GOSSIP_ID_LEN, 5000, &out),
			 0);
	ck_assert_uint_eq(out.n, 0);
	gossip_destroy(&g);
}
END_TEST

/* --- Over UDP on ::1 --- */

#define NODES	 12
#define MESSAGES 5

static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

/* A UDP socket on [::1] at a port the kernel chose; *port is it. */
static int loopback_socket(uint16_t *port)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6,
				   .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, len), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin6_port);
	return fd;
}

/* In the test's network each node's peers are all the other nodes, in
 * order: node i's peer p is node p, or p + 1 from i on. */
static unsigned node_of(unsigned i, unsigned p)
{
	return p < i ? p : p + 1;
}

static unsigned peer_of(unsigned i, unsigned node)
{
	return node < i ? node : node - 1;
}

struct net {
	struct gossip g[NODES];
	int fd[NODES];
	uint16_t port[NODES];
	unsigned delivered[NODES][MESSAGES];
	uint64_t retries[NODES]; /* REQUESTs sent by gossip_tick */
	bool mesh;		 /* gossipsub-style: no check_forward */
};

/* Send what node i's last call said, each datagram whole. */
static void net_send(struct net *net, unsigned i)
{
	for (size_t k = 0; k < out.n; k++) {
		const struct gossip_send *s = &out.send[k];
		struct sockaddr_in6 to = {
			.sin6_family = AF_INET6,
			.sin6_port = htons(net->port[node_of(i, s->peer)]),
			.sin6_addr = IN6ADDR_LOOPBACK_INIT
		};

		ck_assert_int_eq(sendto(net->fd[i], s->buf, s->len, 0,
					(struct sockaddr *)&to, sizeof(to)),
				 (ssize_t)s->len);
	}
}

/* Node i forwards a message had for the first time from node from in
 * full to ceil(sqrt(11)) = 4 distinct other nodes and announces it to
 * the 6 left; the sender gets neither. */
static void check_forward(unsigned i, unsigned from)
{
	check_spread(&out, NODES - 1, peer_of(i, from), 4);
}

/* Node i reads and handles all its socket holds. */
static void net_receive(struct net *net, unsigned i)
{
	static uint8_t buf[65536];
	struct sockaddr_in6 from;
	socklen_t len;
	ssize_t n;

	for (;;) {
		unsigned j = 0;

		len = sizeof(from);
		n = recvfrom(net->fd[i], buf, sizeof(buf), 0,
			     (struct sockaddr *)&from, &len);
		if (n < 0)
			break;

		while (j < NODES && net->port[j] != ntohs(from.sin6_port))
			j++;
		ck_assert_uint_lt(j, NODES);
		ck_assert_uint_ne(j, i);
		ck_assert_int_eq(gossip_input(&net->g[i], peer_of(i, j), buf,
					      (size_t)n, now_ms(), &out),
				 0);
		if (out.deliver) {
			unsigned m = out.msg.data[out.msg.len - 1] - '0';

			ck_assert_uint_eq(out.msg.len, 7);
			ck_assert_mem_eq(out.msg.data, "block ", 6);
			ck_assert_uint_lt(m, MESSAGES);
			ck_assert(IN6_IS_ADDR_LOOPBACK(&out.msg.publisher));
			ck_assert_uint_eq(out.msg.publisher_port, net->port[0]);
			net->delivered[i][m]++;
			if (!net->mesh)
				check_forward(i, j);
		}
		net_send(net, i);
	}
	ck_assert_int_eq(errno, EAGAIN);
}

static uint64_t net_sum(const struct net *net, bool sent)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < NODES; i++)
		for (unsigned t = 0; t < GOSSIP_TYPES; t++)
			n += (sent ? net->g[i].stats.sent
				   : net->g[i].stats.received)[t]
				     .datagrams;
	return n;
}

static bool net_delivered(const struct net *net)
{
	for (unsigned i = 1; i < NODES; i++)
		for (unsigned m = 0; m < MESSAGES; m++)
			if (!net->delivered[i][m])
				return false;
	return true;
}

/* Run the nodes until every message is delivered everywhere and every
 * datagram sent was received, within ms. */
static void net_run(struct net *net, long long ms)
{
	long long end = now_ms() + ms;

	while (!net_delivered(net) ||
	       net_sum(net, true) != net_sum(net, false)) {
		struct pollfd p[NODES];
		int wait = 50;

		ck_assert_msg(now_ms() < end, "not done within %lld ms", ms);
		for (unsigned i = 0; i < NODES; i++) {
			int due = gossip_due_ms(&net->g[i], now_ms());

			if (due == 0) {
				gossip_tick(&net->g[i], now_ms(), &out);
				net->retries[i] += out.n;
				net_send(net, i);
			} else if (due > 0 && due < wait) {
				wait = due;
			}
			p[i] = (struct pollfd){ .fd = net->fd[i],
						.events = POLLIN };
		}
		ck_assert_int_ge(poll(p, NODES, wait), 0);
		for (unsigned i = 0; i < NODES; i++)
			if (p[i].revents & POLLIN)
				net_receive(net, i);
	}
}

/* 12 nodes, each with its own socket on ::1 and the other 11 as peers,
 * seeded from seed; with d, in gossipsub-style meshes of d. */
static void net_open(struct net *net, unsigned d, uint64_t seed)
{
	memset(net, 0, sizeof(*net));
	net->mesh = d > 0;
	for (unsigned i = 0; i < NODES; i++) {
		net->fd[i] = loopback_socket(&net->port[i]);
		ck_assert_int_eq(gossip_init(&net->g[i], NODES - 1,
					     gossip_sqrt_fanout(NODES - 1),
					     seed + i),
				 0);
		if (d)
			ck_assert_int_eq(
				gossip_use_mesh(&net->g[i], d, now_ms()), 0);
	}
}

static void net_close(struct net *net)
{
	for (unsigned i = 0; i < NODES; i++) {
		gossip_destroy(&net->g[i]);
		close(net->fd[i]);
	}
}

/* Node 0 publishes the MESSAGES messages. */
static void net_publish(struct net *net)
{
	struct in6_addr lo = IN6ADDR_LOOPBACK_INIT;

	for (unsigned m = 0; m < MESSAGES; m++) {
		char text[8];

		snprintf(text, sizeof(text), "block %u", m);
		ck_assert_int_eq(gossip_publish(&net->g[0], &lo, net->port[0],
						text, 7, &out),
				 0);
		if (!net->mesh)
			check_spread(&out, NODES - 1, NO_PEER, 4);
		net_send(net, 0);
	}
}

/*
 * Node 0 of the 12 publishes 5 messages.  The nodes run until every
 * message is delivered everywhere and every datagram sent was received
 * (5 s at most).  Then: each node but the publisher delivered each
 * message once; each forwarded it as check_forward says; and the counts
 * agree with the protocol, node by node.
 */
START_TEST(nodes_over_udp)
{
	static struct net net;
	uint64_t full_total = 0, dup_total = 0;

	net_open(&net, 0, 100);
	net_publish(&net);
	net_run(&net, 5000);

	for (unsigned i = 0; i < NODES; i++) {
		const struct gossip_stats *st = &net.g[i].stats;
		/* the publisher announces to 7 peers, the others to 6 */
		uint64_t announced = i ? 6 : 7;

		for (unsigned m = 0; m < MESSAGES; m++)
			ck_assert_uint_eq(net.delivered[i][m], i ? 1 : 0);
		ck_assert_int_eq(gossip_due_ms(&net.g[i], now_ms()), -1);
		ck_assert_uint_eq(st->received[GOSSIP_MALFORMED].datagrams, 0);
		/* 4 FULLs per message spread, and one per REQUEST answered;
		 * every REQUEST goes to a node that announced, so has it */
		ck_assert_uint_eq(st->sent[MDCS_GOSSIP_FULL].datagrams,
				  MESSAGES * 4 + st->answered);
		ck_assert_uint_eq(st->answered,
				  st->received[MDCS_GOSSIP_REQUEST].datagrams);
		ck_assert_uint_eq(st->sent[MDCS_GOSSIP_ANNOUNCE].datagrams,
				  MESSAGES * announced);
		/* one REQUEST per message not had, but those a timeout
		 * sent to a next announcer */
		ck_assert_uint_le(st->sent[MDCS_GOSSIP_REQUEST].datagrams -
					  net.retries[i],
				  i ? MESSAGES : 0);
		/* every FULL but the first of each message is a duplicate */
		ck_assert_uint_eq(st->received[MDCS_GOSSIP_FULL].datagrams,
				  (i ? MESSAGES : 0) + st->duplicates);
		/* and every datagram is as long as its type says */
		ck_assert_uint_eq(st->sent[MDCS_GOSSIP_FULL].octets,
				  st->sent[MDCS_GOSSIP_FULL].datagrams *
					  (FULL_LEN + 7));
		ck_assert_uint_eq(st->sent[MDCS_GOSSIP_ANNOUNCE].octets,
				  st->sent[MDCS_GOSSIP_ANNOUNCE].datagrams *
					  HDR_LEN);
		ck_assert_uint_eq(st->sent[MDCS_GOSSIP_REQUEST].octets,
				  st->sent[MDCS_GOSSIP_REQUEST].datagrams *
					  HDR_LEN);
		full_total += st->received[MDCS_GOSSIP_FULL].datagrams;
		dup_total += st->duplicates;
	}
	/* no datagram lost on the loopback, of any type */
	for (unsigned t = 1; t < GOSSIP_TYPES; t++) {
		uint64_t sent = 0, received = 0;

		for (unsigned i = 0; i < NODES; i++) {
			sent += net.g[i].stats.sent[t].datagrams;
			received += net.g[i].stats.received[t].datagrams;
		}
		ck_assert_uint_eq(sent, received);
	}
	ck_assert_uint_eq(full_total, (NODES - 1) * MESSAGES + dup_total);
	net_close(&net);
}
END_TEST

/*
 * The same 12 nodes in gossipsub-style meshes of 4: once the first
 * heartbeats have grafted the meshes, node 0 publishes; every node but
 * the publisher delivers each message once, every FULL went to a mesh
 * peer or answered a REQUEST, and no ANNOUNCE was sent.
 */
START_TEST(mesh_nodes_over_udp)
{
	static struct net net;

	net_open(&net, 4, 200);
	for (unsigned i = 0; i < NODES; i++) {
		gossip_tick(&net.g[i], now_ms(), &out);
		net_send(&net, i);
	}
	net_publish(&net);
	net_run(&net, 5000);
	for (unsigned i = 0; i < NODES; i++) {
		const struct gossip_stats *st = &net.g[i].stats;

		for (unsigned m = 0; m < MESSAGES; m++)
			ck_assert_uint_eq(net.delivered[i][m], i ? 1 : 0);
		ck_assert_uint_ge(net.g[i].mesh->n, 3);
		ck_assert_uint_eq(st->sent[MDCS_GOSSIP_ANNOUNCE].datagrams, 0);
		ck_assert_uint_le(st->sent[MDCS_GOSSIP_FULL].datagrams,
				  MESSAGES * (NODES - 1) + st->answered);
		ck_assert_uint_eq(st->received[GOSSIP_MALFORMED].datagrams, 0);
	}
	net_close(&net);
}
END_TEST

/* --- The tool --- */

#define TOOLS 4

/* Run the tool with args; its standard output and error as streams. */
static pid_t tool(const char *const *args, FILE **out_f, FILE **err_f)
{
	int o[2], e[2];
	pid_t pid;

	ck_assert_int_eq(pipe2(o, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(e, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		dup2(o[1], STDOUT_FILENO);
		dup2(e[1], STDERR_FILENO);
		execv(MDCS_GOSSIP_TOOL, (char *const *)args);
		_exit(127);
	}
	close(o[1]);
	close(e[1]);
	*out_f = fdopen(o[0], "r");
	*err_f = fdopen(e[0], "r");
	return pid;
}

static int exit_status(pid_t pid)
{
	int status;

	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

struct tool_stats {
	unsigned long full, dup, announce, request, sent_datagrams, sent_octets,
		received_datagrams, received_octets, malformed, overflowed;
};

/* The stats line from the tool's standard error, which it must end
 * with, into st; the stream is closed. */
static void tool_stats(FILE *err_f, struct tool_stats *st)
{
	char line[512], last[512] = "", again[512];

	while (fgets(line, sizeof(line), err_f))
		strcpy(last, line);
	fclose(err_f);
	ck_assert_int_eq(sscanf(last,
				"stats full=%lu dup=%lu announce=%lu "
				"request=%lu sent_datagrams=%lu "
				"sent_octets=%lu received_datagrams=%lu "
				"received_octets=%lu malformed=%lu "
				"overflowed=%lu",
				&st->full, &st->dup, &st->announce,
				&st->request, &st->sent_datagrams,
				&st->sent_octets, &st->received_datagrams,
				&st->received_octets, &st->malformed,
				&st->overflowed),
			 10);
	/* nothing more nor less than the fields */
	snprintf(again, sizeof(again),
		 "stats full=%lu dup=%lu announce=%lu request=%lu "
		 "sent_datagrams=%lu sent_octets=%lu received_datagrams=%lu "
		 "received_octets=%lu malformed=%lu overflowed=%lu\n",
		 st->full, st->dup, st->announce, st->request,
		 st->sent_datagrams, st->sent_octets, st->received_datagrams,
		 st->received_octets, st->malformed, st->overflowed);
	ck_assert_str_eq(last, again);
}

/* TOOLS ports on ::1 free a moment ago, and a peers file naming them
 * all, at path. */
static void tool_peers(char *path, char port[TOOLS][8])
{
	int fd = mkstemp(path);
	FILE *f;

	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	for (unsigned i = 0; i < TOOLS; i++) {
		uint16_t p;

		close(loopback_socket(&p));
		snprintf(port[i], 8, "%u", p);
		fprintf(f, "[::1]:%u\n", p);
	}
	fprintf(f, "\n"); /* blank lines are skipped */
	fclose(f);
}

/* The tool printed the line want (NULL: none) and nothing more, exited
 * with status 0, and its counters into st; the streams are closed. */
static void tool_ended(pid_t pid, FILE *out_f, FILE *err_f, const char *want,
		       struct tool_stats *st)
{
	char line[256];

	if (want) {
		ck_assert_ptr_nonnull(fgets(line, sizeof(line), out_f));
		ck_assert_str_eq(line, want);
	}
	ck_assert_ptr_null(fgets(line, sizeof(line), out_f));
	fclose(out_f);
	ck_assert_int_eq(exit_status(pid), 0);
	tool_stats(err_f, st);
}

/*
 * 4 instances with one peers file on ::1: 3 listen for one message (-n
 * 1), then the fourth publishes one.  Each listener prints it once, as
 * mdcs-peer listen would with - for the channel, and exits 0; the
 * publisher runs out its 2 s and exits 0.  Their counters agree with
 * the protocol: the publisher sends 2 FULLs (ceil(sqrt(3))) and 1
 * ANNOUNCE, and a FULL for each REQUEST; every datagram is as long as
 * its type says.
 */
START_TEST(tool_gossips)
{
	static const char msg[] = "blo\\ck\x01";
	char path[] = "/tmp/test_gossip.XXXXXX", port[TOOLS][8], want[128],
	     line[256];
	FILE *outs[TOOLS], *errs[TOOLS];
	pid_t pid[TOOLS];
	struct tool_stats st;

	tool_peers(path, port);
	for (unsigned i = 1; i < TOOLS; i++) {
		const char *const listen[] = { "mdcs-gossip", "-p",  port[i],
					       "-s",	      "::1", "-n",
					       "1",	      "-t",  "5",
					       "-P",	      path,  NULL };

		pid[i] = tool(listen, &outs[i], &errs[i]);
		ck_assert_ptr_nonnull(fgets(line, sizeof(line), outs[i]));
		ck_assert_str_eq(line, "listening\n");
	}
	{
		const char *const publish[] = { "mdcs-gossip", "-p",  port[0],
						"-s",	       "::1", "-t",
						"2",	       "-P",  path,
						msg,	       NULL };

		pid[0] = tool(publish, &outs[0], &errs[0]);
	}
	/* all have read the file once they listen */
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), outs[0]));
	ck_assert_str_eq(line, "listening\n");
	unlink(path);
	snprintf(want, sizeof(want), "- - [::1]:%s 7 blo\\x5cck\\x01\n",
		 port[0]);
	for (unsigned i = 1; i < TOOLS; i++) {
		tool_ended(pid[i], outs[i], errs[i], want, &st);
		ck_assert_uint_ge(st.full, 1);
		ck_assert_uint_eq(st.malformed, 0);
		ck_assert_uint_eq(st.received_datagrams,
				  st.full + st.announce + st.request);
		ck_assert_uint_eq(st.received_octets,
				  st.full * (FULL_LEN + 7) +
					  (st.announce + st.request) * HDR_LEN);
	}
	tool_ended(pid[0], outs[0], errs[0], NULL, &st);
	/* a listener that had it first from another one may send it on
	 * to the publisher, which has it already */
	ck_assert_uint_eq(st.full, st.dup);
	ck_assert_uint_eq(st.malformed, 0);
	ck_assert_uint_eq(st.sent_datagrams, 3 + st.request);
	ck_assert_uint_eq(st.sent_octets,
			  (2 + st.request) * (FULL_LEN + 7) + HDR_LEN);
	ck_assert_uint_eq(st.received_datagrams,
			  st.full + st.announce + st.request);
}
END_TEST

/* With -m, the tools gossip in meshes: every listener prints the
 * message, and no ANNOUNCE goes anywhere. */
START_TEST(tool_gossips_in_mesh)
{
	char path[] = "/tmp/test_gossip.XXXXXX", port[TOOLS][8], want[128],
	     line[256];
	FILE *outs[TOOLS], *errs[TOOLS];
	pid_t pid[TOOLS];
	struct tool_stats st;

	tool_peers(path, port);
	for (unsigned i = TOOLS; i-- > 0;) {
		/* the listeners first, each until it has the message */
		const char *const args[] = { "mdcs-gossip", "-p",
					     port[i],	    "-s",
					     "::1",	    "-m",
					     "2",	    "-t",
					     i ? "5" : "2", "-n",
					     i ? "1" : "0", "-P",
					     path,	    i ? NULL : "block",
					     NULL };

		pid[i] = tool(args, &outs[i], &errs[i]);
		ck_assert_ptr_nonnull(fgets(line, sizeof(line), outs[i]));
		ck_assert_str_eq(line, "listening\n");
	}
	unlink(path);
	snprintf(want, sizeof(want), "- - [::1]:%s 5 block\n", port[0]);
	for (unsigned i = 0; i < TOOLS; i++) {
		tool_ended(pid[i], outs[i], errs[i], i ? want : NULL, &st);
		ck_assert_uint_eq(st.announce, 0);
		ck_assert_uint_eq(st.malformed, 0);
	}
}
END_TEST

/*
 * With -u the publisher holds its message back until SIGUSR1: started
 * before the listener is up, it still reaches it, as the listener exits
 * 0 after -n 1 with the message printed.
 */
START_TEST(tool_publishes_at_signal)
{
	char path[] = "/tmp/test_gossip.XXXXXX", port[TOOLS][8], want[64],
	     line[128];
	FILE *outs[2], *errs[2];
	pid_t pid[2];

	tool_peers(path, port);
	{
		const char *const publish[] = { "mdcs-gossip", "-p",   port[0],
						"-s",	       "::1",  "-t",
						"3",	       "-u",   "-P",
						path,	       "held", NULL };
		const char *const listen[] = { "mdcs-gossip", "-p",  port[1],
					       "-s",	      "::1", "-n",
					       "1",	      "-t",  "5",
					       "-P",	      path,  NULL };

		pid[0] = tool(publish, &outs[0], &errs[0]);
		ck_assert_ptr_nonnull(fgets(line, sizeof(line), outs[0]));
		ck_assert_str_eq(line, "listening\n");
		pid[1] = tool(listen, &outs[1], &errs[1]);
		ck_assert_ptr_nonnull(fgets(line, sizeof(line), outs[1]));
		ck_assert_str_eq(line, "listening\n");
	}
	unlink(path);
	ck_assert_int_eq(kill(pid[0], SIGUSR1), 0);
	snprintf(want, sizeof(want), "- - [::1]:%s 4 held\n", port[0]);
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), outs[1]));
	ck_assert_str_eq(line, want);
	for (unsigned i = 0; i < 2; i++) {
		ck_assert_int_eq(exit_status(pid[i]), 0);
		fclose(outs[i]);
		fclose(errs[i]);
	}
}
END_TEST

/* Alone, the tool gets nothing: after -t 1 it exits 1, having said it
 * listened, with its counters all 0. */
START_TEST(tool_times_out)
{
	char path[] = "/tmp/test_gossip.XXXXXX", port[TOOLS][8], line[64];
	const char *const listen[] = { "mdcs-gossip", "-p", port[1], "-s",
				       "::1",	      "-n", "1",     "-t",
				       "1",	      "-P", path,    NULL };
	struct tool_stats st;
	FILE *o, *e;
	pid_t pid;

	tool_peers(path, port);
	pid = tool(listen, &o, &e);
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), o));
	unlink(path);
	ck_assert_str_eq(line, "listening\n");
	ck_assert_ptr_null(fgets(line, sizeof(line), o));
	fclose(o);
	ck_assert_int_eq(exit_status(pid), 1);
	tool_stats(e, &st);
	ck_assert_uint_eq(st.sent_datagrams + st.received_datagrams, 0);
}
END_TEST

/* Refused before anything is sent: no peers file, a message without
 * -s (exit 2), a peers file with a line that names no peer (exit 1). */
START_TEST(tool_refuses)
{
	static const char *const no_file[] = { "mdcs-gossip", "-n", "1", NULL };
	char path[] = "/tmp/test_gossip.XXXXXX", line[256];
	const char *const unbound[] = { "mdcs-gossip", "-P", path, "hello",
					NULL };
	const char *const bad_file[] = { "mdcs-gossip", "-t", "1",
					 "-P",		path, NULL };
	int fd = mkstemp(path);
	FILE *o, *e;
	pid_t pid;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "::1\n[::1]:x\n", 12), 12);
	close(fd);

	pid = tool(no_file, &o, &e);
	ck_assert_ptr_null(fgets(line, sizeof(line), o));
	ck_assert_int_eq(exit_status(pid), 2);
	fclose(o);
	fclose(e);

	pid = tool(unbound, &o, &e);
	ck_assert_ptr_null(fgets(line, sizeof(line), o));
	ck_assert_int_eq(exit_status(pid), 2);
	fclose(o);
	fclose(e);

	pid = tool(bad_file, &o, &e);
	ck_assert_ptr_null(fgets(line, sizeof(line), o));
	unlink(path);
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), e));
	ck_assert_ptr_nonnull(strstr(line, ":2: not ADDR or [ADDR]:PORT"));
	ck_assert_int_eq(exit_status(pid), 1);
	fclose(o);
	fclose(e);
}
END_TEST

static Suite *gossip_suite(void)
{
	Suite *s = suite_create("gossip");
	TCase *w = tcase_create("wire"), *p = tcase_create("protocol"),
	      *u = tcase_create("udp"), *t = tcase_create("tool");

	tcase_add_test(w, full_bytes);
	tcase_add_test(w, announce_request_bytes);
	tcase_add_loop_test(w, malformed_dropped, 0,
			    sizeof(malformed_kinds) /
				    sizeof(malformed_kinds[0]));
	tcase_add_test(w, unknown_peer_refused);
	suite_add_tcase(s, w);

	tcase_add_test(p, sqrt_fanout);
	tcase_add_loop_test(p, fanout_targets, 0,
			    sizeof(fanout_peers) / sizeof(fanout_peers[0]));
	tcase_add_test(p, fanout_uniform);
	tcase_add_test(p, fanout_reproducible);
	tcase_add_test(p, duplicates);
	tcase_add_test(p, announce_request_full);
	tcase_add_test(p, request_timeouts);
	tcase_add_test(p, seen_bounded);
	tcase_add_test(p, kept_bounded);
	tcase_add_test(p, pending_bounded);
	tcase_add_test(p, mesh_malformed_dropped);
	tcase_add_test(p, mesh_grafts_and_spreads);
	tcase_add_test(p, mesh_mended);
	tcase_add_test(p, mesh_gossips_ids);
	/* thousands of messages hashed: slow under valgrind */
	tcase_set_timeout(p, 60);
	suite_add_tcase(s, p);

	tcase_add_test(u, nodes_over_udp);
	tcase_add_test(u, mesh_nodes_over_udp);
	tcase_set_timeout(u, 20);
	suite_add_tcase(s, u);

	/* the publisher runs for 2 s, the lone listener 1 s */
	tcase_add_test(t, tool_gossips);
	tcase_add_test(t, tool_gossips_in_mesh);
	tcase_add_test(t, tool_publishes_at_signal);
	tcase_add_test(t, tool_times_out);
	tcase_add_test(t, tool_refuses);
	tcase_set_timeout(t, 20);
	suite_add_tcase(s, t);
	return s;
}

CHECK_MAIN(gossip_suite)
