/* rpd's side of the tc-BPF datapath: loading, attaching, map updates. */
#ifndef RPD_DATAPATH_H
#define RPD_DATAPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp_abi.h"
#include "prefix.h"

/* Where rpd pins an instance's maps. */
#define DATAPATH_PIN_BASE "/sys/fs/bpf/mdcs"

struct mdcs_encap;
struct mdcs_decap;

struct datapath {
	struct mdcs_encap *encap;
	struct mdcs_decap *decap;
	char pin_root[256];
	int overlay_ifindex;
	int uplink_ifindex;
};

/* Make DATAPATH_PIN_BASE/<instance> (mounting the BPF file system if it
 * is not there) and write its path to buf. */
int datapath_pin_dir(const char *instance, char *buf, size_t len);

/*
 * Load both programs with their maps pinned in pin_root; maps an earlier
 * rpd pinned there are reused, with their contents.
 */
int datapath_open(struct datapath *dp, const char *pin_root);

/* Attach encapsulation to the overlay's egress, decapsulation to the
 * uplink's ingress, replacing what an earlier rpd attached. */
int datapath_attach(struct datapath *dp, int overlay_ifindex,
		    int uplink_ifindex);

/* Unload; with remove, detach the programs and unpin the maps as well. */
void datapath_close(struct datapath *dp, bool remove);

int datapath_set_config(struct datapath *dp, const struct mdcs_dp_config *c);

int datapath_get_rp(struct datapath *dp, uint32_t slot, struct mdcs_rp *rp);
int datapath_set_rp(struct datapath *dp, uint32_t slot,
		    const struct in6_addr *addr, uint16_t port);
int datapath_clear_rp(struct datapath *dp, uint32_t slot);

/* A gateway (a tunnel-mode peer) in a slot of remote_rps: copies go to it,
 * but it is no endpoint tunnel data is taken from. */
int datapath_set_gateway(struct datapath *dp, uint32_t slot,
			 const struct in6_addr *addr, uint16_t port);
int datapath_clear_gateway(struct datapath *dp, uint32_t slot);

/* Replace a channel's set of subscribed RPs; an empty set removes it. */
int datapath_set_fanout(struct datapath *dp, const struct mdcs_channel *ch,
			const struct mdcs_fanout *f);

int datapath_set_rx(struct datapath *dp, const struct mdcs_channel *ch,
		    const struct mdcs_rx *rx);
int datapath_del_rx(struct datapath *dp, const struct mdcs_channel *ch);

/* Make the prefixes allowed to publish exactly these. */
int datapath_set_publishers(struct datapath *dp, const struct prefix6 *p,
			    unsigned n);

/* The datapath's counters (enum mdcs_counter), summed over the CPUs. */
int datapath_counters(struct datapath *dp, uint64_t c[MDCS_CNT_MAX]);

/* A channel's traffic counters; a remote RP's.  Summed over the CPUs. */
int datapath_channel_traffic(struct datapath *dp, uint32_t stats,
			     struct mdcs_channel_traffic *t);
int datapath_rp_traffic(struct datapath *dp, uint32_t slot,
			struct mdcs_rp_traffic *t);

/* Zero a channel's traffic counters, for a channel that takes the slot. */
int datapath_clear_channel_stats(struct datapath *dp, uint32_t stats);

/* Zero the datapath's counters; a remote RP's traffic counters. */
int datapath_clear_counters(struct datapath *dp);
int datapath_clear_rp_stats(struct datapath *dp, uint32_t slot);

/* Walk the channel maps, e.g. to take over an earlier rpd's state. */
typedef void (*datapath_tx_cb)(void *arg, const struct mdcs_channel *ch,
			       const struct mdcs_fanout *f);
typedef void (*datapath_rx_cb)(void *arg, const struct mdcs_channel *ch,
			       const struct mdcs_rx *rx);
void datapath_each_tx(struct datapath *dp, datapath_tx_cb cb, void *arg);
void datapath_each_rx(struct datapath *dp, datapath_rx_cb cb, void *arg);

#endif
