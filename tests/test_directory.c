/*
 * The RP directory: its messages byte by byte (lib/directory.c), what rpd
 * lists (rpd/peer_directory.c), and a peer fetching it page by page with
 * the peers' library (mdcs_directory_fetch) over the loopback, from the
 * directory's socket in rpd's event loop.
 *
 *   peer: mdcs_directory_fetch, in a thread ---> [::1]:d directory
 *         [::1]:any  <--- pages of at most 75 entries    (main thread)
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "directory.h"
#include "loop.h"
#include "peer.h"
#include "peer_directory.h"
#include "pump.h"
#include "runner.h"
#include "udpsock.h"

#define BOUND_MS    5000
#define ANSWER_HLEN sizeof(struct mdcs_directory_answer)
#define REQUEST_LEN (ANSWER_HLEN + MDCS_DIRECTORY_MAX_ENTRIES * 16)
#define N_REMOTE    200

static const uint8_t nonce[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static struct loop loop;
static struct rpd_conf conf;
static struct prefix6 allowed = { IN6ADDR_LOOPBACK_INIT, 128 };
static struct directory dir;
/* The remote RPs' channel sources the list gives; with flip, every other
 * call gives another set, as if the mesh changed between two pages. */
static struct in6_addr remote[N_REMOTE];
static size_t n_remote;
static bool flip;
static unsigned listed;

static struct in6_addr addr_of(unsigned i)
{
	struct in6_addr a = { { { 0x20, 0x01, 0x0d, 0xb8 } } };

	a.s6_addr[14] = (uint8_t)(i >> 8);
	a.s6_addr[15] = (uint8_t)i;
	return a;
}

static size_t list(void *arg, struct in6_addr *out, size_t max)
{
	size_t n = n_remote < max ? n_remote : max;

	(void)arg;
	memcpy(out, remote, n * sizeof(*out));
	if (flip && listed++ % 2)
		out[0].s6_addr[13] ^= 0x40;
	return n;
}

static void setup(void)
{
	memset(&conf, 0, sizeof(conf));
	conf.tunnel_addr = in6addr_loopback;
	conf.publishers = &allowed;
	conf.n_publishers = 1;
	conf.has_channel_source = true;
	conf.channel_source = addr_of(0xffff);
	/* given backwards, and the RP's own among them */
	n_remote = N_REMOTE;
	for (unsigned i = 0; i < N_REMOTE; i++)
		remote[i] = addr_of(N_REMOTE - i);
	remote[7] = conf.channel_source;
	flip = false;
	listed = 0;
	ck_assert_int_eq(loop_init(&loop), 0);
	ck_assert_int_eq(directory_start(&dir, &loop, &conf, 0, list, NULL), 0);
}

static void teardown(void)
{
	directory_stop(&dir);
	loop_fini(&loop);
}

START_TEST(request_bytes)
{
	uint8_t buf[MDCS_DIRECTORY_MAX_LEN + 1], got_nonce[8];
	uint16_t start;

	ck_assert_uint_eq(
		directory_request_build(buf, ANSWER_HLEN + 16, 75, nonce),
		ANSWER_HLEN + 16);
	ck_assert_uint_eq(buf[0], MDCS_DIRECTORY_VERSION);
	ck_assert_uint_eq(buf[1], MDCS_DIRECTORY_REQUEST);
	ck_assert_uint_eq(buf[2], 0);
	ck_assert_uint_eq(buf[3], 75);
	ck_assert_mem_eq(buf + 4, nonce, 8);
	for (size_t i = 12; i < ANSWER_HLEN + 16; i++)
		ck_assert_uint_eq(buf[i], 0);
	ck_assert(directory_request_parse(buf, ANSWER_HLEN + 16, &start,
					  got_nonce));
	ck_assert_uint_eq(start, 75);
	ck_assert_mem_eq(got_nonce, nonce, 8);
	/* too short to be answered with one entry, or too long */
	ck_assert_uint_eq(
		directory_request_build(buf, ANSWER_HLEN + 15, 0, nonce), 0);
	ck_assert_uint_eq(directory_request_build(
				  buf, MDCS_DIRECTORY_MAX_LEN + 1, 0, nonce),
			  0);
	ck_assert(!directory_request_parse(buf, ANSWER_HLEN + 15, &start,
					   got_nonce));
	directory_request_build(buf, MDCS_DIRECTORY_MAX_LEN, 0, nonce);
	ck_assert(directory_request_parse(buf, MDCS_DIRECTORY_MAX_LEN, &start,
					  got_nonce));
	ck_assert(!directory_request_parse(buf, MDCS_DIRECTORY_MAX_LEN + 1,
					   &start, got_nonce));
	/* padding of other than zeros, another version or type */
	buf[100] = 1;
	ck_assert(!directory_request_parse(buf, MDCS_DIRECTORY_MAX_LEN, &start,
					   got_nonce));
	buf[100] = 0;
	buf[0] = MDCS_DIRECTORY_VERSION + 1;
	ck_assert(!directory_request_parse(buf, MDCS_DIRECTORY_MAX_LEN, &start,
					   got_nonce));
	buf[0] = MDCS_DIRECTORY_VERSION;
	buf[1] = MDCS_DIRECTORY_ANSWER;
	ck_assert(!directory_request_parse(buf, MDCS_DIRECTORY_MAX_LEN, &start,
					   got_nonce));
}
END_TEST

START_TEST(answer_bytes_and_pages)
{
	uint8_t buf[MDCS_DIRECTORY_MAX_LEN];
	struct directory_page p;
	size_t len;

	/* never longer than the request: 3 entries fit in this one */
	len = directory_answer_build(buf, ANSWER_HLEN + 3 * 16 + 15, 10, nonce,
				     remote, N_REMOTE, true);
	ck_assert_uint_eq(len, ANSWER_HLEN + 3 * 16);
	ck_assert(directory_answer_parse(buf, len, &p));
	ck_assert_uint_eq(p.start, 10);
	ck_assert_uint_eq(p.total, N_REMOTE);
	ck_assert_uint_eq(p.count, 3);
	ck_assert(p.own);
	ck_assert_mem_eq(p.nonce, nonce, 8);
	ck_assert_mem_eq(p.entries, &remote[10], 3 * 16);
	ck_assert_uint_eq(p.digest, directory_digest(remote, N_REMOTE));
	/* at most 75, and the rest at the end */
	len = directory_answer_build(buf, MDCS_DIRECTORY_MAX_LEN, 0, nonce,
				     remote, N_REMOTE, false);
	ck_assert_uint_eq(len, ANSWER_HLEN + 75 * 16);
	ck_assert_uint_le(len, MDCS_DIRECTORY_MAX_LEN);
	len = directory_answer_build(buf, MDCS_DIRECTORY_MAX_LEN, 150, nonce,
				     remote, N_REMOTE, false);
	ck_assert(directory_answer_parse(buf, len, &p));
	ck_assert_uint_eq(p.count, 50);
	ck_assert(!p.own);
	/* beyond the end: no entry */
	len = directory_answer_build(buf, MDCS_DIRECTORY_MAX_LEN, 500, nonce,
				     remote, N_REMOTE, false);
	ck_assert_uint_eq(len, ANSWER_HLEN);
	ck_assert(directory_answer_parse(buf, len, &p));
	ck_assert_uint_eq(p.count, 0);
	/* no answer to what no request is, nor beyond the largest total */
	ck_assert_uint_eq(directory_answer_build(buf, ANSWER_HLEN + 15, 0,
						 nonce, remote, N_REMOTE,
						 false),
			  0);
	ck_assert_uint_eq(
		directory_answer_build(buf, REQUEST_LEN, 0, nonce, remote,
				       MDCS_DIRECTORY_MAX_TOTAL + 1, false),
		0);
	/* the digest depends on the order */
	ck_assert_uint_ne(directory_digest(remote, 2),
			  directory_digest(remote + 1, 2));
}
END_TEST

START_TEST(malformed_answers_refused)
{
	uint8_t buf[MDCS_DIRECTORY_MAX_LEN];
	struct directory_page p;
	size_t len = directory_answer_build(buf, REQUEST_LEN, 190, nonce,
					    remote, N_REMOTE, true);

	ck_assert(directory_answer_parse(buf, len, &p));
	ck_assert(!directory_answer_parse(buf, len - 1, &p));
	ck_assert(!directory_answer_parse(buf, ANSWER_HLEN - 1, &p));
	buf[14] = 0x02; /* an unknown flag */
	ck_assert(!directory_answer_parse(buf, len, &p));
	buf[14] = MDCS_DIRECTORY_OWN;
	buf[13] = 195; /* a total below start (190) + count (10) */
	ck_assert(!directory_answer_parse(buf, len, &p));
	buf[13] = N_REMOTE;
	ck_assert(directory_answer_parse(buf, len, &p));
	buf[1] = MDCS_DIRECTORY_REQUEST;
	ck_assert(!directory_answer_parse(buf, len, &p));
}
END_TEST

START_TEST(own_first_then_the_others_in_order)
{
	size_t n;
	bool own;

	remote[3] = remote[4];	   /* listed twice */
	memset(&remote[9], 0, 16); /* an RP that told no channel source */
	n = directory_build(&dir, &own);
	ck_assert(own);
	/* less the RP's own, a duplicate and :: */
	ck_assert_uint_eq(n, 1 + N_REMOTE - 3);
	ck_assert_mem_eq(&dir.entries[0], &conf.channel_source, 16);
	for (size_t i = 2; i < n; i++)
		ck_assert_int_lt(
			memcmp(&dir.entries[i - 1], &dir.entries[i], 16), 0);
	/* an RP that does not publish lists the others alone */
	conf.has_channel_source = false;
	n = directory_build(&dir, &own);
	ck_assert(!own);
	ck_assert_uint_eq(n, N_REMOTE - 2);
}
END_TEST

START_TEST(strangers_and_malformed_requests_not_answered)
{
	static const struct in6_addr stranger = { { { 0x20, 0x01, 0x0d,
						      0xb9, [15] = 1 } } };
	uint8_t buf[MDCS_DIRECTORY_MAX_LEN], out[MDCS_DIRECTORY_MAX_LEN];
	size_t len = directory_request_build(buf, REQUEST_LEN, 0, nonce);

	ck_assert_uint_eq(directory_answer(&dir, &stranger, buf, len, out), 0);
	ck_assert_uint_eq(dir.stats.not_allowed, 1);
	ck_assert_uint_eq(
		directory_answer(&dir, &in6addr_loopback, buf, 11, out), 0);
	ck_assert_uint_eq(dir.stats.malformed, 1);
	ck_assert_uint_eq(dir.stats.answered, 0);
	ck_assert_uint_eq(
		directory_answer(&dir, &in6addr_loopback, buf, len, out),
		ANSWER_HLEN + MDCS_DIRECTORY_MAX_ENTRIES * 16);
	ck_assert_uint_eq(dir.stats.answered, 1);
}
END_TEST

/* --- a peer fetching it over the loopback --- */

struct fetch {
	pthread_t thread;
	size_t max;
	struct in6_addr out[MDCS_DIRECTORY_MAX_TOTAL];
	bool own;
	ssize_t n;
	int error;
};

static void *fetch_run(void *arg)
{
	struct fetch *f = arg;

	f->n = mdcs_directory_fetch(&in6addr_loopback, udp_port(dir.sock),
				    &in6addr_loopback, f->out, f->max, &f->own);
	f->error = errno;
	return NULL;
}

/* Fetch with room for max entries while the loop answers want requests. */
static void fetch(struct fetch *f, size_t max, uint64_t want)
{
	f->max = max;
	ck_assert_int_eq(pthread_create(&f->thread, NULL, fetch_run, f), 0);
	ck_assert_uint_eq(pump(&loop, &dir.stats.answered, want, BOUND_MS),
			  want);
	ck_assert_int_eq(pthread_join(f->thread, NULL), 0);
}

START_TEST(answers_bounded_by_rate)
{
	uint8_t buf[MDCS_DIRECTORY_MAX_LEN], out[MDCS_DIRECTORY_MAX_LEN];
	size_t len = directory_request_build(buf, ANSWER_HLEN + 16, 0, nonce);

	/* requests far faster than the rate (each cheap, the directory
	 * short): a whole burst is answered before the first is refused,
	 * and refused ones are counted */
	n_remote = 1;
	for (unsigned i = 0; i < 100000 && !dir.stats.over_rate; i++)
		directory_answer(&dir, &in6addr_loopback, buf, len, out);
	ck_assert_uint_ge(dir.stats.answered, DIRECTORY_ANSWERS_PER_S);
	ck_assert_uint_eq(dir.stats.over_rate, 1);
}
END_TEST

START_TEST(peer_fetches_an_empty_directory)
{
	static struct fetch f;

	/* an RP that publishes nothing and knows no other */
	conf.has_channel_source = false;
	n_remote = 0;
	fetch(&f, MDCS_DIRECTORY_MAX_TOTAL, 1);
	ck_assert_int_eq(f.n, 0);
	ck_assert(!f.own);
}
END_TEST

START_TEST(peer_fetches_every_page)
{
	static struct fetch f;
	struct in6_addr want[MDCS_DIRECTORY_MAX_TOTAL];
	size_t n;
	bool own;

	/* 200 entries (the RP's own, 199 others): pages of 75, 75, 50 */
	fetch(&f, MDCS_DIRECTORY_MAX_TOTAL, 3);
	n = directory_build(&dir, &own);
	memcpy(want, dir.entries, n * sizeof(*want));
	ck_assert_int_eq(f.n, (ssize_t)n);
	ck_assert_uint_eq(n, N_REMOTE);
	ck_assert(f.own);
	ck_assert_mem_eq(f.out, want, n * sizeof(*want));
	ck_assert_uint_eq(dir.stats.answered, 3);
}
END_TEST

START_TEST(peer_refuses_a_directory_that_keeps_changing)
{
	static struct fetch f;

	/* every second page is of another version: each of 3 tries asks
	 * two pages and starts again */
	flip = true;
	fetch(&f, MDCS_DIRECTORY_MAX_TOTAL, 6);
	ck_assert_int_eq(f.n, -1);
	ck_assert_int_eq(f.error, ESTALE);
}
END_TEST

START_TEST(peer_without_room_refuses)
{
	static struct fetch f;

	fetch(&f, 10, 1);
	ck_assert_int_eq(f.n, -1);
	ck_assert_int_eq(f.error, ENOBUFS);
}
END_TEST

static Suite *directory_suite(void)
{
	Suite *s = suite_create("directory");
	TCase *tc = tcase_create("directory");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, request_bytes);
	tcase_add_test(tc, answer_bytes_and_pages);
	tcase_add_test(tc, malformed_answers_refused);
	tcase_add_test(tc, own_first_then_the_others_in_order);
	tcase_add_test(tc, strangers_and_malformed_requests_not_answered);
	tcase_add_test(tc, answers_bounded_by_rate);
	tcase_add_test(tc, peer_fetches_an_empty_directory);
	tcase_add_test(tc, peer_fetches_every_page);
	tcase_add_test(tc, peer_refuses_a_directory_that_keeps_changing);
	tcase_add_test(tc, peer_without_room_refuses);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(directory_suite)
