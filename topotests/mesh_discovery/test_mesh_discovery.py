"""
RPs that know one seed find each other by peer sampling, and a channel
flows between two RPs that were never configured to know each other; a
replayed or forged shuffle is refused and counted.  The topology is in
conftest.py.
"""

import xml.etree.ElementTree as ET

import pytest

from mdcs_topo.netconf import (MDCS, learned_rps, mdcs_values, session,
                               subtree)
from mdcs_topo.poll import wait_for
from mdcs_topo.ssm import (
    GROUP,
    SOURCE,
    Capture,
    SsmReceiver,
    forwarding,
    iperf_report,
    send_stream,
    send_udp,
    stream_gaps,
    stream_payloads,
)

pytestmark = [pytest.mark.pim6d, pytest.mark.staticd]

STREAM = 100  # packets
CONTROL_PORT = 2268
SHUFFLES = (5, 6)  # SHUFFLE and SHUFFLE_REPLY, docs/wire-format.md


def control_counter(rp, leaf):
    with session(rp) as m:
        reply = m.get(filter=subtree(
            "<statistics><control-messages/></statistics>")).data_xml
    return int(mdcs_values(reply, "statistics/control-messages/" + leaf)[0])


def membership_stats(rp):
    """membership/statistics of rp, as integers."""
    with session(rp) as m:
        reply = m.get(filter=subtree(
            "<membership><statistics/></membership>")).data_xml
    root = ET.fromstring(reply.encode())
    return {n.tag.split("}")[1]: int(n.text)
            for s in root.iter("{%s}statistics" % MDCS) for n in s}


def described(rp):
    """What the other RPs should learn of rp."""
    return rp.public_key, (rp.tunnel, rp.prefixes)


def test_rps_learn_each_other(net):
    "Each RP learns the two others, with what their descriptors say."
    rps = net.rps
    want = {
        "rp1": dict([described(rps["rp2"])]),
        "rp2": dict([described(rps["rp1"])]),
        "rp3": dict([described(rps["rp1"]), described(rps["rp2"])]),
    }
    for name, expected in want.items():
        wait_for(lambda: learned_rps(rps[name]) == expected, 60,
                 "{} to learn {}".format(name, sorted(expected)))
    for rp in rps.values():
        assert control_counter(rp, "bad-signature") == 0
        stats = membership_stats(rp)
        assert stats["shuffles-completed"] > 0
        # RPs that take anyone's messages need no partner
        assert stats["relay-forwarded"] == 0 and stats["relay-refused"] == 0


@pytest.mark.mroute6
def test_channel_between_rps_never_configured_together(net):
    """rcv's join at rp2 becomes a subscription at rp1, which rp2 learned
    from rp3; every packet from src reaches rcv once."""
    g, rp1, rp2 = net.gears, net.rps["rp1"], net.rps["rp2"]
    receiver = SsmReceiver(g["rcv"], "rcv-eth0", net.workdir, "iperf-server")
    wait_for(lambda: (SOURCE, GROUP) in rp1.sent_channels(), 60,
             "rp1 to send (S,G) to rp2")
    wait_for(lambda: all(forwarding(g[r], SOURCE, GROUP)
                         for r in ("rp1", "rp2")),
             60, "a multicast route for (S,G) on rp1 and rp2")
    at_src = Capture(g["src"], "src-eth0", net.workdir, "src", "udp")
    at_rcv = Capture(g["rcv"], "rcv-eth0", net.workdir, "rcv", "udp")
    send_stream(g["src"], STREAM)
    wait_for(lambda: iperf_report(receiver.proc.output()), 30,
             "iperf's report of the stream")
    # asked while rcv is still joined: its leave ends the subscription
    with session(rp2) as m:
        reply = m.get(filter=subtree(
            "<subscription><remote-rp/></subscription>")).data_xml
    report = iperf_report(receiver.leave())
    sent = stream_payloads(at_src.stop())
    received = stream_payloads(at_rcv.stop())
    assert len(sent) >= STREAM
    assert received == sent, stream_gaps(sent, received)
    assert report[0] == 0
    assert mdcs_values(reply, "subscription/remote-rp") == [
        "rp-" + rp1.public_key[:8]]


def captured_shuffle(net):
    """The octets of a SHUFFLE or SHUFFLE_REPLY rp1 sent rp3, taken off
    rp3's link (with tail selection, three RPs may shuffle in a fixed
    cycle, so rp1 may only ever answer rp3)."""
    g = net.gears
    cap = Capture(g["rp3"], "rp3-eth1", net.workdir, "shuffles",
                  "udp dst port {} and src host 2001:db8:ff::1".format(
                      CONTROL_PORT))
    found = []

    def shuffle():
        rows = cap.fields("udp.dstport == {}".format(CONTROL_PORT),
                          "udp.payload")
        found[:] = [bytes.fromhex(r[0]) for r in rows if r[0]]
        found[:] = [p for p in found if p[:2] == b"md" and p[3] in SHUFFLES]
        return found

    wait_for(shuffle, 30, "a shuffle message from rp1 to rp3")
    cap.stop()
    return found[0]


def test_replayed_and_forged_shuffles_counted(net):
    """A shuffle message sent again is refused as replayed; one with a
    changed octet as badly signed; both counted in rp3's control
    messages."""
    rp3 = net.rps["rp3"]
    shuffle = captured_shuffle(net)
    replayed = control_counter(rp3, "replayed")
    forged = control_counter(rp3, "bad-signature")
    send_udp(net.gears["rp1"], "2001:db8:ff::1", "2001:db8:ff::3",
             CONTROL_PORT, shuffle)
    wait_for(lambda: control_counter(rp3, "replayed") == replayed + 1, 20,
             "rp3 to count the replayed message")
    changed = bytearray(shuffle)
    changed[60] ^= 0x01  # inside the signed part, past the header
    send_udp(net.gears["rp1"], "2001:db8:ff::1", "2001:db8:ff::3",
             CONTROL_PORT, bytes(changed))
    wait_for(lambda: control_counter(rp3, "bad-signature") == forged + 1, 20,
             "rp3 to count the forged message")
    assert control_counter(rp3, "replayed") == replayed + 1
