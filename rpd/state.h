/* rpd's state as YANG data: counters, subscriptions, notifications. */
#ifndef RPD_STATE_H
#define RPD_STATE_H

#include <libyang/libyang.h>

#include "channels.h"
#include "datapath.h"
#include "datastore.h"
#include "gateways.h"
#include "peer_census.h"
#include "peer_directory.h"
#include "mesh.h"

/* Where an RP's state comes from. */
struct state_source {
	const struct rpd_conf *conf;
	struct datapath *dp;
	struct channels *channels;
	struct mesh *mesh;
	struct gateways *gateways;
	struct peer_census *census;
	struct directory *directory;
};

/* Add the RP's config false nodes to tree: statistics, the remote RPs'
 * state, the membership view, subscriptions, tunnels, the peers and the
 * directory. */
int state_add(const struct state_source *src, const struct ly_ctx *ctx,
	      struct lyd_node **tree, struct ds_error *err);

/* The subscription-change notification for s, or NULL if it could not be
 * built. */
struct lyd_node *state_subscription_change(const struct ly_ctx *ctx,
					   const char *instance,
					   const struct channel_subscription *s,
					   enum channel_event ev);

/* The rp-status-change notification for rp's current status, or NULL. */
struct lyd_node *state_rp_status_change(const struct ly_ctx *ctx,
					const char *instance,
					const struct remote_rp *rp);

#endif
