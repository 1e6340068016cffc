/* rpd's side of the tc-BPF datapath: loading, attaching, map updates. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <linux/pkt_sched.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "decap.skel.h"
#include "encap.skel.h"
#include "log.h"
#include "netlink.h"
#include "datapath.h"
#include "percpu.h"

/* The tc filters' handle and priority: "md" */
#define TC_HANDLE   0x6d64
#define TC_PRIORITY 0x6d64

/*
 * Set while creating a clsact qdisc that may exist already (rpd took over
 * from an earlier one): the kernel's message about it is no news, and a
 * real failure is reported by attach().
 */
static bool creating_hook;

static int libbpf_log(enum libbpf_print_level level, const char *fmt,
		      va_list ap)
{
	char msg[512];
	size_t n;

	if (level == LIBBPF_DEBUG || creating_hook)
		return 0;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	if (n && msg[n - 1] == '\n')
		msg[n - 1] = '\0';
	log_msg(level == LIBBPF_WARN ? LOG_WARNING : LOG_INFO, "libbpf: %s",
		msg);
	return 0;
}

/* Network namespaces made by ip-netns(8) or unshare(1) remount /sys, so
 * the BPF file system may have to be mounted where rpd runs. */
static int ensure_bpffs(void)
{
	struct statfs st;

	if (statfs("/sys/fs/bpf", &st) == 0 && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700")) {
		log_err("cannot mount the BPF file system on /sys/fs/bpf: %m");
		return -1;
	}
	return 0;
}

/*
 * Every pinned map of the programs; both objects share them.  Maps private
 * to one CPU's cache of next hops have no pin path.
 */
static void unpin_all(struct datapath *dp)
{
	struct bpf_map *map;

	if (!dp->encap)
		return;
	bpf_object__for_each_map (map, dp->encap->obj) {
		if (bpf_map__pin_path(map))
			bpf_map__unpin(map, NULL);
	}
}

static int load(struct datapath *dp)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = dp->pin_root);

	dp->encap = mdcs_encap__open_opts(&opts);
	if (!dp->encap || mdcs_encap__load(dp->encap))
		return -1;
	dp->decap = mdcs_decap__open_opts(&opts);
	if (!dp->decap || mdcs_decap__load(dp->decap))
		return -1;
	return 0;
}

static void unload(struct datapath *dp)
{
	mdcs_decap__destroy(dp->decap);
	mdcs_encap__destroy(dp->encap);
	dp->decap = NULL;
	dp->encap = NULL;
}

int datapath_pin_dir(const char *instance, char *buf, size_t len)
{
	if (ensure_bpffs())
		return -1;
	snprintf(buf, len, "%s/%s", DATAPATH_PIN_BASE, instance);
	if ((mkdir(DATAPATH_PIN_BASE, 0700) && errno != EEXIST) ||
	    (mkdir(buf, 0700) && errno != EEXIST)) {
		log_err("%s: %m", buf);
		return -1;
	}
	return 0;
}

int datapath_open(struct datapath *dp, const char *pin_root)
{
	memset(dp, 0, sizeof(*dp));
	libbpf_set_print(libbpf_log);
	snprintf(dp->pin_root, sizeof(dp->pin_root), "%s", pin_root);
	if (load(dp) == 0)
		return 0;
	/* Maps pinned by another version of rpd do not fit: start afresh. */
	log_warn("datapath: pinned maps in %s do not fit, replacing them",
		 dp->pin_root);
	unpin_all(dp);
	unload(dp);
	if (load(dp) == 0)
		return 0;
	log_err("datapath: cannot load the BPF programs");
	unload(dp);
	return -1;
}

static int attach(int ifindex, enum bpf_tc_attach_point where, int prog_fd)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = where);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TC_HANDLE,
		    .priority = TC_PRIORITY, .prog_fd = prog_fd,
		    .flags = BPF_TC_F_REPLACE);
	int err;

	creating_hook = true;
	err = bpf_tc_hook_create(&hook);
	creating_hook = false;
	if (err && err != -EEXIST) {
		log_err("clsact on ifindex %d: %s", ifindex, strerror(-err));
		return -1;
	}
	err = bpf_tc_attach(&hook, &opts);
	if (err) {
		log_err("tc attach on ifindex %d: %s", ifindex, strerror(-err));
		return -1;
	}
	return 0;
}

int datapath_attach(struct datapath *dp, int overlay_ifindex,
		    int uplink_ifindex)
{
	dp->overlay_ifindex = overlay_ifindex;
	dp->uplink_ifindex = uplink_ifindex;
	if (attach(overlay_ifindex, BPF_TC_EGRESS,
		   bpf_program__fd(dp->encap->progs.mdcs_encap)) ||
	    attach(uplink_ifindex, BPF_TC_INGRESS,
		   bpf_program__fd(dp->decap->progs.mdcs_decap)))
		return -1;
	return 0;
}

/* Take the decapsulation filter off the uplink, and the clsact qdisc too
 * unless something else still uses it. */
static void detach_uplink(int ifindex)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TC_HANDLE,
		    .priority = TC_PRIORITY);

	if (bpf_tc_detach(&hook, &opts))
		log_warn("tc detach on ifindex %d failed", ifindex);
	if (nl_tc_filter_count(ifindex,
			       TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS)) == 0 &&
	    nl_tc_filter_count(ifindex,
			       TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS)) == 0) {
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(&hook);
	}
}

void datapath_close(struct datapath *dp, bool remove)
{
	if (remove && dp->uplink_ifindex)
		detach_uplink(dp->uplink_ifindex);
	if (remove)
		unpin_all(dp);
	unload(dp);
	if (remove) {
		rmdir(dp->pin_root);
		rmdir(DATAPATH_PIN_BASE); /* if no other instance is there */
	}
}

static int update(struct bpf_map *map, const void *key, const void *value)
{
	int err = bpf_map__update_elem(map, key, bpf_map__key_size(map), value,
				       bpf_map__value_size(map), 0);

	if (err)
		log_err("map %s: update: %s", bpf_map__name(map),
			strerror(-err));
	return err ? -1 : 0;
}

static int remove_key(struct bpf_map *map, const void *key)
{
	int err = bpf_map__delete_elem(map, key, bpf_map__key_size(map), 0);

	return err && err != -ENOENT ? -1 : 0;
}

int datapath_set_config(struct datapath *dp, const struct mdcs_dp_config *c)
{
	uint32_t zero = 0;

	return update(dp->encap->maps.dp_config, &zero, c);
}

int datapath_get_rp(struct datapath *dp, uint32_t slot, struct mdcs_rp *rp)
{
	return bpf_map__lookup_elem(dp->encap->maps.remote_rps, &slot,
				    sizeof(slot), rp, sizeof(*rp), 0);
}

/* Zero a per-CPU map's entry on every CPU. */
static int clear_percpu(struct bpf_map *map, uint32_t key)
{
	int ncpu = libbpf_num_possible_cpus();
	size_t size = (bpf_map__value_size(map) + 7) / 8 * 8 * (size_t)ncpu;
	void *zero = ncpu > 0 ? calloc(1, size) : NULL;
	int rc;

	if (!zero)
		return -1;
	rc = bpf_map__update_elem(map, &key, sizeof(key), zero, size, 0);
	free(zero);
	return rc ? -1 : 0;
}

/* The next hops both programs cached for a slot's former holder are no
 * use to its next. */
static int clear_nexthops(struct datapath *dp, uint32_t slot)
{
	return clear_percpu(dp->encap->maps.nexthops, slot) ||
	       clear_percpu(dp->decap->maps.nexthops, slot);
}

int datapath_set_rp(struct datapath *dp, uint32_t slot,
		    const struct in6_addr *addr, uint16_t port)
{
	struct mdcs_endpoint ep = { .addr = *addr, .port = htons(port) };
	struct mdcs_endpoint any = { .addr = *addr };

	return datapath_set_gateway(dp, slot, addr, port) ||
	       update(dp->encap->maps.rp_endpoints, &ep, &slot) ||
	       update(dp->encap->maps.rp_endpoints, &any, &slot);
}

int datapath_set_gateway(struct datapath *dp, uint32_t slot,
			 const struct in6_addr *addr, uint16_t port)
{
	struct mdcs_rp rp = { .addr = *addr, .port = htons(port), .in_use = 1 };

	return clear_nexthops(dp, slot) ||
	       update(dp->encap->maps.remote_rps, &slot, &rp);
}

int datapath_clear_gateway(struct datapath *dp, uint32_t slot)
{
	struct mdcs_rp none = { .in_use = 0 };

	return clear_nexthops(dp, slot) ||
	       update(dp->encap->maps.remote_rps, &slot, &none);
}

int datapath_clear_rp(struct datapath *dp, uint32_t slot)
{
	struct mdcs_endpoint ep = { 0 };
	struct mdcs_rp rp;

	if (datapath_get_rp(dp, slot, &rp) || !rp.in_use)
		return 0;
	ep.addr = rp.addr;
	ep.port = rp.port;
	remove_key(dp->encap->maps.rp_endpoints, &ep);
	ep.port = 0;
	remove_key(dp->encap->maps.rp_endpoints, &ep);
	return datapath_clear_gateway(dp, slot);
}

int datapath_set_fanout(struct datapath *dp, const struct mdcs_channel *ch,
			const struct mdcs_fanout *f)
{
	if (!f->count)
		return remove_key(dp->encap->maps.tx_channels, ch);
	return update(dp->encap->maps.tx_channels, ch, f);
}

int datapath_set_rx(struct datapath *dp, const struct mdcs_channel *ch,
		    const struct mdcs_rx *rx)
{
	return update(dp->encap->maps.rx_channels, ch, rx);
}

int datapath_set_publishers(struct datapath *dp, const struct prefix6 *p,
			    unsigned n)
{
	struct bpf_map *map = dp->encap->maps.publishers;
	struct mdcs_prefix_key key, next;
	const void *prev = NULL;
	uint8_t yes = 1;

	/* Delete what is there, restarting the walk after each deletion. */
	while (bpf_map__get_next_key(map, prev, &next, sizeof(next)) == 0) {
		key = next;
		if (remove_key(map, &key))
			prev = &key;
	}
	for (unsigned i = 0; i < n; i++) {
		key.prefixlen = p[i].len;
		key.addr = p[i].addr;
		if (update(map, &key, &yes))
			return -1;
	}
	return 0;
}

int datapath_counters(struct datapath *dp, uint64_t c[MDCS_CNT_MAX])
{
	int fd = bpf_map__fd(dp->encap->maps.counters);

	for (uint32_t k = 0; k < MDCS_CNT_MAX; k++)
		if (percpu_sum(fd, k, &c[k], 1))
			return -1;
	return 0;
}

int datapath_channel_traffic(struct datapath *dp, uint32_t stats,
			     struct mdcs_channel_traffic *t)
{
	return percpu_sum(bpf_map__fd(dp->encap->maps.channel_stats), stats,
			  (uint64_t *)t, PERCPU_COUNTERS(*t));
}

int datapath_rp_traffic(struct datapath *dp, uint32_t slot,
			struct mdcs_rp_traffic *t)
{
	return percpu_sum(bpf_map__fd(dp->encap->maps.rp_stats), slot,
			  (uint64_t *)t, PERCPU_COUNTERS(*t));
}

int datapath_clear_channel_stats(struct datapath *dp, uint32_t stats)
{
	return clear_percpu(dp->encap->maps.channel_stats, stats);
}

int datapath_clear_counters(struct datapath *dp)
{
	for (uint32_t k = 0; k < MDCS_CNT_MAX; k++)
		if (clear_percpu(dp->encap->maps.counters, k))
			return -1;
	return 0;
}

int datapath_clear_rp_stats(struct datapath *dp, uint32_t slot)
{
	return clear_percpu(dp->encap->maps.rp_stats, slot);
}

int datapath_del_rx(struct datapath *dp, const struct mdcs_channel *ch)
{
	return remove_key(dp->encap->maps.rx_channels, ch);
}

/* Iterate over a hash map's entries, value by value. */
static void each(struct bpf_map *map, void *value,
		 void (*fn)(void *ctx, const struct mdcs_channel *ch,
			    const void *value),
		 void *ctx)
{
	struct mdcs_channel key, next;
	const void *prev = NULL;

	while (bpf_map__get_next_key(map, prev, &next, sizeof(next)) == 0) {
		if (bpf_map__lookup_elem(map, &next, sizeof(next), value,
					 bpf_map__value_size(map), 0) == 0)
			fn(ctx, &next, value);
		key = next;
		prev = &key;
	}
}

struct each_ctx {
	datapath_tx_cb tx;
	datapath_rx_cb rx;
	void *arg;
};

static void each_tx(void *ctx, const struct mdcs_channel *ch, const void *v)
{
	struct each_ctx *c = ctx;

	c->tx(c->arg, ch, v);
}

static void each_rx(void *ctx, const struct mdcs_channel *ch, const void *v)
{
	struct each_ctx *c = ctx;

	c->rx(c->arg, ch, v);
}

void datapath_each_tx(struct datapath *dp, datapath_tx_cb cb, void *arg)
{
	struct each_ctx c = { .tx = cb, .arg = arg };
	struct mdcs_fanout *f = malloc(sizeof(*f));

	if (!f)
		return;
	each(dp->encap->maps.tx_channels, f, each_tx, &c);
	free(f);
}

void datapath_each_rx(struct datapath *dp, datapath_rx_cb cb, void *arg)
{
	struct each_ctx c = { .rx = cb, .arg = arg };
	struct mdcs_rx rx;

	each(dp->encap->maps.rx_channels, &rx, each_rx, &c);
}
