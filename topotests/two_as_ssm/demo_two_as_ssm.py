"""
The two-AS scenario as a demonstration: a receiver in AS2 joins a channel
whose source is in AS1, the source sends, and every hop's packet count is
printed.  Run it with `make demo`; the topology is in conftest.py.
"""

import pytest

from mdcs_topo.poll import wait_for
from mdcs_topo.ssm import (
    GROUP,
    SOURCE,
    Capture,
    SsmReceiver,
    iperf_report,
    send_stream,
    stream_payloads,
    tunnel_decode,
)

PACKETS = 500


def say(text):
    print(text, flush=True)


@pytest.mark.mroute6
def test_demo(net):
    g, rp1, rp2 = net.gears, net.rps["rp1"], net.rps["rp2"]
    say("\nmdcs demo: IPv6 SSM from AS1 to AS2 through replication points")
    say("  AS1: src - r1 - rp1   ===unicast only===   rp2 - r2 - rcv :AS2")
    for name in ("rp1", "rp2"):
        wait_for(
            lambda: "fe80::2"
            in g[name].vtysh_cmd("show ipv6 pim neighbor json", isjson=True).get(
                "mdcs0", {}
            ),
            60,
            "pim6d on {} to see rpd".format(name),
        )
        say("  pim6d on {} has rpd (fe80::2) as PIM neighbor on mdcs0".format(name))

    say("\n1. rcv joins ({}, {}) with MLDv2 (iperf 2)".format(SOURCE, GROUP))
    receiver = SsmReceiver(g["rcv"], "rcv-eth0", net.workdir, "demo-iperf-server")
    wait_for(lambda: (SOURCE, GROUP) in rp2.received_channels(), 60, "rp2")
    say("   r2 -> rp2: PIM Join; pim6d on rp2 -> rpd: PIM Join over mdcs0")
    say("   rpd on rp2 -> rpd on rp1: signed SUBSCRIBE (rp1 serves 2001:db8:1::/48)")
    wait_for(lambda: (SOURCE, GROUP) in rp1.sent_channels(), 60, "rp1")
    say("   rpd on rp1 -> pim6d: PIM Join over mdcs0; the channel now reaches mdcs0")

    hops = [
        ("src -> r1", g["src"], "src-eth0"),
        ("r1 -> rp1", g["rp1"], "rp1-eth0"),
        ("rp1 => rp2 (tunnel)", g["rp1"], "rp1-eth1"),
        ("rp2 -> r2", g["r2"], "r2-eth1"),
        ("r2 -> rcv", g["rcv"], "rcv-eth0"),
    ]
    captures = [
        Capture(node, ifname, net.workdir, "demo-{}".format(i), "udp")
        for i, (_, node, ifname) in enumerate(hops)
    ]
    before = {name: rp.counters() for name, rp in net.rps.items()}
    say("\n2. src sends {} packets to the channel".format(PACKETS))
    send_stream(g["src"], PACKETS, rate=250)
    wait_for(lambda: iperf_report(receiver.proc.output()), 30, "iperf's report")
    lost, total, out_of_order = iperf_report(receiver.leave())
    for c in captures:
        c.stop()
    after = {name: rp.counters() for name, rp in net.rps.items()}

    def delta(rp, counter):
        return after[rp][counter] - before[rp][counter]

    counts = [len(stream_payloads(c)) for c in captures]
    counts[2] = len(tunnel_decode(captures[2]))
    say("\n   hop                     packets")
    for (label, _, _), n in zip(hops[:2], counts[:2]):
        say("   {:<22} {:>8}".format(label, n))
    say("   {:<22} {:>8}  (tc-BPF on rp1 mdcs0: {} packets, {} copies)".format(
        hops[2][0], counts[2], delta("rp1", "encap-packets"),
        delta("rp1", "encap-copies")))
    say("   {:<22} {:>8}  (tc-BPF on rp2's uplink)".format(
        "rp2 decapsulates", delta("rp2", "decap-packets")))
    for (label, _, _), n in zip(hops[3:], counts[3:]):
        say("   {:<22} {:>8}".format(label, n))
    say("   iperf on rcv: {} datagrams, {} lost, {} out of order".format(
        total, lost, out_of_order))
    dropped = {k: v for k, v in after["rp2"].items()
               if k.startswith("drop-") and v}
    say("   drops counted on rp2: {}".format(dropped or "none"))

    say("\n3. rcv left; rp1 stops tunnelling once rp2 unsubscribes")
    wait_for(lambda: (SOURCE, GROUP) not in rp1.sent_channels(), 30, "the leave")
    say("   rp1 sends no channel any more\n")
    assert counts[0] == counts[-1] == total and lost == 0
