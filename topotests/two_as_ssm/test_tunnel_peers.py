"""
Tunnel-mode peers: hosts whose network has no multicast receive channels
from their RP by unicast, as AMT gateways (mdcs-peer listen -r) of the RP,
which answers as an AMT relay.  The topology is in conftest.py: rcv (AS2)
is a gateway of rp2 and gets rp1's channel through the tunnel between the
RPs, src (AS1) is a gateway of rp1 and gets rp1's own channel.  Neither
needs multicast routing in any kernel: the copies are unicast from the
RPs' tc programs.
"""

import json
import socket
import struct

import pytest

from mdcs_topo.peers import PeerListener
from mdcs_topo.poll import wait_for
from mdcs_topo.ssm import Capture, publish, send_udp

pytestmark = [pytest.mark.pim6d, pytest.mark.staticd]

PUBLISHER = "2001:db8:1:1::10"
RCV = "2001:db8:2:1::10"
GROUP = "ff3e::3333"
MESSAGES = 30
TUNNEL = {"rp1": "2001:db8:ff::1", "rp2": "2001:db8:ff::2"}


def rp_state(rp):
    """rp's own state, as NETCONF gets it: its mdcs container."""
    got = rp.netconf_ctl("get")
    assert got.returncode == 0, got.stderr
    found = []

    def walk(node):
        if isinstance(node, dict):
            if "tunnel-peers" in node:
                found.append(node)
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(json.loads(got.stdout))
    assert found, "no tunnel-peers in the state of " + rp.name
    return found[0]


def tunnel_peers(rp):
    return {k: int(v) for k, v in rp_state(rp)["tunnel-peers"].items()}


def gateway_subscriptions(rp):
    """(source, group, gateway name) of the channels gateways joined."""
    return [(s["source"], s["group"], s["remote-rp"])
            for s in rp_state(rp).get("subscription", [])
            if s["remote-rp"].startswith("gateway ")]


def tagged(messages, tag):
    return [m for m in messages if m[1].startswith(tag + "-")]


def test_tunnel_peers_get_every_message_once(net):
    """A gateway of rp2 gets rp1's channel through the RPs' tunnel, a
    gateway of rp1 gets it from rp1 itself: every message, once, in
    order; the RPs list the gateways and their channels."""
    g, rp1, rp2 = net.gears, net.rps["rp1"], net.rps["rp2"]
    src_ch = net.channel_source
    capture = Capture(g["rcv"], "rcv-eth0", net.workdir, "tunnel-peer",
                      "udp port 2268")
    far = PeerListener(g["rcv"], TUNNEL["rp2"], [(src_ch, GROUP)],
                       net.workdir, "gateway-as2")
    near = PeerListener(g["src"], TUNNEL["rp1"], [(src_ch, GROUP)],
                        net.workdir, "gateway-as1")
    ears = [far, near]
    wait_for(lambda: (src_ch, GROUP) in rp1.sent_channels(), 60,
             "rp2 to subscribe to rp1's channel for its gateway")
    assert [(s, gr) for s, gr, _ in gateway_subscriptions(rp2)] == [
        (src_ch, GROUP)]
    assert tunnel_peers(rp2)["gateways"] == 1

    def heard():
        publish(g["src"], PUBLISHER, src_ch, GROUP, 1, 0, "probe")
        return all(tagged(e.messages(), "probe") for e in ears)

    wait_for(heard, 60, "a probe to reach both gateways", interval=0.5)
    publish(g["src"], PUBLISHER, src_ch, GROUP, MESSAGES, 0.01, "msg")
    want = [(PUBLISHER, "msg-{}".format(i)) for i in range(MESSAGES)]
    wait_for(
        lambda: all(len(tagged(e.messages(), "msg")) >= MESSAGES
                    for e in ears),
        30,
        "every message at both gateways",
    )
    for ear in ears:
        assert tagged(ear.stop(), "msg") == want

    # What crossed rcv's link is AMT as tshark knows it: the relay's
    # query and data, the gateway's request, update and teardown.
    capture.stop()
    types = {int(t) for (t,) in capture.fields("amt", "amt.type")}
    assert types >= {3, 4, 5, 6, 7}, types
    # Each data message: outer from rp2, inner from rp1's channel source,
    # both UDP checksums good (1) as tshark verified them.
    data = capture.fields("amt.type == 6 && ipv6.dst == {}".format(RCV),
                          "ipv6.src", "udp.checksum.status")
    assert len(data) >= MESSAGES
    for sources, status in data:
        assert sources.split(",") == [TUNNEL["rp2"], src_ch], sources
        assert status == "1,1", status

    # Teardown on exit: the RPs forget the gateways at once.
    for rp in (rp1, rp2):
        wait_for(lambda: tunnel_peers(rp)["gateways"] == 0, 10,
                 "{} to forget its gateway".format(rp.name))
        assert gateway_subscriptions(rp) == []
    wait_for(lambda: (src_ch, GROUP) not in rp2.received_channels(), 30,
             "rp2 to let rp1's channel go when no one wants it")


def mld_report(source, group):
    """An encapsulated MLDv2 Report (IPv6, Router Alert, ICMPv6 143) with
    one MODE_IS_INCLUDE record for (source, group)."""
    src = socket.inet_pton(socket.AF_INET6, "fe80::1")
    dst = socket.inet_pton(socket.AF_INET6, "ff02::16")
    record = bytes([1, 0, 0, 1]) + socket.inet_pton(socket.AF_INET6, group) \
        + socket.inet_pton(socket.AF_INET6, source)
    icmp = bytearray(bytes([143, 0, 0, 0, 0, 0, 0, 1]) + record)
    pseudo = src + dst + struct.pack("!I3xB", len(icmp), 58) + icmp
    total = sum(struct.unpack("!{}H".format(len(pseudo) // 2), pseudo))
    while total >> 16:
        total = (total & 0xffff) + (total >> 16)
    struct.pack_into("!H", icmp, 2, ~total & 0xffff)
    hbh = bytes([58, 0, 5, 2, 0, 0, 1, 0])
    ip6 = struct.pack("!IHBB", 6 << 28, len(hbh) + len(icmp), 0, 1) + src + dst
    return ip6 + hbh + bytes(icmp)


def test_forged_update_is_refused(net):
    """An Update whose MAC is not the RP's joins nothing and is counted;
    so are a datagram that is no relay message and a Request from a host
    that is no peer of the RP's."""
    g, rp2 = net.gears, net.rps["rp2"]
    before = tunnel_peers(rp2)
    # A Membership Update with a well-formed report, MAC and nonce made up.
    forged = bytes([0x05, 0]) + bytes(range(1, 7)) + bytes(4) + \
        mld_report(net.channel_source, GROUP)
    send_udp(g["rcv"], RCV, TUNNEL["rp2"], 2268, forged)
    send_udp(g["rcv"], RCV, TUNNEL["rp2"], 2268, bytes([0x08, 0, 0, 0]))
    # A Request from outside AS2's prefixes: no peer of rp2's.
    send_udp(g["rp1"], TUNNEL["rp1"], TUNNEL["rp2"], 2268,
             bytes([0x03, 0x01, 0, 0, 1, 2, 3, 4]))

    def counted():
        now = tunnel_peers(rp2)
        return all(now[k] == before[k] + 1
                   for k in ("bad-mac", "malformed", "not-allowed"))

    wait_for(counted, 10, "rp2 to count the three datagrams")
    after = tunnel_peers(rp2)
    assert after["gateways"] == 0 and after["updates"] == before["updates"]
    assert after["requests"] == before["requests"]
    assert gateway_subscriptions(rp2) == []
