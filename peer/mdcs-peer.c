/*
 * mdcs-peer: publish messages through an RP, and print the messages of
 * channels joined with MLDv2, or through the RP as an AMT relay.
 *
 *   mdcs-peer publish [-T] [-s LOCAL] [-p PORT] RP GROUP [MESSAGE...]
 *   mdcs-peer publish [-T] -D [-d ADDRESS] [-s LOCAL] [-p PORT] GROUP
 *                     [MESSAGE...]
 *   mdcs-peer listen [-T] [-i IFNAME] [-p PORT] [-c COUNT] [-t SECONDS]
 *                    [-a RP] [-A SECONDS] SOURCE GROUP [SOURCE GROUP...]
 *   mdcs-peer listen [-T] -r RELAY [-P RELAYPORT] [-s LOCAL] [-p PORT]
 *                    [-c COUNT] [-t SECONDS] [-a RP] [-A SECONDS]
 *                    SOURCE GROUP [SOURCE GROUP...]
 *   mdcs-peer listen ... -g GROUP [-G SECONDS] [-u] [-d ADDRESS]
 *   mdcs-peer discover [-d ADDRESS] [-r RP] [-s LOCAL]
 */
#define _GNU_SOURCE /* ppoll */
#include <stdbool.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "dirwatch.h"
#include "peer.h"
#include "proto/announce.h"
#include "proto/directory.h"
#include "proto/publish.h"
#include "proto/tunnel.h"

#define MAX_CHANNELS 64
#define MAX_SECONDS  (366UL * 24 * 3600)
/* How often -g asks the RP for its directory again, by default. */
#define DIRECTORY_INTERVAL_S 30

/* -T: lines begin with the wall clock's time (mdcs_peer_stamp). */
static bool stamped;

static int usage(void)
{
	fprintf(stderr,
		"usage: mdcs-peer publish [-T] [-s LOCAL] [-p PORT] RP GROUP "
		"[MESSAGE...]\n"
		"       mdcs-peer listen [-T] [-i IFNAME] [-p PORT] [-c COUNT] "
		"[-t SECONDS] [-a RP]\n"
		"                        [-A SECONDS] SOURCE GROUP "
		"[SOURCE GROUP...]\n"
		"       mdcs-peer listen [-T] -r RELAY [-P RELAYPORT] "
		"[-s LOCAL] [-p PORT]\n"
		"                        [-c COUNT] [-t SECONDS] [-a RP] "
		"[-A SECONDS] SOURCE GROUP\n"
		"                        [SOURCE GROUP...]\n"
		"       mdcs-peer publish [-T] -D [-d ADDRESS] [-s LOCAL] "
		"[-p PORT] GROUP [MESSAGE...]\n"
		"       mdcs-peer listen ... -g GROUP [-G SECONDS] [-u] "
		"[-d ADDRESS]\n"
		"       mdcs-peer discover [-d ADDRESS] [-r RP] [-s LOCAL]\n"
		"publish sends each MESSAGE, or each line of standard input, "
		"to the channel\n(RP, GROUP) through the RP whose channel "
		"source is RP; listen joins the\nchannels and prints each "
		"message: source, group, [publisher]:port, length,\nmessage "
		"(\\xNN for other than printable ASCII).  With -r, it joins "
		"them through\nthe RP's tunnel address RELAY as an AMT gateway "
		"instead (tunnel mode).  While it\nlistens, it announces "
		"itself every SECONDS (10) to the RP whose tunnel\naddress is "
		"RP (-a), by default in tunnel mode to RELAY.  With -T, each "
		"line begins with\nthe time (seconds since the epoch), and "
		"publish prints one line, the time\nand `published', before "
		"it sends.\n"
		"An RP not given is found by AMT relay discovery at ADDRESS "
		"(" MDCS_DISCOVERY_ADDRESS ").\nWith -D, "
		"publish sends through the RP found; with -g, listen joins "
		"(S, GROUP)\nfor every channel source S in the RP's directory, "
		"asked again every SECONDS\n(30), with -u in tunnel mode "
		"through the RP found.  discover prints the RP\n(rp ADDRESS) "
		"and its directory (channel-source S, own for its own).\n");
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
	if (!mdcs_port_parse(s, port))
		return 0;
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

/* The tunnel address of the RP that answers AMT relay discovery at `at`. */
static int discover_rp(const struct in6_addr *at, const struct in6_addr *local,
		       struct in6_addr *rp)
{
	char a[INET6_ADDRSTRLEN];

	if (!mdcs_relay_discover(at, MDCS_TUNNEL_PORT, local, rp))
		return 0;
	fprintf(stderr, "mdcs-peer: no RP answered at [%s]:%u: %s\n",
		inet_ntop(AF_INET6, at, a, sizeof(a)), MDCS_TUNNEL_PORT,
		strerror(errno));
	return -1;
}

/* -D: the channel source of the RP found at `at`, which publications go
 * to: the first entry of its directory, marked as its own. */
static int find_channel_source(const struct in6_addr *at,
			       const struct in6_addr *local,
			       struct in6_addr *source)
{
	const struct in6_addr *entries;
	struct in6_addr rp;
	bool own;
	ssize_t n;

	if (discover_rp(at, local, &rp))
		return -1;
	n = dirwatch_fetch(&rp, local, &entries, &own);
	if (n < 0)
		return -1;
	if (!n || !own) {
		fprintf(stderr, "mdcs-peer: the RP found publishes no "
				"channel\n");
		return -1;
	}
	*source = entries[0];
	return 0;
}

static int cmd_publish(int argc, char **argv)
{
	struct in6_addr local, rp, group, at;
	uint16_t port = MDCS_PUBLISH_PORT;
	bool bound = false, discover = false, at_set = false;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int opt, fd, rc = 0, first;

	inet_pton(AF_INET6, MDCS_DISCOVERY_ADDRESS, &at);
	while ((opt = getopt(argc, argv, "TDd:s:p:")) != -1) {
		if (opt == 'T')
			stamped = true;
		else if (opt == 'D')
			discover = true;
		else if (opt == 's' && !addr_arg(optarg, &local))
			bound = true;
		else if (opt == 'd' && !addr_arg(optarg, &at))
			at_set = true;
		else if (opt != 'p' || port_arg(optarg, &port))
			return usage();
	}
	if (at_set && !discover) {
		fprintf(stderr, "mdcs-peer: -d is for -D\n");
		return 2;
	}
	/* the messages follow RP and GROUP, or GROUP alone with -D */
	first = optind + (discover ? 1 : 2);
	if (argc < first)
		return usage();
	if ((!discover && addr_arg(argv[optind], &rp)) ||
	    group_arg(argv[first - 1], &group))
		return 1;
	if (discover && find_channel_source(&at, bound ? &local : NULL, &rp))
		return 1;
	fd = mdcs_peer_publisher(bound ? &local : NULL);
	if (fd < 0) {
		fprintf(stderr, "mdcs-peer: socket: %s\n", strerror(errno));
		return 1;
	}
	if (stamped) {
		mdcs_peer_stamp(stdout);
		printf("published\n");
		fflush(stdout);
	}
	for (int i = first; i < argc && !rc; i++)
		rc = publish_one(fd, &rp, port, &group, argv[i],
				 strlen(argv[i]));
	while (argc == first && !rc && (n = getline(&line, &cap, stdin)) > 0)
		rc = publish_one(fd, &rp, port, &group, line,
				 (size_t)n - (line[n - 1] == '\n'));
	free(line);
	close(fd);
	return rc ? 1 : 0;
}

/* Send the announcement if it is due; the milliseconds until the next
 * (INT_MAX without an announcer).  A failed send is said, not fatal: the
 * RP holds the peer for three intervals. */
static int announce_due(struct mdcs_announcer *ann)
{
	if (!ann)
		return INT_MAX;
	if (!mdcs_announcer_due_ms(ann) && mdcs_announcer_send(ann))
		fprintf(stderr, "mdcs-peer: announce: %s\n", strerror(errno));
	return mdcs_announcer_due_ms(ann);
}

/* The milliseconds until the announcer or the directory's watch is due
 * next, after doing what is due now; never 0. */
static int others_due(struct mdcs_announcer *ann, struct dirwatch *watch)
{
	int dir = dirwatch_due(watch), announce = announce_due(ann);

	return announce < dir ? announce : dir;
}

/* Print what arrives until count messages (0: any number) or the end,
 * announcing the peer with ann and keeping the directory's channels
 * joined with watch, each if not NULL. */
static int receive(int fd, unsigned long count, long long end,
		   struct mdcs_announcer *ann, struct dirwatch *watch)
{
	static uint8_t buf[65536];
	unsigned long got = 0, bad = 0;
	struct mdcs_peer_msg m;
	struct pollfd p = { .fd = fd, .events = POLLIN };

	while (!count || got < count) {
		/* first, as a directory's refresh may take seconds */
		int wait = others_due(ann, watch), ready;
		long long left = end - mdcs_peer_now_ms();

		if (left <= 0)
			break;
		if (left < wait)
			wait = (int)left;
		ready = poll(&p, 1, wait);
		if (ready == 0)
			continue;
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready < 0) {
			fprintf(stderr, "mdcs-peer: poll: %s\n",
				strerror(errno));
			return 1;
		}
		if (!mdcs_peer_receive(fd, buf, sizeof(buf), &m)) {
			mdcs_peer_print(stdout, &m, stamped);
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

static volatile sig_atomic_t stop_signal;

/* How the directory's channels are joined and left, in each mode. */
static int gateway_join(void *gw, const struct in6_addr *s,
			const struct in6_addr *g)
{
	return mdcs_gateway_join(gw, s, g);
}

static int gateway_leave(void *gw, const struct in6_addr *s,
			 const struct in6_addr *g)
{
	return mdcs_gateway_leave(gw, s, g);
}

struct native {
	int fd;
	unsigned ifindex;
};

static int native_join(void *arg, const struct in6_addr *s,
		       const struct in6_addr *g)
{
	const struct native *nat = arg;

	return mdcs_peer_join(nat->fd, nat->ifindex, s, g);
}

static int native_leave(void *arg, const struct in6_addr *s,
			const struct in6_addr *g)
{
	const struct native *nat = arg;

	return mdcs_peer_leave(nat->fd, nat->ifindex, s, g);
}

static void on_stop(int sig)
{
	stop_signal = sig;
}

/* Die of the signal that stopped the tunnel, now that the Teardown is
 * sent, as the tool does of one in the other mode. */
static void die_of_stop_signal(const sigset_t *mask)
{
	signal(stop_signal, SIG_DFL);
	sigprocmask(SIG_SETMASK, mask, NULL);
	raise(stop_signal);
}

/*
 * Tunnel mode: join the n channels at ch through the relay at
 * [relay]:relay_port as its AMT gateway, and print what arrives, as
 * receive does, until count messages (0: any number) or the end,
 * announcing the peer with ann if not NULL, which it closes at the end
 * (the RP hears that the peer leaves), and with the directory's channels
 * kept joined by watch if not NULL.  `listening` once the first Updates
 * are sent.
 */
static int tunnel(const struct in6_addr *relay, uint16_t relay_port,
		  const struct in6_addr *local, uint16_t port,
		  const struct mdcs_peer_channel *ch, size_t n,
		  unsigned long count, long long end,
		  struct mdcs_announcer *ann, struct dirwatch *watch)
{
	static struct mdcs_gateway gw;
	static uint8_t buf[65536];
	char name[INET6_ADDRSTRLEN];
	unsigned long got = 0, bad = 0;
	bool listening = false;
	sigset_t mask;
	int rc = 0;

	inet_ntop(AF_INET6, relay, name, sizeof(name));
	if (mdcs_gateway_open(&gw, relay, relay_port, local)) {
		fprintf(stderr, "mdcs-peer: relay [%s]:%u: %s\n", name,
			relay_port, strerror(errno));
		return 1;
	}
	gw.channel_port = port;
	/* before the first Query, joining changes the state alone */
	for (size_t i = 0; i < n; i++)
		if (mdcs_gateway_join(&gw, &ch[i].source, &ch[i].group)) {
			fprintf(stderr, "mdcs-peer: join: %s\n",
				strerror(errno));
			mdcs_gateway_close(&gw);
			return 1;
		}
	if (watch && dirwatch_start(watch, gateway_join, gateway_leave, &gw)) {
		mdcs_gateway_close(&gw);
		return 1;
	}
	/* SIGINT and SIGTERM end the loop, so that the Teardown goes out */
	mdcs_peer_catch_stops(on_stop, &mask);

	while (!stop_signal && (!count || got < count)) {
		struct pollfd p = { .fd = gw.fd, .events = POLLIN };
		/* first, as a directory's refresh may take seconds */
		int others = others_due(ann, watch);
		long long left = end - mdcs_peer_now_ms();
		int due = mdcs_gateway_due_ms(&gw), ready;
		struct mdcs_peer_msg m;
		struct timespec ts;

		if (left <= 0)
			break;
		if (due && others < due)
			due = others; /* never 0: the next is scheduled */
		if (!due) {
			if (!mdcs_gateway_request(&gw))
				continue;
			if (errno != ETIMEDOUT) {
				fprintf(stderr, "mdcs-peer: request: %s\n",
					strerror(errno));
				rc = 1;
				break;
			}
			if (!listening)
				break; /* said below */
			/* the relay may be back soon: its state of the
			 * gateway outlives two query intervals */
			fprintf(stderr,
				"mdcs-peer: no answer from relay [%s]:%u, "
				"asking again\n",
				name, relay_port);
			continue;
		}
		if (left < due)
			due = (int)left;
		ts.tv_sec = due / 1000;
		ts.tv_nsec = (due % 1000) * 1000000L;
		ready = ppoll(&p, 1, &ts, &mask);
		if (ready == 0 || (ready < 0 && errno == EINTR))
			continue;
		if (ready < 0) {
			fprintf(stderr, "mdcs-peer: poll: %s\n",
				strerror(errno));
			rc = 1;
			break;
		}
		switch (mdcs_gateway_receive(&gw, buf, sizeof(buf), &m)) {
		case MDCS_GATEWAY_MESSAGE:
			mdcs_peer_print(stdout, &m, stamped);
			got++;
			continue;
		case MDCS_GATEWAY_QUERY:
			if (!listening) {
				printf("listening\n");
				fflush(stdout);
				listening = true;
			}
			continue;
		}
		if (errno == EBADMSG) {
			bad++;
			continue;
		}
		if (errno == EBUSY && listening) {
			fprintf(stderr,
				"mdcs-peer: relay [%s]:%u takes no more "
				"gateways, asking again later\n",
				name, relay_port);
			continue;
		}
		if (errno == EBUSY)
			fprintf(stderr,
				"mdcs-peer: relay [%s]:%u takes no more "
				"gateways\n",
				name, relay_port);
		else
			fprintf(stderr, "mdcs-peer: receive: %s\n",
				strerror(errno));
		rc = 1;
		break;
	}
	if (!listening && !rc && !stop_signal) {
		fprintf(stderr, "mdcs-peer: no answer from relay [%s]:%u\n",
			name, relay_port);
		rc = 1;
	}
	if (mdcs_gateway_close(&gw))
		fprintf(stderr, "mdcs-peer: teardown: %s\n", strerror(errno));
	if (ann && mdcs_announcer_close(ann))
		fprintf(stderr, "mdcs-peer: announce: %s\n", strerror(errno));
	if (bad)
		fprintf(stderr,
			"mdcs-peer: %lu datagrams were no channel "
			"messages, dropped\n",
			bad);
	if (stop_signal)
		die_of_stop_signal(&mask);
	return rc || (count && got < count) ? 1 : 0;
}

static int open_announcer(struct mdcs_announcer *a, const struct in6_addr *rp,
			  const struct in6_addr *local, unsigned long interval,
			  bool tunnel)
{
	if (!mdcs_announcer_open(a, rp, MDCS_ANNOUNCE_PORT, local,
				 (unsigned)interval, tunnel))
		return 0;
	fprintf(stderr, "mdcs-peer: announce: %s\n", strerror(errno));
	return -1;
}

static int cmd_listen(int argc, char **argv)
{
	static struct mdcs_peer_channel ch[MAX_CHANNELS];
	static struct mdcs_announcer announcer;
	static struct dirwatch watch;
	uint16_t port = MDCS_CHANNEL_PORT, relay_port = MDCS_TUNNEL_PORT;
	unsigned long count = 0, seconds = 60;
	unsigned long interval = MDCS_ANNOUNCE_INTERVAL_S;
	unsigned long dir_interval = DIRECTORY_INTERVAL_S;
	struct in6_addr relay, local = in6addr_any, announce_to, at;
	bool tunnel_mode = false, bound = false, relay_port_set = false;
	bool announce = false, relay_set = false, from_directory = false;
	bool at_set = false, dir_interval_set = false, finding;
	struct native nat = { .fd = -1 };
	struct dirwatch *w = NULL;
	long long end;
	size_t n = 0;
	char *stop;
	int opt, rc;

	inet_pton(AF_INET6, MDCS_DISCOVERY_ADDRESS, &at);
	while ((opt = getopt(argc, argv, "Ti:p:c:t:r:P:s:a:A:g:G:ud:")) != -1) {
		if (opt == 'T') {
			stamped = true;
		} else if (opt == 'u') {
			tunnel_mode = true;
		} else if (opt == 'i') {
			nat.ifindex = if_nametoindex(optarg);
			if (!nat.ifindex) {
				fprintf(stderr,
					"mdcs-peer: %s: no such "
					"interface\n",
					optarg);
				return 2;
			}
		} else if (opt == 'p' || opt == 'P') {
			if (port_arg(optarg, opt == 'p' ? &port : &relay_port))
				return usage();
			relay_port_set |= opt == 'P';
		} else if (opt == 'r' || opt == 's' || opt == 'a' ||
			   opt == 'd') {
			if (addr_arg(optarg, opt == 'r'	  ? &relay
					     : opt == 's' ? &local
					     : opt == 'a' ? &announce_to
							  : &at))
				return usage();
			relay_set |= opt == 'r';
			bound |= opt == 's';
			announce |= opt == 'a';
			at_set |= opt == 'd';
		} else if (opt == 'g') {
			if (group_arg(optarg, &watch.group))
				return 1;
			from_directory = true;
		} else if (opt == 'c' || opt == 't' || opt == 'A' ||
			   opt == 'G') {
			unsigned long v = strtoul(optarg, &stop, 10);

			/* a year at most: the end stays a number of ms */
			if (!*optarg || *stop || v > MAX_SECONDS ||
			    (opt != 'c' && !v) ||
			    (opt == 'A' && v > MDCS_ANNOUNCE_MAX_HOLD / 3) ||
			    (opt == 'G' && v > DIRWATCH_MAX_INTERVAL_S))
				return usage();
			dir_interval_set |= opt == 'G';
			*(opt == 'c'   ? &count
			  : opt == 't' ? &seconds
			  : opt == 'A' ? &interval
				       : &dir_interval) = v;
		} else {
			return usage();
		}
	}
	tunnel_mode |= relay_set;
	if (tunnel_mode && nat.ifindex) {
		fprintf(stderr, "mdcs-peer: -i and -r or -u exclude each "
				"other: channels are joined on an interface "
				"or through a relay\n");
		return 2;
	}
	if (!tunnel_mode && (bound || relay_port_set)) {
		fprintf(stderr, "mdcs-peer: -s and -P are for tunnel mode, "
				"with -r or -u\n");
		return 2;
	}
	/* The RP is found when it is needed and not given. */
	finding = (tunnel_mode && !relay_set) ||
		  (!tunnel_mode && from_directory && !announce);
	if ((at_set && !finding) || (dir_interval_set && !from_directory)) {
		fprintf(stderr, "mdcs-peer: -d is for an RP to be found (-u "
				"without -r, or -g without -a), -G for -g\n");
		return 2;
	}
	if (from_directory ? argc != optind
			   : (argc - optind < 2 || (argc - optind) % 2 ||
			      (argc - optind) / 2 > MAX_CHANNELS))
		return usage();
	for (int i = optind; i < argc; i += 2, n++)
		if (addr_arg(argv[i], &ch[n].source) ||
		    group_arg(argv[i + 1], &ch[n].group))
			return 1;
	/* The RP: the relay, or the one announced to, or the one found. */
	if (tunnel_mode && !relay_set) {
		if (discover_rp(&at, bound ? &local : NULL, &relay))
			return 1;
	} else if (!tunnel_mode && from_directory && !announce) {
		if (discover_rp(&at, NULL, &announce_to))
			return 1;
		announce = true;
	}
	if (tunnel_mode && !announce)
		announce_to = relay;
	if (from_directory) {
		/* the directory of the RP whose channels come through */
		w = &watch;
		w->rp = tunnel_mode ? relay : announce_to;
		w->bound = bound;
		w->local = local;
		w->interval_ms = (unsigned)dir_interval * 1000;
	}
	end = mdcs_peer_now_ms() + (long long)seconds * 1000;
	if (tunnel_mode) {
		if (open_announcer(&announcer, &announce_to,
				   bound ? &local : NULL, interval, true))
			return 1;
		return tunnel(&relay, relay_port, bound ? &local : NULL, port,
			      ch, n, count, end, &announcer, w);
	}

	nat.fd = mdcs_peer_listener(port);
	if (nat.fd < 0) {
		fprintf(stderr, "mdcs-peer: listen: %s\n", strerror(errno));
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		if (native_join(&nat, &ch[i].source, &ch[i].group)) {
			fprintf(stderr, "mdcs-peer: join (%s,%s): %s\n",
				argv[optind + 2 * i], argv[optind + 2 * i + 1],
				strerror(errno));
			close(nat.fd);
			return 1;
		}
	}
	if ((w && dirwatch_start(w, native_join, native_leave, &nat)) ||
	    (announce &&
	     open_announcer(&announcer, &announce_to, NULL, interval, false))) {
		close(nat.fd);
		return 1;
	}
	printf("listening\n");
	fflush(stdout);
	rc = receive(nat.fd, count, end, announce ? &announcer : NULL, w);
	close(nat.fd);
	if (announce && mdcs_announcer_close(&announcer))
		fprintf(stderr, "mdcs-peer: announce: %s\n", strerror(errno));
	return rc;
}

/* The RP found (or given), and its directory. */
static int cmd_discover(int argc, char **argv)
{
	const struct in6_addr *entries;
	struct in6_addr at, rp, local;
	bool given = false, bound = false, at_set = false, own;
	char a[INET6_ADDRSTRLEN];
	ssize_t n;
	int opt;

	inet_pton(AF_INET6, MDCS_DISCOVERY_ADDRESS, &at);
	while ((opt = getopt(argc, argv, "d:r:s:")) != -1) {
		if (opt == '?' || addr_arg(optarg, opt == 'd'	? &at
						   : opt == 'r' ? &rp
								: &local))
			return usage();
		given |= opt == 'r';
		bound |= opt == 's';
		at_set |= opt == 'd';
	}
	if (argc != optind)
		return usage();
	if (given && at_set) {
		fprintf(stderr, "mdcs-peer: -d and -r exclude each other: the "
				"RP is found at ADDRESS or given\n");
		return 2;
	}
	if (!given && discover_rp(&at, bound ? &local : NULL, &rp))
		return 1;
	printf("rp %s\n", inet_ntop(AF_INET6, &rp, a, sizeof(a)));
	n = dirwatch_fetch(&rp, bound ? &local : NULL, &entries, &own);
	if (n < 0)
		return 1;
	for (ssize_t i = 0; i < n; i++)
		printf("channel-source %s%s\n",
		       inet_ntop(AF_INET6, &entries[i], a, sizeof(a)),
		       !i && own ? " own" : "");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	if (!strcmp(argv[1], "publish"))
		return cmd_publish(argc - 1, argv + 1);
	if (!strcmp(argv[1], "listen"))
		return cmd_listen(argc - 1, argv + 1);
	if (!strcmp(argv[1], "discover"))
		return cmd_discover(argc - 1, argv + 1);
	return usage();
}
