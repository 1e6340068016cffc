/*
 * The relay (rpd/relay.c) on real UDP sockets over the loopback: the two
 * RPs of a path bind their endpoints with KEEPALIVEs signed for the relay,
 * and only what they send each other passes.
 *
 *   RP A [::1]:a ---\                      /--- [::1]:b RP B
 *                    >-- [::1]:p relay Z --<
 *   stranger C [::1]:c
 *
 * A asked Z for a path with B; p is the port Z opened for it.
 */
#include <check.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "control.h"
#include "loop.h"
#include "proto/tunnel.h"
#include "pump.h"
#include "relay.h"
#include "identity.h"
#include "runner.h"
#include "udpsock.h"

#define PUMP_BOUND_MS 2000

static struct ctl_identity rp_a, rp_b, rp_c, rp_z;
static struct loop loop;
static struct relay relay;
static int sock_a, sock_b, sock_c;
static int path_sock; /* the relay's, for the path */
static uint16_t port;

static void setup(void)
{
	test_identity(&rp_a, 0xa1);
	test_identity(&rp_b, 0xb2);
	test_identity(&rp_c, 0xc3);
	test_identity(&rp_z, 0xd4);
	ck_assert_int_eq(loop_init(&loop), 0);
	relay_init(&relay, &loop, &in6addr_loopback, rp_z.pk, 10000000);
	sock_a = udp_socket(&in6addr_loopback, 0);
	sock_b = udp_socket(&in6addr_loopback, 0);
	sock_c = udp_socket(&in6addr_loopback, 0);
	ck_assert(sock_a >= 0 && sock_b >= 0 && sock_c >= 0);
	port = relay_allocate(&relay, rp_a.pk, rp_b.pk, &path_sock);
	ck_assert_uint_ne(port, 0);
}

static void teardown(void)
{
	relay_fini(&relay);
	close(sock_a);
	close(sock_b);
	close(sock_c);
	loop_fini(&loop);
}

static void send_to_relay(int sock, const uint8_t *buf, ssize_t len)
{
	struct sockaddr_in6 to = { .sin6_family = AF_INET6,
				   .sin6_addr = in6addr_loopback,
				   .sin6_port = htons(port) };

	ck_assert_int_gt(len, 0);
	ck_assert_int_eq(sendto(sock, buf, (size_t)len, 0,
				(struct sockaddr *)&to, sizeof(to)),
			 len);
}

/* A KEEPALIVE signed by id for recipient, sent from sock. */
static void keepalive(int sock, const struct ctl_identity *id,
		      const uint8_t *recipient)
{
	uint8_t buf[MDCS_CTL_MAX_LEN];

	send_to_relay(sock, buf,
		      ctl_build_keepalive(buf, sizeof(buf), loop_unix_us(), id,
					  recipient));
}

/* An AMT data message of len octets, the rest filled with fill. */
static void data(int sock, uint8_t first, uint8_t fill, size_t len)
{
	uint8_t buf[256];

	memset(buf, fill, sizeof(buf));
	buf[0] = first;
	send_to_relay(sock, buf, (ssize_t)len);
}

/* Run the loop until the relay counted `want` of a counter, within a bound. */
static void pump_to(const uint64_t *counter, uint64_t want)
{
	ck_assert_uint_eq(pump(&loop, counter, want, PUMP_BOUND_MS), want);
}

/* What sock received, its length (-1 if nothing), from the relay's port. */
static ssize_t received(int sock, uint8_t *buf, size_t cap)
{
	struct sockaddr_in6 from;
	socklen_t len = sizeof(from);
	ssize_t n = recvfrom(sock, buf, cap, MSG_DONTWAIT,
			     (struct sockaddr *)&from, &len);

	if (n >= 0)
		ck_assert_uint_eq(ntohs(from.sin6_port), port);
	return n;
}

static void bind_both(void)
{
	keepalive(sock_a, &rp_a, rp_z.pk);
	keepalive(sock_b, &rp_b, rp_z.pk);
	pump_to(&relay.stats.binds, 2);
}

START_TEST(asked_again_either_end_same_port)
{
	int again = -1;

	ck_assert_uint_eq(udp_port(path_sock), port);
	ck_assert_uint_eq(relay_allocate(&relay, rp_a.pk, rp_b.pk, &again),
			  port);
	ck_assert_int_eq(again, path_sock);
	/* the other end, asking at the same time, gets the same port */
	again = -1;
	ck_assert_uint_eq(relay_allocate(&relay, rp_b.pk, rp_a.pk, &again),
			  port);
	ck_assert_int_eq(again, path_sock);
	ck_assert_uint_eq(relay_count(&relay), 1);
	ck_assert_uint_eq(relay.stats.allocated, 1);
}
END_TEST

START_TEST(bound_ends_exchange)
{
	uint8_t buf[512], ka[MDCS_CTL_MAX_LEN];
	ssize_t n;

	bind_both();
	data(sock_a, AMT_DATA_OCTET0, 0x11, 200);
	pump_to(&relay.stats.packets, 1);
	n = received(sock_b, buf, sizeof(buf));
	ck_assert_int_eq(n, 200);
	ck_assert_uint_eq(buf[0], AMT_DATA_OCTET0);
	ck_assert_uint_eq(buf[199], 0x11);
	/* a control message for the other end passes, and is no bind */
	n = ctl_build_keepalive(ka, sizeof(ka), loop_unix_us(), &rp_b, rp_a.pk);
	send_to_relay(sock_b, ka, n);
	pump_to(&relay.stats.packets, 2);
	ck_assert_int_eq(received(sock_a, buf, sizeof(buf)), n);
	ck_assert_mem_eq(buf, ka, (size_t)n);
	ck_assert_uint_eq(relay.stats.binds, 2);
	ck_assert_uint_eq(relay.stats.octets, 200 + (uint64_t)n);
	ck_assert_uint_eq(relay.stats.dropped, 0);
}
END_TEST

START_TEST(nothing_else_passes)
{
	uint8_t buf[512];

	keepalive(sock_a, &rp_a, rp_z.pk);
	pump_to(&relay.stats.binds, 1);
	/* B's end is not bound yet */
	data(sock_a, AMT_DATA_OCTET0, 0x22, 100);
	pump_to(&relay.stats.dropped, 1);
	keepalive(sock_b, &rp_b, rp_z.pk);
	pump_to(&relay.stats.binds, 2);
	/* neither AMT data nor control; from a stranger; too short */
	data(sock_a, 0x42, 0x22, 100);
	data(sock_c, AMT_DATA_OCTET0, 0x22, 100);
	data(sock_a, AMT_DATA_OCTET0, 0x22, 1);
	pump_to(&relay.stats.dropped, 4);
	ck_assert_uint_eq(relay.stats.packets, 0);
	ck_assert_int_eq(received(sock_b, buf, sizeof(buf)), -1);
	ck_assert_int_eq(received(sock_c, buf, sizeof(buf)), -1);
}
END_TEST

START_TEST(forged_or_replayed_binds_move_nothing)
{
	uint8_t buf[512], ka[MDCS_CTL_MAX_LEN];
	ssize_t n;

	n = ctl_build_keepalive(ka, sizeof(ka), loop_unix_us(), &rp_a, rp_z.pk);
	send_to_relay(sock_a, ka, n);
	keepalive(sock_b, &rp_b, rp_z.pk);
	pump_to(&relay.stats.binds, 2);
	/* A's bind again from C: a replay */
	send_to_relay(sock_c, ka, n);
	pump_to(&relay.stats.dropped, 1);
	/* C's own key is not the path's; A's signature for B is not for Z */
	keepalive(sock_c, &rp_c, rp_z.pk);
	keepalive(sock_c, &rp_a, rp_b.pk);
	pump_to(&relay.stats.dropped, 3);
	ck_assert_uint_eq(relay.stats.binds, 2);
	/* A is still where it bound */
	data(sock_b, AMT_DATA_OCTET0, 0x33, 64);
	pump_to(&relay.stats.packets, 1);
	ck_assert_int_eq(received(sock_a, buf, sizeof(buf)), 64);
	ck_assert_int_eq(received(sock_c, buf, sizeof(buf)), -1);
}
END_TEST

START_TEST(refused_when_full)
{
	uint8_t peer[MDCS_CTL_KEY_LEN] = { 0 };

	for (unsigned i = 1; i < RELAY_MAX_ALLOCS; i++) {
		peer[0] = (uint8_t)i;
		ck_assert_uint_ne(
			relay_allocate(&relay, rp_a.pk, peer, &path_sock), 0);
	}
	peer[0] = 0xff;
	ck_assert_uint_eq(relay_allocate(&relay, rp_a.pk, peer, &path_sock), 0);
	ck_assert_uint_eq(relay.stats.refused, 1);
	ck_assert_uint_eq(relay_count(&relay), RELAY_MAX_ALLOCS);
	/* the paths there are still answered */
	ck_assert_uint_eq(relay_allocate(&relay, rp_a.pk, rp_b.pk, &path_sock),
			  port);
}
END_TEST

static Suite *relay_suite(void)
{
	Suite *s = suite_create("relay");
	TCase *t = tcase_create("paths");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, asked_again_either_end_same_port);
	tcase_add_test(t, bound_ends_exchange);
	tcase_add_test(t, nothing_else_passes);
	tcase_add_test(t, forged_or_replayed_binds_move_nothing);
	tcase_add_test(t, refused_when_full);
	suite_add_tcase(s, t);
	return s;
}

CHECK_MAIN(relay_suite)
