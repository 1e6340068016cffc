/*
 * tcrep: the tc-BPF replicator set up for the benchmark, and per-packet
 * costs of the other programs.
 *
 *   tcrep [-S] -i IFNAME -l LOCAL -d FIRST_RP -n N -s S -g G
 *	attach mdcs_encap (Ethernet overlay mode) to IFNAME's ingress with
 *	(S,G) subscribed by N RPs, FIRST_RP + i; on SIGTERM print "packets
 *	copies run_ns runs" and remove everything.  Only with -S does the
 *	kernel time the program (run_ns), since timing every BPF program's
 *	runs costs a clock read each.
 *   tcrep -L -i IFNAME -o OUT -n N
 *	attach the clone loop to IFNAME's ingress: every packet, unchanged,
 *	N times out of OUT; on SIGTERM print "packets copies" and remove it.
 *   tcrep -D IFNAME
 *	drop everything arriving at IFNAME, at its tc ingress, until SIGTERM:
 *	the benchmark's sink.
 *   tcrep -c decap|publish -r REPEAT
 *	run decapsulation of a valid tunnel frame, or re-origination of a
 *	valid publication, REPEAT times with BPF_PROG_TEST_RUN; print the
 *	nanoseconds per packet.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <net/if.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/pkt_cls.h>

#include "bench/clone_loop.skel.h"
#include "decap.skel.h"
#include "encap.skel.h"
#include "frames.h"
#include "prefix.h"
#include "proto/publish.h"
#include "proto/tunnel.h"
#include "rp_addr.h"
#include "rpd/datapath.h"

static struct datapath dp;
static char pins[256];

static void usage(void)
{
	fprintf(stderr, "usage: tcrep [-S] -i IFNAME -l LOCAL -d FIRST_RP -n N "
			"-s S -g G\n"
			"       tcrep -L -i IFNAME -o OUT -n N\n"
			"       tcrep -D IFNAME\n"
			"       tcrep -c decap|publish -r REPEAT\n");
	exit(2);
}

static void parse(const char *s, struct in6_addr *a)
{
	if (inet_pton(AF_INET6, s, a) != 1)
		usage();
}

static void die(const char *what)
{
	fprintf(stderr, "tcrep: %s failed\n", what);
	exit(1);
}

static void open_datapath(const struct mdcs_dp_config *c)
{
	char instance[32];

	snprintf(instance, sizeof(instance), "bench-%d", getpid());
	if (datapath_pin_dir(instance, pins, sizeof(pins)) ||
	    datapath_open(&dp, pins))
		die("loading the programs");
	if (datapath_set_config(&dp, c))
		die("configuring the datapath");
}

static void close_datapath(void)
{
	datapath_close(&dp, true);
}

static uint64_t counter(enum mdcs_counter c)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t v[ncpu], sum = 0;
	uint32_t key = c;

	memset(v, 0, sizeof(v));
	bpf_map__lookup_elem(dp.encap->maps.counters, &key, sizeof(key), v,
			     sizeof(v), 0);
	for (int i = 0; i < ncpu; i++)
		sum += v[i];
	return sum;
}

static void wait_for_sigterm(void)
{
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	printf("ready\n");
	fflush(stdout);
	sigwait(&set, &sig);
}

/* Run prog_fd on the ingress of ifindex until SIGTERM, then detach it. */
static void ingress_until_sigterm(int ifindex, int prog_fd, const char *what)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = 1, .priority = 1,
		    .prog_fd = prog_fd);

	bpf_tc_hook_create(&hook);
	if (bpf_tc_attach(&hook, &opts))
		die(what);
	wait_for_sigterm();
	hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
	bpf_tc_hook_destroy(&hook);
}

/* A two-instruction classifier: return TC_ACT_SHOT. */
static void sink(const char *ifname)
{
	const struct bpf_insn drop[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K,
		  .dst_reg = BPF_REG_0,
		  .imm = TC_ACT_SHOT },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int ifindex = (int)if_nametoindex(ifname);
	int fd = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "sink", "GPL", drop, 2,
			       NULL);

	if (!ifindex || fd < 0)
		usage();
	ingress_until_sigterm(ifindex, fd, "attaching the sink");
	close(fd);
}

static void replicate(const char *ifname, const struct in6_addr *local,
		      const struct in6_addr *first, int n,
		      const struct mdcs_channel *ch, bool timed)
{
	struct mdcs_dp_config c = {
		.local = *local,
		.port = htons(MDCS_TUNNEL_PORT),
		.hop_limit = 64,
		.inner_mtu = MDCS_INNER_MTU_DEFAULT,
		.overlay_hlen = 14,
	};
	struct mdcs_fanout *f = calloc(1, sizeof(*f));
	struct bpf_prog_info info = { 0 };
	__u32 info_len = sizeof(info);
	int prog_fd, stats_fd, ifindex = (int)if_nametoindex(ifname);

	if (!f || !ifindex || n < 1 || n > MDCS_MAX_FANOUT)
		usage();
	/* The FIB lookup for each copy starts from the input interface. */
	c.overlay_ifindex = (uint32_t)ifindex;
	open_datapath(&c);
	for (int i = 0; i < n; i++) {
		struct in6_addr a = rp_addr(first, i);

		if (datapath_set_rp(&dp, (uint32_t)i, &a, MDCS_TUNNEL_PORT))
			die("adding an RP");
		f->slot[i] = (uint16_t)i;
	}
	f->count = (uint16_t)n;
	if (datapath_set_fanout(&dp, ch, f))
		die("subscribing the RPs");
	free(f);

	stats_fd = timed ? bpf_enable_stats(BPF_STATS_RUN_TIME) : -1;
	if (timed && stats_fd < 0)
		die("enabling run-time statistics");
	prog_fd = bpf_program__fd(dp.encap->progs.mdcs_encap);
	ingress_until_sigterm(ifindex, prog_fd, "attaching the program");

	bpf_obj_get_info_by_fd(prog_fd, &info, &info_len);
	printf("%llu %llu %llu %llu\n",
	       (unsigned long long)counter(MDCS_CNT_ENCAP_PACKETS),
	       (unsigned long long)counter(MDCS_CNT_ENCAP_COPIES),
	       (unsigned long long)info.run_time_ns,
	       (unsigned long long)info.run_cnt);
	if (stats_fd >= 0)
		close(stats_fd);
	close_datapath();
}

/* N copies of every packet, unchanged: the floor of tc replication. */
static void clone_loop(const char *ifname, const char *out, int n)
{
	struct bench_clone_loop *skel = bench_clone_loop__open();
	struct bench_clone_loop__bss *bss;
	int ifindex = (int)if_nametoindex(ifname);
	int out_ifindex = (int)if_nametoindex(out);

	if (!ifindex || !out_ifindex || n < 1 || n > MDCS_MAX_FANOUT)
		usage();
	if (!skel)
		die("opening the clone loop");
	skel->rodata->copies = (__u32)n;
	skel->rodata->out_ifindex = (__u32)out_ifindex;
	if (bench_clone_loop__load(skel))
		die("loading the clone loop");
	ingress_until_sigterm(ifindex, bpf_program__fd(skel->progs.clone_loop),
			      "attaching the clone loop");
	bss = skel->bss;
	printf("%llu %llu\n", (unsigned long long)bss->packets,
	       (unsigned long long)bss->copies_made);
	bench_clone_loop__destroy(skel);
}

static double test_run(struct bpf_program *prog, const uint8_t *frame,
		       size_t len, int repeat)
{
	uint8_t out[2048];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame,
		    .data_size_in = (uint32_t)len, .data_out = out,
		    .data_size_out = sizeof(out), .repeat = repeat);

	if (bpf_prog_test_run_opts(bpf_program__fd(prog), &opts))
		die("BPF_PROG_TEST_RUN");
	return opts.duration;
}

/* Per-packet cost of decapsulation and of re-origination. */
static void cost(const char *what, int repeat)
{
	struct in6_addr rp, local, s, g, chan, peer;
	static const uint8_t msg[256];
	struct mdcs_dp_config c = {
		.port = htons(MDCS_TUNNEL_PORT),
		.hop_limit = 64,
		.inner_mtu = MDCS_INNER_MTU_DEFAULT,
		.overlay_hlen = 14,
		.overlay_ifindex = 1, /* lo */
		.publish_port = htons(MDCS_PUBLISH_PORT),
		.channel_port = htons(MDCS_CHANNEL_PORT),
		.channel_hop_limit = 64,
		.publish_interval_ns = 1,
		.publish_tolerance_ns = ~0ULL >> 1,
	};
	struct tunnel_spec t = { .sport = MDCS_TUNNEL_PORT,
				 .dport = MDCS_TUNNEL_PORT,
				 .hop_limit = 64 };
	uint8_t inner[2048], frame[2048] = { 0 };
	struct prefix6 allowed;
	size_t len;
	double ns;

	parse("2001:db8:ff::2", &rp);
	parse("2001:db8:ff::1", &local);
	parse("2001:db8:2::10", &s);
	parse("ff3e::1234", &g);
	parse("2001:db8:1:ffff::1", &chan);
	parse("2001:db8:1::7", &peer);
	c.local = local;
	c.channel_source = chan;
	open_datapath(&c);
	if (!strcmp(what, "decap")) {
		struct mdcs_channel ch = { s, g };
		struct mdcs_rx rx = { 0, 0 };

		if (datapath_set_rp(&dp, 0, &rp, MDCS_TUNNEL_PORT) ||
		    datapath_set_rx(&dp, &ch, &rx))
			die("subscribing");
		t.src = rp;
		t.dst = local;
		len = pkt_tunnel(frame, &t, inner,
				 pkt_channel(inner, &s, &g, 64, 256));
		ns = test_run(dp.decap->progs.mdcs_decap, frame, len, repeat);
	} else if (!strcmp(what, "publish")) {
		if (!prefix6_parse("2001:db8:1::/48", &allowed) ||
		    datapath_set_publishers(&dp, &allowed, 1))
			die("allowing publishers");
		frame[12] = 0x86;
		frame[13] = 0xdd;
		len = 14 + pkt_publication(frame + 14, &peer, 40000, &chan, &g,
					   msg, sizeof(msg));
		ns = test_run(dp.encap->progs.mdcs_encap, frame, len, repeat);
	} else {
		usage();
	}
	printf("%.1f\n", ns);
	close_datapath();
}

int main(int argc, char **argv)
{
	struct in6_addr local, first;
	struct mdcs_channel ch;
	const char *ifname = NULL, *what = NULL, *sink_ifname = NULL;
	const char *out = NULL;
	int opt, n = 0, repeat = 100000;
	bool timed = false, floor = false;

	while ((opt = getopt(argc, argv, "i:o:l:d:n:s:g:c:r:D:LS")) != -1) {
		switch (opt) {
		case 'i':
			ifname = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'l':
			parse(optarg, &local);
			break;
		case 'd':
			parse(optarg, &first);
			break;
		case 'n':
			n = atoi(optarg);
			break;
		case 's':
			parse(optarg, &ch.source);
			break;
		case 'g':
			parse(optarg, &ch.group);
			break;
		case 'c':
			what = optarg;
			break;
		case 'r':
			repeat = atoi(optarg);
			break;
		case 'D':
			sink_ifname = optarg;
			break;
		case 'S':
			timed = true;
			break;
		case 'L':
			floor = true;
			break;
		default:
			usage();
		}
	}
	if (sink_ifname)
		sink(sink_ifname);
	else if (what)
		cost(what, repeat);
	else if (floor && ifname && out)
		clone_loop(ifname, out, n);
	else if (ifname)
		replicate(ifname, &local, &first, n, &ch, timed);
	else
		usage();
	return 0;
}
