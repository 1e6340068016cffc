/* rpd's use of rtnetlink through libnl: links, routes, neighbors, tc. */
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

/*
 * Have the kernel resolve, or confirm, the link-layer address of each next
 * hop of its route to dst (NTF_USE).  bpf_fib_lookup only finds neighbors
 * that are resolved, and copies sent from tc never make the kernel resolve
 * one.
 */
int nl_nexthops_use(const struct in6_addr *dst);

/* How many tc filters hang off a clsact direction (ingress or egress). */
int nl_tc_filter_count(int ifindex, unsigned parent);

#endif
