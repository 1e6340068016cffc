"""
The reduced lab (conftest.py): every peer publishes through its RP and
listens to the channels of all three RPs, through its RP in tunnel mode
or, where the kernel routes IPv6 multicast, natively.

             t0 (transit AS 65000)
           /        |         \\
         b1        b2         b3        eBGP; border routers, b3 also a
        /  \\      /  \\      /  \\       stateful firewall before rp3
      rp1  h1-1 rp2  h2-1  rp3  h3-1    (h1-2, h2-2, h3-2 beside them)
"""

import signal

import pytest

from mdcs_topo import internet
from mdcs_topo.internet import host_address
from mdcs_topo.lab_peers import (directories_complete,
                                 every_peer_hears_every_as, listeners,
                                 publish_from, tagged)
from mdcs_topo.netconf import nat_class
from mdcs_topo.poll import wait_for
from mdcs_topo.ssm import Capture, send_udp

pytestmark = [pytest.mark.bgpd, pytest.mark.pim6d, pytest.mark.staticd]

MESSAGES = 10  # per peer


def test_rps_classify_their_walls(net):
    """Classifying itself, an RP in the open may have the firewalled rp3
    as the helper that is to answer it, which rp3's firewall keeps from
    hearing the other helper: it never takes that silence for a filter of
    its own.  An RP that learned nothing, as when it started before BGP
    had converged, tries again a minute later: until every RP has a
    mapping, the test waits."""
    directories_complete(net)

    def classes():
        found = {k: nat_class(net.rps[net.inet.rp(k)])
                 for k in net.inet.stubs}
        return found if all(m != "unknown" for _, m, _ in found.values()) \
            else None

    found = wait_for(classes, 90, "every RP to find its mapping", interval=1)
    print("NAT classes (translated, mapping, filtering) by AS:", found)
    for k, (translated, mapping, filtering) in found.items():
        assert not translated and mapping == "endpoint-independent", found
        if net.inet.wall(k) == internet.OPEN:
            assert filtering in ("endpoint-independent", "unknown"), found
        else:
            assert filtering in ("address-and-port-dependent",
                                 "unknown"), found


@pytest.mark.parametrize("native", [
    False, pytest.param(True, marks=pytest.mark.mroute6)],
    ids=["tunnel", "native"])
def test_every_message_once_and_one_copy_per_rp(net, native):
    """Every peer gets every other peer's messages, and its own, exactly
    once; each inter-AS link carries one copy of a message per RP
    subscribed beyond it, whatever the number of peers.  The peers listen
    in tunnel mode through their RP, or natively: MLDv2 joins that pim6d
    carries to the RP."""
    ears = listeners(net, "native" if native else "tunnel", native)
    every_peer_hears_every_as(net, ears, "probe")
    inet = net.inet
    caps = {k: Capture(net.gears["t0"], "t0-eth{}".format(k - 1),
                       net.workdir, "link-as{}".format(k), "udp port 2268")
            for k in inet.stubs}
    want = set()
    for h in inet.hosts():
        texts = ["msg-{}-{}".format(h, n) for n in range(MESSAGES)]
        publish_from(net, h, texts)
        want |= {(host_address(h), t) for t in texts}
    wait_for(lambda: all(len(tagged(e.messages(), "msg")) >= len(want)
                         for e in ears.values()),
             60, "every message at every peer")
    for h, e in ears.items():
        got = tagged(e.stop(), "msg")
        assert len(got) == len(set(got)), "{} got duplicates".format(h)
        assert set(got) == want, h

    # Per link: the copies leaving AS k (one per other RP) and entering it
    # (one per message from elsewhere), counted by tshark on the transit
    # router's side of the link.
    sent_per_as = inet.peers * MESSAGES
    for k, cap in caps.items():
        cap.stop()
        rp = internet.rp_tunnel(k)
        out = cap.fields('amt.type == 6 && ipv6.src == {} && '
                         'frame contains "msg-"'.format(rp), "frame.len")
        into = cap.fields('amt.type == 6 && ipv6.dst == {} && '
                          'frame contains "msg-"'.format(rp), "frame.len")
        assert len(out) == sent_per_as * (len(inet.stubs) - 1), k
        assert len(into) == sent_per_as * (len(inet.stubs) - 1), k


def test_firewalled_rp_receives(net):
    """The firewall in front of the firewalled AS's RP drops what nobody
    asked for, yet that RP's peers got every message above: its own
    traffic opened the way."""
    k = next(k for k in net.inet.stubs
             if net.inet.wall(k) == internet.FIREWALL)
    before = net.inet.wall_dropped(net.tgen, k)
    send_udp(net.gears["t0"], "2001:db8:100:{}::1".format(k),
             internet.rp_tunnel(k), 2268, b"unsolicited")
    wait_for(lambda: net.inet.wall_dropped(net.tgen, k) > before, 10,
             "the firewall to drop an unsolicited datagram")
    ears = listeners(net, "firewalled")
    every_peer_hears_every_as(net, ears, "through")
    for e in ears.values():
        e.stop()


def test_rp_restarted_recovers(net):
    """rp2's rpd killed and started again: its peers get the other ASes'
    channels again, and the other ASes get rp2's."""
    rp2 = net.rps["rp2"]
    ears = listeners(net, "restart")
    every_peer_hears_every_as(net, ears, "before")
    rp2.stop(signal.SIGKILL)
    rp2.start()
    every_peer_hears_every_as(net, ears, "after")
    for e in ears.values():
        e.stop()
