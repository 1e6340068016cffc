/* rpd's use of rtnetlink through libnl: links, routes, neighbors, tc. */
#include <errno.h>
#include <string.h>
#include <net/if.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/route/classifier.h>
#include <netlink/route/link.h>
#include <netlink/route/neighbour.h>
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

	if (rtnl_link_get_kernel(sk, 0, name, &link) || !link)
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

static int keep_route(struct nl_msg *msg, void *arg)
{
	struct rtnl_route **route = arg;

	if (!*route)
		rtnl_route_parse(nlmsg_hdr(msg), route);
	return NL_OK;
}

/* The kernel's route to dst, as a lookup would choose it. */
static struct rtnl_route *route_get(const struct in6_addr *dst)
{
	struct rtmsg rtm = { .rtm_family = AF_INET6, .rtm_dst_len = 128 };
	struct rtnl_route *route = NULL;
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETROUTE, 0);
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);

	if (!msg || !cb ||
	    nlmsg_append(msg, &rtm, sizeof(rtm), NLMSG_ALIGNTO) ||
	    nla_put(msg, RTA_DST, sizeof(*dst), dst) ||
	    nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, keep_route, &route))
		goto out;
	/* The route comes first, then the acknowledgment, which must be read
	 * too: libnl expects one per request. */
	if (nl_send_auto(sk, msg) >= 0 && nl_recvmsgs(sk, cb) >= 0 && route)
		nl_wait_for_ack(sk);
out:
	nl_cb_put(cb);
	nlmsg_free(msg);
	return route;
}

/* NTF_USE: resolve the neighbor if it is not, confirm it if it is. */
static int neigh_use(int ifindex, struct nl_addr *addr)
{
	struct rtnl_neigh *n = rtnl_neigh_alloc();
	int err;

	if (!n)
		return -1;
	rtnl_neigh_set_ifindex(n, ifindex);
	rtnl_neigh_set_family(n, AF_INET6);
	rtnl_neigh_set_dst(n, addr);
	rtnl_neigh_set_state(n, NUD_NONE);
	rtnl_neigh_set_flags(n, NTF_USE);
	err = rtnl_neigh_add(sk, n, NLM_F_CREATE | NLM_F_REPLACE);
	rtnl_neigh_put(n);
	return err ? -1 : 0;
}

int nl_nexthops_use(const struct in6_addr *dst)
{
	struct rtnl_route *route = route_get(dst);
	struct nl_addr *on_link = nl_addr_build(AF_INET6, dst, sizeof(*dst));
	int n, rc = -1;

	if (!route || !on_link)
		goto out;
	n = rtnl_route_get_nnexthops(route);
	rc = n ? 0 : -1;
	for (int i = 0; i < n; i++) {
		struct rtnl_nexthop *nh = rtnl_route_nexthop_n(route, i);
		struct nl_addr *gw = rtnl_route_nh_get_gateway(nh);

		if (neigh_use(rtnl_route_nh_get_ifindex(nh), gw ? gw : on_link))
			rc = -1;
	}
out:
	nl_addr_put(on_link);
	if (route)
		rtnl_route_put(route);
	return rc;
}
