/*
 * relay: the user-space counterpart of the tc-BPF replicator, for the
 * benchmark.  It joins (S,G) on an interface, reads the channel with
 * recvmmsg, and sends every packet to N remote RPs with sendmmsg, framed as
 * the tunnel frames it: an AMT data header, then the inner IPv6 and UDP
 * headers rebuilt from what the socket reports, then the payload.
 *
 * Each RP has a socket connected to it, so the kernel looks up its route
 * once, not per datagram, and each batch read goes to each RP in one
 * sendmmsg: the cheapest way a relay can send over UDP sockets (about a
 * fifth cheaper per copy than one unconnected socket with an address per
 * datagram).
 */
#define _GNU_SOURCE /* sendmmsg, recvmmsg */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "csum.h"
#include "proto/tunnel.h"
#include "rp_addr.h"

#define BATCH	     32
#define MAX_RPS	     1024
#define CHANNEL_PORT 5001

struct packet {
	struct sockaddr_in6 from;
	_Alignas(struct cmsghdr) uint8_t ctrl[64];
	uint8_t buf[2048]; /* AMT header, inner IPv6 and UDP, payload */
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

static int channel_socket(const char *ifname, const struct in6_addr *s,
			  const struct in6_addr *g)
{
	struct group_source_req req = { .gsr_interface =
						if_nametoindex(ifname) };
	struct sockaddr_in6 *src = (struct sockaddr_in6 *)&req.gsr_source;
	struct sockaddr_in6 *grp = (struct sockaddr_in6 *)&req.gsr_group;
	struct sockaddr_in6 any = { .sin6_family = AF_INET6,
				    .sin6_port = htons(CHANNEL_PORT) };
	int one = 1, size = 4 << 20;
	int sock = socket(AF_INET6, SOCK_DGRAM, 0);

	src->sin6_family = grp->sin6_family = AF_INET6;
	src->sin6_addr = *s;
	grp->sin6_addr = *g;
	if (sock < 0 || !req.gsr_interface ||
	    setsockopt(sock, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) ||
	    setsockopt(sock, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one,
		       sizeof(one)) ||
	    bind(sock, (struct sockaddr *)&any, sizeof(any)) ||
	    setsockopt(sock, IPPROTO_IPV6, MCAST_JOIN_SOURCE_GROUP, &req,
		       sizeof(req))) {
		perror("relay: channel socket");
		exit(1);
	}
	return sock;
}

/* A socket from the tunnel address to one RP; they share the local port. */
static int tunnel_socket(const struct in6_addr *local,
			 const struct sockaddr_in6 *rp)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6,
				   .sin6_port = htons(MDCS_TUNNEL_PORT),
				   .sin6_addr = *local };
	int one = 1, size = 4 << 20;
	int sock = socket(AF_INET6, SOCK_DGRAM, 0);

	if (sock < 0 ||
	    setsockopt(sock, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) ||
	    setsockopt(sock, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof(one)) ||
	    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    setsockopt(sock, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) ||
	    bind(sock, (struct sockaddr *)&sa, sizeof(sa)) ||
	    connect(sock, (const struct sockaddr *)rp, sizeof(*rp))) {
		perror("relay: tunnel socket");
		exit(1);
	}
	return sock;
}

static int hop_limit(struct msghdr *m)
{
	int hops = 64;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c))
		if (c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_HOPLIMIT)
			memcpy(&hops, CMSG_DATA(c), sizeof(hops));
	return hops;
}

/* Put the AMT header and the inner IPv6 and UDP headers in front of the
 * payload the socket delivered at buf + 50; returns the message length. */
static size_t frame(struct packet *p, struct msghdr *m, size_t payload,
		    const struct in6_addr *g)
{
	uint8_t *amt = p->buf, *ip = amt + 2, *udp = ip + 40;
	uint16_t udp_len = (uint16_t)(8 + payload), c;
	uint64_t sum;

	amt[0] = AMT_DATA_OCTET0;
	amt[1] = 0;
	memset(ip, 0, 40);
	ip[0] = 0x60;
	ip[4] = udp_len >> 8;
	ip[5] = udp_len & 0xff;
	ip[6] = IPPROTO_UDP;
	ip[7] = (uint8_t)hop_limit(m);
	memcpy(ip + 8, &p->from.sin6_addr, 16);
	memcpy(ip + 24, g, 16);
	memcpy(udp, &p->from.sin6_port, 2);
	udp[2] = CHANNEL_PORT >> 8;
	udp[3] = CHANNEL_PORT & 0xff;
	udp[4] = udp_len >> 8;
	udp[5] = udp_len & 0xff;
	udp[6] = udp[7] = 0;
	sum = csum_add_pseudo6(0, &p->from.sin6_addr, g, udp_len, IPPROTO_UDP);
	c = csum_finish(csum_add(sum, udp, udp_len));
	if (!c)
		c = 0xffff;
	memcpy(udp + 6, &c, 2);
	return 2 + 40 + udp_len;
}

static void usage(void)
{
	fprintf(stderr, "usage: relay -i IFNAME -s SOURCE -g GROUP "
			"-l TUNNEL_ADDRESS -d FIRST_RP -n RPS\n");
	exit(2);
}

static void parse(const char *s, struct in6_addr *a)
{
	if (inet_pton(AF_INET6, s, a) != 1)
		usage();
}

int main(int argc, char **argv)
{
	static struct packet pkts[BATCH];
	static struct mmsghdr in[BATCH], out[BATCH];
	static int tuns[MAX_RPS];
	static struct sockaddr_in6 rps[MAX_RPS];
	struct iovec in_iov[BATCH], out_iov[BATCH];
	struct in6_addr s, g, local, first;
	const char *ifname = NULL;
	unsigned long long packets = 0, copies = 0;
	int opt, n_rps = 0, ch;

	while ((opt = getopt(argc, argv, "i:s:g:l:d:n:")) != -1) {
		switch (opt) {
		case 'i':
			ifname = optarg;
			break;
		case 's':
			parse(optarg, &s);
			break;
		case 'g':
			parse(optarg, &g);
			break;
		case 'l':
			parse(optarg, &local);
			break;
		case 'd':
			parse(optarg, &first);
			break;
		case 'n':
			n_rps = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (!ifname || n_rps < 1 || n_rps > MAX_RPS)
		usage();
	for (int i = 0; i < n_rps; i++)
		rps[i] = (struct sockaddr_in6){ .sin6_family = AF_INET6,
						.sin6_port =
							htons(MDCS_TUNNEL_PORT),
						.sin6_addr =
							rp_addr(&first, i) };
	for (int i = 0; i < BATCH; i++) {
		in_iov[i].iov_base = pkts[i].buf + 50;
		in_iov[i].iov_len = sizeof(pkts[i].buf) - 50;
		in[i].msg_hdr.msg_iov = &in_iov[i];
		in[i].msg_hdr.msg_iovlen = 1;
		out[i].msg_hdr.msg_iov = &out_iov[i];
		out[i].msg_hdr.msg_iovlen = 1;
	}
	/* A socket per RP: up to MAX_RPS descriptors beside the usual. */
	setrlimit(RLIMIT_NOFILE,
		  &(struct rlimit){ MAX_RPS + 16, MAX_RPS + 16 });
	ch = channel_socket(ifname, &s, &g);
	for (int i = 0; i < n_rps; i++)
		tuns[i] = tunnel_socket(&local, &rps[i]);
	/* Without SA_RESTART, so that the signal ends a waiting recvmmsg. */
	sigaction(SIGTERM, &(struct sigaction){ .sa_handler = on_signal },
		  NULL);
	sigaction(SIGINT, &(struct sigaction){ .sa_handler = on_signal }, NULL);
	printf("ready\n");
	fflush(stdout);

	while (!stop) {
		int n;

		for (int i = 0; i < BATCH; i++) {
			in[i].msg_hdr.msg_name = &pkts[i].from;
			in[i].msg_hdr.msg_namelen = sizeof(pkts[i].from);
			in[i].msg_hdr.msg_control = pkts[i].ctrl;
			in[i].msg_hdr.msg_controllen = sizeof(pkts[i].ctrl);
		}
		n = recvmmsg(ch, in, BATCH, MSG_WAITFORONE, NULL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("relay: recvmmsg");
			return 1;
		}
		for (int i = 0; i < n; i++) {
			out_iov[i].iov_base = pkts[i].buf;
			out_iov[i].iov_len = frame(&pkts[i], &in[i].msg_hdr,
						   in[i].msg_len, &g);
		}
		for (int r = 0; r < n_rps; r++) {
			int sent = sendmmsg(tuns[r], out, (unsigned)n, 0);

			if (sent > 0)
				copies += (unsigned)sent;
		}
		packets += (unsigned)n;
	}
	printf("%llu %llu\n", packets, copies);
	return 0;
}
