"""
Inter-AS IPv6 SSM through the tc-BPF tunnel, over real FRR pim6d; the
topology is in conftest.py.  rcv joins (S,G) = (2001:db8:1:1::10,
ff3e::1234) with MLDv2 through iperf 2; src sends the stream with iperf 2.
"""

import signal

import pytest

from mdcs_topo.poll import wait_for
from mdcs_topo.ssm import (
    GROUP,
    SOURCE,
    Capture,
    SsmReceiver,
    StreamSender,
    amt_data,
    channel_packet,
    send_udp,
    stream_payloads,
    tunnel_decode,
    tx_packets,
)
from mdcs_topo.stream import (
    CHANNEL,
    STREAM,
    explain_loss,
    joined,
    stream_seen,
    stream_through,
    wait_for_path,
    wanted_by,
)

pytestmark = [pytest.mark.pim6d, pytest.mark.staticd]

def pim_neighbors(router, ifname):
    out = router.vtysh_cmd("show ipv6 pim neighbor json", isjson=True)
    return list(out.get(ifname, {}).keys())


def test_pim_adjacency_on_overlay(net):
    "pim6d on each RP sees rpd as its PIM neighbor on the overlay link."
    for name in net.rps:
        wait_for(
            lambda: "fe80::2" in pim_neighbors(net.gears[name], "mdcs0"),
            60,
            "{}: rpd as PIM neighbor on mdcs0".format(name),
        )


@pytest.mark.mroute6
def test_stream_crosses_exactly_once(net):
    "Every packet the source sends reaches the receiver once, tunnelled."
    receiver = joined(net, "iperf-server-1")
    between = Capture(net.gears["rp1"], "rp1-eth1", net.workdir, "inter-as",
                      "udp port 2268")
    sent, received, (lost, total, out_of_order) = stream_through(
        net, receiver, "stream"
    )
    between.stop()

    assert len(sent) >= STREAM
    assert received == sent, explain_loss(net, sent, received)
    assert (lost, out_of_order) == (0, 0) and total >= STREAM
    # Between the ASes: AMT data messages from rp1 to rp2 carrying (S,G),
    # with good UDP checksums outside and in (tshark's status 1).
    decoded = tunnel_decode(between)
    for amt_type, srcs, dsts, checksums, _ in decoded:
        assert amt_type == "6"
        assert srcs.split(",") == ["2001:db8:ff::1", SOURCE]
        assert dsts.split(",") == ["2001:db8:ff::2", GROUP]
        assert checksums == "1,1"
    assert [d[-1] for d in decoded] == sent
    # Each RP counted the stream against the other: the first of the run.
    assert [r["sent-packets"] for r in net.rps["rp1"].ctl("rps")] == [len(sent)]
    assert [r["received-packets"] for r in net.rps["rp2"].ctl("rps")] == [
        len(sent)
    ]


def test_foreign_tunnel_packets_dropped_and_counted(net):
    """AMT data to rp2's tunnel from an address that is no RP, or from rp1's
    address but another port, is dropped, counted, and never delivered."""
    g, rp2 = net.gears, net.rps["rp2"]
    receiver = SsmReceiver(g["rcv"], "rcv-eth0", net.workdir, "iperf-server-2")
    wait_for(
        lambda: CHANNEL in rp2.received_channels(),
        60,
        "rp2 to receive (S,G) from rp1",
    )
    g["rp1"].cmd_raises("ip -6 addr add 2001:db8:ff::99/64 dev rp1-eth1 nodad")
    at_rcv = Capture(g["rcv"], "rcv-eth0", net.workdir, "forged-rcv", "udp")
    before = rp2.counters()
    forged = amt_data(channel_packet(SOURCE, GROUP, b"forged by a stranger"))
    send_udp(g["rp1"], "2001:db8:ff::99", "2001:db8:ff::2", 2268, forged, 2268)
    send_udp(g["rp1"], "2001:db8:ff::1", "2001:db8:ff::2", 2268, forged, 40000)
    wait_for(
        lambda: rp2.counters()["drop-wrong-port"] > before["drop-wrong-port"],
        10,
        "rp2 to count the packet from rp1's address and another port",
    )
    after = rp2.counters()
    receiver.leave()
    at_rcv.stop()
    g["rp1"].cmd_raises("ip -6 addr del 2001:db8:ff::99/64 dev rp1-eth1")

    assert after["drop-unknown-rp"] == before["drop-unknown-rp"] + 1
    assert after["drop-wrong-port"] == before["drop-wrong-port"] + 1
    assert after["decap-packets"] == before["decap-packets"]
    assert stream_payloads(at_rcv) == []


@pytest.mark.mroute6
def test_leaving_stops_the_tunnel(net):
    "When the last receiver leaves, rp1 stops sending (S,G) to rp2."
    g, rp1 = net.gears, net.rps["rp1"]
    receiver = joined(net, "iperf-server-3")
    sender = StreamSender(g["src"], net.workdir)
    try:
        encapsulated = rp1.counters()["encap-packets"]
        wait_for(
            lambda: rp1.counters()["encap-packets"] > encapsulated,
            20,
            "rp1 to tunnel the stream",
        )
        # The leave comes once pim6d on rp2 has seen the stream, its
        # keepalive timer running: then pim6d 8.4.4 stayed joined toward
        # rpd (docs/decisions.md).
        wait_for(lambda: stream_seen(g["rp2"]), 40,
                 "pim6d on rp2 to see the stream")
        receiver.leave()
        # The leave travels as MLD, then as PIM Prunes (each after its
        # override interval) to rpd, which unsubscribes at once; the hold
        # time bounds it.
        wait_for(
            lambda: CHANNEL not in rp1.sent_channels(),
            net.timers["subscription-hold"] + 10,
            "rp1 to drop (S,G)",
            explain=lambda: wanted_by(net),
        )
        between = Capture(g["rp1"], "rp1-eth1", net.workdir, "after-leave",
                          "udp port 2268")
        rp1_sent = rp1.counters()["encap-packets"]
        src_sent = tx_packets(g["src"], "src-eth0")
        wait_for(
            lambda: tx_packets(g["src"], "src-eth0") >= src_sent + 100,
            30,
            "the source to send 100 more packets",
        )
        between.stop()
    finally:
        sender.stop()
    assert tunnel_decode(between) == []
    assert rp1.counters()["encap-packets"] == rp1_sent


@pytest.mark.mroute6
def test_rpd_crash_expires_and_restart_restores(net):
    """Killing rp2's rpd stops its refreshes, so rp1's subscription expires
    after the hold time; starting rpd again restores delivery."""
    rp1, rp2 = net.rps["rp1"], net.rps["rp2"]
    receiver = joined(net, "iperf-server-4")
    rp2.stop(signal.SIGKILL)
    wait_for(
        lambda: CHANNEL not in rp1.sent_channels(),
        net.timers["subscription-hold"] + 5,
        "rp1 to expire rp2's subscription",
    )
    assert "subscription of rp2 to" in rp1.log_tail() and "expired" in rp1.log_tail()

    rp2.start()
    wait_for_path(net, "rp2's new rpd to subscribe again")
    sent, received, _ = stream_through(net, receiver, "restart")
    assert len(sent) >= STREAM
    assert received == sent, explain_loss(net, sent, received)
