/*
 * gen: a paced stream of (S,G) packets from a UDP socket, as a source host
 * sends them, so that the packets the RP gets are shaped as a real source's.
 */
#define _GNU_SOURCE /* sendmmsg */
#include <arpa/inet.h>
#include <getopt.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define BATCH	     16
#define SOURCE_PORT  40000
#define CHANNEL_PORT 5001

static void usage(void)
{
	fprintf(stderr, "usage: gen -i IFNAME -s SOURCE -g GROUP -l PAYLOAD "
			"-n PACKETS -r PACKETS_PER_SECOND\n");
	exit(2);
}

static int source_socket(const char *ifname, const struct in6_addr *s)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6,
				   .sin6_port = htons(SOURCE_PORT),
				   .sin6_addr = *s };
	unsigned ifindex = if_nametoindex(ifname);
	int hops = 64, loop = 0;
	int sock = socket(AF_INET6, SOCK_DGRAM, 0);

	if (sock < 0 || !ifindex ||
	    setsockopt(sock, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex,
		       sizeof(ifindex)) ||
	    setsockopt(sock, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops,
		       sizeof(hops)) ||
	    setsockopt(sock, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &loop,
		       sizeof(loop)) ||
	    bind(sock, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("gen");
		exit(1);
	}
	return sock;
}

int main(int argc, char **argv)
{
	static uint8_t payload[2048];
	struct sockaddr_in6 group = { .sin6_family = AF_INET6,
				      .sin6_port = htons(CHANNEL_PORT) };
	struct mmsghdr msgs[BATCH];
	struct in6_addr s;
	struct iovec iov;
	const char *ifname = NULL;
	size_t len = 0;
	long packets = 0, rate = 0, sent = 0;
	struct timespec next;
	int opt, sock;

	while ((opt = getopt(argc, argv, "i:s:g:l:n:r:")) != -1) {
		switch (opt) {
		case 'i':
			ifname = optarg;
			break;
		case 's':
			if (inet_pton(AF_INET6, optarg, &s) != 1)
				usage();
			break;
		case 'g':
			if (inet_pton(AF_INET6, optarg, &group.sin6_addr) != 1)
				usage();
			break;
		case 'l':
			len = strtoul(optarg, NULL, 10);
			break;
		case 'n':
			packets = strtol(optarg, NULL, 10);
			break;
		case 'r':
			rate = strtol(optarg, NULL, 10);
			break;
		default:
			usage();
		}
	}
	if (!ifname || !len || len > 1400 || packets <= 0 || rate <= 0)
		usage();
	sock = source_socket(ifname, &s);
	memset(payload, 0xa5, len);
	iov = (struct iovec){ payload, len };
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < BATCH; i++) {
		msgs[i].msg_hdr.msg_name = &group;
		msgs[i].msg_hdr.msg_namelen = sizeof(group);
		msgs[i].msg_hdr.msg_iov = &iov;
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	/* Batches at a steady pace, each due at its share of the schedule. */
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (sent < packets) {
		int n = packets - sent < BATCH ? (int)(packets - sent) : BATCH;

		if (sendmmsg(sock, msgs, (unsigned)n, 0) != n) {
			perror("gen: sendmmsg");
			return 1;
		}
		sent += n;
		next.tv_nsec += (long)(1e9 * n / rate);
		while (next.tv_nsec >= 1000000000L) {
			next.tv_nsec -= 1000000000L;
			next.tv_sec++;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
	printf("%ld\n", sent);
	return 0;
}
