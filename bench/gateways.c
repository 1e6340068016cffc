/*
 * gateways: many AMT gateways of tunnel-mode peers in one process, each
 * with a socket of its own, for the peer scalability benchmark
 * (bench/peers.py).  Each is the peer library's gateway (peer/peer.h),
 * as `mdcs-peer listen -r` runs one: it joins its channel through the
 * relay, refreshes when the relay's query interval says, and counts the
 * channel messages it gets.  Gateway i joins the (i mod k)-th of the k
 * channels given, so that the caller spreads them over as many channels
 * as a channel's fanout needs.
 *
 * It prints `ready` once every gateway has had an answer from the relay
 * (a Query, or one saying it takes no new gateways), and `complete` once
 * every gateway has had COUNT messages.  It goes on refreshing until
 * SECONDS or SIGINT or SIGTERM, so that the caller can take the relay's
 * measures before the Teardowns; then it sends them and prints one line
 * per gateway, its address, port and messages, then a summary line of
 * name and value pairs.
 */
#define _GNU_SOURCE /* epoll_pwait's sigset */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>

#include "peer/peer.h"
#include "proto/publish.h"
#include "proto/tunnel.h"

/* Due Requests are looked for at most this often: a pass over all
 * gateways per datagram would cost more than the gateways themselves. */
#define SCAN_MS	     10
#define EVENTS	     256
#define MAX_CHANNELS 64

struct gw {
	struct mdcs_gateway gw;
	unsigned long got; /* channel messages */
	bool answered;	   /* the relay answered a Request */
};

struct stats {
	unsigned answered, complete;
	unsigned long messages, refused, busy, timeouts, errors;
};

static volatile sig_atomic_t stopped;

static void on_stop(int sig)
{
	stopped = sig;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: gateways -r RELAY [-P RELAYPORT] [-s LOCAL] [-p PORT] "
		"-n GATEWAYS\n"
		"                [-o OPENS_PER_SECOND] [-c COUNT] "
		"[-t SECONDS] SOURCE GROUP [SOURCE GROUP...]\n");
	exit(2);
}

static void addr_arg(const char *s, struct in6_addr *a)
{
	if (inet_pton(AF_INET6, s, a) != 1) {
		fprintf(stderr, "gateways: %s: no IPv6 address\n", s);
		exit(2);
	}
}

static unsigned long num_arg(const char *s, unsigned long max)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s == '-' || *end || !v || v > max)
		usage();
	return v;
}

/* Send a Request; one that ends an unanswered round starts the next. */
static void request(struct gw *g, struct stats *st)
{
	if (!mdcs_gateway_request(&g->gw))
		return;
	if (errno == ETIMEDOUT) {
		st->timeouts++;
		if (!mdcs_gateway_request(&g->gw))
			return;
	}
	st->errors++;
}

/*
 * Send the Requests that are due; when the next one is.  Nothing a
 * gateway receives brings its next Request forward (a Query puts it a
 * query interval ahead), so the earliest seen here holds until then, or
 * until a gateway opened since is due.
 */
static int64_t scan(struct gw *gws, unsigned opened, int64_t now,
		    struct stats *st)
{
	int64_t next = INT64_MAX;

	for (unsigned i = 0; i < opened; i++) {
		if (gws[i].gw.next_ms <= now)
			request(&gws[i], st);
		if (gws[i].gw.next_ms < next)
			next = gws[i].gw.next_ms;
	}
	return next > now + SCAN_MS ? next : now + SCAN_MS;
}

static void answered(struct gw *g, struct stats *st)
{
	if (!g->answered)
		st->answered++;
	g->answered = true;
}

/* One datagram for gateway g, counted by what it was. */
static void input(struct gw *g, unsigned long count, struct stats *st)
{
	static uint8_t buf[65536];
	struct mdcs_peer_msg m;

	switch (mdcs_gateway_receive(&g->gw, buf, sizeof(buf), &m)) {
	case MDCS_GATEWAY_MESSAGE:
		st->messages++;
		if (++g->got == count)
			st->complete++;
		return;
	case MDCS_GATEWAY_QUERY:
		answered(g, st);
		return;
	}
	if (errno == EBADMSG) {
		st->refused++;
	} else if (errno == EBUSY) {
		st->busy++;
		answered(g, st);
	} else {
		st->errors++;
	}
}

/* Open the next gateway, with its channel, and send its first Request. */
static void open_one(struct gw *g, unsigned i, int ep,
		     const struct in6_addr *relay, uint16_t relay_port,
		     const struct in6_addr *local, uint16_t port,
		     const struct mdcs_peer_channel *ch, unsigned nch,
		     struct stats *st)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = i };
	const struct mdcs_peer_channel *c = &ch[i % nch];

	if (mdcs_gateway_open(&g->gw, relay, relay_port, local) ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, g->gw.fd, &ev)) {
		fprintf(stderr, "gateways: gateway %u: %s\n", i,
			strerror(errno));
		exit(1);
	}
	g->gw.channel_port = port;
	/* before the first Query, joining changes the state alone */
	if (mdcs_gateway_join(&g->gw, &c->source, &c->group)) {
		fprintf(stderr, "gateways: join: %s\n", strerror(errno));
		exit(1);
	}
	request(g, st);
}

/* When the i-th gateway opens, opens a second from start. */
static int64_t open_at(unsigned i, unsigned long opens, int64_t start)
{
	return start + (int64_t)i * 1000 / (int64_t)opens;
}

/* A socket per gateway, and a few more descriptors. */
static void enough_files(unsigned n)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < n + 16) {
		r.rlim_cur = n + 16 < r.rlim_max ? n + 16 : r.rlim_max;
		setrlimit(RLIMIT_NOFILE, &r);
	}
}

/* Tell the caller, once, that what it waits for has come. */
static void say_once(bool *said, bool now, const char *what)
{
	if (*said || !now)
		return;
	printf("%s\n", what);
	fflush(stdout);
	*said = true;
}

static void report(struct gw *gws, unsigned n, const struct stats *st)
{
	char a[INET6_ADDRSTRLEN];

	for (unsigned i = 0; i < n; i++)
		printf("[%s]:%u %lu\n",
		       inet_ntop(AF_INET6, &gws[i].gw.addr, a, sizeof(a)),
		       gws[i].gw.port, gws[i].got);
	printf("gateways %u answered %u complete %u messages %lu refused %lu "
	       "busy %lu timeouts %lu errors %lu\n",
	       n, st->answered, st->complete, st->messages, st->refused,
	       st->busy, st->timeouts, st->errors);
}

int main(int argc, char **argv)
{
	struct mdcs_peer_channel ch[MAX_CHANNELS];
	struct in6_addr relay, local;
	const struct in6_addr *bound = NULL;
	uint16_t relay_port = MDCS_TUNNEL_PORT, port = MDCS_CHANNEL_PORT;
	unsigned long n = 0, opens = 1000, count = ULONG_MAX, seconds = 60;
	struct epoll_event ev[EVENTS];
	struct stats st = { 0 };
	bool have_relay = false, ready = false, complete = false;
	int64_t start, end, next_scan;
	unsigned nch = 0, opened = 0;
	sigset_t mask;
	struct gw *gws;
	int opt, ep;

	while ((opt = getopt(argc, argv, "r:P:s:p:n:o:c:t:")) != -1) {
		switch (opt) {
		case 'r':
			addr_arg(optarg, &relay);
			have_relay = true;
			break;
		case 'P':
			if (mdcs_port_parse(optarg, &relay_port))
				usage();
			break;
		case 's':
			addr_arg(optarg, &local);
			bound = &local;
			break;
		case 'p':
			if (mdcs_port_parse(optarg, &port))
				usage();
			break;
		case 'n':
			n = num_arg(optarg, 1 << 20);
			break;
		case 'o':
			opens = num_arg(optarg, 1000000);
			break;
		case 'c':
			count = num_arg(optarg, ULONG_MAX - 1);
			break;
		case 't':
			seconds = num_arg(optarg, 86400);
			break;
		default:
			usage();
		}
	}
	if (!have_relay || !n || argc - optind < 2 || (argc - optind) % 2 ||
	    (argc - optind) / 2 > MAX_CHANNELS)
		usage();
	for (int i = optind; i < argc; i += 2, nch++) {
		addr_arg(argv[i], &ch[nch].source);
		addr_arg(argv[i + 1], &ch[nch].group);
	}
	enough_files(n);
	gws = calloc(n, sizeof(*gws));
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (!gws || ep < 0) {
		perror("gateways");
		return 1;
	}
	/* SIGINT and SIGTERM end the loop, so that the Teardowns go out */
	mdcs_peer_catch_stops(on_stop, &mask);

	start = mdcs_peer_now_ms();
	end = start + (int64_t)seconds * 1000;
	next_scan = start;
	while (!stopped) {
		int64_t now = mdcs_peer_now_ms(), wake;
		int k;

		if (now >= end)
			break;
		/* Gateways start at a steady pace, as the relay answers
		 * only so many Requests a second. */
		for (; opened < n && open_at(opened, opens, start) <= now;
		     opened++) {
			struct gw *g = &gws[opened];

			open_one(g, opened, ep, &relay, relay_port, bound, port,
				 ch, nch, &st);
			/* its Request is sent again if not answered */
			if (g->gw.next_ms < next_scan)
				next_scan = g->gw.next_ms;
		}
		if (now >= next_scan)
			next_scan = scan(gws, opened, now, &st);
		say_once(&ready, st.answered == n, "ready");
		say_once(&complete, st.complete == n, "complete");
		wake = next_scan < end ? next_scan : end;
		if (opened < n && open_at(opened, opens, start) < wake)
			wake = open_at(opened, opens, start);
		k = epoll_pwait(ep, ev, EVENTS,
				wake > now ? (int)(wake - now) : 0, &mask);
		for (int i = 0; i < k; i++)
			input(&gws[ev[i].data.u32], count, &st);
	}
	for (unsigned i = 0; i < opened; i++)
		mdcs_gateway_close(&gws[i].gw);
	report(gws, opened, &st);
	return 0;
}
