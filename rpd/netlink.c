/* rpd's use of rtnetlink through libnl: links, routes and tc filters. */
#include <errno.h>
#include <string.h>
#include <net/if.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/route/classifier.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>

#include "log.h"
#include "netlink.h"

static struct nl_sock *sk;

int nl_init(void)
{
	int err;

	sk = nl_socket_alloc();
	if (!sk)
		return -1;
	err = nl_connect(sk, NETLINK_ROUTE);
	if (err) {
		log_err("netlink: %s", nl_geterror(err));
		nl_socket_free(sk);
		sk = NULL;
		return -1;
	}
	return 0;
}

void nl_fini(void)
{
	nl_socket_free(sk);
	sk = NULL;
}

int nl_link_index(const char *name)
{
	struct rtnl_link *link = NULL;
	int ifindex;

	if (rtnl_link_get_kernel(sk, 0, name, &link))
		return 0;
	ifindex = rtnl_link_get_ifindex(link);
	rtnl_link_put(link);
	return ifindex;
}

int nl_link_up(int ifindex, unsigned mtu)
{
	struct rtnl_link *link = NULL, *change;
	int err;

	err = rtnl_link_get_kernel(sk, ifindex, NULL, &link);
	if (err) {
		log_err("link %d: %s", ifindex, nl_geterror(err));
		return -1;
	}
	change = rtnl_link_alloc();
	if (!change) {
		rtnl_link_put(link);
		return -1;
	}
	rtnl_link_set_flags(change, IFF_UP);
	rtnl_link_set_mtu(change, mtu);
	err = rtnl_link_change(sk, link, change, 0);
	rtnl_link_put(change);
	rtnl_link_put(link);
	if (err) {
		log_err("link %d up, mtu %u: %s", ifindex, mtu,
			nl_geterror(err));
		return -1;
	}
	return 0;
}

static struct rtnl_route *route_new(int ifindex, const struct in6_addr *gw,
				    const struct prefix6 *p)
{
	struct rtnl_route *r = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *dst = nl_addr_build(AF_INET6, &p->addr, 16);
	struct nl_addr *via = nl_addr_build(AF_INET6, gw, 16);

	if (!r || !nh || !dst || !via) {
		rtnl_route_put(r);
		rtnl_route_nh_free(nh);
		nl_addr_put(dst);
		nl_addr_put(via);
		return NULL;
	}
	nl_addr_set_prefixlen(dst, p->len);
	rtnl_route_set_family(r, AF_INET6);
	rtnl_route_set_dst(r, dst);
	rtnl_route_set_protocol(r, RTPROT_MDCS);
	rtnl_route_set_table(r, RT_TABLE_MAIN);
	rtnl_route_nh_set_ifindex(nh, ifindex);
	rtnl_route_nh_set_gateway(nh, via);
	rtnl_route_add_nexthop(r, nh);
	nl_addr_put(dst);
	nl_addr_put(via);
	return r;
}

static bool wanted(const struct rtnl_route *r, const struct prefix6 *p,
		   unsigned n)
{
	struct nl_addr *dst = rtnl_route_get_dst((struct rtnl_route *)r);

	for (unsigned i = 0; i < n; i++)
		if (nl_addr_get_prefixlen(dst) == p[i].len &&
		    !memcmp(nl_addr_get_binary_addr(dst), &p[i].addr, 16))
			return true;
	return false;
}

static bool via_link(struct rtnl_route *r, int ifindex)
{
	struct rtnl_nexthop *nh = rtnl_route_nexthop_n(r, 0);

	return nh && rtnl_route_nh_get_ifindex(nh) == ifindex;
}

int nl_routes_sync(int ifindex, const struct in6_addr *gateway,
		   const struct prefix6 *prefixes, unsigned n)
{
	struct nl_cache *cache = NULL;
	struct nl_object *obj;
	int rc = 0, err;

	/* Remove what an earlier run left and is no longer configured. */
	if (rtnl_route_alloc_cache(sk, AF_INET6, 0, &cache) == 0) {
		for (obj = nl_cache_get_first(cache); obj;
		     obj = nl_cache_get_next(obj)) {
			struct rtnl_route *r = (struct rtnl_route *)obj;

			if (rtnl_route_get_protocol(r) == RTPROT_MDCS &&
			    via_link(r, ifindex) && !wanted(r, prefixes, n))
				rtnl_route_delete(sk, r, 0);
		}
		nl_cache_free(cache);
	}
	for (unsigned i = 0; i < n; i++) {
		struct rtnl_route *r =
			route_new(ifindex, gateway, &prefixes[i]);
		char p[PREFIX6_STRLEN];

		if (!r)
			return -1;
		err = rtnl_route_add(sk, r, NLM_F_CREATE | NLM_F_REPLACE);
		rtnl_route_put(r);
		if (err) {
			log_err("route %s: %s", prefix6_str(&prefixes[i], p),
				nl_geterror(err));
			rc = -1;
		}
	}
	return rc;
}

int nl_tc_filter_count(int ifindex, unsigned parent)
{
	struct nl_cache *cache = NULL;
	int n;

	if (rtnl_cls_alloc_cache(sk, ifindex, parent, &cache))
		return -1;
	n = nl_cache_nitems(cache);
	nl_cache_free(cache);
	return n;
}
