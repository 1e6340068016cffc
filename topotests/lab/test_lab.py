"""
The 10-AS lab (conftest.py draws it) checked: BGP carries only routes the
business relations allow, the route server passes routes on untouched,
the walls in front of AS7's and AS9's RPs drop what nobody asked for, the
NATed RP is known by its public address, peers find their own AS's RP
at the anycast discovery address and its directory of every RP, every
peer hears every AS, and every RP counts the peers that announce
themselves to it.
"""

import ipaddress

import pytest

from mdcs_topo import internet
from mdcs_topo.internet import channel_source, rp_tunnel
from mdcs_topo.lab_peers import every_peer_hears_every_as, listeners
from mdcs_topo.netconf import learned_rps, mdcs_values, session, subtree
from mdcs_topo.peers import PEER
from mdcs_topo.poll import wait_for
from mdcs_topo.ssm import send_udp

pytestmark = [pytest.mark.bgpd, pytest.mark.pim6d, pytest.mark.staticd]


def bgp_paths(router):
    """{prefix: [AS path as AS numbers k]} of every path router holds."""
    table = router.vtysh_cmd("show bgp ipv6 unicast json", isjson=True)
    return {
        prefix: [[int(a) - 65000 for a in p["path"].split()] for p in paths]
        for prefix, paths in table["routes"].items()
    }


def test_routes_follow_business_relations(net):
    """Every path every AS holds is valley-free, and every AS reaches every
    other's /48: nothing is lost that the relations allow."""
    inet = net.inet
    for k in inet.ases:
        paths = bgp_paths(net.gears[inet.router(k)])
        for j in inet.ases:
            if j != k:
                assert paths.get(internet.as_prefix(j)), (k, j)
        for prefix, ps in paths.items():
            for p in ps:
                assert inet.valley_free([k] + p), (k, prefix, p)


def test_route_server_passes_routes_on(net):
    """AS3 learns AS8's prefix from AS4 through the route server: the
    server's AS is not in the path, the next hop is AS4's on the IXP."""
    table = net.gears["t3"].vtysh_cmd(
        "show bgp ipv6 unicast {} json".format(internet.as_prefix(8)),
        isjson=True)
    best = [p for p in table["paths"] if p.get("bestpath")]
    assert len(best) == 1, table
    assert best[0]["aspath"]["string"] == "65004 65008", best
    hops = [h["ip"] for h in best[0]["nexthops"]]
    assert internet.IXP_LAN + "4" in hops, hops


# Ids without "::", which FRR's topotest library takes for a separator.
@pytest.mark.parametrize("k,target", [
    (7, internet.rp_tunnel(7)),
    (9, internet.nat_public(9)),
], ids=["firewall", "nat66"])
def test_walls_drop_unsolicited(net, k, target):
    """A datagram from the transit AS to the RP's tunnel port, which the RP
    never asked for, is dropped and counted by the wall in front of it."""
    inet = net.inet
    before = inet.wall_dropped(net.tgen, k)
    provider = next(p for c, p in inet.providers if c == k)
    link = next(s.addr for s in inet.sessions[inet.router(k)]
                if s.remote_as == internet.asn(provider))
    send_udp(net.gears[inet.router(provider)], link, target, 2268,
             b"unsolicited")
    wait_for(lambda: inet.wall_dropped(net.tgen, k) > before, 10,
             "AS{}'s wall to drop an unsolicited datagram".format(k))


def test_nated_rp_known_by_its_public_address(net):
    """The other RPs learned AS9's RP at its NAT's public address, not at
    the tunnel address that stays inside AS9."""
    rp9 = net.rps["rp9"]
    for name, rp in net.rps.items():
        if rp is rp9:
            continue
        wait_for(lambda: learned_rps(rp).get(rp9.public_key, ("",))[0] ==
                 internet.nat_public(9), 60,
                 "{} to learn rp9 at its public address".format(name))


def discovered(host):
    """What mdcs-peer discover prints on host: the RP found, and the
    channel sources of its directory, the own one marked."""
    return host.cmd_raises([PEER, "discover"]).splitlines()


def test_peers_find_their_rp(net):
    """A peer in every stub AS, behind open, firewalled and NATed RPs
    alike, finds its own AS's RP at the one anycast discovery address, and
    that RP's directory lists every RP's channel source, its own first;
    the RPs count the Discoveries they answered."""
    inet = net.inet
    for k in inet.stubs:
        others = sorted((channel_source(j) for j in inet.stubs if j != k),
                        key=ipaddress.IPv6Address)
        want = (["rp " + rp_tunnel(k),
                 "channel-source {} own".format(channel_source(k))] +
                ["channel-source " + s for s in others])
        host = net.gears[inet.hosts(k)[0]]
        wait_for(lambda: discovered(host) == want, 60,
                 "a peer of AS{} to find its RP and every RP".format(k),
                 interval=1)
        with session(net.rps[inet.rp(k)]) as m:
            reply = m.get(filter=subtree("<tunnel-peers/>")).data_xml
        assert int(mdcs_values(reply, "tunnel-peers/discoveries")[0]) > 0


@pytest.mark.parametrize("native", [
    False, pytest.param(True, marks=pytest.mark.mroute6)],
    ids=["tunnel", "native"])
def test_every_peer_hears_every_as(net, native):
    """Every peer, behind open, firewalled and NATed RPs alike, hears a
    message published in every stub AS: in tunnel mode through its RP,
    or natively, by MLDv2 joins that pim6d carries to the RP."""
    tag = "native" if native else "tunnel"
    ears = listeners(net, tag, native)
    every_peer_hears_every_as(net, ears, tag)
    for e in ears.values():
        e.stop()


def peer_counts(rp):
    """{interface: (peers, tunnel-mode peers)} and the departures counted,
    from rp's YANG state."""
    with session(rp) as m:
        reply = m.get(filter=subtree("<peers/>")).data_xml
    names = mdcs_values(reply, "peers/interface/name")
    peers = mdcs_values(reply, "peers/interface/peers")
    tunnel = mdcs_values(reply, "peers/interface/tunnel-mode-peers")
    return ({n: (int(p), int(t)) for n, p, t in zip(names, peers, tunnel)},
            int(mdcs_values(reply, "peers/departures")[0]))


def test_rps_count_their_peers(net):
    """Tunnel-mode peers announce themselves to their RP: each RP counts
    its AS's peers on the interface they come in on, as tunnel-mode peers;
    when they stop, they say they leave, and the count falls to 0."""
    inet = net.inet
    rps = [net.rps[inet.rp(k)] for k in inet.stubs]
    before = {rp.name: peer_counts(rp)[1] for rp in rps}
    ears = listeners(net, "census")
    here = {rp.name: {rp.name + "-eth0": (inet.peers, inet.peers)}
            for rp in rps}
    for rp in rps:
        wait_for(lambda: peer_counts(rp)[0] == here[rp.name], 30,
                 "{} to count its {} peers".format(rp.name, inet.peers))
    for e in ears.values():
        e.stop()
    for rp in rps:
        wait_for(lambda: peer_counts(rp) ==
                 ({rp.name + "-eth0": (0, 0)},
                  before[rp.name] + inet.peers), 30,
                 "{}'s peers to leave".format(rp.name))
