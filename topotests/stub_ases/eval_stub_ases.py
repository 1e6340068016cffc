"""
mdcs against the iterative-diffusion baseline, side by side in the reduced
lab (conftest.py), with the same peers and the same messages: every peer
publishes MESSAGES messages of SIZE octets, first through mdcs (tunnel-mode
peers of their RPs), then by mdcs-gossip among all peers.  tcpdump on the
transit router's side of every inter-AS link counts what crossed; the
table gives octets on inter-AS links per message, duplicates per peer and
the delivery ratio, and the ratio of the two.  Run by `make lab-eval`.
"""

import math
import os
import platform
import signal

import pytest

from mdcs_topo import internet
from mdcs_topo.peers import PEER
from mdcs_topo.poll import wait_for
from mdcs_topo.proc import NodeProcess
from mdcs_topo.ssm import Capture
from stub_lab import (every_peer_hears_every_as, host_addr, listeners,
                      publish_from, tagged)

pytestmark = [pytest.mark.bgpd, pytest.mark.pim6d, pytest.mark.staticd]

MESSAGES = 10
SIZE = 200
GOSSIP = os.path.join(os.path.dirname(os.path.dirname(PEER)), "baseline",
                      "mdcs-gossip")
GOSSIP_PORT = 2271


def texts(h):
    return ["msg-{}-{}-".format(h, n).ljust(SIZE, "x")
            for n in range(MESSAGES)]


def link_octets(caps, display_filter):
    """Octets of the frames matching display_filter, per inter-AS link."""
    out = {}
    for k, cap in caps.items():
        cap.stop()
        out[k] = sum(int(r[0]) for r in cap.fields(display_filter,
                                                   "frame.len"))
    return out


def captures(net, tag, bpf_filter):
    return {k: Capture(net.gears["t"], "t-eth{}".format(k), net.workdir,
                       "{}-as{}".format(tag, k), bpf_filter)
            for k in range(1, net.n_as + 1)}


def run_mdcs(net, want):
    ears = listeners(net, "eval")
    every_peer_hears_every_as(net, ears, "probe")
    caps = captures(net, "mdcs", "udp port 2268")
    for h in net.hosts:
        publish_from(net, h, texts(h))
    wait_for(lambda: all(len(tagged(e.messages(), "msg")) >= len(want)
                         for e in ears.values()),
             60, "every message at every mdcs peer")
    got = {h: tagged(e.stop(), "msg") for h, e in ears.items()}
    octets = link_octets(caps, 'amt.type == 6 && frame contains "msg-"')
    dups = {h: len(g) - len(set(g)) for h, g in got.items()}
    delivered = sum(len(set(g) & want) for g in got.values())
    return octets, dups, delivered


def gossip_stats(output):
    for line in output.splitlines():
        if line.startswith("stats "):
            return dict(kv.split("=") for kv in line.split()[1:])
    return None


def run_gossip(net, want):
    path = os.path.join(net.workdir, "gossip-peers")
    with open(path, "w") as f:
        f.write("".join("[{}]:{}\n".format(host_addr(h), GOSSIP_PORT)
                        for h in net.hosts))
    others = len(want) - MESSAGES  # what a peer gets from the others
    nodes = {
        h: NodeProcess(net.gears[h],
                       [GOSSIP, "-p", str(GOSSIP_PORT), "-s", host_addr(h),
                        "-n", str(others), "-t", "60", "-u", "-P", path] +
                       texts(h),
                       net.workdir, "gossip-" + h)
        for h in net.hosts
    }
    for h, n in nodes.items():
        wait_for(lambda: "listening" in n.output(), 20,
                 "mdcs-gossip on {} to listen".format(h))
    caps = captures(net, "gossip", "udp port {}".format(GOSSIP_PORT))
    for n in nodes.values():
        os.kill(n.pid, signal.SIGUSR1)
    for h, n in nodes.items():
        wait_for(lambda: gossip_stats(n.output()) is not None, 70,
                 "mdcs-gossip on {} to finish".format(h))
    octets = link_octets(caps, "udp.port == {}".format(GOSSIP_PORT))
    stats = {h: gossip_stats(n.output()) for h, n in nodes.items()}
    dups = {h: int(s["dup"]) for h, s in stats.items()}
    delivered = 0
    for h, n in nodes.items():
        lines = [line.split(" ", 4) for line in n.output().splitlines()]
        got = {(f[2].rsplit(":", 1)[0].strip("[]"), f[4]) for f in lines
               if len(f) == 5 and f[0] == "-"}
        delivered += len(got & want) + MESSAGES  # its own, had at once
    return octets, dups, delivered


def test_mdcs_against_iterative_diffusion(net):
    """Both deliver every message to every peer; the table compares what
    they cost on the inter-AS links."""
    want = {(host_addr(h), t) for h in net.hosts for t in texts(h)}
    total = len(want) * len(net.hosts)
    rows = {"mdcs (tunnel-mode peers)": run_mdcs(net, want),
            "iterative diffusion": run_gossip(net, want)}
    n = len(net.hosts) - 1
    print("\nlab-eval: {} stub ASes, {} peers each, {} messages of {} "
          "octets per peer; baseline n = {}, full to ceil(sqrt(n)) = {}; "
          "Linux {}, {} CPUs".format(
              net.n_as, net.peers, MESSAGES, SIZE, n,
              math.ceil(math.sqrt(n)), platform.release(), os.cpu_count()))
    header = "| scheme | inter-AS octets per message | per link (" + \
        ", ".join("AS{}".format(k) for k in range(1, net.n_as + 1)) + \
        ") | duplicates per peer | delivery |"
    print(header)
    print("| --- | --- | --- | --- | --- |")
    per_message = {}
    for name, (octets, dups, delivered) in rows.items():
        per_message[name] = sum(octets.values()) / len(want)
        print("| {} | {:.0f} | {} | {:.1f} | {:.3f} |".format(
            name, per_message[name],
            ", ".join("{:.0f}".format(octets[k] / len(want))
                      for k in sorted(octets)),
            sum(dups.values()) / len(dups), delivered / total))
    print("lab-eval: iterative diffusion / mdcs, inter-AS octets per "
          "message: {:.2f}".format(
              per_message["iterative diffusion"] /
              per_message["mdcs (tunnel-mode peers)"]))
    for name, (_, _, delivered) in rows.items():
        assert delivered == total, name
