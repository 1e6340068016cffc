/* rpd's use of rtnetlink through libnl: links, routes and tc filters. */
#ifndef RPD_NETLINK_H
#define RPD_NETLINK_H

#include <netinet/in.h>

#include "prefix.h"

/* Protocol number of the routes rpd installs (see rt_protos(5)). */
#define RTPROT_MDCS 109

int nl_init(void);
void nl_fini(void);

/* The interface's index, or 0 if there is none of that name. */
int nl_link_index(const char *name);

/* Set the link up with the given MTU. */
int nl_link_up(int ifindex, unsigned mtu);

/*
 * Make the routes of protocol RTPROT_MDCS through ifindex exactly the given
 * prefixes, each via the link-local gateway.
 */
int nl_routes_sync(int ifindex, const struct in6_addr *gateway,
		   const struct prefix6 *prefixes, unsigned n);

/* How many tc filters hang off a clsact direction (ingress or egress). */
int nl_tc_filter_count(int ifindex, unsigned parent);

#endif
