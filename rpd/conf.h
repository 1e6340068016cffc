/* rpd's configuration: read from YANG instance data and checked by libyang. */
#ifndef RPD_CONF_H
#define RPD_CONF_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include <libyang/libyang.h>

#include "dp_abi.h"
#include "prefix.h"
#include "proto/control.h"

/* The mdcs instances of a data tree: control-plane-protocols of that type. */
#define CONF_INSTANCE_XPATH                                                    \
	"/ietf-routing:routing/control-plane-protocols"                        \
	"/control-plane-protocol[type='mdcs:mdcs']"

struct conf_remote {
	char name[64];
	struct in6_addr addr;
	uint16_t port;
	uint8_t public_key[MDCS_CTL_KEY_LEN];
	struct prefix6 *prefixes;
	unsigned n_prefixes;
};

/* A channel mapping: (S,G) tunnelled to remote RPs whatever they ask. */
struct conf_channel {
	struct mdcs_channel ch;
	uint16_t *remotes; /* indices into rpd_conf.remotes */
	unsigned n_remotes;
};

struct rpd_conf {
	char instance[64];
	struct in6_addr tunnel_addr;
	uint16_t tunnel_port;
	/* An anycast address the AS routes here, where its peers find the RP
	 * by AMT relay discovery: none unless has_discovery_addr. */
	bool has_discovery_addr;
	struct in6_addr discovery_addr;
	char uplink[IF_NAMESIZE];
	char overlay[IF_NAMESIZE];
	struct in6_addr overlay_addr;
	char key_file[4096];
	struct prefix6 *prefixes;
	unsigned n_prefixes;
	uint8_t hop_limit;
	uint8_t traffic_class;
	uint16_t inner_mtu;

	/* Publishing: off unless has_channel_source */
	bool has_channel_source;
	struct in6_addr channel_source;
	uint16_t publish_port;
	uint16_t channel_port;
	uint8_t channel_hop_limit;
	struct prefix6 *publishers; /* rp/source-prefix if none given */
	unsigned n_publishers;
	uint32_t publish_rate;	/* packets per second per publisher */
	uint32_t publish_burst; /* packets */

	unsigned hello_interval;   /* seconds */
	unsigned jp_interval;	   /* seconds */
	unsigned refresh_interval; /* seconds */
	unsigned hold_time;	   /* seconds */
	unsigned max_skew;	   /* seconds */

	/* The RP mesh */
	unsigned keepalive_interval; /* seconds */
	unsigned shuffle_interval;   /* seconds */
	unsigned view_size;	     /* RPs */
	unsigned shuffle_length;     /* RPs */

	struct conf_remote *remotes;
	unsigned n_remotes;
	struct conf_channel *channels;
	unsigned n_channels;
};

/*
 * A YANG context with the mdcs model; yang_path lists the directories
 * holding the modules, separated by ':'.  On failure, -1 and the reason in
 * err.
 */
int conf_context(const char *yang_path, struct ly_ctx **ctx, char *err,
		 size_t errlen);

/*
 * The one mdcs instance of a valid configuration tree, with the checks
 * YANG cannot express.  Returns 1 if the tree has no mdcs instance (an RP
 * that waits to be configured); on failure, -1 and the reason in err.
 */
int conf_from_tree(const struct lyd_node *tree, struct rpd_conf *c, char *err,
		   size_t errlen);

/* The index in c->remotes of the remote RP called name, or -1. */
int conf_remote_index(const struct rpd_conf *c, const char *name);

/* Whether a lies in one of this RP's source prefixes. */
bool conf_serves(const struct rpd_conf *c, const struct in6_addr *a);

/* Whether a lies in publishing/allowed-prefix: a host of the RP's peers. */
bool conf_allows_peer(const struct rpd_conf *c, const struct in6_addr *a);

void conf_free(struct rpd_conf *c);

#endif
