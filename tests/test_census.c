/*
 * The peer census (rpd/peer_census.c): announcements from peers' sockets
 * over the loopback, taken by the census's own socket in rpd's event loop,
 * and fed to census_input for what the loopback cannot show.
 *
 *   peer sockets [::1]:p1, [::1]:p2 ---> [::1]:a census (ifindex of lo)
 */
#include <check.h>
#include <net/if.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "announce.h"
#include "loop.h"
#include "peer_census.h"
#include "pump.h"
#include "runner.h"
#include "udpsock.h"

#define BOUND_MS 3000

static struct loop loop;
static struct rpd_conf conf;
static struct prefix6 allowed = { IN6ADDR_LOOPBACK_INIT, 128 };
static struct peer_census census;
static int peer_a, peer_b;

static void setup(void)
{
	memset(&conf, 0, sizeof(conf));
	conf.tunnel_addr = in6addr_loopback;
	conf.publishers = &allowed;
	conf.n_publishers = 1;
	ck_assert_int_eq(loop_init(&loop), 0);
	ck_assert_int_eq(census_start(&census, &loop, &conf, 0), 0);
	peer_a = udp_socket(&in6addr_loopback, 0);
	peer_b = udp_socket(&in6addr_loopback, 0);
	ck_assert(peer_a >= 0 && peer_b >= 0);
}

static void teardown(void)
{
	census_stop(&census);
	close(peer_a);
	close(peer_b);
	loop_fini(&loop);
}

/* An announcement from sock: id's octets all id_octet. */
static void announce(int sock, uint8_t id_octet, uint8_t flags, uint16_t hold_s)
{
	struct announce a = { .flags = flags, .hold_s = hold_s };
	struct sockaddr_in6 to = { .sin6_family = AF_INET6,
				   .sin6_addr = in6addr_loopback,
				   .sin6_port = htons(udp_port(census.sock)) };
	uint8_t buf[sizeof(struct mdcs_announce)];
	size_t n;

	memset(a.id, id_octet, sizeof(a.id));
	n = announce_build(buf, &a);
	ck_assert_int_eq(
		sendto(sock, buf, n, 0, (struct sockaddr *)&to, sizeof(to)),
		(ssize_t)n);
}

static void taken(uint64_t n)
{
	ck_assert_uint_eq(pump(&loop, &census.stats.announcements, n, BOUND_MS),
			  n);
}

START_TEST(counted_on_their_interface_by_mode)
{
	announce(peer_a, 1, 0, 30);
	announce(peer_b, 2, MDCS_ANNOUNCE_TUNNEL, 30);
	taken(2);
	ck_assert_uint_eq(census.n_peers, 2);
	ck_assert_uint_eq(census.n_ifs, 1);
	ck_assert_uint_eq(census.ifs[0].ifindex, if_nametoindex("lo"));
	ck_assert_str_eq(census.ifs[0].name, "lo");
	ck_assert_uint_eq(census.ifs[0].peers, 2);
	ck_assert_uint_eq(census.ifs[0].tunnel_peers, 1);
}
END_TEST

START_TEST(announced_again_counts_once)
{
	/* the same id from another port is the same peer; a changed mode
	 * moves it between the modes' counts */
	announce(peer_a, 1, MDCS_ANNOUNCE_TUNNEL, 30);
	announce(peer_b, 1, 0, 30);
	announce(peer_a, 1, 0, 30);
	taken(3);
	ck_assert_uint_eq(census.n_peers, 1);
	ck_assert_uint_eq(census.ifs[0].peers, 1);
	ck_assert_uint_eq(census.ifs[0].tunnel_peers, 0);
}
END_TEST

START_TEST(departure_forgets_at_once)
{
	announce(peer_a, 1, MDCS_ANNOUNCE_TUNNEL, 30);
	announce(peer_a, 1, MDCS_ANNOUNCE_TUNNEL, 0);
	taken(2);
	ck_assert_uint_eq(census.stats.departures, 1);
	ck_assert_uint_eq(census.n_peers, 0);
	ck_assert_uint_eq(census.ifs[0].peers, 0);
	ck_assert_uint_eq(census.ifs[0].tunnel_peers, 0);
}
END_TEST

START_TEST(hold_time_passes)
{
	announce(peer_a, 1, 0, 1);
	announce(peer_b, 2, 0, 30);
	taken(2);
	ck_assert_uint_eq(pump(&loop, &census.stats.expired, 1, BOUND_MS), 1);
	ck_assert_uint_eq(census.n_peers, 1);
	ck_assert_uint_eq(census.ifs[0].peers, 1);
}
END_TEST

START_TEST(bad_announcements_change_nothing)
{
	static const struct in6_addr stranger = { { { 0x20, 0x01, 0x0d,
						      0xb9, [15] = 1 } } };
	uint8_t buf[sizeof(struct mdcs_announce) + 1];
	struct announce a = { .hold_s = 30 };
	size_t n = announce_build(buf, &a);

	census_input(&census, &stranger, 1, buf, n);
	ck_assert_uint_eq(census.stats.not_allowed, 1);
	census_input(&census, &in6addr_loopback, 1, buf, n + 1);
	census_input(&census, &in6addr_loopback, 1, buf, n - 1);
	buf[0] = MDCS_ANNOUNCE_VERSION + 1;
	census_input(&census, &in6addr_loopback, 1, buf, n);
	buf[0] = MDCS_ANNOUNCE_VERSION;
	buf[1] = 0x80; /* an unknown flag */
	census_input(&census, &in6addr_loopback, 1, buf, n);
	buf[1] = 0;
	buf[2] = (MDCS_ANNOUNCE_MAX_HOLD + 1) >> 8;
	buf[3] = (MDCS_ANNOUNCE_MAX_HOLD + 1) & 0xff;
	census_input(&census, &in6addr_loopback, 1, buf, n);
	ck_assert_uint_eq(census.stats.malformed, 5);
	ck_assert_uint_eq(census.stats.announcements, 0);
	ck_assert_uint_eq(census.n_peers, 0);
	ck_assert_uint_eq(census.n_ifs, 0);
}
END_TEST

START_TEST(moved_peer_counts_on_its_new_interface)
{
	uint8_t buf[sizeof(struct mdcs_announce)];
	struct announce a = { .hold_s = 30 };
	size_t n = announce_build(buf, &a);

	census_input(&census, &in6addr_loopback, 1, buf, n);
	census_input(&census, &in6addr_loopback, 1000, buf, n);
	ck_assert_uint_eq(census.n_peers, 1);
	ck_assert_uint_eq(census.n_ifs, 2);
	ck_assert_uint_eq(census.ifs[0].peers, 0);
	ck_assert_uint_eq(census.ifs[1].peers, 1);
	/* an interface without a name is named by its index */
	ck_assert_str_eq(census.ifs[1].name, "if1000");
}
END_TEST

START_TEST(full_turns_new_peers_away)
{
	uint8_t buf[sizeof(struct mdcs_announce)];
	struct announce a = { .hold_s = 30 };
	size_t n;

	for (uint32_t i = 0; i <= CENSUS_MAX_PEERS; i++) {
		memcpy(a.id, &i, sizeof(i));
		n = announce_build(buf, &a);
		census_input(&census, &in6addr_loopback, 1, buf, n);
	}
	ck_assert_uint_eq(census.n_peers, CENSUS_MAX_PEERS);
	ck_assert_uint_eq(census.stats.full, 1);
	ck_assert_uint_eq(census.ifs[0].peers, CENSUS_MAX_PEERS);
	/* a peer counted already is refreshed all the same */
	memset(a.id, 0, sizeof(a.id));
	n = announce_build(buf, &a);
	census_input(&census, &in6addr_loopback, 1, buf, n);
	ck_assert_uint_eq(census.stats.full, 1);
}
END_TEST

START_TEST(too_many_interfaces_turn_peers_away)
{
	uint8_t buf[sizeof(struct mdcs_announce)];
	struct announce a = { .hold_s = 30 };

	for (unsigned i = 1; i <= CENSUS_MAX_INTERFACES + 1; i++) {
		a.id[0] = (uint8_t)i;
		census_input(&census, &in6addr_loopback, i, buf,
			     announce_build(buf, &a));
	}
	ck_assert_uint_eq(census.n_ifs, CENSUS_MAX_INTERFACES);
	ck_assert_uint_eq(census.n_peers, CENSUS_MAX_INTERFACES);
	ck_assert_uint_eq(census.stats.full, 1);
}
END_TEST

static Suite *census_suite(void)
{
	Suite *s = suite_create("census");
	TCase *t = tcase_create("peers");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, counted_on_their_interface_by_mode);
	tcase_add_test(t, announced_again_counts_once);
	tcase_add_test(t, departure_forgets_at_once);
	tcase_add_test(t, hold_time_passes);
	tcase_add_test(t, bad_announcements_change_nothing);
	tcase_add_test(t, moved_peer_counts_on_its_new_interface);
	tcase_add_test(t, full_turns_new_peers_away);
	tcase_add_test(t, too_many_interfaces_turn_peers_away);
	suite_add_tcase(s, t);
	return s;
}

CHECK_MAIN(census_suite)
