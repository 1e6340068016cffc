/*
 * Fuzzing both tc programs through BPF_PROG_TEST_RUN, on the test bed of
 * dp_fixture.h.  Every frame is also judged by a reference written here from
 * docs/datapath.md and docs/wire-format.md (not from the BPF code), and the
 * program's verdict, output and counters are compared with it.
 *
 * Decapsulation (mdcs_decap, uplink ingress): tunnel frames from every
 * configured remote RP, from a removed one and from strangers, for channels
 * subscribed from one RP or another and for channels not subscribed; the
 * same frames changed one to four times (bits, bytes, truncation, trailing
 * octets, length fields, outer source and port, AMT octet, inner header,
 * inserted extension or fragment headers); and random frames.  Asserted:
 *  - a frame is redirected (TC_ACT_REDIRECT) if and only if the reference
 *    accepts it: a well-formed AMT data message from a configured RP's
 *    endpoint, lengths consistent, inner IPv6 to a routable group with a hop
 *    limit of at least 2, for a channel subscribed from that very RP; above
 *    all, nothing from a source that is no RP's endpoint is redirected;
 *  - a redirected frame comes out as its Ethernet header, the destination
 *    rewritten to 33:33 and the group's last four octets, then the inner
 *    packet; it counts one packet and its inner octets;
 *  - a passed frame (TC_ACT_OK) comes out unchanged and counts nothing;
 *  - a dropped frame counts exactly one drop reason.
 *
 * Encapsulation (mdcs_encap, overlay egress): channel packets and
 * publications as they reach the overlay, the same changed one to four
 * times, and random frames.  No channel is subscribed by a reachable RP, so
 * no copy is ever cloned onto a link: fanouts hold an RP without a neighbor,
 * one whose route loops, and a free slot, which exercises replication up to
 * the copies.  Asserted:
 *  - a publication is re-originated (publish-packets up by one) if and only
 *    if the reference accepts it: UDP straight after the IPv6 header to the
 *    channel source's publish port, IPv6 and UDP lengths consistent, a UDP
 *    checksum, version 1, an SSM group of wider than link-local scope, a
 *    source in the allowed prefix; it
 *    comes out rewritten as the channel packet, its UDP checksum right if
 *    and only if it was right before;
 *  - a routable multicast packet is dropped, replicated (encapsulated once,
 *    each copy refused for its reason) only for a channel with a fanout;
 *  - anything else passes unchanged and counts nothing.
 *
 * The reference also says which frames docs/datapath.md passes to the stack
 * and which it drops; the program must agree.
 *
 * MDCS_FUZZ_SEED (default 0x6d646373) seeds the generator; MDCS_FUZZ_RUNS
 * (default 1000000) is the number of frames for each program.  Iteration i
 * draws from its own generator, seeded with the seed and i, so a failure,
 * printed with its seed and iteration, replays alone: MDCS_FUZZ_FIRST=i
 * MDCS_FUZZ_RUNS=1.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/pkt_cls.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "counters.h"
#include "csum.h"
#include "decap.skel.h"
#include "dp_fixture.h"
#include "encap.skel.h"
#include "proto/publish.h"
#include "runner.h"

#define DEFAULT_SEED 0x6d646373ULL /* "mdcs" */
#define DEFAULT_RUNS 1000000ULL

#define FRAME_MAX 1700 /* inputs; a test_run frame must fit a page */
#define OUT_MAX	  4096

/* Octet offsets of a frame on the overlay: Ethernet, IPv6, UDP, header. */
#define OV_IP6	MDCS_ETH_HLEN
#define OV_UDP	(OV_IP6 + 40)
#define OV_PUB	(OV_UDP + 8)
#define OV_BODY (OV_PUB + (int)sizeof(struct mdcs_pub_hdr))

/* Slots beside the fixture's; TWIN is R1's address on another port. */
#define SLOT_GONE 6
#define SLOT_TWIN 7
#define SLOT_FREE 100
#define TWIN_PORT 2400
#define NO_SLOT	  (-1)

/* ---- Settings and the generator ---- */

static uint64_t seed, runs, first;

static uint64_t env_u64(const char *name, uint64_t dflt)
{
	const char *s = getenv(name);
	char *end;
	uint64_t v;

	if (!s || !*s)
		return dflt;
	errno = 0;
	v = strtoull(s, &end, 0);
	ck_assert_msg(!errno && !*end, "%s=%s is not a number", name, s);
	return v;
}

static void read_settings(void)
{
	seed = env_u64("MDCS_FUZZ_SEED", DEFAULT_SEED);
	runs = env_u64("MDCS_FUZZ_RUNS", DEFAULT_RUNS);
	first = env_u64("MDCS_FUZZ_FIRST", 0);
}

struct rng {
	uint64_t x;
};

static uint64_t splitmix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Each iteration's own generator, so that one can be replayed alone. */
static struct rng rng_for(uint64_t iteration)
{
	struct rng r = { splitmix64(seed ^ splitmix64(iteration)) };

	if (!r.x)
		r.x = 1; /* xorshift's one fixed point */
	return r;
}

/* xorshift64* */
static uint64_t next(struct rng *r)
{
	r->x ^= r->x >> 12;
	r->x ^= r->x << 25;
	r->x ^= r->x >> 27;
	return r->x * 0x2545f4914f6cdd1dULL;
}

static uint32_t below(struct rng *r, uint32_t n)
{
	return (uint32_t)((next(r) >> 32) * n >> 32);
}

static uint32_t between(struct rng *r, uint32_t lo, uint32_t hi)
{
	return lo + below(r, hi - lo + 1);
}

/* True with probability percent / 100. */
static bool chance(struct rng *r, unsigned percent)
{
	return below(r, 100) < percent;
}

static void fill_random(struct rng *r, uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)next(r);
}

/* Values that sit at some boundary of a field. */
static uint8_t boundary_octet(struct rng *r)
{
	static const uint8_t v[] = { 0x00, 0x01, 0x02, 0x06, 0x0f, 0x10,
				     0x11, 0x16, 0x3f, 0x60, 0x6d, 0x7f,
				     0x80, 0x86, 0xdd, 0xfe, 0xff };

	return v[below(r, sizeof(v))];
}

/* Payload lengths, mostly small, sometimes near the inner MTU. */
static size_t payload_len(struct rng *r)
{
	switch (below(r, 10)) {
	case 0:
		return between(r, 1300, 1500);
	case 1:
	case 2:
	case 3:
		return between(r, 65, 512);
	default:
		return below(r, 65);
	}
}

/* ---- Frame access, bounded by the frame's length ---- */

static uint16_t get16(const uint8_t *f, size_t off)
{
	return (uint16_t)(f[off] << 8 | f[off + 1]);
}

static void put16(uint8_t *f, size_t len, size_t off, uint16_t v)
{
	if (off + 2 <= len) {
		f[off] = (uint8_t)(v >> 8);
		f[off + 1] = (uint8_t)v;
	}
}

static void put_addr(uint8_t *f, size_t len, size_t off,
		     const struct in6_addr *a)
{
	if (off + 16 <= len)
		memcpy(f + off, a, 16);
}

static bool addr_at(const uint8_t *f, size_t off, const struct in6_addr *a)
{
	return memcmp(f + off, a, 16) == 0;
}

/* Multicast wider than link-local: scope above 2 (RFC 4291, 2.7). */
static bool routable_group(const uint8_t *a)
{
	return a[0] == 0xff && (a[1] & 0x0f) > 2;
}

/* ff3x::/32, the SSM range. */
static bool ssm_group(const uint8_t *a)
{
	return a[0] == 0xff && (a[1] & 0xf0) == 0x30 && a[2] == 0 && a[3] == 0;
}

/* ---- The test bed: remote RPs and channels beyond the fixture's ---- */

struct endpoint {
	struct in6_addr *addr;
	uint16_t port;
	int slot;
};

/* Every configured RP endpoint, as rpd would have made them. */
static struct endpoint rps[] = {
	{ &r1, PORT, SLOT_R1 },	      { &r2, PORT, SLOT_R2 },
	{ &r3, 2300, SLOT_R3 },	      { &r_noneigh, PORT, SLOT_NONEIGH },
	{ &r_loop, PORT, SLOT_LOOP }, { &r1, TWIN_PORT, SLOT_TWIN },
};

#define N_RPS (sizeof(rps) / sizeof(rps[0]))

/* Configured, then removed: no longer anybody's endpoint. */
static struct in6_addr gone;
static struct in6_addr src_2, grp_2, grp_3, grp_4, grp_7, grp_link, grp_uni;

struct rx_chan {
	struct in6_addr *s, *g;
	int slot; /* NO_SLOT: not subscribed */
};

/* Channels received: from one RP or another, some of them not routable
 * though subscribed (rpd would not, but the program must check anyway),
 * one from the removed RP, and some not subscribed at all. */
static struct rx_chan rx_chans[] = {
	{ &src_s, &grp_g, SLOT_R1 },	  { &src_s, &grp_2, SLOT_R2 },
	{ &src_2, &grp_g, SLOT_R2 },	  { &src_2, &grp_3, SLOT_R3 },
	{ &src_2, &grp_2, SLOT_NONEIGH }, { &src_s, &grp_3, SLOT_LOOP },
	{ &src_2, &grp_7, SLOT_TWIN },	  { &src_s, &grp_4, SLOT_GONE },
	{ &src_s, &grp_link, SLOT_R1 },	  { &src_s, &grp_uni, SLOT_R1 },
	{ &src_s, &grp_other, NO_SLOT },  { &src_2, &grp_4, NO_SLOT },
	{ &chan_src, &grp_g, NO_SLOT },
};

#define N_RX (sizeof(rx_chans) / sizeof(rx_chans[0]))

struct tx_chan {
	struct in6_addr *s, *g;
	uint16_t slots[3];
	unsigned n; /* 0: not subscribed */
};

/* Channels sent, to RPs that never get a copy: no neighbor, a route
 * looping into the overlay, a free slot. */
static struct tx_chan tx_chans[] = {
	{ &src_s, &grp_g, { SLOT_NONEIGH, SLOT_LOOP, SLOT_FREE }, 3 },
	{ &src_s, &grp_2, { SLOT_FREE }, 1 },
	{ &src_2, &grp_g, { SLOT_LOOP }, 1 },
	{ &chan_src, &grp_g, { SLOT_NONEIGH, SLOT_LOOP, SLOT_FREE }, 3 },
	{ &src_s, &grp_link, { SLOT_NONEIGH }, 1 },
	{ &src_s, &grp_other, { 0 }, 0 },
	{ &src_2, &grp_7, { 0 }, 0 },
	{ &chan_src, &grp_2, { 0 }, 0 },
};

#define N_TX (sizeof(tx_chans) / sizeof(tx_chans[0]))

/* Publishers: some inside the allowed prefix, one outside. */
static struct in6_addr publishers[8];

#define N_PUBLISHERS (sizeof(publishers) / sizeof(publishers[0]))

static void setup(void)
{
	struct in6_addr *addrs[] = { &src_2, &grp_2,	&grp_3,	  &grp_4,
				     &grp_7, &grp_link, &grp_uni, &gone };
	static const char *const names[] = {
		"2001:db8:2::20", "ff35::1:2",	     "ff38::77",
		"ff3e::4321",	  "ff13::7",	     "ff32::5",
		"2001:db8:2::1",  "2001:db8:ff::66",
	};

	read_settings();
	dp_setup();
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		addr(addrs[i], names[i]);

	/* A rate that never refuses, so that only the checks decide. */
	dp_conf.publish_interval_ns = 1;
	dp_conf.publish_tolerance_ns = 1000000000000000000ULL;
	ck_assert_int_eq(datapath_set_config(&dp, &dp_conf), 0);

	ck_assert_int_eq(datapath_set_rp(&dp, SLOT_TWIN, &r1, TWIN_PORT), 0);
	ck_assert_int_eq(datapath_set_rp(&dp, SLOT_GONE, &gone, PORT), 0);
	ck_assert_int_eq(datapath_clear_rp(&dp, SLOT_GONE), 0);

	for (unsigned i = 0; i < N_RX; i++) {
		struct mdcs_channel ch = { *rx_chans[i].s, *rx_chans[i].g };
		struct mdcs_rx rx = { (uint32_t)rx_chans[i].slot, i + 1 };

		if (rx_chans[i].slot != NO_SLOT)
			ck_assert_int_eq(datapath_set_rx(&dp, &ch, &rx), 0);
	}
	for (unsigned i = 0; i < N_TX; i++) {
		struct mdcs_channel ch = { *tx_chans[i].s, *tx_chans[i].g };

		if (tx_chans[i].n)
			subscribe_tx(&ch, tx_chans[i].slots, tx_chans[i].n,
				     100 + i);
	}

	for (unsigned i = 0; i < N_PUBLISHERS; i++) {
		publishers[i] = peer_a;
		publishers[i].s6_addr[15] += (uint8_t)i;
		publishers[i].s6_addr[7] ^= (uint8_t)(i * 17);
	}
	publishers[N_PUBLISHERS - 1] = peer_out;
}

/* ---- Counters: all of them in one system call ---- */

static void read_counters(uint64_t sum[MDCS_CNT_MAX])
{
	static uint64_t v[MDCS_CNT_MAX * 1024];
	int ncpu = libbpf_num_possible_cpus();
	int fd = bpf_map__fd(dp.encap->maps.counters);
	uint32_t keys[MDCS_CNT_MAX], count = MDCS_CNT_MAX, out_batch;
	int rc;

	/* Once a frame: ck_assert would log its location every time. */
	if (ncpu <= 0 || ncpu > 1024)
		ck_abort_msg("%d CPUs", ncpu);
	/* valgrind cannot tell that bpf(2) fills the keys and values. */
	memset(keys, 0, sizeof(keys));
	memset(v, 0, sizeof(uint64_t) * MDCS_CNT_MAX * (size_t)ncpu);
	rc = bpf_map_lookup_batch(fd, NULL, &out_batch, keys, v, &count, NULL);
	if ((rc && errno != ENOENT) || count != MDCS_CNT_MAX)
		ck_abort_msg("reading the counters: %s", strerror(errno));
	memset(sum, 0, sizeof(uint64_t) * MDCS_CNT_MAX);
	for (uint32_t i = 0; i < count; i++)
		for (int cpu = 0; cpu < ncpu; cpu++)
			sum[keys[i]] += v[i * (uint32_t)ncpu + (uint32_t)cpu];
}

/* ---- Running a frame, and reporting one that breaks an invariant ---- */

struct result {
	int verdict;
	uint32_t out_len;
	uint64_t delta[MDCS_CNT_MAX]; /* counters' change */
};

static uint64_t before[MDCS_CNT_MAX];

static struct result run(struct bpf_program *prog, int ifindex,
			 const uint8_t *in, size_t len, uint8_t *out)
{
	struct __sk_buff ctx = { .ifindex = (uint32_t)ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in,
		    .data_size_in = (uint32_t)len, .data_out = out,
		    .data_size_out = OUT_MAX, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx));
	struct result r;
	uint64_t after[MDCS_CNT_MAX];

	if (bpf_prog_test_run_opts(bpf_program__fd(prog), &opts))
		ck_abort_msg("BPF_PROG_TEST_RUN of %zu octets: %s", len,
			     strerror(errno));
	r.verdict = (int)opts.retval;
	r.out_len = opts.data_size_out;
	read_counters(after);
	for (int c = 0; c < MDCS_CNT_MAX; c++)
		r.delta[c] = after[c] - before[c];
	memcpy(before, after, sizeof(before));
	return r;
}

static void hexdump(const char *what, const uint8_t *p, size_t len)
{
	fprintf(stderr, "%s, %zu octets:\n", what, len);
	for (size_t i = 0; i < len; i += 16) {
		fprintf(stderr, "  %04zx:", i);
		for (size_t j = i; j < i + 16 && j < len; j++)
			fprintf(stderr, " %02x", p[j]);
		fputc('\n', stderr);
	}
}

static const char *verdict_name(int v)
{
	switch (v) {
	case TC_ACT_OK:
		return "TC_ACT_OK";
	case TC_ACT_SHOT:
		return "TC_ACT_SHOT";
	case TC_ACT_REDIRECT:
		return "TC_ACT_REDIRECT";
	default:
		return "another verdict";
	}
}

/* What the failure report needs besides the message. */
struct trial {
	const char *tcase;
	uint64_t iteration;
	const char *kind;
	const char *ref, *why; /* the reference's judgement, and why */
	const uint8_t *in, *out;
	size_t len;
	const struct result *r;
};

static void mismatch(const struct trial *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

static void mismatch(const struct trial *t, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr,
		"\n%s: seed 0x%" PRIx64 ", iteration %" PRIu64 " (%s): %s\n"
		"  reference: %s (%s); program: %s (%d), %u octets out\n",
		t->tcase, seed, t->iteration, t->kind, msg, t->ref, t->why,
		verdict_name(t->r->verdict), t->r->verdict, t->r->out_len);
	for (int c = 0; c < MDCS_CNT_MAX; c++)
		if (t->r->delta[c])
			fprintf(stderr, "  counter %s +%" PRIu64 "\n",
				mdcs_counter_names[c], t->r->delta[c]);
	hexdump("  input", t->in, t->len);
	if (t->r->out_len == t->len && !memcmp(t->out, t->in, t->len))
		fprintf(stderr, "  output: the input unchanged\n");
	else
		hexdump("  output", t->out,
			t->r->out_len < OUT_MAX ? t->r->out_len : OUT_MAX);
	fprintf(stderr,
		"  replay: MDCS_FUZZ_SEED=0x%" PRIx64
		" MDCS_FUZZ_FIRST=%" PRIu64
		" MDCS_FUZZ_RUNS=1 CK_RUN_CASE=%s tests/fuzz_datapath\n",
		seed, t->iteration, t->tcase);
	fflush(stderr);
	ck_abort_msg("%s: seed 0x%" PRIx64 ", iteration %" PRIu64 ": %s",
		     t->tcase, seed, t->iteration, msg);
}

/* The counters changed by exactly want. */
static bool counts_are(const struct result *r, const uint64_t *want)
{
	return memcmp(r->delta, want, sizeof(r->delta)) == 0;
}

/* Every counter unchanged but c, which went up by n. */
static bool only_counter(const struct result *r, int c, uint64_t n)
{
	for (int i = 0; i < MDCS_CNT_MAX; i++)
		if (r->delta[i] != (i == c ? n : 0))
			return false;
	return true;
}

/* Exactly one counter went up, by one, and it is one of those listed. */
static bool one_of(const struct result *r, const int *set, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (only_counter(r, set[i], 1))
			return true;
	return false;
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) +
	       (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/*
 * BPF_PROG_TEST_RUN refuses an IPv6 or IPv4 frame shorter than its network
 * header (EINVAL); such a frame is lengthened to it with random octets.
 */
static void make_runnable(struct rng *r, uint8_t *f, size_t *len)
{
	size_t min = MDCS_ETH_HLEN;

	if (get16(f, 12) == 0x86dd)
		min += 40;
	else if (get16(f, 12) == 0x0800)
		min += 20;
	if (*len < min) {
		fill_random(r, f + *len, min - *len);
		*len = min;
	}
}

/* ---- Mutations shared by both programs ---- */

/* An offset, mostly among the headers (the first hdr_end octets). */
static size_t pick_offset(struct rng *r, size_t len, size_t hdr_end)
{
	if (chance(r, 75))
		return below(r, (uint32_t)(len < hdr_end ? len : hdr_end));
	return below(r, (uint32_t)len);
}

/* A 16-bit length near right, or anything. */
static uint16_t length_value(struct rng *r, uint16_t right)
{
	static const int16_t off[] = { -2, -1, 1, 2, 8, -8 };

	switch (below(r, 4)) {
	case 0:
		return (uint16_t)next(r);
	case 1:
		return below(r, 2) ? 0 : 0xffff;
	default:
		return (uint16_t)(right + off[below(r, 6)]);
	}
}

/* Bits, bytes, truncation and trailing octets; true if one was made. */
static bool mutate_octets(struct rng *r, uint8_t *f, size_t *len,
			  size_t hdr_end)
{
	size_t off = pick_offset(r, *len, hdr_end);

	switch (below(r, 5)) {
	case 0:
		f[off] ^= (uint8_t)(1 << below(r, 8));
		return true;
	case 1:
		f[off] = (uint8_t)next(r);
		return true;
	case 2:
		f[off] = boundary_octet(r);
		return true;
	case 3: /* at least an Ethernet header: test_run wants one */
		if (*len > MDCS_ETH_HLEN) {
			*len = between(r, MDCS_ETH_HLEN, (uint32_t)*len - 1);
			return true;
		}
		return false;
	default: {
		size_t n = between(r, 1, 64);

		if (*len + n > FRAME_MAX)
			return false;
		if (chance(r, 50))
			fill_random(r, f + *len, n);
		else
			memset(f + *len, 0, n);
		*len += n;
		return true;
	}
	}
}

/*
 * Insert an 8-octet extension header of a random kind right after the IPv6
 * header at ip; the length fields at fix[] grow by 8 with it.
 */
static bool insert_ext_header(struct rng *r, uint8_t *f, size_t *len, size_t ip,
			      const size_t *fix, unsigned n_fix)
{
	static const uint8_t kinds[] = { 0, 43, 44, 60 };
	uint8_t ext[8] = { 0 };

	if (*len < ip + 40 || *len + 8 > FRAME_MAX)
		return false;
	ext[0] = f[ip + 6];
	ext[1] = 0;
	switch (kinds[below(r, 4)]) {
	case 44: /* fragment: offset 0 (the first) or any */
		if (chance(r, 50))
			put16(ext, 8, 2, (uint16_t)(next(r) & 0xfff9));
		else
			ext[3] = 1; /* more fragments */
		ext[7] = (uint8_t)next(r);
		f[ip + 6] = 44;
		break;
	case 43: /* routing, type 0 and no segments left */
		ext[2] = 0;
		f[ip + 6] = 43;
		break;
	default: /* hop-by-hop or destination options with PadN */
		ext[2] = 1;
		ext[3] = 4;
		f[ip + 6] = chance(r, 50) ? 0 : 60;
		break;
	}
	memmove(f + ip + 48, f + ip + 40, *len - ip - 40);
	memcpy(f + ip + 40, ext, sizeof(ext));
	*len += 8;
	for (unsigned i = 0; i < n_fix; i++)
		if (fix[i] + 2 <= *len)
			put16(f, *len, fix[i],
			      (uint16_t)(get16(f, fix[i]) + 8));
	return true;
}

/* ---- Decapsulation ---- */

enum decap_kind { D_VALID, D_MUTATED, D_RANDOM, D_KINDS };

static const char *const decap_kinds[] = { "valid", "mutated", "random" };

/* An address that is no RP's, sometimes one octet away from one. */
static struct in6_addr stranger(struct rng *r)
{
	struct in6_addr a;

	switch (below(r, 4)) {
	case 0:
		return gone;
	case 1:
		a = *rps[below(r, N_RPS)].addr;
		a.s6_addr[below(r, 16)] ^= (uint8_t)between(r, 1, 255);
		return a;
	case 2:
		return local;
	default:
		fill_random(r, a.s6_addr, 16);
		return a;
	}
}

/* One of the channels subscribed from slot, or dflt if there is none. */
static const struct rx_chan *rx_from(struct rng *r, int slot,
				     const struct rx_chan *dflt)
{
	const struct rx_chan *from[N_RX];
	unsigned n = 0;

	for (unsigned i = 0; i < N_RX; i++)
		if (rx_chans[i].slot == slot)
			from[n++] = &rx_chans[i];
	return n ? from[below(r, n)] : dflt;
}

/* A well-formed tunnel frame; often from the RP a channel is subscribed
 * from, so that mutations start from a frame the program takes. */
static size_t decap_valid(struct rng *r, uint8_t *f)
{
	struct tunnel_spec t = good_tunnel();
	const struct rx_chan *ch = &rx_chans[below(r, N_RX)];
	uint8_t inner[FRAME_MAX];
	size_t n;

	if (chance(r, 90)) {
		const struct endpoint *ep = &rps[below(r, N_RPS)];

		if (chance(r, 70))
			ch = rx_from(r, ep->slot, ch);
		t.src = *ep->addr;
		t.sport = ep->port;
	} else {
		t.src = stranger(r);
		t.sport = chance(r, 50) ? PORT : (uint16_t)next(r);
	}
	t.hop_limit = (uint8_t)next(r);
	t.traffic_class = chance(r, 50) ? 0 : (uint8_t)next(r);
	n = pkt_channel(inner, ch->s, ch->g,
			chance(r, 80) ? 63 : (uint8_t)next(r), payload_len(r));
	return pkt_tunnel(f, &t, inner, n);
}

/* Fields of a tunnel frame: the length fields, and the inner header. */
#define T_OUTER_PLEN (OFF_OUTER + 4)
#define T_UDP_LEN    (OFF_UDP + 4)
#define T_INNER_PLEN (OFF_INNER + 4)
#define T_HDR_END    (OFF_INNER + 40)

static bool mutate_tunnel(struct rng *r, uint8_t *f, size_t *len)
{
	static const size_t lens[] = { T_OUTER_PLEN, T_UDP_LEN, T_INNER_PLEN };
	size_t l = *len, off;

	switch (below(r, 14)) {
	case 0:
	case 1:
	case 2:
		return mutate_octets(r, f, len, T_HDR_END);
	case 3: /* one length field off */
		off = lens[below(r, 3)];
		if (off + 2 > l)
			return false;
		put16(f, l, off, length_value(r, get16(f, off)));
		return true;
	case 4: /* all of them agreeing with the frame, whatever its size */
		put16(f, l, T_OUTER_PLEN, (uint16_t)(l - OFF_UDP));
		put16(f, l, T_UDP_LEN, (uint16_t)(l - OFF_UDP));
		put16(f, l, T_INNER_PLEN, (uint16_t)(l - T_HDR_END));
		return l >= OFF_UDP;
	case 5: { /* another sender: a known RP, another, or none */
		const struct endpoint *ep = &rps[below(r, N_RPS)];
		struct in6_addr a = chance(r, 60) ? *ep->addr : stranger(r);

		put_addr(f, l, OFF_OUTER + 8, &a);
		if (chance(r, 50))
			put16(f, l, OFF_UDP, ep->port);
		return true;
	}
	case 6: { /* source port */
		static const uint16_t ports[] = { PORT, 2300, TWIN_PORT, 0,
						  PORT + 1 };

		put16(f, l, OFF_UDP,
		      chance(r, 70) ? ports[below(r, 5)] : (uint16_t)next(r));
		return true;
	}
	case 7: /* AMT octets: version, type, or anything */
		if (OFF_AMT + 2 > l)
			return false;
		switch (below(r, 4)) {
		case 0:
			f[OFF_AMT] = (uint8_t)(below(r, 16) << 4 |
					       AMT_TYPE_MCAST_DATA);
			break;
		case 1:
			f[OFF_AMT] = (uint8_t)below(r, 16);
			break;
		case 2:
			f[OFF_AMT + 1] = (uint8_t)next(r);
			break;
		default:
			f[OFF_AMT] = (uint8_t)next(r);
		}
		return true;
	case 8: /* inner version, hop limit, source or destination */
		if (T_HDR_END > l)
			return false;
		switch (below(r, 4)) {
		case 0:
			f[OFF_INNER] = (uint8_t)(below(r, 16) << 4 |
						 (f[OFF_INNER] & 0x0f));
			break;
		case 1:
			f[OFF_INNER + 7] = chance(r, 60) ? (uint8_t)below(r, 3)
							 : (uint8_t)next(r);
			break;
		case 2: {
			const struct rx_chan *c = &rx_chans[below(r, N_RX)];

			put_addr(f, l, OFF_INNER + 8, c->s);
			break;
		}
		default:
			if (chance(r, 50)) {
				const struct rx_chan *c =
					&rx_chans[below(r, N_RX)];

				put_addr(f, l, OFF_INNER + 24, c->g);
			} else {
				/* a group of another scope */
				uint8_t flags = f[OFF_INNER + 25] & 0xf0;

				f[OFF_INNER + 24] = 0xff;
				f[OFF_INNER + 25] =
					flags | (uint8_t)below(r, 16);
			}
		}
		return true;
	case 9: { /* extension headers, outer or inner */
		if (chance(r, 50))
			return insert_ext_header(r, f, len, OFF_OUTER, lens, 1);
		return insert_ext_header(r, f, len, OFF_INNER, lens, 3);
	}
	case 10: /* outer destination */
		if (OFF_UDP > l)
			return false;
		f[OFF_OUTER + 24 + below(r, 16)] ^= (uint8_t)between(r, 1, 255);
		return true;
	case 11: /* outer next header or version, Ethernet type */
		if (chance(r, 40))
			f[12 + below(r, 2)] ^= (uint8_t)between(r, 1, 255);
		else if (chance(r, 50) && OFF_OUTER + 7 <= l)
			f[OFF_OUTER + 6] = chance(r, 50) ? boundary_octet(r)
							 : (uint8_t)next(r);
		else if (OFF_OUTER + 1 <= l)
			f[OFF_OUTER] = (uint8_t)(below(r, 16) << 4 |
						 (f[OFF_OUTER] & 0x0f));
		return true;
	case 12: /* destination port */
		put16(f, l, OFF_UDP + 2,
		      chance(r, 50) ? 2300 : (uint16_t)next(r));
		return true;
	default: /* truncate, and keep the lengths right */
		if (l <= T_HDR_END)
			return false;
		*len = between(r, T_HDR_END, (uint32_t)l - 1);
		l = *len;
		put16(f, l, T_OUTER_PLEN, (uint16_t)(l - OFF_UDP));
		put16(f, l, T_UDP_LEN, (uint16_t)(l - OFF_UDP));
		put16(f, l, T_INNER_PLEN, (uint16_t)(l - T_HDR_END));
		return true;
	}
}

/* Random octets, often behind headers that get them to the checks. */
static size_t decap_random(struct rng *r, uint8_t *f)
{
	size_t len = between(r, MDCS_ETH_HLEN, chance(r, 80) ? 200 : 1600);

	fill_random(r, f, len);
	if (chance(r, 30))
		return len;
	if (chance(r, 90)) {
		f[12] = 0x86;
		f[13] = 0xdd;
	}
	if (len > OFF_OUTER && chance(r, 90))
		f[OFF_OUTER] = (uint8_t)(0x60 | (f[OFF_OUTER] & 0x0f));
	if (OFF_OUTER + 7 <= len && chance(r, 90))
		f[OFF_OUTER + 6] = IPPROTO_UDP;
	if (chance(r, 90))
		put_addr(f, len, OFF_OUTER + 24, &local);
	if (chance(r, 90))
		put16(f, len, OFF_UDP + 2, PORT);
	if (chance(r, 80) && OFF_AMT < len)
		f[OFF_AMT] = AMT_DATA_OCTET0;
	if (chance(r, 70)) {
		const struct endpoint *ep = &rps[below(r, N_RPS)];

		put_addr(f, len, OFF_OUTER + 8, ep->addr);
		put16(f, len, OFF_UDP, ep->port);
	}
	return len;
}

static size_t decap_frame(struct rng *r, uint8_t *f, enum decap_kind *kind)
{
	size_t len;
	unsigned k = below(r, 100);

	if (k < 20) {
		*kind = D_VALID;
		return decap_valid(r, f);
	}
	if (k < 90) {
		unsigned n = between(r, 1, 4), done = 0;

		*kind = D_MUTATED;
		len = decap_valid(r, f);
		while (done < n)
			done += mutate_tunnel(r, f, &len);
		return len;
	}
	*kind = D_RANDOM;
	return decap_random(r, f);
}

enum ref_class {
	REF_PASS,   /* not a tunnel data message: passed unchanged */
	REF_EITHER, /* extension headers or a cut UDP header: not taken */
	REF_DROP,   /* a data message the RP must refuse */
	REF_ACCEPT, /* decapsulated */
	REF_CLASSES
};

static const char *const ref_names[] = { "pass", "pass or drop", "drop",
					 "accept" };

struct judgement {
	enum ref_class cls;
	const char *why;
};

static int endpoint_slot(const uint8_t *a, uint16_t port)
{
	for (unsigned i = 0; i < N_RPS; i++)
		if (addr_at(a, 0, rps[i].addr) && rps[i].port == port)
			return rps[i].slot;
	return NO_SLOT;
}

static int rx_slot(const uint8_t *s, const uint8_t *g)
{
	for (unsigned i = 0; i < N_RX; i++)
		if (addr_at(s, 0, rx_chans[i].s) &&
		    addr_at(g, 0, rx_chans[i].g))
			return rx_chans[i].slot;
	return NO_SLOT;
}

/* The reference: docs/datapath.md, "Receiving a remote channel". */
static struct judgement decap_reference(const uint8_t *f, size_t len)
{
	const uint8_t *inner = f + OFF_INNER;
	int slot;

	/* Only UDP to the tunnel address and port is the program's. */
	if (len < OFF_UDP || get16(f, 12) != 0x86dd || f[OFF_OUTER] >> 4 != 6 ||
	    !addr_at(f, OFF_OUTER + 24, &local))
		return (struct judgement){ REF_PASS,
					   "not to the tunnel address" };
	if (f[OFF_OUTER + 6] != IPPROTO_UDP)
		return (struct judgement){ REF_EITHER, "not UDP first" };
	if (len < OFF_AMT)
		return (struct judgement){ REF_EITHER, "UDP header cut" };
	if (get16(f, OFF_UDP + 2) != PORT)
		return (struct judgement){ REF_PASS, "another port" };
	/* A data message: AMT type 6 in the first payload octet. */
	if (len == OFF_AMT || (f[OFF_AMT] & 0x0f) != AMT_TYPE_MCAST_DATA)
		return (struct judgement){ REF_PASS, "not AMT data" };
	if (f[OFF_AMT] >> 4 != AMT_VERSION)
		return (struct judgement){ REF_DROP, "AMT version" };
	slot = endpoint_slot(f + OFF_OUTER + 8, get16(f, OFF_UDP));
	if (slot == NO_SLOT)
		return (struct judgement){ REF_DROP, "no RP's endpoint" };
	if (len < T_HDR_END)
		return (struct judgement){ REF_DROP, "inner header cut" };
	if (get16(f, T_OUTER_PLEN) != len - OFF_UDP ||
	    get16(f, T_UDP_LEN) != len - OFF_UDP ||
	    get16(f, T_INNER_PLEN) != len - T_HDR_END)
		return (struct judgement){ REF_DROP, "lengths disagree" };
	if (inner[0] >> 4 != 6)
		return (struct judgement){ REF_DROP, "inner version" };
	if (!routable_group(inner + 24))
		return (struct judgement){ REF_DROP, "not routable multicast" };
	if (inner[7] < 2)
		return (struct judgement){ REF_DROP, "hop limit" };
	if (rx_slot(inner + 8, inner + 24) != slot)
		return (struct judgement){ REF_DROP,
					   "not subscribed from this RP" };
	return (struct judgement){ REF_ACCEPT, "subscribed from this RP" };
}

static const int decap_drops[] = {
	MDCS_CNT_DROP_TRUNCATED,   MDCS_CNT_DROP_BAD_LENGTH,
	MDCS_CNT_DROP_BAD_VERSION, MDCS_CNT_DROP_UNKNOWN_RP,
	MDCS_CNT_DROP_WRONG_PORT,  MDCS_CNT_DROP_NOT_MULTICAST,
	MDCS_CNT_DROP_HOP_LIMIT,   MDCS_CNT_DROP_NOT_SUBSCRIBED,
	MDCS_CNT_DROP_WRONG_RP,	   MDCS_CNT_DROP_FRAGMENT,
	MDCS_CNT_DROP_EXT_HEADER,
};

#define N_DECAP_DROPS (sizeof(decap_drops) / sizeof(decap_drops[0]))

struct decap_totals {
	uint64_t by_kind[D_KINDS][3]; /* OK, SHOT, REDIRECT */
	uint64_t by_ref[REF_CLASSES][3];
	uint64_t strangers; /* data messages from no RP's endpoint */
};

static int verdict_index(int verdict)
{
	return verdict == TC_ACT_OK ? 0 : verdict == TC_ACT_SHOT ? 1 : 2;
}

/* Check one decapsulation against the reference. */
static void decap_check(const struct trial *t, struct judgement j,
			struct decap_totals *tot)
{
	const struct result *r = t->r;
	const uint8_t *f = t->in, *out = t->out;
	uint64_t want[MDCS_CNT_MAX] = { 0 };
	size_t len = t->len;
	bool stranger_src;

	stranger_src =
		len >= OFF_AMT &&
		endpoint_slot(f + OFF_OUTER + 8, get16(f, OFF_UDP)) == NO_SLOT;
	if (r->verdict != TC_ACT_OK && r->verdict != TC_ACT_SHOT &&
	    r->verdict != TC_ACT_REDIRECT)
		mismatch(t, "unexpected verdict");
	if (r->verdict == TC_ACT_REDIRECT && stranger_src)
		mismatch(t, "decapsulated a frame from no RP's endpoint");
	if (r->verdict == TC_ACT_REDIRECT && j.cls != REF_ACCEPT)
		mismatch(t, "decapsulated a frame the reference refuses (%s)",
			 j.why);
	if (j.cls == REF_ACCEPT && r->verdict != TC_ACT_REDIRECT)
		mismatch(t,
			 "did not decapsulate a frame the reference accepts");

	switch (r->verdict) {
	case TC_ACT_REDIRECT:
		if (r->out_len != len - MDCS_ENCAP_LEN || out[0] != 0x33 ||
		    out[1] != 0x33 || memcmp(out + 2, f + OFF_INNER + 36, 4) ||
		    memcmp(out + 6, f + 6, MDCS_ETH_HLEN - 6) ||
		    memcmp(out + MDCS_ETH_HLEN, f + OFF_INNER, len - OFF_INNER))
			mismatch(t,
				 "output is not the Ethernet header, group MAC "
				 "and inner packet");
		want[MDCS_CNT_DECAP_PACKETS] = 1;
		want[MDCS_CNT_DECAP_BYTES] = len - OFF_INNER;
		if (!counts_are(r, want))
			mismatch(t,
				 "decapsulation not counted as one packet of "
				 "its inner octets");
		break;
	case TC_ACT_OK:
		if (r->out_len != len || memcmp(out, f, len))
			mismatch(t, "passed the frame changed");
		if (!counts_are(r, want))
			mismatch(t, "passed the frame but counted");
		break;
	default:
		if (!one_of(r, decap_drops, N_DECAP_DROPS))
			mismatch(t, "dropped without counting one reason");
	}

	/* Passing or dropping against the documentation. */
	if ((j.cls == REF_PASS && r->verdict != TC_ACT_OK) ||
	    (j.cls == REF_DROP && r->verdict != TC_ACT_SHOT))
		mismatch(t, "%s against docs/datapath.md: reference %s (%s)",
			 verdict_name(r->verdict), ref_names[j.cls], j.why);
	if (j.cls >= REF_DROP && stranger_src)
		tot->strangers++;
	tot->by_ref[j.cls][verdict_index(r->verdict)]++;
}

static void print_table(const char *title, const char *const *rows, unsigned n,
			uint64_t (*v)[3])
{
	printf("  %-24s %12s %12s %12s\n", title, "TC_ACT_OK", "TC_ACT_SHOT",
	       "REDIRECT");
	for (unsigned i = 0; i < n; i++)
		printf("  %-24s %12" PRIu64 " %12" PRIu64 " %12" PRIu64 "\n",
		       rows[i], v[i][0], v[i][1], v[i][2]);
}

/* A campaign of one program: its name, when it began, its counters then. */
struct campaign {
	const char *name;
	uint64_t at_start[MDCS_CNT_MAX];
	struct timespec t0;
};

static void campaign_begin(struct campaign *c, const char *name)
{
	c->name = name;
	printf("%s: seed 0x%" PRIx64 ", iterations %" PRIu64 " to %" PRIu64
	       "\n",
	       name, seed, first, first + runs - 1);
	fflush(stdout);
	read_counters(before);
	memcpy(c->at_start, before, sizeof(c->at_start));
	clock_gettime(CLOCK_MONOTONIC, &c->t0);
}

static void campaign_rate(const struct campaign *c)
{
	double secs = seconds_since(&c->t0);

	printf("%s: %" PRIu64 " frames in %.1f s (%.0f a second)\n", c->name,
	       runs, secs, secs > 0 ? (double)runs / secs : 0.0);
}

static void print_counters(const uint64_t *at_start)
{
	uint64_t now[MDCS_CNT_MAX];

	read_counters(now);
	printf("  counters:");
	for (int c = 0, n = 0; c < MDCS_CNT_MAX; c++)
		if (now[c] - at_start[c] && c != MDCS_CNT_DECAP_BYTES &&
		    c != MDCS_CNT_ENCAP_BYTES)
			printf("%s %s %" PRIu64, n++ % 4 ? "," : "\n   ",
			       mdcs_counter_names[c], now[c] - at_start[c]);
	printf("\n");
}

START_TEST(fuzz_decap)
{
	static uint8_t f[OUT_MAX], out[OUT_MAX];
	struct decap_totals tot = { 0 };
	struct campaign c;

	campaign_begin(&c, "decap");
	for (uint64_t i = first; i < first + runs; i++) {
		struct rng r = rng_for(i);
		struct trial t = { .tcase = "decap", .iteration = i };
		enum decap_kind kind;
		struct judgement j;
		struct result res;

		t.len = decap_frame(&r, f, &kind);
		make_runnable(&r, f, &t.len);
		j = decap_reference(f, t.len);
		res = run(dp.decap->progs.mdcs_decap, up0, f, t.len, out);
		t.kind = decap_kinds[kind];
		t.ref = ref_names[j.cls];
		t.why = j.why;
		t.in = f;
		t.out = out;
		t.r = &res;
		decap_check(&t, j, &tot);
		tot.by_kind[kind][verdict_index(res.verdict)]++;
	}
	campaign_rate(&c);
	print_table("input", decap_kinds, D_KINDS, tot.by_kind);
	print_table("reference", ref_names, REF_CLASSES, tot.by_ref);
	printf("  data messages from no RP's endpoint: %" PRIu64
	       ", none decapsulated\n",
	       tot.strangers);
	print_counters(c.at_start);
	fflush(stdout);
	/* A harness that never reaches the program's accepting path checks
	 * little. */
	if (runs >= 1000)
		ck_assert_uint_gt(tot.by_ref[REF_ACCEPT][2], 0);
}
END_TEST

/* ---- Encapsulation and publishing ---- */

enum encap_kind {
	E_CHANNEL,
	E_PUBLICATION,
	E_MUT_CHANNEL,
	E_MUT_PUBLICATION,
	E_RANDOM,
	E_KINDS
};

static const char *const encap_kinds[] = { "channel", "publication",
					   "mutated channel",
					   "mutated publication", "random" };

static void overlay_eth(struct rng *r, uint8_t *f)
{
	static const uint8_t mac[6] = { 0x33, 0x33, 0, 0, 0x12, 0x34 };

	memcpy(f, mac, 6);
	if (chance(r, 20))
		fill_random(r, f, 6);
	memset(f + 6, 0x02, 6);
	f[12] = 0x86;
	f[13] = 0xdd;
}

static size_t encap_channel(struct rng *r, uint8_t *f)
{
	const struct tx_chan *c = &tx_chans[below(r, N_TX)];

	overlay_eth(r, f);
	return MDCS_ETH_HLEN + pkt_channel(f + OV_IP6, c->s, c->g,
					   (uint8_t)next(r), payload_len(r));
}

/* An SSM group, or one near it. */
static struct in6_addr some_group(struct rng *r)
{
	struct in6_addr g;

	switch (below(r, 6)) {
	case 0:
	case 1:
		return grp_g;
	case 2:
		return *tx_chans[below(r, N_TX)].g;
	case 3: /* ff3x::/32, any scope */
		fill_random(r, g.s6_addr, 16);
		g.s6_addr[0] = 0xff;
		g.s6_addr[1] = (uint8_t)(0x30 | below(r, 16));
		g.s6_addr[2] = g.s6_addr[3] = 0;
		return g;
	default: /* an SSM group with one octet changed */
		g = grp_g;
		g.s6_addr[below(r, 4)] ^= (uint8_t)(1 << below(r, 8));
		return g;
	}
}

static size_t encap_publication(struct rng *r, uint8_t *f)
{
	static uint8_t msg[1500]; /* payload_len()'s largest */
	struct in6_addr src = publishers[below(r, N_PUBLISHERS)],
			group = some_group(r);
	size_t len = payload_len(r);

	if (chance(r, 5))
		src.s6_addr[8 + below(r, 8)] = (uint8_t)next(r);
	overlay_eth(r, f);
	fill_random(r, msg, len);
	return MDCS_ETH_HLEN + pkt_publication(f + OV_IP6, &src,
					       (uint16_t)next(r), &chan_src,
					       &group, msg, len);
}

#define P_PLEN	(OV_IP6 + 4)
#define P_ULEN	(OV_UDP + 4)
#define P_CHECK (OV_UDP + 6)

static bool mutate_overlay(struct rng *r, uint8_t *f, size_t *len)
{
	static const size_t lens[] = { P_PLEN, P_ULEN };
	size_t l = *len;

	switch (below(r, 13)) {
	case 0:
	case 1:
	case 2:
		return mutate_octets(r, f, len, OV_BODY);
	case 3: { /* one length field off */
		size_t off = lens[below(r, 2)];

		if (off + 2 > l)
			return false;
		put16(f, l, off, length_value(r, get16(f, off)));
		return true;
	}
	case 4: /* both agreeing with the frame */
		put16(f, l, P_PLEN, (uint16_t)(l - OV_UDP));
		put16(f, l, P_ULEN, (uint16_t)(l - OV_UDP));
		return l >= OV_UDP;
	case 5: { /* source: a publisher, the channel source, anybody */
		struct in6_addr a = publishers[below(r, N_PUBLISHERS)];

		if (chance(r, 20))
			a = chan_src;
		else if (chance(r, 30))
			a.s6_addr[below(r, 16)] ^= (uint8_t)between(r, 1, 255);
		put_addr(f, l, OV_IP6 + 8, &a);
		return true;
	}
	case 6: { /* destination */
		struct in6_addr a = chance(r, 50) ? chan_src : some_group(r);

		if (chance(r, 20))
			a.s6_addr[below(r, 16)] ^= (uint8_t)between(r, 1, 255);
		put_addr(f, l, OV_IP6 + 24, &a);
		return true;
	}
	case 7: { /* ports */
		static const uint16_t ports[] = { MDCS_PUBLISH_PORT,
						  MDCS_CHANNEL_PORT, PORT, 0 };

		put16(f, l, OV_UDP + 2 * below(r, 2),
		      chance(r, 60) ? ports[below(r, 4)] : (uint16_t)next(r));
		return true;
	}
	case 8: /* the publication header: version, flags, group */
		if (OV_BODY > l)
			return false;
		switch (below(r, 3)) {
		case 0:
			f[OV_PUB] = chance(r, 50) ? (uint8_t)below(r, 3)
						  : (uint8_t)next(r);
			break;
		case 1:
			f[OV_PUB + 1 + below(r, 3)] = (uint8_t)next(r);
			break;
		default: {
			struct in6_addr g = some_group(r);

			put_addr(f, l, OV_PUB + 4, &g);
		}
		}
		return true;
	case 9: /* checksum */
		put16(f, l, P_CHECK, chance(r, 50) ? 0 : (uint16_t)next(r));
		return true;
	case 10:
		return insert_ext_header(r, f, len, OV_IP6, lens, 1);
	case 11: /* Ethernet type, IP version, next header */
		if (chance(r, 30))
			f[12 + below(r, 2)] ^= (uint8_t)between(r, 1, 255);
		else if (chance(r, 50) && OV_IP6 + 7 <= l)
			f[OV_IP6 + 6] = boundary_octet(r);
		else if (OV_IP6 + 1 <= l)
			f[OV_IP6] = (uint8_t)(below(r, 16) << 4 |
					      (f[OV_IP6] & 0x0f));
		return true;
	default: /* hop limit, traffic class */
		if (OV_UDP > l)
			return false;
		f[OV_IP6 + (chance(r, 50) ? 7 : 1)] = (uint8_t)next(r);
		return true;
	}
}

static size_t encap_random(struct rng *r, uint8_t *f)
{
	size_t len = between(r, MDCS_ETH_HLEN, chance(r, 80) ? 200 : 1600);

	fill_random(r, f, len);
	if (chance(r, 30))
		return len;
	f[12] = 0x86;
	f[13] = 0xdd;
	if (len > OV_IP6)
		f[OV_IP6] = (uint8_t)(0x60 | (f[OV_IP6] & 0x0f));
	if (chance(r, 50)) { /* a publication's first octets */
		if (OV_IP6 + 7 <= len)
			f[OV_IP6 + 6] = IPPROTO_UDP;
		put_addr(f, len, OV_IP6 + 24, &chan_src);
		put16(f, len, OV_UDP + 2, MDCS_PUBLISH_PORT);
		if (chance(r, 50))
			put_addr(f, len, OV_IP6 + 8,
				 &publishers[below(r, N_PUBLISHERS)]);
	} else if (chance(r, 50)) { /* a channel's */
		const struct tx_chan *c = &tx_chans[below(r, N_TX)];

		put_addr(f, len, OV_IP6 + 8, c->s);
		put_addr(f, len, OV_IP6 + 24, c->g);
	}
	return len;
}

static size_t encap_frame(struct rng *r, uint8_t *f, enum encap_kind *kind)
{
	unsigned k = below(r, 100);
	bool pub = chance(r, 55);
	size_t len;

	if (k >= 90) {
		*kind = E_RANDOM;
		return encap_random(r, f);
	}
	len = pub ? encap_publication(r, f) : encap_channel(r, f);
	if (k < 25) {
		*kind = pub ? E_PUBLICATION : E_CHANNEL;
		return len;
	}
	*kind = pub ? E_MUT_PUBLICATION : E_MUT_CHANNEL;
	for (unsigned n = between(r, 1, 4), done = 0; done < n;)
		done += mutate_overlay(r, f, &len);
	return len;
}

enum encap_class {
	ENC_PASS,	/* passed unchanged */
	ENC_NO_CHANNEL, /* multicast nobody subscribed */
	ENC_TOO_BIG,
	ENC_REPLICATE,
	ENC_PUB_REFUSED,
	ENC_PUBLISH, /* re-originated, maybe replicated too */
	ENC_CLASSES
};

static const char *const enc_names[] = {
	"pass",	     "no channel",	    "too big",
	"replicate", "publication refused", "publication accepted"
};

static const struct tx_chan *tx_lookup(const uint8_t *s, const uint8_t *g)
{
	for (unsigned i = 0; i < N_TX; i++)
		if (tx_chans[i].n && addr_at(s, 0, tx_chans[i].s) &&
		    addr_at(g, 0, tx_chans[i].g))
			return &tx_chans[i];
	return NULL;
}

struct encap_judgement {
	enum encap_class cls;
	const char *why;
	const struct tx_chan *tx; /* the channel replicated, if any */
};

static bool allowed_publisher(const uint8_t *a)
{
	static const uint8_t prefix[6] = { 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01 };

	return memcmp(a, prefix, sizeof(prefix)) == 0;
}

/* The reference: docs/datapath.md, "Sending a channel to remote RPs", and
 * include/proto/publish.h. */
static struct encap_judgement encap_reference(const uint8_t *f, size_t len)
{
	const uint8_t *ip = f + OV_IP6;
	struct encap_judgement j = { ENC_PASS, "not IPv6", NULL };
	size_t plen;

	if (len < OV_UDP || get16(f, 12) != 0x86dd || ip[0] >> 4 != 6)
		return j;
	if (routable_group(ip + 24)) {
		j.tx = tx_lookup(ip + 8, ip + 24);
		if (!j.tx)
			return (struct encap_judgement){ ENC_NO_CHANNEL,
							 "no channel", NULL };
		if (len - OV_IP6 > dp_conf.inner_mtu)
			return (struct encap_judgement){ ENC_TOO_BIG,
							 "over the MTU", NULL };
		j.cls = ENC_REPLICATE;
		j.why = "a channel with a fanout";
		return j;
	}
	j.why = "not a publication";
	if (len < OV_PUB || ip[6] != IPPROTO_UDP ||
	    !addr_at(ip, 24, &chan_src) ||
	    get16(f, OV_UDP + 2) != MDCS_PUBLISH_PORT)
		return j;

	j.cls = ENC_PUB_REFUSED;
	plen = get16(f, P_PLEN);
	if (len < OV_BODY)
		j.why = "publication header cut";
	else if (40 + plen != len - OV_IP6 || get16(f, P_ULEN) != plen)
		j.why = "lengths disagree";
	else if (!get16(f, P_CHECK))
		j.why = "no UDP checksum";
	else if (f[OV_PUB] != MDCS_PUB_VERSION)
		j.why = "version";
	else if (!ssm_group(f + OV_PUB + 4) || !routable_group(f + OV_PUB + 4))
		j.why = "not a routable SSM group";
	else if (!allowed_publisher(ip + 8))
		j.why = "publisher not allowed";
	else {
		j.cls = ENC_PUBLISH;
		j.why = "a publication";
		j.tx = tx_lookup(chan_src.s6_addr, f + OV_PUB + 4);
	}
	return j;
}

/* The header encapsulation puts in front of an inner packet of n octets
 * when no copy got through: no MAC addresses, no destination, port or
 * checksum (docs/wire-format.md). */
static void encap_header(uint8_t h[64], size_t n)
{
	memset(h, 0, 64);
	h[12] = 0x86;
	h[13] = 0xdd;
	h[14] = (uint8_t)(0x60 | dp_conf.traffic_class >> 4);
	h[15] = (uint8_t)(dp_conf.traffic_class << 4);
	put16(h, 64, 18, (uint16_t)(MDCS_ENCAP_LEN - 40 + n));
	h[20] = IPPROTO_UDP;
	h[21] = dp_conf.hop_limit;
	memcpy(h + 22, &local, 16);
	memcpy(h + 54, &dp_conf.port, 2);
	put16(h, 64, 58, (uint16_t)(MDCS_ENCAP_LEN - 40 + n));
	h[62] = AMT_DATA_OCTET0;
}

/* A UDP checksum over the IPv6 packet at ip that verifies; 0 and 0xffff
 * are the same number in one's complement. */
static bool udp_csum_ok(const uint8_t *ip, size_t udp_len)
{
	struct in6_addr s, d;
	uint16_t c;

	memcpy(&s, ip + 8, 16);
	memcpy(&d, ip + 24, 16);
	c = csum_finish(csum_add(
		csum_add_pseudo6(0, &s, &d, (uint32_t)udp_len, IPPROTO_UDP),
		ip + 40, udp_len));
	return c == 0 || c == 0xffff;
}

/* The publication f as the channel packet it becomes: from the channel
 * source to the group, the channel port, the header naming the publisher.
 * The checksum is left as it was; it is checked apart. */
static void republished(const uint8_t *f, size_t len, uint8_t *want)
{
	const uint8_t *group = f + OV_PUB + 4;

	memcpy(want, f, len);
	want[0] = want[1] = 0x33;
	memcpy(want + 2, group + 12, 4);
	want[OV_IP6 + 7] = dp_conf.channel_hop_limit;
	memcpy(want + OV_IP6 + 8, &chan_src, 16);
	memcpy(want + OV_IP6 + 24, group, 16);
	memcpy(want + OV_UDP, &dp_conf.publish_port, 2);
	memcpy(want + OV_UDP + 2, &dp_conf.channel_port, 2);
	want[OV_PUB] = MDCS_PUB_VERSION;
	want[OV_PUB + 1] = 0;
	memcpy(want + OV_PUB + 2, f + OV_UDP, 2);
	memcpy(want + OV_PUB + 4, f + OV_IP6 + 8, 16);
}

/* The counters replication of a channel raises: one packet, and one
 * refusal for each RP in the fanout that cannot get a copy. */
static void replication_counts(const struct tx_chan *c, uint64_t *want)
{
	want[MDCS_CNT_ENCAP_PACKETS]++;
	for (unsigned i = 0; i < c->n; i++)
		if (c->slots[i] == SLOT_NONEIGH)
			want[MDCS_CNT_DROP_NO_NEIGHBOR]++;
		else if (c->slots[i] == SLOT_LOOP)
			want[MDCS_CNT_DROP_ROUTE_LOOP]++;
}

static const int pub_drops[] = { MDCS_CNT_DROP_PUBLISH_MALFORMED,
				 MDCS_CNT_DROP_PUBLISH_NOT_ALLOWED,
				 MDCS_CNT_DROP_PUBLISH_RATE };

/* The output of a replicated packet starts with the header for n octets. */
static void expect_encap_header(const struct trial *t, size_t n)
{
	uint8_t h[MDCS_ETH_HLEN + MDCS_ENCAP_LEN];

	encap_header(h, n);
	if (t->r->out_len != sizeof(h) + n || memcmp(t->out, h, sizeof(h)))
		mismatch(t, "output does not start with the encapsulation");
}

static void encap_check(const struct trial *t, struct encap_judgement j)
{
	static uint8_t want_pkt[OUT_MAX];
	const struct result *r = t->r;
	const uint8_t *f = t->in, *out = t->out;
	uint64_t want[MDCS_CNT_MAX] = { 0 };
	size_t len = t->len;

	if (r->delta[MDCS_CNT_PUBLISH_PACKETS] && j.cls != ENC_PUBLISH)
		mismatch(t,
			 "re-originated a publication the reference refuses "
			 "(%s)",
			 j.why);
	switch (j.cls) {
	case ENC_PASS:
		if (r->verdict != TC_ACT_OK || r->out_len != len ||
		    memcmp(out, f, len))
			mismatch(t, "did not pass the frame unchanged");
		if (!counts_are(r, want))
			mismatch(t, "passed the frame but counted");
		return;
	case ENC_NO_CHANNEL:
	case ENC_TOO_BIG:
		want[j.cls == ENC_NO_CHANNEL ? MDCS_CNT_DROP_NO_CHANNEL
					     : MDCS_CNT_DROP_TOO_BIG] = 1;
		if (r->verdict != TC_ACT_SHOT || !counts_are(r, want))
			mismatch(t, "did not drop the channel packet for %s",
				 enc_names[j.cls]);
		return;
	case ENC_REPLICATE:
		replication_counts(j.tx, want);
		if (r->verdict != TC_ACT_SHOT || !counts_are(r, want))
			mismatch(t, "did not replicate the channel packet");
		expect_encap_header(t, len - OV_IP6);
		if (memcmp(out + MDCS_ETH_HLEN + MDCS_ENCAP_LEN, f + OV_IP6,
			   len - OV_IP6))
			mismatch(t, "output is not the encapsulated packet");
		return;
	case ENC_PUB_REFUSED:
		if (r->verdict != TC_ACT_SHOT ||
		    !one_of(r, pub_drops, sizeof(pub_drops) / sizeof(int)))
			mismatch(t, "did not refuse the publication (%s)",
				 j.why);
		return;
	default:
		break;
	}

	/* A publication accepted: counted, rewritten, maybe replicated. */
	want[MDCS_CNT_PUBLISH_PACKETS] = 1;
	/* The copy into the overlay's ingress may find its queue full. */
	want[MDCS_CNT_DROP_INJECT] = r->delta[MDCS_CNT_DROP_INJECT] ? 1 : 0;
	if (j.tx && len - OV_IP6 > dp_conf.inner_mtu)
		want[MDCS_CNT_DROP_TOO_BIG] = 1;
	else if (j.tx)
		replication_counts(j.tx, want);
	if (r->verdict != TC_ACT_SHOT || !counts_are(r, want))
		mismatch(t, "did not re-originate the publication as counted");
	republished(f, len, want_pkt);
	if (j.tx && !want[MDCS_CNT_DROP_TOO_BIG]) {
		expect_encap_header(t, len - OV_IP6);
		out += MDCS_ENCAP_LEN; /* the republished packet from OV_IP6 */
	} else {
		if (r->out_len != len)
			mismatch(t, "re-originated packet has another length");
		if (memcmp(out, want_pkt, OV_IP6))
			mismatch(t, "re-originated packet has the wrong MAC");
	}
	if (memcmp(out + OV_IP6, want_pkt + OV_IP6, P_CHECK - OV_IP6) ||
	    memcmp(out + P_CHECK + 2, want_pkt + P_CHECK + 2,
		   len - P_CHECK - 2))
		mismatch(t, "re-originated packet is not the channel packet");
	if (udp_csum_ok(out + OV_IP6, len - OV_UDP) !=
	    udp_csum_ok(f + OV_IP6, len - OV_UDP))
		mismatch(t, "re-originated packet's UDP checksum %s",
			 udp_csum_ok(f + OV_IP6, len - OV_UDP) ? "broke"
							       : "got right");
}

START_TEST(fuzz_encap)
{
	static uint8_t f[OUT_MAX], out[OUT_MAX];
	uint64_t by_kind[E_KINDS][3] = { { 0 } };
	uint64_t by_class[ENC_CLASSES][3] = { { 0 } };
	struct campaign c;

	campaign_begin(&c, "encap");
	for (uint64_t i = first; i < first + runs; i++) {
		struct rng r = rng_for(i);
		struct trial t = { .tcase = "encap", .iteration = i };
		enum encap_kind kind;
		struct encap_judgement j;
		struct result res;

		t.len = encap_frame(&r, f, &kind);
		make_runnable(&r, f, &t.len);
		j = encap_reference(f, t.len);
		res = run(dp.encap->progs.mdcs_encap, ov0, f, t.len, out);
		t.kind = encap_kinds[kind];
		t.ref = enc_names[j.cls];
		t.why = j.why;
		t.in = f;
		t.out = out;
		t.r = &res;
		encap_check(&t, j);
		by_kind[kind][verdict_index(res.verdict)]++;
		by_class[j.cls][verdict_index(res.verdict)]++;
	}
	campaign_rate(&c);
	print_table("input", encap_kinds, E_KINDS, by_kind);
	print_table("reference", enc_names, ENC_CLASSES, by_class);
	print_counters(c.at_start);
	fflush(stdout);
	if (runs >= 1000) {
		ck_assert_uint_gt(by_class[ENC_PUBLISH][1], 0);
		ck_assert_uint_gt(by_class[ENC_REPLICATE][1], 0);
	}
}
END_TEST

static Suite *fuzz_suite(void)
{
	Suite *s = suite_create("fuzz");
	TCase *d = tcase_create("decap");
	TCase *e = tcase_create("encap");

	/*
	 * Check's default of 4 s is for unit tests.  A million frames take
	 * some 15 s on a 2-CPU machine; make fuzz's ten million get
	 * CK_TIMEOUT_MULTIPLIER on top.
	 */
	tcase_add_checked_fixture(d, setup, dp_teardown);
	tcase_set_timeout(d, 300);
	tcase_add_test(d, fuzz_decap);
	suite_add_tcase(s, d);
	tcase_add_checked_fixture(e, setup, dp_teardown);
	tcase_set_timeout(e, 300);
	tcase_add_test(e, fuzz_encap);
	suite_add_tcase(s, e);
	return s;
}

CHECK_MAIN(fuzz_suite)
