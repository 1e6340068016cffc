/*
 * The peers' library (peer/peer.c): publications and channel messages
 * byte by byte, then real sockets in a namespace of the test's own:
 *
 *     publisher [2001:db8:1::7] ---> RP's channel source [2001:db8:ff::1]:2269
 *
 *     S  [2001:db8:ff::1]:2269 --+                  +--> peer joined to
 *     S2 [2001:db8:ff::2]:2269 --+-- pv0 ===== pv1 -+    (S, G) on pv1
 *
 * Channel messages leave pv0 and arrive on pv1 as from a router; no RP
 * takes part: what a peer sends to one and receives from one is checked
 * on the wire format alone.
 */
#include <check.h>
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "peer.h"
#include "proto/publish.h"
#include "runner.h"
#include "sandbox.h"

static struct in6_addr addr(const char *s)
{
	struct in6_addr a;

	ck_assert_int_eq(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

START_TEST(publication_bytes)
{
	struct in6_addr g = addr("ff3e::1234");
	uint8_t buf[64];
	ssize_t n = mdcs_pub_build(buf, sizeof(buf), &g, "hello", 5);

	ck_assert_int_eq(n, 25);
	ck_assert_uint_eq(buf[0], MDCS_PUB_VERSION);
	ck_assert_uint_eq(buf[1] | buf[2] | buf[3], 0);
	ck_assert_mem_eq(buf + 4, &g, 16);
	ck_assert_mem_eq(buf + 20, "hello", 5);
	/* exactly full, then one octet short */
	ck_assert_int_eq(mdcs_pub_build(buf, 25, &g, "hello", 5), 25);
	ck_assert_int_eq(mdcs_pub_build(buf, 24, &g, "hello", 5), -1);
	ck_assert_int_eq(errno, EMSGSIZE);
}
END_TEST

/* Groups a publication may not name: any-source, link-local SSM,
 * interface-local SSM, an SSM prefix length that is not zero, unicast. */
static const char *const bad_groups[] = { "ff0e::1234", "ff32::1234",
					  "ff31::1234", "ff3e:40::1234",
					  "2001:db8::1" };

START_TEST(publication_needs_ssm_group)
{
	struct in6_addr g = addr(bad_groups[_i]);
	uint8_t buf[64];

	ck_assert_int_eq(mdcs_pub_build(buf, sizeof(buf), &g, "x", 1), -1);
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

START_TEST(channel_message_parsed)
{
	struct mdcs_chan_hdr h = { .version = MDCS_PUB_VERSION,
				   .publisher_port = htons(40000),
				   .publisher = addr("2001:db8:1::7") };
	struct mdcs_peer_msg m;
	uint8_t buf[64];

	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), "abc", 3);
	ck_assert_int_eq(mdcs_chan_parse(buf, sizeof(h) + 3, &m), 0);
	ck_assert_mem_eq(&m.publisher, &h.publisher, 16);
	ck_assert_uint_eq(m.publisher_port, 40000);
	ck_assert_uint_eq(m.len, 3);
	ck_assert_mem_eq(m.data, "abc", 3);
	/* an empty message is one; a header cut short or another version
	 * is none */
	ck_assert_int_eq(mdcs_chan_parse(buf, sizeof(h), &m), 0);
	ck_assert_uint_eq(m.len, 0);
	ck_assert_int_eq(mdcs_chan_parse(buf, sizeof(h) - 1, &m), -1);
	ck_assert_int_eq(errno, EBADMSG);
	buf[0] = 2;
	ck_assert_int_eq(mdcs_chan_parse(buf, sizeof(h) + 3, &m), -1);
	ck_assert_int_eq(errno, EBADMSG);
}
END_TEST

static void net_setup(void)
{
	sandbox_enter();
	sh("ip link add pv0 type veth peer name pv1");
	sh("ip link set pv0 up && ip link set pv1 up");
	sh("ip -6 addr add 2001:db8:ff::1/128 dev pv0 nodad");
	sh("ip -6 addr add 2001:db8:ff::2/128 dev pv0 nodad");
	sh("ip -6 addr add 2001:db8:1::7/128 dev lo nodad");
}

static void net_teardown(void)
{
	sandbox_leave();
}

/* A UDP socket bound to [a]:port. */
static int bound(const char *a, uint16_t port)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6,
				   .sin6_port = htons(port),
				   .sin6_addr = addr(a) };
	int fd = socket(AF_INET6, SOCK_DGRAM, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void wait_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	ck_assert_msg(poll(&p, 1, 2000) == 1, "nothing within 2 s");
}

START_TEST(publish_reaches_rp)
{
	struct in6_addr rp = addr("2001:db8:ff::1"), g = addr("ff3e::1234"),
			me = addr("2001:db8:1::7");
	int rp_fd = bound("2001:db8:ff::1", MDCS_PUBLISH_PORT),
	    fd = mdcs_peer_publisher(&me);
	struct sockaddr_in6 from;
	socklen_t from_len = sizeof(from);
	uint8_t buf[64];
	ssize_t n;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(
		mdcs_peer_publish(fd, &rp, MDCS_PUBLISH_PORT, &g, "block 1", 7),
		0);
	wait_readable(rp_fd);
	n = recvfrom(rp_fd, buf, sizeof(buf), 0, (struct sockaddr *)&from,
		     &from_len);
	ck_assert_int_eq(n, 27);
	ck_assert_mem_eq(&from.sin6_addr, &me, 16);
	ck_assert_uint_eq(buf[0], MDCS_PUB_VERSION);
	ck_assert_mem_eq(buf + 4, &g, 16);
	ck_assert_mem_eq(buf + 20, "block 1", 7);
	/* a bad group is refused before anything is sent */
	g = addr("ff0e::1234");
	ck_assert_int_eq(
		mdcs_peer_publish(fd, &rp, MDCS_PUBLISH_PORT, &g, "x", 1), -1);
	ck_assert_int_eq(errno, EINVAL);
	close(fd);
	close(rp_fd);
}
END_TEST

/* Send a channel message from [src]:2269 to [G]:port out of pv0. */
static void send_channel(const char *src, const struct in6_addr *g,
			 uint16_t port, const void *body, size_t len)
{
	struct sockaddr_in6 to = { .sin6_family = AF_INET6,
				   .sin6_port = htons(port),
				   .sin6_addr = *g };
	int fd = bound(src, MDCS_PUBLISH_PORT), off = 0;
	unsigned out = if_nametoindex("pv0");

	ck_assert(setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &out,
			     sizeof(out)) == 0);
	ck_assert(setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &off,
			     sizeof(off)) == 0);
	ck_assert_int_eq(
		sendto(fd, body, len, 0, (struct sockaddr *)&to, sizeof(to)),
		(ssize_t)len);
	close(fd);
}

/* A channel message from the publisher at 2001:db8:1::7, port 40000. */
static size_t channel_message(uint8_t *buf, const char *text)
{
	struct mdcs_chan_hdr h = { .version = MDCS_PUB_VERSION,
				   .publisher_port = htons(40000),
				   .publisher = addr("2001:db8:1::7") };

	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), text, strlen(text));
	return sizeof(h) + strlen(text);
}

/*
 * Joined to (S, G): a message of (S2, G), which the kernel's source filter
 * keeps out, then one that is no channel message, then the one of (S, G):
 * the second is refused, the third received with its channel.
 */
START_TEST(joined_channel_received)
{
	struct in6_addr s = addr("2001:db8:ff::1"), g = addr("ff3e::1234"),
			s2 = addr("2001:db8:ff::2"),
			pub = addr("2001:db8:1::7");
	int fd = mdcs_peer_listener(MDCS_CHANNEL_PORT);
	unsigned in = if_nametoindex("pv1");
	struct mdcs_peer_msg m;
	uint8_t body[64], buf[256];
	size_t len;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(mdcs_peer_join(fd, in, &s, &g), 0);
	len = channel_message(body, "from elsewhere");
	send_channel("2001:db8:ff::2", &g, MDCS_CHANNEL_PORT, body, len);
	body[0] = 2; /* another version */
	send_channel("2001:db8:ff::1", &g, MDCS_CHANNEL_PORT, body, len);
	len = channel_message(body, "block 2");
	send_channel("2001:db8:ff::1", &g, MDCS_CHANNEL_PORT, body, len);

	wait_readable(fd);
	ck_assert_int_eq(mdcs_peer_receive(fd, buf, sizeof(buf), &m), -1);
	ck_assert_int_eq(errno, EBADMSG);
	wait_readable(fd);
	ck_assert_int_eq(mdcs_peer_receive(fd, buf, sizeof(buf), &m), 0);
	ck_assert_mem_eq(&m.source, &s, 16);
	ck_assert_mem_eq(&m.group, &g, 16);
	ck_assert_mem_eq(&m.publisher, &pub, 16);
	ck_assert_uint_eq(m.publisher_port, 40000);
	ck_assert_uint_eq(m.len, 7);
	ck_assert_mem_eq(m.data, "block 2", 7);

	/* left: the next message of (S, G) stays out, a unicast one to the
	 * port is no channel message */
	ck_assert_int_eq(mdcs_peer_leave(fd, in, &s, &g), 0);
	send_channel("2001:db8:ff::1", &g, MDCS_CHANNEL_PORT, body, len);
	send_channel("2001:db8:ff::1", &s2, MDCS_CHANNEL_PORT, body, len);
	wait_readable(fd);
	ck_assert_int_eq(mdcs_peer_receive(fd, buf, sizeof(buf), &m), -1);
	ck_assert_int_eq(errno, EBADMSG);
	close(fd);
}
END_TEST

/* Run the tool with args; its standard output as a stream. */
static FILE *tool(pid_t *pid, const char *const *args)
{
	int out[2];

	ck_assert_int_eq(pipe(out), 0);
	*pid = fork();
	ck_assert_int_ge(*pid, 0);
	if (!*pid) {
		dup2(out[1], STDOUT_FILENO);
		close(out[0]);
		execv(MDCS_PEER_TOOL, (char *const *)args);
		_exit(127);
	}
	close(out[1]);
	return fdopen(out[0], "r");
}

static int exit_status(pid_t pid)
{
	int status;

	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* mdcs-peer listen prints the joined channel's message, and publish sends
 * one; a group of link-local scope is refused and nothing is sent. */
START_TEST(tool_listens_and_publishes)
{
	static const char *const listen[] = {
		"mdcs-peer",  "listen", "-i",
		"pv1",	      "-c",	"1",
		"-t",	      "3",	"2001:db8:ff::1",
		"ff3e::1234", NULL
	};
	static const char *const publish[] = { "mdcs-peer",	 "publish",
					       "2001:db8:ff::1", "ff3e::1234",
					       "hello",		 NULL };
	static const char *const refused[] = {
		"mdcs-peer",  "publish", "2001:db8:ff::1",
		"ff32::1234", "x",	 NULL
	};
	struct in6_addr g = addr("ff3e::1234");
	char line[256];
	uint8_t body[64];
	pid_t pid;
	FILE *out = tool(&pid, listen);
	int rp_fd;

	ck_assert_ptr_nonnull(fgets(line, sizeof(line), out));
	ck_assert_str_eq(line, "listening\n");
	send_channel("2001:db8:ff::1", &g, MDCS_CHANNEL_PORT, body,
		     channel_message(body, "blo\\ck\x01"));
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), out));
	ck_assert_str_eq(line,
			 "2001:db8:ff::1 ff3e::1234 [2001:db8:1::7]:40000 "
			 "7 blo\\x5cck\\x01\n");
	fclose(out);
	ck_assert_int_eq(exit_status(pid), 0);

	rp_fd = bound("2001:db8:ff::1", MDCS_PUBLISH_PORT);
	fclose(tool(&pid, refused));
	ck_assert_int_eq(exit_status(pid), 1);
	fclose(tool(&pid, publish));
	ck_assert_int_eq(exit_status(pid), 0);
	/* the first datagram to arrive is the valid publication */
	wait_readable(rp_fd);
	ck_assert_int_eq(recv(rp_fd, body, sizeof(body), 0), 25);
	ck_assert_mem_eq(body + 4, &g, 16);
	ck_assert_mem_eq(body + 20, "hello", 5);
	close(rp_fd);
}
END_TEST

START_TEST(join_needs_ssm_group)
{
	struct in6_addr s = addr("2001:db8:ff::1"), g = addr("ff32::1234");
	int fd = mdcs_peer_listener(MDCS_CHANNEL_PORT);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(mdcs_peer_join(fd, if_nametoindex("pv1"), &s, &g), -1);
	ck_assert_int_eq(errno, EINVAL);
	close(fd);
}
END_TEST

static Suite *peer_suite(void)
{
	Suite *s = suite_create("peer");
	TCase *w = tcase_create("wire"), *k = tcase_create("sockets");

	tcase_add_test(w, publication_bytes);
	tcase_add_loop_test(w, publication_needs_ssm_group, 0,
			    sizeof(bad_groups) / sizeof(bad_groups[0]));
	tcase_add_test(w, channel_message_parsed);
	suite_add_tcase(s, w);

	tcase_add_checked_fixture(k, net_setup, net_teardown);
	tcase_add_test(k, publish_reaches_rp);
	tcase_add_test(k, joined_channel_received);
	tcase_add_test(k, join_needs_ssm_group);
	tcase_add_test(k, tool_listens_and_publishes);
	suite_add_tcase(s, k);
	return s;
}

CHECK_MAIN(peer_suite)
