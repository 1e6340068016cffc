/* NETCONF operations (RFC 6241) on rpd's datastores, state and actions. */
#ifndef RPD_NCOPS_H
#define RPD_NCOPS_H

#include <stdint.h>
#include <libyang/libyang.h>
#include <nc_server.h>

#include "datastore.h"

/* What rpd provides beyond its datastores. */
struct ncops_hooks {
	/* Add rpd's state (config false nodes) to tree, a copy of running. */
	int (*state)(void *arg, struct lyd_node **tree, struct ds_error *err);
	/* Run an action of the mdcs model, given its node in the request. */
	int (*action)(void *arg, const struct lyd_node *action,
		      struct ds_error *err);
	void *arg;
};

struct ncops {
	struct datastore *ds;
	struct ncops_hooks hooks;
};

/* A copy of running with rpd's state added (*tree NULL on failure): the
 * data of get, and of vtysh's show commands. */
int ncops_running_state(struct ncops *ops, struct lyd_node **tree,
			struct ds_error *err);

/*
 * The reply to an operation on the datastores, state or actions, from
 * session: get, get-config, edit-config, copy-config, delete-config,
 * validate, commit, discard-changes, lock, unlock, get-schema and actions.
 * NULL for an operation that is not one of these.
 */
struct nc_server_reply *
ncops_reply(struct ncops *ops, const struct lyd_node *rpc, uint32_t session);

/* An rpc-error reply from err. */
struct nc_server_reply *ncops_error(const struct ly_ctx *ctx,
				    const struct ds_error *err);

#endif
