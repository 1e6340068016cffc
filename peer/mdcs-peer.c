/*
 * mdcs-peer: publish messages through an RP, and print the messages of
 * channels joined with MLDv2.
 *
 *   mdcs-peer publish [-s LOCAL] [-p PORT] RP GROUP [MESSAGE...]
 *   mdcs-peer listen [-i IFNAME] [-p PORT] [-c COUNT] [-t SECONDS]
 *                    SOURCE GROUP [SOURCE GROUP...]
 */
#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "peer.h"
#include "proto/publish.h"

#define MAX_CHANNELS 64
#define MAX_SECONDS  (366UL * 24 * 3600)

static int usage(void)
{
	fprintf(stderr,
		"usage: mdcs-peer publish [-s LOCAL] [-p PORT] RP GROUP "
		"[MESSAGE...]\n"
		"       mdcs-peer listen [-i IFNAME] [-p PORT] [-c COUNT] "
		"[-t SECONDS] SOURCE GROUP [SOURCE GROUP...]\n"
		"publish sends each MESSAGE, or each line of standard input, "
		"to the channel\n(RP, GROUP) through the RP whose channel "
		"source is RP; listen joins the\nchannels and prints each "
		"message: source, group, [publisher]:port, length,\nmessage "
		"(\\xNN for other than printable ASCII).\n");
	return 2;
}

static int addr_arg(const char *s, struct in6_addr *a)
{
	if (inet_pton(AF_INET6, s, a) == 1)
		return 0;
	fprintf(stderr, "mdcs-peer: %s: not an IPv6 address\n", s);
	return -1;
}

static int port_arg(const char *s, uint16_t *port)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s && !*end && v && v <= 65535) {
		*port = (uint16_t)v;
		return 0;
	}
	fprintf(stderr, "mdcs-peer: %s: not a port\n", s);
	return -1;
}

static int publish_one(int fd, const struct in6_addr *rp, uint16_t port,
		       const struct in6_addr *group, const char *msg,
		       size_t len)
{
	if (!mdcs_peer_publish(fd, rp, port, group, msg, len))
		return 0;
	fprintf(stderr, "mdcs-peer: publish: %s\n", strerror(errno));
	return -1;
}

static int group_arg(const char *s, struct in6_addr *g)
{
	if (addr_arg(s, g))
		return -1;
	if (MDCS_SSM_GROUP(*g))
		return 0;
	fprintf(stderr,
		"mdcs-peer: %s: no SSM group (ff3x::/32) of wider than "
		"link-local scope\n",
		s);
	return -1;
}

static int cmd_publish(int argc, char **argv)
{
	struct in6_addr local, rp, group;
	uint16_t port = MDCS_PUBLISH_PORT;
	bool bound = false;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int opt, fd, rc = 0;

	while ((opt = getopt(argc, argv, "s:p:")) != -1) {
		if (opt == 's' && !addr_arg(optarg, &local))
			bound = true;
		else if (opt != 'p' || port_arg(optarg, &port))
			return usage();
	}
	if (argc - optind < 2)
		return usage();
	if (addr_arg(argv[optind], &rp) || group_arg(argv[optind + 1], &group))
		return 1;
	fd = mdcs_peer_publisher(bound ? &local : NULL);
	if (fd < 0) {
		fprintf(stderr, "mdcs-peer: socket: %s\n", strerror(errno));
		return 1;
	}
	for (int i = optind + 2; i < argc && !rc; i++)
		rc = publish_one(fd, &rp, port, &group, argv[i],
				 strlen(argv[i]));
	while (argc - optind == 2 && !rc &&
	       (n = getline(&line, &cap, stdin)) > 0)
		rc = publish_one(fd, &rp, port, &group, line,
				 (size_t)n - (line[n - 1] == '\n'));
	free(line);
	close(fd);
	return rc ? 1 : 0;
}

static void print_msg(const struct mdcs_peer_msg *m)
{
	char s[INET6_ADDRSTRLEN], g[INET6_ADDRSTRLEN], p[INET6_ADDRSTRLEN];

	printf("%s %s [%s]:%u %zu ",
	       inet_ntop(AF_INET6, &m->source, s, sizeof(s)),
	       inet_ntop(AF_INET6, &m->group, g, sizeof(g)),
	       inet_ntop(AF_INET6, &m->publisher, p, sizeof(p)),
	       m->publisher_port, m->len);
	for (size_t i = 0; i < m->len; i++)
		if (isprint(m->data[i]) && m->data[i] != '\\')
			putchar(m->data[i]);
		else
			printf("\\x%02x", m->data[i]);
	putchar('\n');
	fflush(stdout);
}

static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

/* Print what arrives until count messages (0: any number) or the end. */
static int receive(int fd, unsigned long count, long long end)
{
	static uint8_t buf[65536];
	unsigned long got = 0, bad = 0;
	struct mdcs_peer_msg m;
	struct pollfd p = { .fd = fd, .events = POLLIN };

	while (!count || got < count) {
		long long left = end - now_ms();
		int ready;

		if (left <= 0)
			break;
		ready = poll(&p, 1, left < INT_MAX ? (int)left : INT_MAX);
		if (ready == 0)
			break;
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready < 0) {
			fprintf(stderr, "mdcs-peer: poll: %s\n",
				strerror(errno));
			return 1;
		}
		if (!mdcs_peer_receive(fd, buf, sizeof(buf), &m)) {
			print_msg(&m);
			got++;
		} else if (errno == EBADMSG) {
			bad++;
		} else {
			fprintf(stderr, "mdcs-peer: receive: %s\n",
				strerror(errno));
			return 1;
		}
	}
	if (bad)
		fprintf(stderr,
			"mdcs-peer: %lu datagrams were no channel "
			"messages, dropped\n",
			bad);
	return count && got < count ? 1 : 0;
}

static int cmd_listen(int argc, char **argv)
{
	uint16_t port = MDCS_CHANNEL_PORT;
	unsigned long count = 0, seconds = 60;
	unsigned ifindex = 0;
	char *end;
	int opt, fd, rc;

	while ((opt = getopt(argc, argv, "i:p:c:t:")) != -1) {
		if (opt == 'i') {
			ifindex = if_nametoindex(optarg);
			if (!ifindex) {
				fprintf(stderr,
					"mdcs-peer: %s: no such "
					"interface\n",
					optarg);
				return 2;
			}
		} else if (opt == 'p') {
			if (port_arg(optarg, &port))
				return usage();
		} else if (opt == 'c' || opt == 't') {
			unsigned long v = strtoul(optarg, &end, 10);

			/* a year at most: the end stays a number of ms */
			if (!*optarg || *end || v > MAX_SECONDS ||
			    (opt == 't' && !v))
				return usage();
			*(opt == 'c' ? &count : &seconds) = v;
		} else {
			return usage();
		}
	}
	if (argc - optind < 2 || (argc - optind) % 2 ||
	    (argc - optind) / 2 > MAX_CHANNELS)
		return usage();
	fd = mdcs_peer_listener(port);
	if (fd < 0) {
		fprintf(stderr, "mdcs-peer: listen: %s\n", strerror(errno));
		return 1;
	}
	for (int i = optind; i < argc; i += 2) {
		struct in6_addr s, g;

		if (addr_arg(argv[i], &s) || group_arg(argv[i + 1], &g)) {
			close(fd);
			return 1;
		}
		if (mdcs_peer_join(fd, ifindex, &s, &g)) {
			fprintf(stderr, "mdcs-peer: join (%s,%s): %s\n",
				argv[i], argv[i + 1], strerror(errno));
			close(fd);
			return 1;
		}
	}
	printf("listening\n");
	fflush(stdout);
	rc = receive(fd, count, now_ms() + (long long)seconds * 1000);
	close(fd);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	if (!strcmp(argv[1], "publish"))
		return cmd_publish(argc - 1, argv + 1);
	if (!strcmp(argv[1], "listen"))
		return cmd_listen(argc - 1, argv + 1);
	return usage();
}
