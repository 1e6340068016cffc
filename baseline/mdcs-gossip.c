/*
 * mdcs-gossip: the baseline, Ethereum-style iterative diffusion or a
 * gossipsub-style mesh over UDP (gossip.h), run among the peers listed in
 * a file: publish messages, print those that arrive, count what goes over
 * the wire.
 *
 *   mdcs-gossip [-p PORT] [-s LOCAL] [-n COUNT] [-t SECONDS]
 *               [-f FANOUT | -m D] [-u] [-T] -P PEERS_FILE [MESSAGE...]
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

#include "gossip.h"
#include "peer.h"

#define MAX_SECONDS (366UL * 24 * 3600)
/* Every peer publishing at once bursts far beyond the default socket
 * buffer: what overflows it is lost to the baseline, not to the network,
 * and the lab should measure the protocol, not the buffer. */
#define RECEIVE_BUFFER (16 << 20)

static int usage(void)
{
	fprintf(stderr,
		"usage: mdcs-gossip [-p PORT] [-s LOCAL] [-n COUNT] "
		"[-t SECONDS]\n"
		"                   [-f FANOUT | -m D] [-u] [-T] -P PEERS_FILE "
		"[MESSAGE...]\n"
		"Gossips with the peers listed in PEERS_FILE, one ADDR (at "
		"port %u) or\n[ADDR]:PORT a line, from [LOCAL]:PORT (port "
		"%u by default); the line of\n[LOCAL]:PORT itself is skipped.  "
		"Publishes each MESSAGE (which needs -s),\nin full to FANOUT "
		"peers (ceil(sqrt(peers)) by default) and by its hash to\nthe "
		"others, then prints each message that arrives as mdcs-peer "
		"listen does,\nwith - for source and group, until COUNT "
		"messages (exit status 1 if fewer\nby then) or SECONDS (60 by "
		"default).  At exit, prints its counters on\nstandard "
		"error.  With -u, it publishes at SIGUSR1 rather than at "
		"once, so\nthat all peers can be up first.  With -T, each line "
		"begins with the time\n(seconds since the epoch), and a line "
		"of the time and `published' comes\nbefore the first message "
		"goes out.  With -m, it sends messages in full\nto a "
		"gossipsub-style mesh of D peers instead, and their ids to a "
		"few\nothers every second.\n",
		MDCS_GOSSIP_PORT, MDCS_GOSSIP_PORT);
	return 2;
}

/* A number of at most max, in decimal. */
static int number_text(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return -1; /* strtoul would take a sign */
	errno = 0;
	*v = strtoul(s, &end, 10);
	return !*end && !errno && *v <= max ? 0 : -1;
}

/* A line of the peers file, ADDR or [ADDR]:PORT, its end of line and
 * trailing blanks cut off, into sa. */
static int peer_line(char *line, struct sockaddr_in6 *sa)
{
	char *end = line + strlen(line), *bracket;

	while (end > line && strchr(" \t\r\n", end[-1]))
		*--end = '\0';
	sa->sin6_family = AF_INET6;
	sa->sin6_port = htons(MDCS_GOSSIP_PORT);
	if (*line == '[') {
		uint16_t port;

		bracket = strchr(line, ']');
		if (!bracket || bracket[1] != ':' ||
		    mdcs_port_parse(bracket + 2, &port))
			return -1;
		*bracket = '\0';
		sa->sin6_port = htons(port);
		line++;
	}
	return inet_pton(AF_INET6, line, &sa->sin6_addr) == 1 ? 0 : -1;
}

static bool same_endpoint(const struct sockaddr_in6 *a,
			  const struct sockaddr_in6 *b)
{
	return a->sin6_port == b->sin6_port &&
	       IN6_ARE_ADDR_EQUAL(&a->sin6_addr, &b->sin6_addr);
}

/* The peers listed in path into peers, but self; how many, or -1 (said). */
static int read_peers(const char *path, const struct sockaddr_in6 *self,
		      struct sockaddr_in6 *peers)
{
	FILE *f = fopen(path, "r");
	unsigned long lineno = 0;
	char *line = NULL;
	size_t cap = 0;
	int n = 0;

	if (!f) {
		fprintf(stderr, "mdcs-gossip: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (getline(&line, &cap, f) > 0) {
		struct sockaddr_in6 sa = { 0 };
		const char *why = NULL;

		lineno++;
		if (!line[strspn(line, " \t\r\n")])
			continue;
		if (peer_line(line, &sa))
			why = "not ADDR or [ADDR]:PORT";
		for (int i = 0; i < n && !why; i++)
			if (same_endpoint(&sa, &peers[i]))
				why = "listed twice";
		if (!why && same_endpoint(&sa, self))
			continue;
		if (!why && n == GOSSIP_MAX_PEERS)
			why = "too many peers";
		if (why) {
			fprintf(stderr, "mdcs-gossip: %s:%lu: %s\n", path,
				lineno, why);
			n = -1;
			break;
		}
		peers[n++] = sa;
	}
	free(line);
	fclose(f);
	return n;
}

/* The node and the socket it gossips on. */
struct node {
	int fd;
	char **messages; /* to publish at SIGUSR1, n_messages of them */
	int n_messages;
	const struct in6_addr *local;
	uint16_t port;
	const struct sockaddr_in6 *peers; /* g.npeers of them */
	struct gossip g;
	struct gossip_out out;
	unsigned long unsent, strangers;
	int unsent_errno;    /* the last send's that failed */
	uint32_t overflowed; /* datagrams the socket's buffer dropped */
	bool stamped;	     /* -T: lines begin with the time */
};

/* Send what the node's last call said; a datagram that could not be sent
 * is counted, as UDP might have lost it anyway. */
static void send_out(struct node *nd)
{
	for (size_t i = 0; i < nd->out.n; i++) {
		const struct gossip_send *s = &nd->out.send[i];
		const struct sockaddr_in6 *to = &nd->peers[s->peer];

		if (sendto(nd->fd, s->buf, s->len, 0,
			   (const struct sockaddr *)to,
			   sizeof(*to)) != (ssize_t)s->len) {
			nd->unsent++;
			nd->unsent_errno = errno;
		}
	}
}

static int publish(struct node *nd, const struct in6_addr *local, uint16_t port,
		   const char *msg)
{
	if (gossip_publish(&nd->g, local, port, msg, strlen(msg), &nd->out)) {
		fprintf(stderr, "mdcs-gossip: publish %s: %s\n", msg,
			errno == EEXIST ? "published already"
					: strerror(errno));
		return -1;
	}
	send_out(nd);
	return 0;
}

/* The sender's index among the peers, or -1. */
static int peer_index(const struct node *nd, const struct sockaddr_in6 *from)
{
	for (unsigned i = 0; i < nd->g.npeers; i++)
		if (same_endpoint(from, &nd->peers[i]))
			return (int)i;
	return -1;
}

/* Read one datagram and handle it; 1 if it brought a message (printed),
 * 0 if not, -1 on an error (said). */
static int receive(struct node *nd)
{
	static uint8_t buf[65536]; /* more than a UDP datagram holds */
	union {
		struct cmsghdr align;
		char space[CMSG_SPACE(sizeof(uint32_t))];
	} control;
	struct mdcs_peer_msg m = { 0 };
	struct sockaddr_in6 from;
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr mh = { .msg_name = &from,
			     .msg_namelen = sizeof(from),
			     .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = &control,
			     .msg_controllen = sizeof(control) };
	ssize_t n = recvmsg(nd->fd, &mh, 0);
	int peer;

	if (n < 0) {
		fprintf(stderr, "mdcs-gossip: receive: %s\n", strerror(errno));
		return -1;
	}
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL)
			memcpy(&nd->overflowed, CMSG_DATA(c),
			       sizeof(nd->overflowed));
	peer = peer_index(nd, &from);
	if (peer < 0) {
		nd->strangers++;
		return 0;
	}
	if (gossip_input(&nd->g, (unsigned)peer, buf, (size_t)n,
			 mdcs_peer_now_ms(), &nd->out)) {
		if (errno == EBADMSG)
			return 0;
		fprintf(stderr, "mdcs-gossip: %s\n", strerror(errno));
		return -1;
	}
	send_out(nd);
	if (!nd->out.deliver)
		return 0;
	m.publisher = nd->out.msg.publisher;
	m.publisher_port = nd->out.msg.publisher_port;
	m.data = nd->out.msg.data;
	m.len = nd->out.msg.len;
	mdcs_peer_print(stdout, &m, nd->stamped);
	return 1;
}

/* Publish the node's messages; 0, or 1 on an error (said). */
static int publish_all(struct node *nd)
{
	long long now = mdcs_peer_now_ms();

	/* a mesh's first heartbeat grafts it before anything goes */
	if (!gossip_due_ms(&nd->g, now)) {
		gossip_tick(&nd->g, now, &nd->out);
		send_out(nd);
	}
	if (nd->stamped && nd->n_messages) {
		mdcs_peer_stamp(stdout);
		printf("published\n");
		fflush(stdout);
	}
	for (int i = 0; i < nd->n_messages; i++)
		if (publish(nd, nd->local, nd->port, nd->messages[i]))
			return 1;
	nd->n_messages = 0;
	return 0;
}

/* Whether SIGUSR1 came (read from its signalfd). */
static bool usr1_came(int sfd)
{
	struct signalfd_siginfo si;

	return read(sfd, &si, sizeof(si)) == sizeof(si);
}

/*
 * Gossip until count messages arrived (0: any number) or the end; 0, or
 * 1 if fewer arrived or on an error (said).  SIGUSR1, read from sfd as
 * one more descriptor polled, publishes the messages held back: a signal
 * handler would wait as long as datagrams keep the socket ready.
 */
static int run(struct node *nd, unsigned long count, long long end, int sfd)
{
	struct pollfd p[2] = { { .fd = nd->fd, .events = POLLIN },
			       { .fd = sfd, .events = POLLIN } };
	unsigned long got = 0;

	/* With messages held back, not before they are out. */
	while (!count || got < count || nd->n_messages) {
		long long now = mdcs_peer_now_ms(), left = end - now;
		int due = gossip_due_ms(&nd->g, now), ready, rc;

		if (left <= 0)
			break;
		if (!due) {
			gossip_tick(&nd->g, now, &nd->out);
			send_out(nd);
			continue;
		}
		if (due < 0 || due > left)
			due = left < INT_MAX ? (int)left : INT_MAX;
		ready = poll(p, 2, due);
		if (ready == 0 || (ready < 0 && errno == EINTR))
			continue;
		if (ready < 0) {
			fprintf(stderr, "mdcs-gossip: poll: %s\n",
				strerror(errno));
			return 1;
		}
		if ((p[1].revents & POLLIN) && usr1_came(sfd) &&
		    publish_all(nd))
			return 1;
		if (!(p[0].revents & POLLIN))
			continue;
		rc = receive(nd);
		if (rc < 0)
			return 1;
		got += (unsigned long)rc;
	}
	/* Messages held back and never out: that is a failure too. */
	return (count && got < count) || nd->n_messages ? 1 : 0;
}

static void print_stats(const struct node *nd)
{
	const struct gossip_stats *st = &nd->g.stats;
	struct gossip_traffic sent = { 0 }, received = { 0 };

	for (unsigned t = 0; t < GOSSIP_TYPES; t++) {
		sent.datagrams += st->sent[t].datagrams;
		sent.octets += st->sent[t].octets;
		received.datagrams += st->received[t].datagrams;
		received.octets += st->received[t].octets;
	}
	if (nd->strangers)
		fprintf(stderr,
			"mdcs-gossip: %lu datagrams from no listed peer, "
			"dropped\n",
			nd->strangers);
	if (nd->unsent)
		fprintf(stderr,
			"mdcs-gossip: %lu datagrams not sent, the last "
			"for: %s\n",
			nd->unsent, strerror(nd->unsent_errno));
	fprintf(stderr,
		"stats full=%" PRIu64 " dup=%" PRIu64 " announce=%" PRIu64
		" request=%" PRIu64 " sent_datagrams=%" PRIu64
		" sent_octets=%" PRIu64 " received_datagrams=%" PRIu64
		" received_octets=%" PRIu64 " malformed=%" PRIu64
		" overflowed=%" PRIu32 "\n",
		st->received[MDCS_GOSSIP_FULL].datagrams, st->duplicates,
		st->received[MDCS_GOSSIP_ANNOUNCE].datagrams,
		st->received[MDCS_GOSSIP_REQUEST].datagrams, sent.datagrams,
		sent.octets, received.datagrams, received.octets,
		st->received[GOSSIP_MALFORMED].datagrams, nd->overflowed);
}

/* A socket bound to self with a receive buffer for bursts (forced as
 * root, else as large as the system allows) that reports the datagrams
 * its buffer dropped; the descriptor, or -1 (said). */
static int open_socket(const struct sockaddr_in6 *self)
{
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int size = RECEIVE_BUFFER, on = 1;

	if (fd < 0 || bind(fd, (const struct sockaddr *)self, sizeof(*self))) {
		fprintf(stderr, "mdcs-gossip: bind to port %u: %s\n",
			ntohs(self->sin6_port), strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof(on))) {
		fprintf(stderr, "mdcs-gossip: SO_RXQ_OVFL: %s\n",
			strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	static struct sockaddr_in6 peers[GOSSIP_MAX_PEERS];
	static struct node nd;
	struct sockaddr_in6 self = { .sin6_family = AF_INET6 };
	unsigned long count = 0, seconds = 60, fanout = 0, mesh_d = 0;
	const char *peers_file = NULL;
	uint16_t port = MDCS_GOSSIP_PORT;
	bool bound = false, fanout_set = false, on_signal = false;
	sigset_t usr1;
	int sfd;
	uint64_t seed;
	long long end;
	int opt, n, rc = 0;

	while ((opt = getopt(argc, argv, "p:s:n:t:f:m:uTP:")) != -1) {
		if (opt == 'p') {
			if (mdcs_port_parse(optarg, &port))
				return usage();
		} else if (opt == 's') {
			if (inet_pton(AF_INET6, optarg, &self.sin6_addr) != 1)
				return usage();
			bound = true;
		} else if (opt == 'n') {
			if (number_text(optarg, ULONG_MAX, &count))
				return usage();
		} else if (opt == 't') {
			/* a year at most: the end stays a number of ms */
			if (number_text(optarg, MAX_SECONDS, &seconds) ||
			    !seconds)
				return usage();
		} else if (opt == 'm') {
			if (number_text(optarg, GOSSIPSUB_MAX_D, &mesh_d) ||
			    !mesh_d)
				return usage();
		} else if (opt == 'f') {
			if (number_text(optarg, GOSSIP_MAX_PEERS, &fanout))
				return usage();
			fanout_set = true;
		} else if (opt == 'u') {
			on_signal = true;
		} else if (opt == 'T') {
			nd.stamped = true;
		} else if (opt == 'P') {
			peers_file = optarg;
		} else {
			return usage();
		}
	}
	if (!peers_file || (mesh_d && fanout_set))
		return usage();
	if (optind < argc && !bound) {
		fprintf(stderr, "mdcs-gossip: publishing needs -s: the "
				"publisher's address is part of a message's "
				"id\n");
		return 2;
	}
	self.sin6_port = htons(port);
	n = read_peers(peers_file, &self, peers);
	if (n < 0)
		return 1;
	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed)) {
		fprintf(stderr, "mdcs-gossip: getrandom: %s\n",
			strerror(errno));
		return 1;
	}
	nd.peers = peers;
	/* no error: read_peers takes at most GOSSIP_MAX_PEERS */
	gossip_init(&nd.g, (unsigned)n,
		    fanout_set ? (unsigned)fanout
			       : gossip_sqrt_fanout((unsigned)n),
		    seed);
	if (mesh_d &&
	    gossip_use_mesh(&nd.g, (unsigned)mesh_d, mdcs_peer_now_ms())) {
		fprintf(stderr, "mdcs-gossip: a mesh of %lu of %d peers: %s\n",
			mesh_d, n, strerror(errno));
		return 2;
	}
	nd.fd = open_socket(&self);
	if (nd.fd < 0)
		return 1;
	nd.messages = argv + optind;
	nd.n_messages = argc - optind;
	nd.local = &self.sin6_addr;
	nd.port = port;
	/* SIGUSR1 is read from a descriptor, so none is missed. */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	sfd = signalfd(-1, &usr1, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sfd < 0) {
		fprintf(stderr, "mdcs-gossip: signalfd: %s\n", strerror(errno));
		return 1;
	}
	printf("listening\n");
	fflush(stdout);
	end = mdcs_peer_now_ms() + (long long)seconds * 1000;
	if (!on_signal)
		rc = publish_all(&nd);
	if (!rc)
		rc = run(&nd, count, end, sfd);
	print_stats(&nd);
	gossip_destroy(&nd.g);
	close(nd.fd);
	close(sfd);
	return rc;
}
