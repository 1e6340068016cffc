"""
An emulated Internet of autonomous systems for mdcs, drawn from its ASes
and their business relations: eBGP between them (FRR bgpd) with customer,
peer and provider policies, an IXP where ASes peer through a route
server, static routes inside, an RP in every stub AS with peer hosts
beside it, and a stateful firewall or NAT66 in front of some RPs.

    AS k, tier-1 or transit: one router tk
    AS k, stub:              bk  border router, announces 2001:db8:k::/48
                            /  \\    and the RP's link
          2001:db8:ff:k::/64    2001:db8:k:2::/64 (LAN sk)
                          /        \\
         rpk ::2, tunnel        hk-1 ::11, hk-2 ::12, ...  peer hosts
         and uplink rpk-eth0

Every stub AS routes the anycast address 2001:3::1 to its RP, where its
peers find the RP by AMT relay discovery.

Inter-AS link j (in the order of providers, then peerings) is
2001:db8:100:j::/64, ::1 on the provider's side (the lower AS's for
peers), ::2 on the other; the IXP's LAN is 2001:db8:100:ff::/64, member k
at ::k, the route server at ::fe.  Policy is Gao-Rexford's: routes are
tagged on the way in with where they came from (community 64999:1 from a
customer, :2 from a peer, :3 from a provider, which also set the local
preference 300, 200, 100), and only the AS's own routes and its
customers' go to peers and providers; customers get everything.

An RP's tunnel address lies outside its AS's /48, as rpd routes remote
RPs' source prefixes into its overlay.  Its channel source
2001:db8:k:ffff::1 is routed to it inside the AS, and so is every other
RP's: hosts that join a channel natively join it at their own RP.
Behind NAT66 its link is not announced and its traffic leaves the AS
from 2001:db8:fe:k::1, on the border's loopback.
"""

import os
from collections import namedtuple

from lib.topogen import TopoRouter

from .ssm import link_local

TIER1, TRANSIT, STUB = "tier-1", "transit", "stub"
OPEN, FIREWALL, NAT66 = "open", "stateful firewall", "NAT66"
ROUTE_SERVER = "rs"
ROUTE_SERVER_AS = 65500
IXP_LAN = "2001:db8:100:ff::"

# A BGP session: neighbor address and AS, and what the neighbor is to us.
Session = namedtuple("Session", "addr remote_as relation")


def asn(k):
    return 65000 + k


def rp_tunnel(k):
    return "2001:db8:ff:{}::2".format(k)


def rp_link(k):
    return "2001:db8:ff:{}::/64".format(k)


def channel_source(k):
    return "2001:db8:{}:ffff::1".format(k)


def channel_prefix(k):
    return "2001:db8:{}:ffff::/64".format(k)


# Where peers find their RP by AMT relay discovery: every stub AS routes
# this anycast address to its own RP, and announces it to no other AS.
DISCOVERY = "2001:3::1"


def nat_public(k):
    """The address stub AS k's NAT66 gives its RP's traffic: outside the
    AS's /48 too, which the other RPs route into their overlays."""
    return "2001:db8:fe:{}::1".format(k)


def as_prefix(k):
    return "2001:db8:{}::/48".format(k)


def host_name(k, i):
    return "h{}-{}".format(k, i)


def host_addr(k, i):
    return "2001:db8:{}:2::{}".format(k, 10 + i)


def as_of(host):
    """The AS of a peer host, from its name."""
    return int(host[1:].split("-")[0])


def host_address(host):
    k, i = host[1:].split("-")
    return host_addr(int(k), int(i))


class Internet:
    """ases maps each AS's number k to its kind; providers lists
    (customer, provider) pairs, peerings (a, b) pairs of settlement-free
    peers; the ixp's members peer with each other through its route
    server.  Every stub AS has an RP and peers hosts; walls maps stub ASes
    to what stands in front of their RP (OPEN when absent)."""

    def __init__(self, ases, providers, peerings=(), ixp=(), peers=2,
                 walls=None):
        self.ases = dict(ases)
        self.providers = list(providers)
        self.peerings = list(peerings)
        self.ixp = list(ixp)
        self.peers = peers
        self.walls = dict(walls or {})
        self._plan()

    @property
    def stubs(self):
        return sorted(k for k, kind in self.ases.items() if kind == STUB)

    def wall(self, k):
        return self.walls.get(k, OPEN)

    def router(self, k):
        return ("b{}" if self.ases[k] == STUB else "t{}").format(k)

    def rp(self, k):
        return "rp{}".format(k)

    def hosts(self, k=None):
        ks = self.stubs if k is None else [k]
        return [host_name(s, i) for s in ks
                for i in range(1, self.peers + 1)]

    def _plan(self):
        """Interfaces with their addresses, BGP sessions and inter-AS link
        ends of every AS router, in the order the links are made."""
        self.ifaces = {self.router(k): [] for k in self.ases}
        self.sessions = {self.router(k): [] for k in self.ases}
        self.links = []  # (router a, ifname a, router b, ifname b)
        self.counted = []  # (label, router, ifname, both ways)

        def add_if(k, addr):
            r = self.router(k)
            name = "{}-eth{}".format(r, len(self.ifaces[r]))
            self.ifaces[r].append((name, addr))
            return name

        # (down, up, what up is to down): up takes ::1 on their link.
        pairs = [(c, p, "provider") for c, p in self.providers]
        pairs += [(max(a, b), min(a, b), "peer") for a, b in self.peerings]
        for j, (down, up, relation) in enumerate(pairs, 1):
            net = "2001:db8:100:{}::".format(j)
            up_if = add_if(up, net + "1/64")
            down_if = add_if(down, net + "2/64")
            self.links.append((self.router(up), up_if,
                               self.router(down), down_if))
            self.sessions[self.router(down)].append(
                Session(net + "1", asn(up), relation))
            self.sessions[self.router(up)].append(
                Session(net + "2", asn(down),
                        "customer" if relation == "provider" else "peer"))
            self.counted.append(("AS{}-AS{}".format(up, down),
                                 self.router(up), up_if, True))
        self.ixp_ifaces = {}
        for k in self.ixp:
            self.ixp_ifaces[k] = add_if(k, "{}{}/64".format(IXP_LAN, k))
            self.sessions[self.router(k)].append(
                Session(IXP_LAN + "fe", ROUTE_SERVER_AS, "route-server"))
            # What a member sends into the IXP, so each packet once.
            self.counted.append(("AS{}-IXP".format(k), self.router(k),
                                 self.ixp_ifaces[k], False))
        for k in self.stubs:
            add_if(k, "2001:db8:ff:{}::1/64".format(k))
            add_if(k, "2001:db8:{}:2::1/64".format(k))

    def relation(self, a, b):
        """What AS b is to AS a: "provider", "customer", "peer" (also at
        the IXP), or None when they are not neighbors."""
        if (a, b) in self.providers:
            return "provider"
        if (b, a) in self.providers:
            return "customer"
        if ((a, b) in self.peerings or (b, a) in self.peerings or
                (a in self.ixp and b in self.ixp and a != b)):
            return "peer"
        return None

    def valley_free(self, path):
        """Whether a route that went through the ASes of path (the origin
        last) climbed from customers to providers, crossed at most one
        peering, then only went down to customers."""
        down = False
        hops = list(zip(path[1:], path[:-1]))  # (from, to), origin first
        for x, y in reversed(hops):
            what = self.relation(x, y)
            if what is None or (down and what != "customer"):
                return False
            down = what != "provider"
        return True

    def uplinks(self, k):
        """Stub AS k's interfaces toward other ASes."""
        return [name for name, _ in self.ifaces[self.router(k)][:-2]]

    def rp_iface(self, k):
        """Stub AS k's border interface toward its RP."""
        return self.ifaces[self.router(k)][-2][0]

    def build(self, tgen):
        """Routers, hosts and links."""
        for k in sorted(self.ases):
            tgen.add_router(self.router(k))
        g = tgen.gears
        for a, ifa, b, ifb in self.links:
            tgen.add_link(g[a], g[b], ifa, ifb)
        if self.ixp:
            tgen.add_router(ROUTE_SERVER)
            ix = tgen.add_switch("ix")
            ix.add_link(g[ROUTE_SERVER], nodeif=ROUTE_SERVER + "-eth0")
            for k, ifname in self.ixp_ifaces.items():
                ix.add_link(g[self.router(k)], nodeif=ifname)
        for k in self.stubs:
            b, rp = self.router(k), self.rp(k)
            rp_if, lan_if = [n for n, _ in self.ifaces[b][-2:]]
            tgen.add_router(rp)
            tgen.add_link(g[b], g[rp], rp_if, rp + "-eth0")
            lan = tgen.add_switch("s{}".format(k))
            lan.add_link(g[b], nodeif=lan_if)
            for h in self.hosts(k):
                tgen.add_router(h)
                lan.add_link(g[h], nodeif=h + "-eth0")

    def as_conf(self, k, rp_ll):
        """Stub AS k's border, or transit AS k's router; rp_ll maps each
        stub AS to its RP's link-local address."""
        r = self.router(k)
        lines = []
        if self.wall(k) == NAT66:
            lines += ["interface lo",
                      " ipv6 address {}/64".format(nat_public(k)), "!"]
        for name, addr in self.ifaces[r]:
            lines += ["interface " + name, " ipv6 address " + addr]
            if self.ases[k] == STUB and name not in self.uplinks(k):
                # pim6d inside the AS, MLD toward its hosts.
                lines.append(" ipv6 pim")
                if addr.startswith("2001:db8:{}:2::".format(k)):
                    lines.append(" ipv6 mld")
            lines.append("!")
        networks = [as_prefix(k)]
        # The AS's aggregate, for BGP; what is not more specific inside
        # goes nowhere.
        lines.append("ipv6 route {} blackhole".format(as_prefix(k)))
        if self.ases[k] == STUB:
            # Every RP's channel source through the AS's own RP, by its
            # link-local address so that pim6d's RPF check passes: the
            # hosts' native joins go to the RP, which brings the remote
            # channels over its tunnels.
            lines += ["ipv6 route {} {} {}".format(channel_prefix(j),
                                                   rp_ll[k], self.rp_iface(k))
                      for j in self.stubs]
            lines.append("ipv6 route {}/128 {}".format(DISCOVERY,
                                                       rp_tunnel(k)))
            if self.wall(k) == NAT66:
                networks.append(nat_public(k).replace("::1", "::/64"))
            else:
                networks.append(rp_link(k))
        lines += POLICY
        lines += ["router bgp {}".format(asn(k)),
                  " bgp router-id 10.0.0.{}".format(k + 1),
                  " no bgp default ipv4-unicast"]
        if k in self.ixp:
            # The route server does not put its AS in the path.
            lines.append(" no bgp enforce-first-as")
        for s in self.sessions[r]:
            lines.append(" neighbor {} remote-as {}".format(s.addr,
                                                            s.remote_as))
        lines.append(" address-family ipv6 unicast")
        lines += ["  network " + n for n in networks]
        for s in self.sessions[r]:
            into, out = POLICY_OF[s.relation]
            lines += ["  neighbor {} activate".format(s.addr),
                      "  neighbor {} route-map {} in".format(s.addr, into),
                      "  neighbor {} route-map {} out".format(s.addr, out)]
        lines += [" exit-address-family", "!"]
        return lines

    def route_server_conf(self):
        lines = ["interface {}-eth0".format(ROUTE_SERVER),
                 " ipv6 address {}fe/64".format(IXP_LAN), "!",
                 "router bgp {}".format(ROUTE_SERVER_AS),
                 " bgp router-id 10.0.1.254",
                 " no bgp ebgp-requires-policy",
                 " no bgp default ipv4-unicast"]
        lines += [" neighbor {}{} remote-as {}".format(IXP_LAN, k, asn(k))
                  for k in self.ixp]
        lines.append(" address-family ipv6 unicast")
        for k in self.ixp:
            lines += ["  neighbor {}{} activate".format(IXP_LAN, k),
                      "  neighbor {}{} route-server-client".format(IXP_LAN,
                                                                   k)]
        lines += [" exit-address-family", "!"]
        return lines

    def rp_conf(self, k):
        rp = self.rp(k)
        return [
            "ipv6 route ::/0 2001:db8:ff:{}::1".format(k),
            "interface lo", " ipv6 address {}/128".format(DISCOVERY), "!",
            "interface {}-eth0".format(rp),
            " ipv6 address {}/64".format(rp_tunnel(k)),
            " ipv6 pim", "!",
            "interface mdcs0", " ipv6 pim", "!",
        ]

    def host_conf(self, h):
        k = as_of(h)
        return [
            "ipv6 route ::/0 2001:db8:{}:2::1".format(k),
            "interface {}-eth0".format(h),
            " ipv6 address {}/64".format(host_address(h)), "!",
        ]

    def load(self, tgen, workdir):
        """Write and load every router's frr.conf, and the walls in front
        of RPs."""
        g = tgen.gears
        rp_ll = {k: link_local(g[self.rp(k)], self.rp(k) + "-eth0")
                 for k in self.stubs}
        confs = {}
        for k in self.ases:
            daemons = [TopoRouter.RD_BGP]
            if self.ases[k] == STUB:
                daemons.append(TopoRouter.RD_PIM6)
            confs[self.router(k)] = (self.as_conf(k, rp_ll), daemons)
        if self.ixp:
            confs[ROUTE_SERVER] = (self.route_server_conf(),
                                   [TopoRouter.RD_BGP])
        for k in self.stubs:
            confs[self.rp(k)] = (self.rp_conf(k), [TopoRouter.RD_PIM6])
            for h in self.hosts(k):
                confs[h] = (self.host_conf(h), [])
        os.makedirs(workdir, exist_ok=True)
        for name, (lines, daemons) in confs.items():
            path = os.path.join(workdir, name + ".frr.conf")
            with open(path, "w") as f:
                f.write("\n".join(lines) + "\n")
            g[name].load_frr_config(
                path, [TopoRouter.RD_ZEBRA, TopoRouter.RD_STATIC] + daemons)
        for k in self.stubs:
            if self.wall(k) != OPEN:
                self._install_wall(tgen, k, workdir)

    def _install_wall(self, tgen, k, workdir):
        b = self.router(k)
        out = ", ".join('"{}"'.format(u) for u in self.uplinks(k))
        rules = (_FIREWALL if self.wall(k) == FIREWALL else _NAT66)
        rules = rules.replace("$out", out).replace("$rp", '"{}"'.format(
            self.rp_iface(k))).replace("$public", nat_public(k))
        path = os.path.join(workdir, b + ".nft")
        with open(path, "w") as f:
            f.write(rules)
        tgen.gears[b].cmd_raises("nft -f " + path)

    def wall_dropped(self, tgen, k):
        """Packets the wall in front of stub AS k's RP has dropped."""
        b = self.router(k)
        out = tgen.gears[b].cmd_raises("nft list ruleset")
        for line in out.splitlines():
            if "drop" in line and "counter packets" in line:
                return int(line.split("counter packets")[1].split()[0])
        raise AssertionError("no drop counter on {}: {}".format(b, out))


POLICY = [
    "bgp as-path access-list OWN seq 5 permit ^$",
    "bgp community-list standard FROM-CUSTOMER seq 5 permit 64999:1",
    "route-map FROM-CUSTOMER permit 10",
    " set community 64999:1",
    " set local-preference 300",
    "route-map FROM-PEER permit 10",
    " set community 64999:2",
    " set local-preference 200",
    "route-map FROM-PROVIDER permit 10",
    " set community 64999:3",
    " set local-preference 100",
    "route-map TO-CUSTOMER permit 10",
    "route-map TO-PEER-OR-PROVIDER permit 10",
    " match community FROM-CUSTOMER",
    "route-map TO-PEER-OR-PROVIDER permit 20",
    " match as-path OWN",
    "!",
]

# What a neighbor is to us -> (route-map in, route-map out).
POLICY_OF = {
    "customer": ("FROM-CUSTOMER", "TO-CUSTOMER"),
    "peer": ("FROM-PEER", "TO-PEER-OR-PROVIDER"),
    "route-server": ("FROM-PEER", "TO-PEER-OR-PROVIDER"),
    "provider": ("FROM-PROVIDER", "TO-PEER-OR-PROVIDER"),
}

# From outside the AS, only what answers the RP's own traffic reaches it
# (address- and port-dependent filtering); the AS's hosts are not filtered.
_FIREWALL = """
table ip6 wall {
  chain forward {
    type filter hook forward priority 0; policy accept;
    iifname { $out } oifname $rp ct state established,related accept
    iifname { $out } oifname $rp icmpv6 type { destination-unreachable, packet-too-big, time-exceeded, parameter-problem } accept
    iifname { $out } oifname $rp counter drop
  }
}
"""

# The RP's traffic leaves the AS from one public address, its port kept
# (endpoint-independent mapping); only answers come back in (address- and
# port-dependent filtering).  Unsolicited datagrams to the public address
# are dropped, not answered.  The AS's hosts are not translated.
_NAT66 = """
table ip6 wall {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    iifname $rp oifname { $out } snat to $public
  }
  chain input {
    type filter hook input priority 0; policy accept;
    iifname { $out } ip6 daddr $public ct state established,related accept
    iifname { $out } ip6 daddr $public meta l4proto udp counter drop
  }
}
"""


def reduced(n_as, peers, walls=None):
    """One transit AS 0 with n_as stub ASes, 1 to n_as, as its customers."""
    ases = {0: TRANSIT}
    ases.update({k: STUB for k in range(1, n_as + 1)})
    return Internet(ases, [(k, 0) for k in range(1, n_as + 1)], peers=peers,
                    walls=walls)


def ten_as(peers, walls=None):
    """Two tier-1 ASes (1, 2) peering with each other; three transit ASes,
    3 a customer of 1, 4 of 2, 5 of both, which peer at an IXP through its
    route server; five stub ASes, 6 and 7 customers of 3, 8 of 4, 9 of 5,
    and 10 of both 4 and 5 (dual-homed)."""
    ases = {1: TIER1, 2: TIER1, 3: TRANSIT, 4: TRANSIT, 5: TRANSIT}
    ases.update({k: STUB for k in range(6, 11)})
    providers = [(3, 1), (4, 2), (5, 1), (5, 2), (6, 3), (7, 3), (8, 4),
                 (9, 5), (10, 4), (10, 5)]
    return Internet(ases, providers, peerings=[(1, 2)], ixp=[3, 4, 5],
                    peers=peers, walls=walls)
