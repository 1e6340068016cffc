"""The two-AS channel from src to rcv: waiting for its path, streaming it,
and explaining a loss."""

from .poll import wait_for
from .ssm import (
    GROUP,
    SOURCE,
    Capture,
    SsmReceiver,
    forwarding,
    iperf_report,
    mroute,
    send_stream,
    stream_gaps,
    stream_payloads,
)

STREAM = 200  # packets per stream
CHANNEL = (SOURCE, GROUP)
PATH = ("r1", "rp1", "rp2", "r2")  # the routers from src to rcv


def wait_for_path(net, why):
    """Until rp1 tunnels the channel to rp2 and every router on the way has
    a multicast route for it (a packet that meets a router before its route
    may be lost)."""
    wait_for(lambda: CHANNEL in net.rps["rp1"].sent_channels(), 60, why)
    wait_for(
        lambda: all(forwarding(net.gears[r], SOURCE, GROUP) for r in PATH),
        60,
        "a multicast route for (S,G) on each of " + ", ".join(PATH),
    )


def path_report(net):
    """Where the stream went: packets each router forwarded, the RPs'
    non-zero drop counters and rp1's neighbors toward rp2, to explain a
    loss."""
    hops = ["{} {}".format(r, mroute(net.gears[r], SOURCE, GROUP)[1])
            for r in PATH]
    drops = ["{} {}={}".format(name, k, v)
             for name, rp in sorted(net.rps.items())
             for k, v in rp.counters().items() if k.startswith("drop") and v]
    return "forwarded: {}; drops: {}; rp1 when the stream began: {}; " \
        "at its end: {}".format(", ".join(hops), drops, _at_start,
                                rp1_view(net))


_at_start = []


def wanted_by(net):
    """Who still wants the channel: r2's MLD joins, the PIM joins of r2 and
    rp2, and the channels rp2's rpd receives, to explain a channel that
    outlives its receivers."""
    g = net.gears
    return ("r2 MLD: {}; r2 PIM: {}; rp2 PIM: {}; rp2 upstream: {}; "
            "rp2 receives: {}; rp2's rpd: {}").format(
        g["r2"].vtysh_cmd("show ipv6 mld joins json"),
        g["r2"].vtysh_cmd("show ipv6 pim join json"),
        g["rp2"].vtysh_cmd("show ipv6 pim join json"),
        g["rp2"].vtysh_cmd("show ipv6 pim upstream json"),
        net.rps["rp2"].received_channels(),
        net.rps["rp2"].log_tail(),
    )


def stream_seen(router):
    """Whether pim6d on router has seen the channel's packets flow: its
    scan of the kernel's counters, every 31 s, then marks the upstream
    (S,G) a stream's and starts its keepalive timer."""
    up = router.vtysh_cmd("show ipv6 pim upstream json", isjson=True)
    return up.get(GROUP, {}).get(SOURCE, {}).get("sourceStream", False)


def rp1_view(net):
    """rp1's route toward rp2 and its neighbors there."""
    rp1 = net.gears["rp1"]
    out = rp1.cmd_raises("ip -6 route get 2001:db8:ff::2") + \
        rp1.cmd_raises("ip -6 neigh show dev rp1-eth1")
    return " | ".join(out.splitlines())


def joined(net, name):
    """A receiver on rcv, once the channel's path is in place."""
    receiver = SsmReceiver(net.gears["rcv"], "rcv-eth0", net.workdir, name)
    wait_for_path(net, "rp1 to send (S,G) to rp2")
    return receiver


def stream_through(net, receiver, name):
    """Send a stream; return what left the source and what the receiver got,
    per packet, and iperf's own report."""
    g = net.gears
    at_src = Capture(g["src"], "src-eth0", net.workdir, name + "-src", "udp")
    at_rcv = Capture(g["rcv"], "rcv-eth0", net.workdir, name + "-rcv", "udp")
    _at_start[:] = [rp1_view(net)]
    send_stream(g["src"], STREAM)
    wait_for(
        lambda: iperf_report(receiver.proc.output()),
        30,
        "iperf's report of the stream",
    )
    report = iperf_report(receiver.leave())
    return stream_payloads(at_src.stop()), stream_payloads(at_rcv.stop()), report


def explain_loss(net, sent, received):
    """What differs between two streams, and where the packets went."""
    return stream_gaps(sent, received) + "; " + path_report(net)
