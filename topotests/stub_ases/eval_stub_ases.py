"""
mdcs against the iterative-diffusion baseline, side by side in the reduced
lab (conftest.py), with the same peers and the same messages: every peer
publishes MESSAGES messages of SIZE octets, first through mdcs (tunnel-mode
peers of their RPs), then by mdcs-gossip among all peers.  nftables
counters in the transit router's forward path count, per inter-AS link,
the IPv6 packets each scheme sent across it: for mdcs its AMT data
messages and, apart, all its traffic on the tunnel port (control
included); for the baseline all its datagrams.  The table gives octets
per message, copies received more than once per peer, and the delivery
ratio, and the ratio of the two schemes.  Run by `make lab-eval`.
"""

import json
import math
import os
import platform
import signal

import pytest

from mdcs_topo.peers import PEER, printed_messages
from mdcs_topo.poll import wait_for
from mdcs_topo.proc import NodeProcess
from stub_lab import (every_peer_hears_every_as, host_addr, listeners,
                      publish_from, tagged)

pytestmark = [pytest.mark.bgpd, pytest.mark.pim6d, pytest.mark.staticd]

MESSAGES = 10
SIZE = 200
GOSSIP = os.path.join(os.path.dirname(os.path.dirname(PEER)), "baseline",
                      "mdcs-gossip")
GOSSIP_PORT = 2271
GOSSIP_SECONDS = 15  # every node runs this long: late copies count too

# What crosses each link, by kind: mdcs's AMT data messages (first octet
# after the UDP header 6), all of mdcs between RPs, all of the baseline.
KINDS = {
    "mdcs-data": "udp dport 2268 @th,64,8 6",
    "mdcs-all": "udp dport 2268",
    "gossip": "udp dport {}".format(GOSSIP_PORT),
}


def install_counters(net):
    rules = ["table inet evalcount {", " chain links {",
             "  type filter hook forward priority -10; policy accept;"]
    for k in range(1, net.n_as + 1):
        for kind, match in KINDS.items():
            for side in ("iifname", "oifname"):
                rules.append('  {} "t-eth{}" {} counter comment "{} {}"'
                             .format(side, k, match, kind, k))
    rules += [" }", "}"]
    path = os.path.join(net.workdir, "evalcount.nft")
    with open(path, "w") as f:
        f.write("\n".join(rules) + "\n")
    net.gears["t"].cmd_raises("nft -f " + path)


def counted(net):
    """(kind, link) -> IPv6 octets counted so far, both ways."""
    out = {}
    doc = json.loads(net.gears["t"].cmd_raises(
        "nft -j list table inet evalcount"))
    for item in doc["nftables"]:
        rule = item.get("rule")
        if not rule or "comment" not in rule:
            continue
        kind, k = rule["comment"].split()
        octets = next(e["counter"]["bytes"] for e in rule["expr"]
                      if "counter" in e)
        out[(kind, int(k))] = out.get((kind, int(k)), 0) + octets
    return out


def since(net, before, kind):
    now = counted(net)
    return {k: now[(kind, k)] - before[(kind, k)]
            for k in range(1, net.n_as + 1)}


def texts(h):
    return ["msg-{}-{}-".format(h, n).ljust(SIZE, "x")
            for n in range(MESSAGES)]


def run_mdcs(net, want):
    ears = listeners(net, "eval")
    every_peer_hears_every_as(net, ears, "probe")
    before = counted(net)
    for h in net.hosts:
        publish_from(net, h, texts(h))
    wait_for(lambda: all(len(tagged(e.messages(), "msg")) >= len(want)
                         for e in ears.values()),
             60, "every message at every mdcs peer")
    data = since(net, before, "mdcs-data")
    everything = since(net, before, "mdcs-all")
    got = {h: tagged(e.stop(), "msg") for h, e in ears.items()}
    dups = {h: len(g) - len(set(g)) for h, g in got.items()}
    delivered = sum(len(set(g) & want) for g in got.values())
    return everything, data, dups, delivered


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
    nodes = {
        h: NodeProcess(net.gears[h],
                       [GOSSIP, "-p", str(GOSSIP_PORT), "-s", host_addr(h),
                        "-t", str(GOSSIP_SECONDS), "-u", "-P", path] +
                       texts(h),
                       net.workdir, "gossip-" + h)
        for h in net.hosts
    }
    for h, n in nodes.items():
        wait_for(lambda: "listening" in n.output(), 20,
                 "mdcs-gossip on {} to listen".format(h))
    before = counted(net)
    for n in nodes.values():
        os.kill(n.pid, signal.SIGUSR1)
    for h, n in nodes.items():
        wait_for(lambda: gossip_stats(n.output()) is not None,
                 GOSSIP_SECONDS + 20, "mdcs-gossip on {} to end".format(h))
    octets = since(net, before, "gossip")
    stats = {h: gossip_stats(n.output()) for h, n in nodes.items()}
    dups = {h: int(s["dup"]) for h, s in stats.items()}
    delivered = 0
    for h, n in nodes.items():
        got = set(printed_messages(n.output(), {"-"}))
        delivered += len(got & want) + MESSAGES  # its own, had at once
    return octets, octets, dups, delivered


def test_mdcs_against_iterative_diffusion(net):
    """Both deliver every message to every peer; the table compares what
    they cost on the inter-AS links."""
    install_counters(net)
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
    print("| scheme | inter-AS octets per message, all | carrying "
          "messages | per link, carrying messages (" +
          ", ".join("AS{}".format(k) for k in range(1, net.n_as + 1)) +
          ") | copies received twice or more, per peer | delivery |")
    print("| --- | --- | --- | --- | --- | --- |")
    per_message = {}
    for name, (everything, data, dups, delivered) in rows.items():
        per_message[name] = sum(everything.values()) / len(want)
        print("| {} | {:.0f} | {:.0f} | {} | {:.1f} | {:.3f} |".format(
            name, per_message[name], sum(data.values()) / len(want),
            ", ".join("{:.0f}".format(data[k] / len(want))
                      for k in sorted(data)),
            sum(dups.values()) / len(dups), delivered / total))
    print("lab-eval: iterative diffusion / mdcs, all inter-AS octets per "
          "message: {:.2f}".format(
              per_message["iterative diffusion"] /
              per_message["mdcs (tunnel-mode peers)"]))
    for name, (_, _, _, delivered) in rows.items():
        assert delivered == total, name
