/* Channel subscriptions in both directions, as soft state. */
#ifndef RPD_CHANNELS_H
#define RPD_CHANNELS_H

/*
 * Receiving: pim6d joins (S,G) through rpd when a receiver in the AS wants
 * a remote source; rpd subscribes at the RP serving S and lets that RP's
 * packets through decapsulation.  Sending: a remote RP subscribes; rpd
 * joins (S,G) at pim6d so the channel reaches the overlay link, and lists
 * the RP in the channel's fanout.  Both sides expire unless refreshed.
 * Gateways of tunnel-mode peers subscribe like remote RPs, to channels of
 * any source: for a remote one rpd receives it as for pim6d, and
 * decapsulation copies it to them.
 */

#include "chantab.h"
#include "conf.h"
#include "datapath.h"
#include "idpool.h"
#include "loop.h"
#include "mesh.h"
#include "pimlink.h"

enum channel_event { CHANNEL_ADDED, CHANNEL_REMOVED, CHANNEL_EXPIRED };

/* The expiry of a subscription a channel mapping made: never. */
#define CHANNEL_MAPPED UINT64_MAX

/* One subscription between this RP and a remote RP. */
struct channel_subscription {
	const struct mdcs_channel *ch;
	uint32_t stats;	     /* its slot in channel_stats; in channels_each */
	const char *rp;	     /* the remote RP's name */
	bool sent;	     /* the remote RP subscribes here; else we do */
	uint64_t expires_ms; /* on the loop's clock, or CHANNEL_MAPPED */
};

typedef void (*channels_event_fn)(void *arg,
				  const struct channel_subscription *s,
				  enum channel_event ev);

struct gateways;

struct channels {
	struct loop *loop;
	const struct rpd_conf *conf;
	struct datapath *dp;
	struct pimlink *pim;
	struct mesh *mesh;
	struct gateways *gateways; /* tunnel-mode peers */
	struct chantab rx;	   /* struct rx_channel, channels received */
	struct chantab tx;	   /* struct tx_channel, channels sent */
	struct idpool stats;	   /* slots in the datapath's channel_stats */
	struct timer refresh_timer;
	struct timer jp_timer;
	struct timer sweep_timer;
	channels_event_fn on_event; /* NULL, or told of every change */
	void *event_arg;
};

extern const struct pimlink_ops channels_pim_ops;
extern const struct mesh_ops channels_mesh_ops;

int channels_init(struct channels *cs, struct loop *loop,
		  const struct rpd_conf *conf, struct datapath *dp,
		  struct pimlink *pim, struct mesh *mesh,
		  struct gateways *gateways);

/* The gateway in slot joins ch, or refreshes it, until expires (ms on the
 * loop's clock).  MDCS_CTL_ACCEPTED, or why not (enum mdcs_ctl_status). */
int channels_gateway_join(struct channels *cs, uint32_t slot,
			  const struct mdcs_channel *ch, uint64_t expires);
/* The gateway in slot leaves ch. */
void channels_gateway_leave(struct channels *cs, uint32_t slot,
			    const struct mdcs_channel *ch);

/* Each subscription, both directions. */
void channels_each(struct channels *cs,
		   void (*fn)(void *arg, const struct channel_subscription *s),
		   void *arg);

/* Zero the traffic counters of every channel, both directions. */
int channels_clear_stats(struct channels *cs);

/* Take over the channels an earlier rpd left in the datapath's maps, send
 * the configured channel mappings, and start the refresh timers.  -1 if a
 * mapping does not fit in the datapath. */
int channels_start(struct channels *cs);

/*
 * Remove the channel mappings of prev, an earlier configuration, that the
 * running one dropped.  A restarted RP cannot tell them from remote RPs'
 * own subscriptions, so the remote RP subscribes again if it still wants
 * the channel.
 */
void channels_unmap(struct channels *cs, const struct rpd_conf *prev);

/*
 * Stop the timers and forget the channels.  With withdraw, unsubscribe and
 * prune everything and clear the maps first; without, the maps keep the
 * channels for the next channels_start() to take over.
 */
void channels_stop(struct channels *cs, bool withdraw);

#endif
