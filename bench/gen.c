/* gen: send a paced stream of (S,G) packets out of an interface, raw. */
#define _GNU_SOURCE /* sendmmsg, recvmmsg */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "frames.h"

#define BATCH 16

/* An (S,G) packet to UDP port 5001 behind an Ethernet header for G; the
 * stream repeats it. */
static size_t frame(uint8_t *f, const struct in6_addr *s,
		    const struct in6_addr *g, size_t payload)
{
	f[0] = 0x33;
	f[1] = 0x33;
	memcpy(f + 2, &g->s6_addr[12], 4);
	memset(f + 6, 0x02, 6);
	f[12] = 0x86;
	f[13] = 0xdd;
	return 14 + pkt_channel(f + 14, s, g, 64, payload);
}

static void usage(void)
{
	fprintf(stderr, "usage: gen -i IFNAME -s SOURCE -g GROUP -l PAYLOAD "
			"-n PACKETS -r PACKETS_PER_SECOND\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_halen = 6 };
	static uint8_t f[2048];
	struct mmsghdr msgs[BATCH];
	struct iovec iov;
	struct in6_addr s, g;
	const char *ifname = NULL;
	size_t payload = 0;
	long packets = 0, rate = 0, sent = 0;
	struct timespec next;
	int opt, sock;

	memset(&s, 0, sizeof(s));
	memset(&g, 0, sizeof(g));
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
			if (inet_pton(AF_INET6, optarg, &g) != 1)
				usage();
			break;
		case 'l':
			payload = strtoul(optarg, NULL, 10);
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
	if (!ifname || !payload || payload > 1400 || packets <= 0 || rate <= 0)
		usage();
	ll.sll_ifindex = (int)if_nametoindex(ifname);
	sock = socket(AF_PACKET, SOCK_RAW, 0);
	if (!ll.sll_ifindex || sock < 0) {
		perror("gen");
		return 1;
	}
	memset(ll.sll_addr, 0x33, 2);
	iov.iov_base = f;
	iov.iov_len = frame(f, &s, &g, payload);
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < BATCH; i++) {
		msgs[i].msg_hdr.msg_name = &ll;
		msgs[i].msg_hdr.msg_namelen = sizeof(ll);
		msgs[i].msg_hdr.msg_iov = &iov;
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	/* Batches at a steady pace, each due at its share of the schedule. */
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (sent < packets) {
		int n = packets - sent < BATCH ? (int)(packets - sent) : BATCH;
		long ns = (long)(1e9 * n / rate);

		if (sendmmsg(sock, msgs, (unsigned)n, 0) != n) {
			perror("gen: sendmmsg");
			return 1;
		}
		sent += n;
		next.tv_nsec += ns;
		while (next.tv_nsec >= 1000000000L) {
			next.tv_nsec -= 1000000000L;
			next.tv_sec++;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
	printf("%ld\n", sent);
	return 0;
}
