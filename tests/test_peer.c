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
#include <netinet/ip6.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "csum.h"
#include "directory.h"
#include "mld.h"
#include "peer.h"
#include "proto/amt.h"
#include "proto/announce.h"
#include "proto/directory.h"
#include "proto/publish.h"
#include "proto/tunnel.h"
#include "runner.h"
#include "sandbox.h"

static struct in6_addr addr(const char *s)
{
	struct in6_addr a;

	ck_assert_int_eq(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

/* m is the 7-octet message text of the channel (s, g), published from
 * [2001:db8:1::7]:40000. */
static void expect_msg(const struct mdcs_peer_msg *m, const struct in6_addr *s,
		       const struct in6_addr *g, const char *text)
{
	struct in6_addr pub = addr("2001:db8:1::7");

	ck_assert_mem_eq(&m->source, s, 16);
	ck_assert_mem_eq(&m->group, g, 16);
	ck_assert_mem_eq(&m->publisher, &pub, 16);
	ck_assert_uint_eq(m->publisher_port, 40000);
	ck_assert_uint_eq(m->len, 7);
	ck_assert_mem_eq(m->data, text, 7);
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
			s2 = addr("2001:db8:ff::2");
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
	expect_msg(&m, &s, &g, "block 2");

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

/* The wall clock now, in µs. */
static long long wall_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return t.tv_sec * 1000000LL + t.tv_nsec / 1000;
}

/* A line that begins with a time between from and to (µs) and a space;
 * the rest of the line. */
static const char *after_stamp(const char *line, long long from, long long to)
{
	long long sec;
	long usec;
	int n = 0;

	ck_assert_int_eq(sscanf(line, "%lld.%6ld %n", &sec, &usec, &n), 2);
	ck_assert_int_gt(n, 0);
	ck_assert_int_ge(sec * 1000000 + usec, from);
	ck_assert_int_le(sec * 1000000 + usec, to);
	return line + n;
}

/* With -T, listen's lines and publish's one line begin with the time. */
START_TEST(tool_stamps_lines)
{
	static const char *const listen[] = {
		"mdcs-peer",  "listen", "-T", "-i", "pv1",
		"-c",	      "1",	"-t", "3",  "2001:db8:ff::1",
		"ff3e::1234", NULL
	};
	static const char *const publish[] = { "mdcs-peer",  "publish",
					       "-T",	     "2001:db8:ff::1",
					       "ff3e::1234", "hello",
					       NULL };
	struct in6_addr g = addr("ff3e::1234");
	char line[256];
	uint8_t body[64];
	long long from;
	pid_t pid;
	FILE *out = tool(&pid, listen);
	int rp_fd;

	ck_assert_ptr_nonnull(fgets(line, sizeof(line), out));
	ck_assert_str_eq(line, "listening\n");
	from = wall_us();
	send_channel("2001:db8:ff::1", &g, MDCS_CHANNEL_PORT, body,
		     channel_message(body, "hello.."));
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), out));
	ck_assert_str_eq(after_stamp(line, from, wall_us()),
			 "2001:db8:ff::1 ff3e::1234 [2001:db8:1::7]:40000 "
			 "7 hello..\n");
	fclose(out);
	ck_assert_int_eq(exit_status(pid), 0);

	rp_fd = bound("2001:db8:ff::1", MDCS_PUBLISH_PORT);
	from = wall_us();
	out = tool(&pid, publish);
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), out));
	ck_assert_str_eq(after_stamp(line, from, wall_us()), "published\n");
	fclose(out);
	ck_assert_int_eq(exit_status(pid), 0);
	wait_readable(rp_fd);
	ck_assert_int_eq(recv(rp_fd, body, sizeof(body), 0), 25);
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

/* --- Tunnel mode: the peer as an AMT gateway --- */

static const uint8_t test_mac[AMT_MAC_LEN] = { 0xa1, 0xb2, 0xc3,
					       0xd4, 0xe5, 0xf6 };

START_TEST(amt_request_bytes)
{
	static const uint8_t want[] = { 0x03, 0x01, 0, 0, 1, 2, 3, 4 };
	uint8_t buf[16];

	ck_assert_int_eq(mdcs_amt_request_build(buf, sizeof(buf), 0x01020304),
			 8);
	ck_assert_mem_eq(buf, want, sizeof(want));
	ck_assert_int_eq(mdcs_amt_request_build(buf, 7, 1), -1);
	ck_assert_int_eq(errno, EMSGSIZE);
}
END_TEST

START_TEST(amt_teardown_bytes)
{
	struct in6_addr a = addr("2001:db8:9::9");
	uint8_t buf[64];

	ck_assert_int_eq(mdcs_amt_teardown_build(buf, sizeof(buf), test_mac,
						 0x01020304, &a, 4444),
			 30);
	ck_assert_uint_eq(buf[0], 0x07);
	ck_assert_uint_eq(buf[1], 0);
	ck_assert_mem_eq(buf + 2, test_mac, 6);
	ck_assert_mem_eq(buf + 8, "\x01\x02\x03\x04", 4);
	ck_assert_mem_eq(buf + 12, "\x11\x5c", 2); /* 4444 */
	ck_assert_mem_eq(buf + 14, &a, 16);
	ck_assert_int_eq(mdcs_amt_teardown_build(buf, 29, test_mac, 1, &a, 1),
			 -1);
	ck_assert_int_eq(errno, EMSGSIZE);
}
END_TEST

/*
 * The channels of an Update of len octets, appended to out at *n: its
 * header carries mac and nonce, its report is a valid encapsulated MLDv2
 * report from fe80::2 to ff02::16 whose records are all of type and
 * whose groups are distinct.  How many records it has.
 */
static unsigned update_channels(const uint8_t *buf, size_t len,
				const uint8_t *mac, uint32_t nonce,
				uint8_t type, struct mdcs_peer_channel *out,
				size_t *n)
{
	struct in6_addr src = addr("fe80::2"), dst = addr("ff02::16");
	struct amt_update_hdr h;
	struct mld2_report rep;
	const uint8_t *icmp;
	size_t icmp_len, off;

	ck_assert_uint_le(len, MDCS_AMT_UPDATE_MAX);
	ck_assert_uint_ge(len, sizeof(h));
	memcpy(&h, buf, sizeof(h));
	ck_assert_uint_eq(h.version_type, 0x05);
	ck_assert_uint_eq(h.reserved, 0);
	ck_assert_mem_eq(h.mac, mac, AMT_MAC_LEN);
	ck_assert_uint_eq(ntohl(h.nonce), nonce);
	/* the checksum and lengths are right, Router Alert is there */
	icmp = mld_packet_parse(buf + sizeof(h), len - sizeof(h), &icmp_len);
	ck_assert_ptr_nonnull(icmp);
	ck_assert_mem_eq(buf + sizeof(h) + 8, &src, 16);
	ck_assert_mem_eq(buf + sizeof(h) + 24, &dst, 16);
	memcpy(&rep, icmp, sizeof(rep));
	ck_assert_uint_eq(rep.type, MLD2_REPORT_TYPE);
	off = sizeof(rep);
	for (unsigned i = 0; i < ntohs(rep.nrecords); i++) {
		struct mld2_record r;

		ck_assert_uint_le(off + sizeof(r), icmp_len);
		memcpy(&r, icmp + off, sizeof(r));
		ck_assert_uint_eq(r.type, type);
		ck_assert_uint_eq(r.aux_len, 0);
		ck_assert_uint_gt(ntohs(r.nsources), 0);
		off += sizeof(r);
		ck_assert_uint_le(off + 16 * ntohs(r.nsources), icmp_len);
		for (unsigned k = 0; k < ntohs(r.nsources); k++, off += 16) {
			memcpy(&out[*n].source, icmp + off, 16);
			memcpy(&out[*n].group, r.group, 16);
			ck_assert(*n == 0 || i == 0 || k > 0 ||
				  memcmp(&out[*n - 1].group, r.group, 16));
			(*n)++;
		}
	}
	ck_assert_uint_eq(off, icmp_len);
	return ntohs(rep.nrecords);
}

START_TEST(amt_update_bytes)
{
	struct mdcs_peer_channel ch[3] = {
		{ addr("2001:db8:ff::1"), addr("ff3e::1") },
		{ addr("2001:db8:ff::2"), addr("ff3e::1") },
		{ addr("2001:db8:ff::1"), addr("ff3e::2") },
	}, got[3];
	uint8_t buf[2048];
	size_t taken = 0, n = 0;
	ssize_t len =
		mdcs_amt_update_build(buf, sizeof(buf), test_mac, 0x01020304,
				      MLD2_MODE_IS_INCLUDE, ch, 3, &taken);

	/* header, IPv6 + HBH, report header, records of 2 and 1 sources */
	ck_assert_int_eq(len, 12 + 48 + 8 + (20 + 32) + (20 + 16));
	ck_assert_uint_eq(taken, 3);
	ck_assert_mem_eq(buf + 8, "\x01\x02\x03\x04", 4);
	ck_assert_uint_eq(update_channels(buf, (size_t)len, test_mac,
					  0x01020304, MLD2_MODE_IS_INCLUDE, got,
					  &n),
			  2);
	ck_assert_uint_eq(n, 3);
	ck_assert_mem_eq(got, ch, sizeof(ch));
	/* the first record's bytes: type 1, aux 0, 2 sources, the group */
	ck_assert_mem_eq(buf + 12 + 48 + 8, "\x01\x00\x00\x02", 4);
	ck_assert_mem_eq(buf + 12 + 48 + 12, &ch[0].group, 16);
	/* hop limit 1, HBH then ICMPv6 */
	ck_assert_uint_eq(buf[12 + 6], 0);
	ck_assert_uint_eq(buf[12 + 7], 1);
	ck_assert_uint_eq(buf[12 + 40], 58);
	/* one octet changed: the checksum no longer holds */
	buf[len - 1] ^= 1;
	ck_assert_ptr_null(mld_packet_parse(buf + 12, (size_t)len - 12, &n));
	/* a buffer that takes not even one channel */
	ck_assert_int_eq(
		mdcs_amt_update_build(buf, 12 + 48 + 8 + 20 + 15, test_mac, 1,
				      MLD2_MODE_IS_INCLUDE, ch, 3, &taken),
		-1);
	ck_assert_int_eq(errno, EMSGSIZE);
	/* the first channel alone, its group's record cut short */
	ck_assert_int_eq(
		mdcs_amt_update_build(buf, 12 + 48 + 8 + 20 + 16 + 15, test_mac,
				      1, MLD2_MODE_IS_INCLUDE, ch, 3, &taken),
		12 + 48 + 8 + 20 + 16);
	ck_assert_uint_eq(taken, 1);
}
END_TEST

/*
 * 256 channels (the most a gateway joins), in 1, 8 or 256 groups, split
 * into Updates of at most 1280 octets in IPv6: every channel in exactly
 * one, in order.
 */
static const unsigned split_groups[] = { 1, 8, 256 };

START_TEST(amt_update_split)
{
	static struct mdcs_peer_channel ch[MDCS_GATEWAY_MAX_CHANNELS],
		got[MDCS_GATEWAY_MAX_CHANNELS];
	const unsigned groups = split_groups[_i],
		       per_group = MDCS_GATEWAY_MAX_CHANNELS / groups;
	uint8_t buf[MDCS_AMT_UPDATE_MAX + 100];
	size_t done = 0, n = 0, updates = 0;

	for (unsigned i = 0; i < MDCS_GATEWAY_MAX_CHANNELS; i++) {
		ch[i].group = addr("ff3e::");
		ch[i].group.s6_addr[14] = (uint8_t)(i / per_group);
		ch[i].group.s6_addr[15] = 1;
		ch[i].source = addr("2001:db8:ff::");
		ch[i].source.s6_addr[15] = (uint8_t)(i % per_group);
	}
	while (done < MDCS_GATEWAY_MAX_CHANNELS) {
		size_t taken;
		ssize_t len = mdcs_amt_update_build(
			buf, sizeof(buf), test_mac, 7, MLD2_MODE_IS_INCLUDE,
			ch + done, MDCS_GATEWAY_MAX_CHANNELS - done, &taken);

		ck_assert_int_gt(len, 0);
		ck_assert_int_le(len + 40 + 8, 1280);
		ck_assert_uint_gt(taken, 0);
		update_channels(buf, (size_t)len, test_mac, 7,
				MLD2_MODE_IS_INCLUDE, got, &n);
		done += taken;
		updates++;
	}
	ck_assert_uint_eq(n, MDCS_GATEWAY_MAX_CHANNELS);
	ck_assert_mem_eq(got, ch, sizeof(ch));
	/* 256 sources of one group: 71 in a record of a full Update */
	if (groups == 1)
		ck_assert_uint_eq(updates, 4);
}
END_TEST

/* A Membership Query: flags, MAC, nonce, a General Query from fe80::1
 * with qqic, then the G part (gw, port) if flags say so. */
static size_t query_msg(uint8_t *buf, uint8_t flags, const uint8_t *mac,
			uint32_t nonce, uint8_t qqic, const struct in6_addr *gw,
			uint16_t port)
{
	struct amt_query_hdr h = { .version_type = 0x04,
				   .flags = flags,
				   .nonce = htonl(nonce) };
	struct mld2_query q = { .type = MLD_QUERY_TYPE,
				.max_resp_code = htons(10000),
				.s_qrv = 2,
				.qqic = qqic };
	struct in6_addr src = addr("fe80::1"), dst = addr("ff02::1");
	size_t n;

	memcpy(h.mac, mac, AMT_MAC_LEN);
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h) + MLD_PACKET_HLEN, &q, sizeof(q));
	n = sizeof(h) +
	    mld_packet_finish(buf + sizeof(h), sizeof(q), &src, &dst);
	if (flags & AMT_QUERY_G) {
		struct amt_query_gateway g = { .port = htons(port) };

		memcpy(g.addr, gw, 16);
		memcpy(buf + n, &g, sizeof(g));
		n += sizeof(g);
	}
	return n;
}

START_TEST(mld_qqic_decoded)
{
	ck_assert_uint_eq(mdcs_mld_qqi(0), 125);
	ck_assert_uint_eq(mdcs_mld_qqi(1), 1);
	ck_assert_uint_eq(mdcs_mld_qqi(30), 30);
	ck_assert_uint_eq(mdcs_mld_qqi(127), 127);
	/* 1 exp mant: (mant | 0x10) << (exp + 3) */
	ck_assert_uint_eq(mdcs_mld_qqi(0x80), 128);
	ck_assert_uint_eq(mdcs_mld_qqi(0x8a), 208);
	ck_assert_uint_eq(mdcs_mld_qqi(0xa3), 19 << 5);
	ck_assert_uint_eq(mdcs_mld_qqi(0xff), 31744);
}
END_TEST

START_TEST(amt_query_parsed)
{
	struct in6_addr gw = addr("2001:db8:9::9"), src = addr("fe80::1"),
			all_nodes = addr("ff02::1");
	struct mdcs_amt_query q;
	uint8_t buf[256];
	size_t len = query_msg(buf, AMT_QUERY_G, test_mac, 0xdeadbeef, 0xa3,
			       &gw, 4444);

	ck_assert_uint_eq(len, 12 + 40 + 8 + 28 + 18);
	ck_assert_int_eq(mdcs_amt_query_parse(buf, len, 0xdeadbeef, &q), 0);
	ck_assert_mem_eq(q.mac, test_mac, AMT_MAC_LEN);
	ck_assert_uint_eq(q.nonce, 0xdeadbeef);
	ck_assert_uint_eq(q.qqi, 19 << 5);
	ck_assert(q.has_gateway);
	ck_assert(!q.limit);
	ck_assert_mem_eq(&q.addr, &gw, 16);
	ck_assert_uint_eq(q.port, 4444);
	/* another Request's nonce, a message cut short or one octet long,
	 * another AMT type: refused */
	ck_assert_int_eq(mdcs_amt_query_parse(buf, len, 0xdeadbeee, &q), -1);
	ck_assert_int_eq(errno, EBADMSG);
	ck_assert_int_eq(mdcs_amt_query_parse(buf, len - 1, 0xdeadbeef, &q),
			 -1);
	ck_assert_int_eq(errno, EBADMSG);
	ck_assert_int_eq(mdcs_amt_query_parse(buf, 11, 0xdeadbeef, &q), -1);
	buf[0] = 0x05;
	ck_assert_int_eq(mdcs_amt_query_parse(buf, len, 0xdeadbeef, &q), -1);
	ck_assert_int_eq(errno, EBADMSG);

	/* no G part, L set, QQIC 0 */
	len = query_msg(buf, AMT_QUERY_L, test_mac, 5, 0, NULL, 0);
	ck_assert_uint_eq(len, 12 + 40 + 8 + 28);
	ck_assert_int_eq(mdcs_amt_query_parse(buf, len, 5, &q), 0);
	ck_assert(!q.has_gateway);
	ck_assert(q.limit);
	ck_assert_uint_eq(q.qqi, 125);
	/* G said but not there: the query packet comes out short */
	buf[1] |= AMT_QUERY_G;
	ck_assert_int_eq(mdcs_amt_query_parse(buf, len, 5, &q), -1);
	ck_assert_int_eq(errno, EBADMSG);
	buf[1] &= (uint8_t)~AMT_QUERY_G;
	/* a bad checksum, and an MLD message that is no query */
	buf[12 + 48 + 4] ^= 1;
	ck_assert_int_eq(mdcs_amt_query_parse(buf, len, 5, &q), -1);
	ck_assert_int_eq(errno, EBADMSG);
	len = query_msg(buf, 0, test_mac, 5, 30, NULL, 0);
	buf[12 + 48] = MLD2_REPORT_TYPE;
	mld_packet_finish(buf + 12, 28, &src, &all_nodes);
	ck_assert_int_eq(mdcs_amt_query_parse(buf, len, 5, &q), -1);
	ck_assert_int_eq(errno, EBADMSG);
}
END_TEST

/* A Multicast Data message of the channel (s, g) to UDP port dport,
 * carrying a channel message of text; a correct UDP checksum. */
static size_t data_msg(uint8_t *buf, const struct in6_addr *s,
		       const struct in6_addr *g, uint16_t dport,
		       const char *text)
{
	struct ip6_hdr ip6 = { 0 };
	struct {
		uint16_t sport, dport, len, csum;
	} udp = { htons(MDCS_PUBLISH_PORT), htons(dport) };
	size_t plen = 8 + channel_message(buf + 2 + 40 + 8, text);
	uint16_t c;

	buf[0] = AMT_DATA_OCTET0;
	buf[1] = 0;
	ip6.ip6_flow = htonl(6u << 28);
	ip6.ip6_plen = htons((uint16_t)plen);
	ip6.ip6_nxt = 17;
	ip6.ip6_hlim = 63;
	ip6.ip6_src = *s;
	ip6.ip6_dst = *g;
	udp.len = htons((uint16_t)plen);
	memcpy(buf + 2, &ip6, sizeof(ip6));
	memcpy(buf + 42, &udp, sizeof(udp));
	c = csum_finish(csum_add(csum_add_pseudo6(0, s, g, (uint32_t)plen, 17),
				 buf + 42, plen));
	if (!c)
		c = 0xffff;
	memcpy(buf + 42 + 6, &c, 2);
	return 2 + 40 + plen;
}

START_TEST(amt_data_parsed)
{
	struct in6_addr s = addr("2001:db8:ff::1"), g = addr("ff3e::1234");
	struct mdcs_peer_msg m;
	uint8_t buf[256];
	size_t len = data_msg(buf, &s, &g, MDCS_CHANNEL_PORT, "block 3");
	uint32_t sum;

	ck_assert_uint_eq(len, 2 + 40 + 8 + 20 + 7);
	ck_assert_int_eq(mdcs_amt_data_parse(buf, len, MDCS_CHANNEL_PORT, &m),
			 0);
	expect_msg(&m, &s, &g, "block 3");
	ck_assert_ptr_eq(m.data, buf + len - 7);
	/* another port than the one listened on */
	ck_assert_int_eq(mdcs_amt_data_parse(buf, len, 2271, &m), -1);
	ck_assert_int_eq(errno, EBADMSG);
	/* cut short: IPv6 and UDP lengths disagree with the datagram */
	ck_assert_int_eq(
		mdcs_amt_data_parse(buf, len - 1, MDCS_CHANNEL_PORT, &m), -1);
	ck_assert_int_eq(errno, EBADMSG);
	ck_assert_int_eq(mdcs_amt_data_parse(buf, 49, MDCS_CHANNEL_PORT, &m),
			 -1);
	ck_assert_int_eq(errno, EBADMSG);
	/* one octet of the message changed: the checksum no longer holds */
	buf[len - 1] ^= 0x20;
	ck_assert_int_eq(mdcs_amt_data_parse(buf, len, MDCS_CHANNEL_PORT, &m),
			 -1);
	ck_assert_int_eq(errno, EBADMSG);
	/* no checksum at all: 0 in the field, and the checksum moved into
	 * the message's first two octets, so that the sum still holds */
	len = data_msg(buf, &s, &g, MDCS_CHANNEL_PORT, "block 3");
	sum = (uint32_t)(buf[48] << 8 | buf[49]) +
	      (uint32_t)(buf[70] << 8 | buf[71]);
	sum = (sum & 0xffff) + (sum >> 16);
	buf[70] = (uint8_t)(sum >> 8);
	buf[71] = (uint8_t)sum;
	buf[48] = buf[49] = 0;
	ck_assert_int_eq(mdcs_amt_data_parse(buf, len, MDCS_CHANNEL_PORT, &m),
			 -1);
	ck_assert_int_eq(errno, EBADMSG);
	/* another next header than UDP */
	len = data_msg(buf, &s, &g, MDCS_CHANNEL_PORT, "block 3");
	buf[2 + 6] = 0;
	ck_assert_int_eq(mdcs_amt_data_parse(buf, len, MDCS_CHANNEL_PORT, &m),
			 -1);
	ck_assert_int_eq(errno, EBADMSG);
	/* not IPv6, and not a data message */
	len = data_msg(buf, &s, &g, MDCS_CHANNEL_PORT, "block 3");
	buf[2] = 0x45;
	ck_assert_int_eq(mdcs_amt_data_parse(buf, len, MDCS_CHANNEL_PORT, &m),
			 -1);
	len = data_msg(buf, &s, &g, MDCS_CHANNEL_PORT, "block 3");
	buf[0] = 0x16;
	ck_assert_int_eq(mdcs_amt_data_parse(buf, len, MDCS_CHANNEL_PORT, &m),
			 -1);
	ck_assert_int_eq(errno, EBADMSG);
}
END_TEST

/* A gateway with no socket, toward [2001:db8:ff::1]:2268. */
static void offline_gateway(struct mdcs_gateway *gw, struct sockaddr_in6 *relay)
{
	memset(gw, 0, sizeof(*gw));
	gw->fd = -1;
	gw->relay.sin6_family = AF_INET6;
	gw->relay.sin6_port = htons(MDCS_TUNNEL_PORT);
	gw->relay.sin6_addr = addr("2001:db8:ff::1");
	gw->channel_port = MDCS_CHANNEL_PORT;
	*relay = gw->relay;
}

/* What the gateway takes from the relay: data of joined channels, from
 * the relay's address and port only, and no Query it did not ask for. */
START_TEST(gateway_input_checked)
{
	static struct mdcs_gateway gw;
	struct in6_addr s = addr("2001:db8:ff::1"), g = addr("ff3e::1234"),
			g2 = addr("ff3e::5678"),
			link_local = addr("ff32::1234");
	struct sockaddr_in6 relay, other;
	struct mdcs_peer_msg m;
	uint8_t buf[256];
	size_t len;

	offline_gateway(&gw, &relay);
	/* before any Query, joining only changes the state */
	ck_assert_int_eq(mdcs_gateway_join(&gw, &s, &g), 0);
	ck_assert_int_eq(mdcs_gateway_join(&gw, &s, &g), 0);
	ck_assert_uint_eq(gw.n, 1);
	ck_assert_int_eq(mdcs_gateway_join(&gw, &s, &link_local), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(mdcs_gateway_leave(&gw, &s, &g2), -1);
	ck_assert_int_eq(errno, ENOENT);

	len = data_msg(buf, &s, &g, MDCS_CHANNEL_PORT, "block 4");
	ck_assert_int_eq(mdcs_gateway_input(&gw, &relay, buf, len, &m),
			 MDCS_GATEWAY_MESSAGE);
	ck_assert_mem_eq(&m.group, &g, 16);
	ck_assert_mem_eq(m.data, "block 4", 7);
	/* from another port, then another address */
	other = relay;
	other.sin6_port = htons(MDCS_TUNNEL_PORT + 1);
	ck_assert_int_eq(mdcs_gateway_input(&gw, &other, buf, len, &m), -1);
	ck_assert_int_eq(errno, EBADMSG);
	other = relay;
	other.sin6_addr = addr("2001:db8:ff::2");
	ck_assert_int_eq(mdcs_gateway_input(&gw, &other, buf, len, &m), -1);
	ck_assert_int_eq(errno, EBADMSG);
	/* a channel not joined, or left */
	len = data_msg(buf, &s, &g2, MDCS_CHANNEL_PORT, "block 4");
	ck_assert_int_eq(mdcs_gateway_input(&gw, &relay, buf, len, &m), -1);
	ck_assert_int_eq(errno, EBADMSG);
	ck_assert_int_eq(mdcs_gateway_leave(&gw, &s, &g), 0);
	len = data_msg(buf, &s, &g, MDCS_CHANNEL_PORT, "block 4");
	ck_assert_int_eq(mdcs_gateway_input(&gw, &relay, buf, len, &m), -1);
	ck_assert_int_eq(errno, EBADMSG);
	/* a Query with no Request outstanding */
	len = query_msg(buf, 0, test_mac, 0, 30, NULL, 0);
	ck_assert_int_eq(mdcs_gateway_input(&gw, &relay, buf, len, &m), -1);
	ck_assert_int_eq(errno, EBADMSG);
	/* no socket opened: nothing to close, nothing sent */
	ck_assert_int_eq(mdcs_gateway_close(&gw), 0);
}
END_TEST

START_TEST(gateway_channels_bounded)
{
	static struct mdcs_gateway gw;
	struct sockaddr_in6 relay;
	struct in6_addr s = addr("2001:db8:ff::1"), g = addr("ff3e::");

	offline_gateway(&gw, &relay);
	/* joined in descending order, kept sorted */
	for (unsigned i = MDCS_GATEWAY_MAX_CHANNELS; i-- > 0;) {
		g.s6_addr[14] = (uint8_t)(i >> 8);
		g.s6_addr[15] = (uint8_t)i;
		ck_assert_int_eq(mdcs_gateway_join(&gw, &s, &g), 0);
	}
	for (unsigned i = 1; i < gw.n; i++)
		ck_assert_int_lt(
			memcmp(&gw.ch[i - 1].group, &gw.ch[i].group, 16), 0);
	g.s6_addr[13] = 1;
	ck_assert_int_eq(mdcs_gateway_join(&gw, &s, &g), -1);
	ck_assert_int_eq(errno, ENOSPC);
}
END_TEST

/* The relay's side, played by the test: one datagram on fd, from whom. */
static size_t relay_recv(int fd, uint8_t *buf, size_t size,
			 struct sockaddr_in6 *from)
{
	socklen_t from_len = sizeof(*from);
	ssize_t n;

	wait_readable(fd);
	n = recvfrom(fd, buf, size, 0, (struct sockaddr *)from, &from_len);
	ck_assert_int_gt(n, 0);
	return (size_t)n;
}

/* An Update arriving at the relay's socket fd, of one record of type for
 * the one channel (source, group), with the test's MAC and nonce. */
static void expect_one_update(int fd, uint32_t nonce, uint8_t type,
			      const struct in6_addr *source,
			      const struct in6_addr *group)
{
	struct mdcs_peer_channel got[4];
	struct sockaddr_in6 from;
	uint8_t buf[2048];
	size_t n = 0, len = relay_recv(fd, buf, sizeof(buf), &from);

	ck_assert_uint_eq(
		update_channels(buf, len, test_mac, nonce, type, got, &n), 1);
	ck_assert_uint_eq(n, 1);
	ck_assert_mem_eq(&got[0].source, source, 16);
	ck_assert_mem_eq(&got[0].group, group, 16);
}

static void relay_send(int fd, const struct sockaddr_in6 *to, const void *buf,
		       size_t len)
{
	ck_assert_int_eq(sendto(fd, buf, len, 0, (const struct sockaddr *)to,
				sizeof(*to)),
			 (ssize_t)len);
}

/* A Request from the gateway: its nonce. */
static uint32_t relay_request(int fd, struct sockaddr_in6 *from)
{
	uint8_t buf[64];
	uint32_t nonce;

	ck_assert_uint_eq(relay_recv(fd, buf, sizeof(buf), from), 8);
	ck_assert_mem_eq(buf, "\x03\x01\x00\x00", 4);
	memcpy(&nonce, buf + 4, 4);
	return ntohl(nonce);
}

static bool nothing_within(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 0;
}

/*
 * The whole exchange on real sockets, the test as the relay at
 * [2001:db8:ff::1]:2268 and the gateway bound to 2001:db8:1::7: Request,
 * a Query to another nonce refused, the right one answered with the
 * channels' Update; data received, data from another port refused;
 * joining and leaving sent at once; Teardown with the address the Query
 * named.
 */
START_TEST(gateway_exchange)
{
	static struct mdcs_gateway gw;
	struct in6_addr relay = addr("2001:db8:ff::1"),
			me = addr("2001:db8:1::7"), s = addr("2001:db8:ff::1"),
			s2 = addr("2001:db8:ff::2"), g = addr("ff3e::1234"),
			g2 = addr("ff3e::5678"), nat = addr("2001:db8:9::9");
	struct mdcs_peer_channel got[4];
	struct sockaddr_in6 from;
	struct mdcs_peer_msg m;
	int fd = bound("2001:db8:ff::1", MDCS_TUNNEL_PORT),
	    elsewhere = bound("2001:db8:ff::1", MDCS_TUNNEL_PORT + 1);
	uint8_t buf[2048];
	uint32_t nonce;
	size_t len, n = 0;
	int due;

	ck_assert_int_eq(mdcs_gateway_open(&gw, &relay, MDCS_TUNNEL_PORT, &me),
			 0);
	ck_assert_mem_eq(&gw.addr, &me, 16);
	ck_assert_int_eq(mdcs_gateway_join(&gw, &s2, &g), 0);
	ck_assert_int_eq(mdcs_gateway_join(&gw, &s, &g), 0);
	ck_assert_int_eq(mdcs_gateway_due_ms(&gw), 0);
	ck_assert_int_eq(mdcs_gateway_request(&gw), 0);
	nonce = relay_request(fd, &from);
	ck_assert_mem_eq(&from.sin6_addr, &me, 16);
	ck_assert_uint_eq(ntohs(from.sin6_port), gw.port);
	due = mdcs_gateway_due_ms(&gw);
	ck_assert_int_gt(due, 0);
	ck_assert_int_le(due, MDCS_GATEWAY_RETRY_MS);

	/* a Query to another Request is refused, and nothing is sent */
	len = query_msg(buf, AMT_QUERY_G, test_mac, nonce + 1, 60, &nat, 4444);
	relay_send(fd, &from, buf, len);
	wait_readable(gw.fd);
	ck_assert_int_eq(mdcs_gateway_receive(&gw, buf, sizeof(buf), &m), -1);
	ck_assert_int_eq(errno, EBADMSG);
	/* the right one is answered with an Update of both channels */
	len = query_msg(buf, AMT_QUERY_G, test_mac, nonce, 60, &nat, 4444);
	relay_send(fd, &from, buf, len);
	wait_readable(gw.fd);
	ck_assert_int_eq(mdcs_gateway_receive(&gw, buf, sizeof(buf), &m),
			 MDCS_GATEWAY_QUERY);
	ck_assert_uint_eq(gw.qqi, 60);
	due = mdcs_gateway_due_ms(&gw);
	ck_assert_int_gt(due, 59000);
	ck_assert_int_le(due, 60000);
	len = relay_recv(fd, buf, sizeof(buf), &from);
	ck_assert_uint_eq(update_channels(buf, len, test_mac, nonce,
					  MLD2_MODE_IS_INCLUDE, got, &n),
			  1);
	ck_assert_uint_eq(n, 2);
	ck_assert_mem_eq(&got[0].source, &s, 16);
	ck_assert_mem_eq(&got[1].source, &s2, 16);
	ck_assert_mem_eq(&got[1].group, &g, 16);

	/* the relay's data arrives; the same from another port does not */
	len = data_msg(buf, &s, &g, MDCS_CHANNEL_PORT, "block 5");
	relay_send(fd, &from, buf, len);
	wait_readable(gw.fd);
	ck_assert_int_eq(mdcs_gateway_receive(&gw, buf, sizeof(buf), &m),
			 MDCS_GATEWAY_MESSAGE);
	ck_assert_mem_eq(&m.source, &s, 16);
	ck_assert_mem_eq(&m.group, &g, 16);
	ck_assert_uint_eq(m.len, 7);
	ck_assert_mem_eq(m.data, "block 5", 7);
	len = data_msg(buf, &s, &g, MDCS_CHANNEL_PORT, "block 6");
	relay_send(elsewhere, &from, buf, len);
	wait_readable(gw.fd);
	ck_assert_int_eq(mdcs_gateway_receive(&gw, buf, sizeof(buf), &m), -1);
	ck_assert_int_eq(errno, EBADMSG);
	/* a datagram larger than the caller's buffer is refused whole */
	relay_send(fd, &from, buf, len);
	wait_readable(gw.fd);
	ck_assert_int_eq(mdcs_gateway_receive(&gw, buf, len - 1, &m), -1);
	ck_assert_int_eq(errno, EBADMSG);

	/* joined and left at once, with the Query's MAC and nonce */
	ck_assert_int_eq(mdcs_gateway_join(&gw, &s, &g2), 0);
	expect_one_update(fd, nonce, MLD2_ALLOW_NEW_SOURCES, &s, &g2);
	ck_assert_int_eq(mdcs_gateway_leave(&gw, &s2, &g), 0);
	expect_one_update(fd, nonce, MLD2_BLOCK_OLD_SOURCES, &s2, &g);
	/* what was left is refused now */
	len = data_msg(buf, &s2, &g, MDCS_CHANNEL_PORT, "block 7");
	relay_send(fd, &from, buf, len);
	wait_readable(gw.fd);
	ck_assert_int_eq(mdcs_gateway_receive(&gw, buf, sizeof(buf), &m), -1);
	ck_assert_int_eq(errno, EBADMSG);

	/* the Teardown names the gateway as the relay saw it */
	ck_assert_int_eq(mdcs_gateway_close(&gw), 0);
	ck_assert_int_eq(gw.fd, -1);
	ck_assert_uint_eq(relay_recv(fd, buf, sizeof(buf), &from), 30);
	ck_assert_uint_eq(buf[0], 0x07);
	ck_assert_mem_eq(buf + 2, test_mac, AMT_MAC_LEN);
	nonce = htonl(nonce);
	ck_assert_mem_eq(buf + 8, &nonce, 4);
	ck_assert_mem_eq(buf + 12, "\x11\x5c", 2);
	ck_assert_mem_eq(buf + 14, &nat, 16);
	close(elsewhere);
	close(fd);
}
END_TEST

/*
 * Requests unanswered: sent again with new nonces, and after
 * MDCS_GATEWAY_TRIES the round fails with ETIMEDOUT; the next starts
 * anew.  A Query with L gets no Update; a Query with a QQI of 1 s makes
 * the next Request due within 1 s; without G, the Teardown names the
 * socket's own address; closing before any Query sends nothing.
 */
START_TEST(gateway_retries_and_refresh)
{
	static struct mdcs_gateway gw;
	struct in6_addr relay = addr("2001:db8:ff::1"),
			s = addr("2001:db8:ff::1"), g = addr("ff3e::1234");
	static const uint8_t mac2[AMT_MAC_LEN] = { 1, 2, 3, 4, 5, 6 };
	uint32_t nonces[MDCS_GATEWAY_TRIES + 1];
	struct mdcs_peer_channel got[2];
	struct sockaddr_in6 from;
	struct mdcs_peer_msg m;
	int fd = bound("2001:db8:ff::1", MDCS_TUNNEL_PORT);
	uint8_t buf[2048];
	size_t len, n = 0;
	int due;

	/* no local address given: the one the routes choose */
	ck_assert_int_eq(mdcs_gateway_open(&gw, &relay, MDCS_TUNNEL_PORT, NULL),
			 0);
	ck_assert_mem_eq(&gw.addr, &relay, 16);
	ck_assert_int_eq(mdcs_gateway_join(&gw, &s, &g), 0);
	for (unsigned i = 0; i < MDCS_GATEWAY_TRIES; i++) {
		ck_assert_int_eq(mdcs_gateway_request(&gw), 0);
		nonces[i] = relay_request(fd, &from);
		for (unsigned j = 0; j < i; j++)
			ck_assert_uint_ne(nonces[i], nonces[j]);
	}
	ck_assert_int_eq(mdcs_gateway_request(&gw), -1);
	ck_assert_int_eq(errno, ETIMEDOUT);
	ck_assert(nothing_within(fd, 50));
	ck_assert_int_eq(mdcs_gateway_due_ms(&gw), 0);
	/* a late Query to an earlier Request is refused */
	len = query_msg(buf, 0, test_mac, nonces[0], 30, NULL, 0);
	relay_send(fd, &from, buf, len);
	wait_readable(gw.fd);
	ck_assert_int_eq(mdcs_gateway_receive(&gw, buf, sizeof(buf), &m), -1);
	ck_assert_int_eq(errno, EBADMSG);

	/* a new round; the relay is full */
	ck_assert_int_eq(mdcs_gateway_request(&gw), 0);
	nonces[0] = relay_request(fd, &from);
	len = query_msg(buf, AMT_QUERY_L, test_mac, nonces[0], 1, NULL, 0);
	relay_send(fd, &from, buf, len);
	wait_readable(gw.fd);
	ck_assert_int_eq(mdcs_gateway_receive(&gw, buf, sizeof(buf), &m), -1);
	ck_assert_int_eq(errno, EBUSY);
	ck_assert(!gw.queried);
	ck_assert(nothing_within(fd, 50));

	/* asked again after the QQI, 1 s; answered without G */
	due = mdcs_gateway_due_ms(&gw);
	ck_assert_int_gt(due, 0);
	ck_assert_int_le(due, 1000);
	ck_assert(nothing_within(gw.fd, due));
	ck_assert_int_eq(mdcs_gateway_due_ms(&gw), 0);
	ck_assert_int_eq(mdcs_gateway_request(&gw), 0);
	nonces[1] = relay_request(fd, &from);
	len = query_msg(buf, 0, test_mac, nonces[1], 1, NULL, 0);
	relay_send(fd, &from, buf, len);
	wait_readable(gw.fd);
	ck_assert_int_eq(mdcs_gateway_receive(&gw, buf, sizeof(buf), &m),
			 MDCS_GATEWAY_QUERY);
	len = relay_recv(fd, buf, sizeof(buf), &from);
	update_channels(buf, len, test_mac, nonces[1], MLD2_MODE_IS_INCLUDE,
			got, &n);
	ck_assert_uint_eq(n, 1);

	/* the refresh: a new nonce, a new MAC, all channels again */
	due = mdcs_gateway_due_ms(&gw);
	ck_assert_int_le(due, 1000);
	ck_assert(nothing_within(gw.fd, due));
	ck_assert_int_eq(mdcs_gateway_request(&gw), 0);
	nonces[2] = relay_request(fd, &from);
	ck_assert_uint_ne(nonces[2], nonces[1]);
	len = query_msg(buf, 0, mac2, nonces[2], 1, NULL, 0);
	relay_send(fd, &from, buf, len);
	wait_readable(gw.fd);
	ck_assert_int_eq(mdcs_gateway_receive(&gw, buf, sizeof(buf), &m),
			 MDCS_GATEWAY_QUERY);
	len = relay_recv(fd, buf, sizeof(buf), &from);
	n = 0;
	update_channels(buf, len, mac2, nonces[2], MLD2_MODE_IS_INCLUDE, got,
			&n);
	ck_assert_uint_eq(n, 1);
	ck_assert_mem_eq(&got[0].group, &g, 16);

	/* no G: the Teardown names the socket's address and port */
	ck_assert_int_eq(mdcs_gateway_close(&gw), 0);
	ck_assert_uint_eq(relay_recv(fd, buf, sizeof(buf), &from), 30);
	ck_assert_uint_eq(buf[0], 0x07);
	ck_assert_mem_eq(buf + 2, mac2, AMT_MAC_LEN);
	ck_assert_mem_eq(buf + 12, &from.sin6_port, 2);
	ck_assert_mem_eq(buf + 14, &relay, 16);

	/* never answered: closed without a Teardown */
	ck_assert_int_eq(mdcs_gateway_open(&gw, &relay, MDCS_TUNNEL_PORT, NULL),
			 0);
	ck_assert_int_eq(mdcs_gateway_request(&gw), 0);
	relay_request(fd, &from);
	ck_assert_int_eq(mdcs_gateway_close(&gw), 0);
	ck_assert(nothing_within(fd, 100));
	close(fd);
}
END_TEST

/*
 * mdcs-peer listen in tunnel mode, against the test as relay on another
 * port than the default (-P): `listening` only once the Query is
 * answered, then the message, exit after -c 1, and the Teardown.
 */
/* An announcement arriving at fd from a peer at addr: its flags and hold
 * time as given; its id in id. */
static void expect_announcement(int fd, const struct in6_addr *addr,
				uint8_t flags, uint16_t hold_s, uint8_t id[8])
{
	struct sockaddr_in6 from;
	uint8_t buf[64];
	size_t n = relay_recv(fd, buf, sizeof(buf), &from);

	ck_assert_mem_eq(&from.sin6_addr, addr, 16);
	ck_assert_uint_eq(n, 12);
	ck_assert_uint_eq(buf[0], MDCS_ANNOUNCE_VERSION);
	ck_assert_uint_eq(buf[1], flags);
	ck_assert_uint_eq(buf[2] << 8 | buf[3], hold_s);
	memcpy(id, buf + 4, 8);
}

/* The announcer: at once, then every interval; a departure at the end. */
START_TEST(announcer_announces_and_leaves)
{
	struct in6_addr rp = addr("2001:db8:ff::1"), me = addr("2001:db8:1::7");
	int census = bound("2001:db8:ff::1", 0);
	struct sockaddr_in6 sa;
	socklen_t sa_len = sizeof(sa);
	struct mdcs_announcer a;
	uint8_t id[8], again[8];

	ck_assert_int_eq(getsockname(census, (struct sockaddr *)&sa, &sa_len),
			 0);
	ck_assert_int_eq(mdcs_announcer_open(&a, &rp, 0, &me, 0, false), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(mdcs_announcer_open(&a, &rp, ntohs(sa.sin6_port), &me,
					     MDCS_ANNOUNCE_MAX_HOLD / 3 + 1,
					     false),
			 -1);
	ck_assert_int_eq(mdcs_announcer_open(&a, &rp, ntohs(sa.sin6_port), &me,
					     2, false),
			 0);
	ck_assert_int_eq(mdcs_announcer_due_ms(&a), 0);
	ck_assert_int_eq(mdcs_announcer_send(&a), 0);
	expect_announcement(census, &me, 0, 6, id);
	ck_assert_int_gt(mdcs_announcer_due_ms(&a), 1000);
	ck_assert_int_le(mdcs_announcer_due_ms(&a), 2000);
	ck_assert_int_eq(mdcs_announcer_send(&a), 0);
	expect_announcement(census, &me, 0, 6, again);
	ck_assert_mem_eq(again, id, sizeof(id));
	ck_assert_int_eq(mdcs_announcer_close(&a), 0);
	expect_announcement(census, &me, 0, 0, again);
	ck_assert_mem_eq(again, id, sizeof(id));
	close(census);
}
END_TEST

/* The tool's Request with nonce, from the gateway at from, answered on fd
 * with a Query to me: the tool prints `listening', then reports its
 * channels in an Update, n of them into got. */
static void query_tool(int fd, FILE *out, uint32_t nonce,
		       struct sockaddr_in6 *from, const struct in6_addr *me,
		       struct mdcs_peer_channel *got, size_t *n)
{
	uint8_t buf[2048];
	char line[256];
	size_t len = query_msg(buf, AMT_QUERY_G, test_mac, nonce, 30, me,
			       ntohs(from->sin6_port));

	relay_send(fd, from, buf, len);
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), out));
	ck_assert_str_eq(line, "listening\n");
	len = relay_recv(fd, buf, sizeof(buf), from);
	update_channels(buf, len, test_mac, nonce, MLD2_MODE_IS_INCLUDE, got,
			n);
}

START_TEST(tool_listens_through_relay)
{
	static const char *const listen[] = { "mdcs-peer",
					      "listen",
					      "-r",
					      "2001:db8:ff::1",
					      "-P",
					      "2400",
					      "-s",
					      "2001:db8:1::7",
					      "-c",
					      "1",
					      "-t",
					      "5",
					      "2001:db8:ff::1",
					      "ff3e::1234",
					      NULL };
	struct in6_addr s = addr("2001:db8:ff::1"), g = addr("ff3e::1234"),
			me = addr("2001:db8:1::7");
	struct mdcs_peer_channel got[1];
	int fd = bound("2001:db8:ff::1", 2400);
	int census = bound("2001:db8:ff::1", MDCS_ANNOUNCE_PORT);
	struct sockaddr_in6 from;
	uint8_t buf[2048], id[8];
	char line[256];
	uint32_t nonce;
	size_t len, n = 0;
	pid_t pid;
	FILE *out = tool(&pid, listen);

	/* it announces itself to the relay, as a tunnel-mode peer */
	expect_announcement(census, &me, MDCS_ANNOUNCE_TUNNEL, 30, id);
	nonce = relay_request(fd, &from);
	ck_assert_mem_eq(&from.sin6_addr, &me, 16);
	/* unanswered, the Request comes again after 1 s, and nothing is
	 * printed before the Query */
	nonce = relay_request(fd, &from);
	ck_assert(nothing_within(fileno(out), 0));
	query_tool(fd, out, nonce, &from, &me, got, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_mem_eq(&got[0].source, &s, 16);
	ck_assert_mem_eq(&got[0].group, &g, 16);

	len = data_msg(buf, &s, &g, MDCS_CHANNEL_PORT, "blo\\ck\x01");
	relay_send(fd, &from, buf, len);
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), out));
	ck_assert_str_eq(line,
			 "2001:db8:ff::1 ff3e::1234 [2001:db8:1::7]:40000 "
			 "7 blo\\x5cck\\x01\n");
	fclose(out);
	ck_assert_int_eq(exit_status(pid), 0);
	ck_assert_uint_eq(relay_recv(fd, buf, sizeof(buf), &from), 30);
	ck_assert_uint_eq(buf[0], 0x07);
	ck_assert_mem_eq(buf + 2, test_mac, AMT_MAC_LEN);
	/* and says it leaves, with the same id */
	expect_announcement(census, &me, MDCS_ANNOUNCE_TUNNEL, 0, buf);
	ck_assert_mem_eq(buf, id, sizeof(id));
	close(census);
	close(fd);
}
END_TEST

/* The RP's side of finding it, played by the test: a Relay Discovery on
 * fd, answered first with another nonce (not taken), then with the RP's
 * tunnel address rp. */
static void answer_discovery(int fd, const struct in6_addr *rp)
{
	struct amt_advertisement adv = { .version_type = 0x02 };
	struct sockaddr_in6 from;
	uint8_t buf[64];

	ck_assert_uint_eq(relay_recv(fd, buf, sizeof(buf), &from), 8);
	ck_assert_mem_eq(buf, "\x01\x00\x00\x00", 4);
	memcpy(adv.relay, rp, 16);
	memcpy(&adv.nonce, buf + 4, 4);
	adv.nonce ^= 1;
	relay_send(fd, &from, &adv, sizeof(adv));
	adv.nonce ^= 1;
	relay_send(fd, &from, &adv, sizeof(adv));
}

/* A directory request on fd from me (NULL: from anywhere), answered with
 * the n entries, the first the RP's own. */
static void answer_directory(int fd, const struct in6_addr *me,
			     const struct in6_addr *entries, size_t n)
{
	uint8_t buf[MDCS_DIRECTORY_MAX_LEN + 1], answer[MDCS_DIRECTORY_MAX_LEN];
	struct sockaddr_in6 from;
	uint8_t nonce[8];
	uint16_t start;
	size_t len = relay_recv(fd, buf, sizeof(buf), &from);

	if (me)
		ck_assert_mem_eq(&from.sin6_addr, me, 16);
	ck_assert(directory_request_parse(buf, len, &start, nonce));
	ck_assert_uint_eq(start, 0);
	len = directory_answer_build(answer, len, 0, nonce, entries, n, true);
	relay_send(fd, &from, answer, len);
}

/*
 * With -u and -g, the tool finds its RP by relay discovery at -d, asks its
 * directory, and joins (S, G) through it for every S listed; discover
 * prints the RP and its directory; publish -D publishes to the channel
 * source that the RP's directory lists as its own.
 */
START_TEST(tool_finds_its_rp)
{
	static const char *const listen[] = { "mdcs-peer",
					      "listen",
					      "-u",
					      "-d",
					      "2001:db8:ff::1",
					      "-s",
					      "2001:db8:1::7",
					      "-g",
					      "ff3e::1234",
					      "-c",
					      "1",
					      "-t",
					      "8",
					      NULL };
	static const char *const discover[] = { "mdcs-peer", "discover", "-d",
						"2001:db8:ff::1", NULL };
	static const char *const publish[] = { "mdcs-peer",
					       "publish",
					       "-D",
					       "-d",
					       "2001:db8:ff::1",
					       "-s",
					       "2001:db8:1::7",
					       "ff3e::1234",
					       "block",
					       NULL };
	struct in6_addr rp = addr("2001:db8:ff::1"), me = addr("2001:db8:1::7"),
			g = addr("ff3e::1234");
	struct in6_addr entries[2] = { addr("2001:db8:ff::1"),
				       addr("2001:db8:2:ffff::1") };
	int fd = bound("2001:db8:ff::1", MDCS_TUNNEL_PORT);
	int dir = bound("2001:db8:ff::1", MDCS_DIRECTORY_PORT);
	int census = bound("2001:db8:ff::1", MDCS_ANNOUNCE_PORT);
	int pub = bound("2001:db8:ff::1", MDCS_PUBLISH_PORT);
	struct mdcs_peer_channel got[4];
	struct sockaddr_in6 from;
	uint8_t buf[2048], id[8];
	char line[256];
	size_t len, n = 0;
	pid_t pid;
	FILE *out = tool(&pid, listen);

	answer_discovery(fd, &rp);
	answer_directory(dir, &me, entries, 2);
	expect_announcement(census, &me, MDCS_ANNOUNCE_TUNNEL, 30, id);
	query_tool(fd, out, relay_request(fd, &from), &from, &me, got, &n);
	/* both, in the gateway's order: by group, then source */
	ck_assert_uint_eq(n, 2);
	ck_assert_mem_eq(&got[0].source, &entries[1], 16);
	ck_assert_mem_eq(&got[1].source, &entries[0], 16);
	ck_assert_mem_eq(&got[0].group, &g, 16);
	len = data_msg(buf, &entries[1], &g, MDCS_CHANNEL_PORT, "block 2");
	relay_send(fd, &from, buf, len);
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), out));
	ck_assert_str_eq(line, "2001:db8:2:ffff::1 ff3e::1234 "
			       "[2001:db8:1::7]:40000 7 block 2\n");
	fclose(out);
	ck_assert_int_eq(exit_status(pid), 0);
	ck_assert_uint_eq(relay_recv(fd, buf, sizeof(buf), &from), 30);
	ck_assert_uint_eq(buf[0], 0x07); /* the Teardown */

	out = tool(&pid, discover);
	answer_discovery(fd, &rp);
	answer_directory(dir, &rp, entries, 2);
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), out));
	ck_assert_str_eq(line, "rp 2001:db8:ff::1\n");
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), out));
	ck_assert_str_eq(line, "channel-source 2001:db8:ff::1 own\n");
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), out));
	ck_assert_str_eq(line, "channel-source 2001:db8:2:ffff::1\n");
	fclose(out);
	ck_assert_int_eq(exit_status(pid), 0);

	out = tool(&pid, publish);
	answer_discovery(fd, &rp);
	answer_directory(dir, &me, entries, 2);
	len = relay_recv(pub, buf, sizeof(buf), &from);
	ck_assert_mem_eq(&from.sin6_addr, &me, 16);
	ck_assert_uint_eq(len, 25);
	ck_assert_mem_eq(buf + 4, &g, 16);
	ck_assert_mem_eq(buf + 20, "block", 5);
	fclose(out);
	ck_assert_int_eq(exit_status(pid), 0);
	close(pub);
	close(census);
	close(dir);
	close(fd);
}
END_TEST

/* Natively, with -g, the tool joins on its interface the channels of the
 * directory of the RP given with -a, and receives them. */
START_TEST(tool_joins_directory_natively)
{
	static const char *const listen[] = {
		"mdcs-peer", "listen",	   "-i", "pv1", "-a", "2001:db8:ff::1",
		"-g",	     "ff3e::1234", "-c", "1",	"-t", "5",
		NULL
	};
	struct in6_addr g = addr("ff3e::1234");
	struct in6_addr entries[2] = { addr("2001:db8:2:ffff::1"),
				       addr("2001:db8:ff::1") };
	int dir = bound("2001:db8:ff::1", MDCS_DIRECTORY_PORT);
	int census = bound("2001:db8:ff::1", MDCS_ANNOUNCE_PORT);
	uint8_t body[64];
	char line[256];
	pid_t pid;
	FILE *out = tool(&pid, listen);

	answer_directory(dir, NULL, entries, 2);
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), out));
	ck_assert_str_eq(line, "listening\n");
	send_channel("2001:db8:ff::1", &g, MDCS_CHANNEL_PORT, body,
		     channel_message(body, "block 3"));
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), out));
	ck_assert_str_eq(line, "2001:db8:ff::1 ff3e::1234 "
			       "[2001:db8:1::7]:40000 7 block 3\n");
	fclose(out);
	ck_assert_int_eq(exit_status(pid), 0);
	close(census);
	close(dir);
}
END_TEST

/* Options that would do nothing where they are given are refused, with
 * exit status 2, before anything is sent. */
START_TEST(tool_refuses_misplaced_options)
{
	static const char *const refused[][10] = {
		{ "mdcs-peer", "listen", "-G", "5", "2001:db8:ff::1",
		  "ff3e::1234", NULL },
		{ "mdcs-peer", "listen", "-g", "ff3e::1234", "-G", "86401",
		  NULL },
		{ "mdcs-peer", "listen", "-d", "2001:db8:ff::1",
		  "2001:db8:ff::1", "ff3e::1234", NULL },
		{ "mdcs-peer", "listen", "-r", "2001:db8:ff::1", "-d",
		  "2001:db8:ff::1", "-g", "ff3e::1234", NULL },
		{ "mdcs-peer", "publish", "-d", "2001:db8:ff::1",
		  "2001:db8:ff::1", "ff3e::1234", "x", NULL },
		{ "mdcs-peer", "discover", "-d", "2001:db8:ff::1", "-r",
		  "2001:db8:ff::1", NULL },
	};
	pid_t pid;

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		fclose(tool(&pid, refused[i]));
		ck_assert_int_eq(exit_status(pid), 2);
	}
}
END_TEST

/* A relay that never answers: the tool gives up after its Requests, with
 * exit status 1, printing nothing and sending no Teardown; -i with -r is
 * refused before anything is sent. */
START_TEST(tool_relay_silent)
{
	static const char *const listen[] = {
		"mdcs-peer",	  "listen",	"-r", "2001:db8:ff::1",
		"2001:db8:ff::1", "ff3e::1234", NULL
	};
	static const char *const both[] = {
		"mdcs-peer",	  "listen",	    "-i",	  "pv1", "-r",
		"2001:db8:ff::1", "2001:db8:ff::1", "ff3e::1234", NULL
	};
	int fd = bound("2001:db8:ff::1", MDCS_TUNNEL_PORT);
	struct sockaddr_in6 from;
	char line[256];
	pid_t pid;
	FILE *out = tool(&pid, listen);

	for (unsigned i = 0; i < MDCS_GATEWAY_TRIES; i++)
		relay_request(fd, &from);
	ck_assert_ptr_null(fgets(line, sizeof(line), out));
	fclose(out);
	ck_assert_int_eq(exit_status(pid), 1);
	ck_assert(nothing_within(fd, 100));

	out = tool(&pid, both);
	ck_assert_ptr_null(fgets(line, sizeof(line), out));
	fclose(out);
	ck_assert_int_eq(exit_status(pid), 2);
	ck_assert(nothing_within(fd, 100));
	close(fd);
}
END_TEST

static Suite *peer_suite(void)
{
	Suite *s = suite_create("peer");
	TCase *w = tcase_create("wire"), *k = tcase_create("sockets"),
	      *tw = tcase_create("tunnel wire"),
	      *tk = tcase_create("tunnel sockets");

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
	tcase_add_test(k, tool_stamps_lines);
	tcase_add_test(k, tool_joins_directory_natively);
	suite_add_tcase(s, k);

	tcase_add_test(tw, amt_request_bytes);
	tcase_add_test(tw, amt_teardown_bytes);
	tcase_add_test(tw, amt_update_bytes);
	tcase_add_loop_test(tw, amt_update_split, 0,
			    sizeof(split_groups) / sizeof(split_groups[0]));
	tcase_add_test(tw, mld_qqic_decoded);
	tcase_add_test(tw, amt_query_parsed);
	tcase_add_test(tw, amt_data_parsed);
	tcase_add_test(tw, gateway_input_checked);
	tcase_add_test(tw, gateway_channels_bounded);
	suite_add_tcase(s, tw);

	/* waits for retries and a refresh: a few seconds */
	tcase_add_checked_fixture(tk, net_setup, net_teardown);
	tcase_set_timeout(tk, 20);
	tcase_add_test(tk, gateway_exchange);
	tcase_add_test(tk, gateway_retries_and_refresh);
	tcase_add_test(tk, announcer_announces_and_leaves);
	tcase_add_test(tk, tool_listens_through_relay);
	tcase_add_test(tk, tool_relay_silent);
	tcase_add_test(tk, tool_finds_its_rp);
	tcase_add_test(tk, tool_refuses_misplaced_options);
	suite_add_tcase(s, tk);
	return s;
}

CHECK_MAIN(peer_suite)
