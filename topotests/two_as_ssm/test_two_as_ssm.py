"""
Inter-AS IPv6 SSM through the tc-BPF tunnel, over real FRR pim6d.

       AS1 (source)                              AS2 (receivers)
  src --------- r1 --------- rp1 ============== rp2 --------- r2 --------- rcv
     2001:db8:1:1::/64  2001:db8:1:2::/64  2001:db8:ff::/64  2001:db8:2:2::/64
                                    (no PIM)                 2001:db8:2:1::/64

pim6d runs on r1, rp1, rp2 and r2; rpd runs on rp1 and rp2, each the far end
of its RP's overlay link mdcs0.  The link between the RPs carries unicast
only.  rcv joins (S,G) = (2001:db8:1:1::10, ff3e::1234) with MLDv2 through
iperf 2; src sends the stream with iperf 2.
"""

import os
import signal

import pytest

from lib.topogen import Topogen, TopoRouter

from mdcs_topo.poll import wait_for
from mdcs_topo.rp import Rp
from mdcs_topo.ssm import (
    SOURCE,
    GROUP,
    SsmReceiver,
    IPERF_PORT,
    iperf_report,
    send_stream,
    send_udp,
    tunnel_decode,
    Capture,
    link_local,
    render_frr_conf,
)

pytestmark = [pytest.mark.pim6d, pytest.mark.staticd]

HERE = os.path.dirname(os.path.abspath(__file__))
ROUTERS = ["r1", "rp1", "rp2", "r2"]
HOSTS = ["src", "rcv"]
# Short soft-state timers, so that expiry shows within a test.
TIMERS = {"subscription-refresh": 2, "subscription-hold": 6}
STREAM = 200  # packets per stream


def build_topo(tgen):
    for name in HOSTS + ROUTERS:
        tgen.add_router(name)
    g = tgen.gears
    tgen.add_link(g["src"], g["r1"], "src-eth0", "r1-eth0")
    tgen.add_link(g["r1"], g["rp1"], "r1-eth1", "rp1-eth0")
    tgen.add_link(g["rp1"], g["rp2"], "rp1-eth1", "rp2-eth1")
    tgen.add_link(g["rp2"], g["r2"], "rp2-eth0", "r2-eth1")
    tgen.add_link(g["r2"], g["rcv"], "r2-eth0", "rcv-eth0")


@pytest.fixture(scope="module")
def net(request):
    tgen = Topogen(build_topo, request.module.__name__)
    tgen.start_topology()
    g = tgen.gears
    workdir = os.path.join(tgen.logdir, "mdcs")
    names = {
        "r1_eth1_ll": link_local(g["r1"], "r1-eth1"),
        "rp2_eth0_ll": link_local(g["rp2"], "rp2-eth0"),
        "r2_eth0_ll": link_local(g["r2"], "r2-eth0"),
    }
    for name in HOSTS + ROUTERS:
        conf = render_frr_conf(os.path.join(HERE, name, "frr.conf"), workdir, names)
        daemons = [TopoRouter.RD_ZEBRA, TopoRouter.RD_STATIC]
        if name in ROUTERS:
            daemons.append(TopoRouter.RD_PIM6)
        g[name].load_frr_config(conf, daemons)

    rps = {
        "rp1": Rp(g["rp1"], workdir, "2001:db8:ff::1", "rp1-eth1",
                  ["2001:db8:1::/48"], TIMERS),
        "rp2": Rp(g["rp2"], workdir, "2001:db8:ff::2", "rp2-eth1",
                  ["2001:db8:2::/48"], TIMERS),
    }
    rps["rp1"].configure([rps["rp2"]])
    rps["rp2"].configure([rps["rp1"]])
    # rpd first, so that pim6d's configuration finds the overlay link.
    for rp in rps.values():
        rp.start()
    tgen.start_router()

    yield tgen, rps

    for rp in rps.values():
        rp.stop()
    tgen.stop_topology()


def pim_neighbors(router, ifname):
    out = router.vtysh_cmd("show ipv6 pim neighbor json", isjson=True)
    return list(out.get(ifname, {}).keys())


def test_pim_adjacency_on_overlay(net):
    "pim6d on each RP sees rpd as its PIM neighbor on the overlay link."
    tgen, rps = net
    for name in rps:
        wait_for(
            lambda: "fe80::2" in pim_neighbors(tgen.gears[name], "mdcs0"),
            60,
            "{}: rpd as PIM neighbor on mdcs0".format(name),
        )


def iperf_payloads(capture, src, dst):
    """Payloads of the iperf datagrams from src to dst in a capture."""
    rows = capture.fields(
        "ipv6.src == {} && ipv6.dst == {} && udp.dstport == {}".format(
            src, dst, IPERF_PORT
        ),
        "data.data",
    )
    return [r[0] for r in rows]


def tx_channels(rp):
    return [(c["source"], c["group"]) for c in rp.ctl("channels")["sent"]]


def rx_channels(rp):
    return [(c["source"], c["group"]) for c in rp.ctl("channels")["received"]]


def test_stream_crosses_exactly_once(net):
    "Every packet the source sends reaches the receiver once, tunnelled."
    tgen, rps = net
    g = tgen.gears
    workdir = os.path.join(tgen.logdir, "mdcs")
    receiver = SsmReceiver(g["rcv"], "rcv-eth0", workdir)
    wait_for(
        lambda: (SOURCE, GROUP) in tx_channels(rps["rp1"]),
        60,
        "rp1 to send (S,G) to rp2",
    )
    at_src = Capture(g["src"], "src-eth0", workdir, "src", "udp")
    at_rcv = Capture(g["rcv"], "rcv-eth0", workdir, "rcv", "udp")
    between = Capture(g["rp1"], "rp1-eth1", workdir, "inter-as", "udp port 2268")
    send_stream(g["src"], STREAM)
    wait_for(
        lambda: iperf_report(receiver.proc.output()),
        30,
        "iperf's report of the stream",
    )
    report = iperf_report(receiver.leave())
    for c in (at_src, at_rcv, between):
        c.stop()

    sent = iperf_payloads(at_src, SOURCE, GROUP)
    received = iperf_payloads(at_rcv, SOURCE, GROUP)
    assert len(sent) >= STREAM
    assert received == sent, "receiver got {} of {} packets".format(
        len(received), len(sent)
    )
    lost, total, out_of_order = report
    assert (lost, out_of_order) == (0, 0) and total >= STREAM, report

    # Between the ASes: AMT data messages from rp1 to rp2 carrying (S,G).
    decoded = tunnel_decode(between)
    assert len(decoded) == len(sent)
    for amt_type, srcs, dsts, _ in decoded:
        assert amt_type == "6"
        assert srcs.split(",") == ["2001:db8:ff::1", SOURCE]
        assert dsts.split(",") == ["2001:db8:ff::2", GROUP]
    assert [d[3] for d in decoded] == sent
