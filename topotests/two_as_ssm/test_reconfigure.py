"""
Changing an RP's configuration while it serves a channel, over real FRR
pim6d; the topology is in conftest.py:

    src --- r1 --- rp1 ====== rp2 --- r2 --- rcv
                        (no PIM)

The operator edits rp1's startup file and signals rpd (SIGHUP): a valid
change becomes running at once, taken over by the same BPF maps so the
channel keeps flowing; an invalid one is refused, naming the node, and the
running configuration stays byte for byte as it was. A killed rpd comes
back with its running configuration.
"""

import signal
from contextlib import contextmanager

import pytest

from mdcs_topo.ssm import Capture
from mdcs_topo.stream import STREAM, explain_loss, joined, stream_through

pytestmark = [pytest.mark.pim6d, pytest.mark.staticd]


def outer_headers(capture):
    """(hop limit, traffic class) of the outer header of each AMT data
    packet in a capture (rpd's control messages go through the kernel's
    defaults)."""
    rows = capture.fields("amt.type == 6", "ipv6.hlim", "ipv6.tclass")
    return {(int(h.split(",")[0]), int(t.split(",")[0], 0)) for h, t in rows}


def set_rp(leaves):
    def change(mdcs):
        mdcs["rp"].update(leaves)

    return change


def running(rp):
    with open(rp.running_file) as f:
        return f.read()


@contextmanager
def startup_restored(rp):
    """The startup file as it was, whatever the block does to it."""
    with open(rp.config_file) as f:
        good = f.read()
    try:
        yield
    finally:
        with open(rp.config_file, "w") as f:
            f.write(good)


@pytest.mark.mroute6
def test_valid_change_applies_while_streaming(net):
    "New outer header fields take effect; no packet of the stream is lost."
    rp1 = net.rps["rp1"]
    receiver = joined(net, "iperf-reconf-1")
    line = rp1.reload(set_rp({"hop-limit": 33, "traffic-class": 32}))
    assert "reloaded" in line, line
    assert '"hop-limit": 33' in running(rp1)

    between = Capture(net.gears["rp1"], "rp1-eth1", net.workdir,
                      "reconf-inter-as", "udp port 2268")
    sent, received, _ = stream_through(net, receiver, "reconf")
    between.stop()
    assert len(sent) >= STREAM
    assert received == sent, explain_loss(net, sent, received)
    assert outer_headers(between) == {(33, 32)}


@pytest.mark.parametrize(
    "change, names",
    [
        (set_rp({"hop-limit": 0}), "hop-limit"),
        (set_rp({"source-prefix": ["2001:db8:1::/129"]}), "source-prefix"),
        (set_rp({"inner-mtu-octets": 1400}), "inner-mtu-octets"),
        (
            lambda mdcs: mdcs.update(
                channel=[{"group": "ff3e::1", "source": "2001:db8:1:1::10",
                          "remote-rp": ["rp9"]}]
            ),
            "remote-rp",
        ),
    ],
    ids=["out-of-range", "bad-prefix", "unknown-leaf", "missing-rp"],
)
def test_invalid_change_refused_running_unchanged(net, change, names):
    "rpd names the offending node and keeps running what it ran."
    rp1 = net.rps["rp1"]
    before = running(rp1)
    with startup_restored(rp1):
        line = rp1.reload(change)
    assert "reload refused" in line and names in line, line
    assert running(rp1) == before
    assert rp1.running()


def test_back_to_the_original(net):
    "Removing the leaves brings back their defaults."
    rp1 = net.rps["rp1"]

    def defaults(mdcs):
        for leaf in ("hop-limit", "traffic-class"):
            mdcs["rp"].pop(leaf, None)

    assert "reloaded" in rp1.reload(defaults)
    assert "hop-limit" not in running(rp1)


def test_restart_restores_running_not_startup(net):
    "A killed rpd comes back with what ran, not with an unapplied edit."
    rp1 = net.rps["rp1"]
    before = running(rp1)
    with startup_restored(rp1):
        rp1.edit_config(set_rp({"hop-limit": 40}))
        rp1.stop(signal.SIGKILL)
        rp1.start()
        assert running(rp1) == before
        assert '"hop-limit": 40' not in running(rp1)
