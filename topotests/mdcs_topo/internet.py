"""
An emulated Internet of autonomous systems for mdcs: one transit AS with
stub ASes around it, eBGP between them (FRR bgpd), static routes inside,
an RP in every stub AS and peer hosts beside it.

                          transit AS 65000: router t
                 t-eth<k> 2001:db8:100:<k>::1/64 (eBGP)
                                  |
    stub AS 6500<k>:   b<k>  border router, 2001:db8:100:<k>::2
                       /  \\
     2001:db8:ff:<k>::/64    2001:db8:<k>:2::/64 (LAN s<k>)
                     /        \\
      rp<k> ::2, tunnel    h<k>1 ::11, h<k>2 ::12, ...  peer hosts
      and uplink rp<k>-eth0

Each stub AS originates its /48, the sources its RP serves, and its RP's
link (network statements); the transit AS passes every route on.  There
are no route filters: with one upstream, what a stub learned can only go
back there, where the AS path's loop check drops it.  The RP's tunnel
address lies outside the /48, as rpd routes remote RPs' source prefixes
into its overlay.  The RP's channel source 2001:db8:<k>:ffff::1 is routed
to the RP inside its AS.  Everything is generated from the number of stub
ASes and of peers per AS, so that a larger lab can grow from the same
code.
"""

import os

from lib.topogen import TopoRouter

TRANSIT_AS = 65000


def stub_as(k):
    return TRANSIT_AS + k


def rp_tunnel(k):
    return "2001:db8:ff:{}::2".format(k)


def rp_link(k):
    return "2001:db8:ff:{}::/64".format(k)


def channel_source(k):
    return "2001:db8:{}:ffff::1".format(k)


def as_prefix(k):
    return "2001:db8:{}::/48".format(k)


def host_name(k, i):
    return "h{}{}".format(k, i)


def host_addr(k, i):
    return "2001:db8:{}:2::{}".format(k, 10 + i)


def build(tgen, n_as, peers):
    """Routers, hosts and links for n_as stub ASes of peers hosts each."""
    tgen.add_router("t")
    g = tgen.gears
    for k in range(1, n_as + 1):
        b, rp = "b{}".format(k), "rp{}".format(k)
        tgen.add_router(b)
        tgen.add_router(rp)
        tgen.add_link(g["t"], g[b], "t-eth{}".format(k), b + "-eth0")
        tgen.add_link(g[b], g[rp], b + "-eth1", rp + "-eth0")
        lan = tgen.add_switch("s{}".format(k))
        lan.add_link(g[b], nodeif=b + "-eth2")
        for i in range(1, peers + 1):
            h = host_name(k, i)
            tgen.add_router(h)
            lan.add_link(g[h], nodeif=h + "-eth0")


def transit_conf(n_as):
    lines = []
    for k in range(1, n_as + 1):
        lines += ["interface t-eth{}".format(k),
                  " ipv6 address 2001:db8:100:{}::1/64".format(k), "!"]
    lines += ["router bgp {}".format(TRANSIT_AS),
              " bgp router-id 10.0.0.100",
              " no bgp ebgp-requires-policy",
              " no bgp default ipv4-unicast"]
    for k in range(1, n_as + 1):
        lines.append(" neighbor 2001:db8:100:{}::2 remote-as {}".format(
            k, stub_as(k)))
    lines.append(" address-family ipv6 unicast")
    for k in range(1, n_as + 1):
        lines.append("  neighbor 2001:db8:100:{}::2 activate".format(k))
    lines += [" exit-address-family", "!"]
    return lines


def border_conf(k):
    b = "b{}".format(k)
    return [
        "interface {}-eth0".format(b),
        " ipv6 address 2001:db8:100:{}::2/64".format(k), "!",
        "interface {}-eth1".format(b),
        " ipv6 address 2001:db8:ff:{}::1/64".format(k), "!",
        "interface {}-eth2".format(b),
        " ipv6 address 2001:db8:{}:2::1/64".format(k), "!",
        # The AS's aggregate, for BGP; what is not more specific inside
        # goes nowhere.
        "ipv6 route {} blackhole".format(as_prefix(k)),
        "ipv6 route 2001:db8:{}:ffff::/64 {}".format(k, rp_tunnel(k)),
        "router bgp {}".format(stub_as(k)),
        " bgp router-id 10.0.0.{}".format(k),
        " no bgp ebgp-requires-policy",
        " no bgp default ipv4-unicast",
        " neighbor 2001:db8:100:{}::1 remote-as {}".format(k, TRANSIT_AS),
        " address-family ipv6 unicast",
        "  network {}".format(as_prefix(k)),
        "  network {}".format(rp_link(k)),
        "  neighbor 2001:db8:100:{}::1 activate".format(k),
        " exit-address-family",
        "!",
    ]


def rp_conf(k):
    rp = "rp{}".format(k)
    return [
        "ipv6 route ::/0 2001:db8:ff:{}::1".format(k),
        "interface {}-eth0".format(rp),
        " ipv6 address {}/64".format(rp_tunnel(k)),
        " ipv6 pim", "!",
        "interface mdcs0", " ipv6 pim", "!",
    ]


def host_conf(k, i):
    return [
        "ipv6 route ::/0 2001:db8:{}:2::1".format(k),
        "interface {}-eth0".format(host_name(k, i)),
        " ipv6 address {}/64".format(host_addr(k, i)), "!",
    ]


def load(tgen, n_as, peers, workdir):
    """Write and load every router's frr.conf."""
    g = tgen.gears
    confs = {"t": (transit_conf(n_as), [TopoRouter.RD_BGP])}
    for k in range(1, n_as + 1):
        confs["b{}".format(k)] = (border_conf(k), [TopoRouter.RD_BGP])
        confs["rp{}".format(k)] = (rp_conf(k), [TopoRouter.RD_PIM6])
        for i in range(1, peers + 1):
            confs[host_name(k, i)] = (host_conf(k, i), [])
    os.makedirs(workdir, exist_ok=True)
    for name, (lines, daemons) in confs.items():
        path = os.path.join(workdir, name + ".frr.conf")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        g[name].load_frr_config(
            path, [TopoRouter.RD_ZEBRA, TopoRouter.RD_STATIC] + daemons)


_FIREWALL = """
table ip6 fw {
  chain forward {
    type filter hook forward priority 0; policy accept;
    iifname "$out" oifname "$rp" ct state established,related accept
    iifname "$out" oifname "$rp" icmpv6 type { destination-unreachable, packet-too-big, time-exceeded, parameter-problem } accept
    iifname "$out" oifname "$rp" counter drop
  }
}
"""


def firewall(tgen, k, workdir):
    """A stateful IPv6 firewall on stub AS k's border in front of its RP:
    from outside the AS, only what answers the RP's own traffic gets in
    (address- and port-dependent filtering); the AS's hosts are not
    filtered."""
    b = "b{}".format(k)
    rules = _FIREWALL.replace("$out", b + "-eth0").replace("$rp", b + "-eth1")
    path = os.path.join(workdir, b + ".nft")
    with open(path, "w") as f:
        f.write(rules)
    tgen.gears[b].cmd_raises("nft -f " + path)


def firewall_dropped(tgen, k):
    """Packets stub AS k's firewall has dropped so far."""
    out = tgen.gears["b{}".format(k)].cmd_raises(
        "nft list chain ip6 fw forward")
    for line in out.splitlines():
        if "drop" in line and "counter packets" in line:
            return int(line.split("counter packets")[1].split()[0])
    raise AssertionError("no drop counter on b{}: {}".format(k, out))
