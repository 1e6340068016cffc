"""
mdcs against the gossip baselines in a lab (lab.py), with the same peers
and the same messages: every peer publishes its messages, first through
mdcs (peers that listen natively with MLDv2 joins where the kernel
forwards IPv6 multicast, else tunnel-mode peers of their RPs; or as
MDCS_LAB_LISTEN, native or tunnel, says), then by mdcs-gossip among all
peers, as iterative diffusion and, given more than 8 peers, in
gossipsub-style meshes of 8.  nftables counters on one end of every
inter-AS link (and on every member's side of an IXP) count the IPv6
packets each scheme sent across: for mdcs its AMT data messages and,
apart, all its traffic on the tunnel port (control included); for the
baselines all their datagrams.  The tables give per AS what its peers received, and per
scheme octets per message on all inter-AS links and per link, copies
received more than once per peer, the delivery ratio, and the time until
the last other peer has a message (the tools' -T times, on the one wall
clock the namespaces share).
"""

import json
import math
import os
import platform
import signal
import statistics
from concurrent.futures import ThreadPoolExecutor

from . import kernel, plots
from .internet import host_address
from .lab_peers import every_peer_hears_every_as, listeners, publish_from, \
    tagged
from .peers import GOSSIP_GROUPS, PEER, arrivals, published_at
from .poll import wait_for
from .proc import NodeProcess

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
MDCS, BASELINE = "mdcs", "iterative diffusion"
MESH_D = 8  # the gossipsub-style meshes' degree, gossipsub's default
MESH = "gossipsub-style mesh (D = {})".format(MESH_D)


def install_counters(net):
    rules = {}
    for label, router, ifname, both in net.inet.counted:
        sides = ("iifname", "oifname") if both else ("oifname",)
        for kind, match in KINDS.items():
            rules.setdefault(router, []).extend(
                '  {} "{}" {} counter comment "{} {}"'.format(
                    side, ifname, match, kind, label) for side in sides)
    for router, lines in rules.items():
        path = os.path.join(net.workdir, router + ".evalcount.nft")
        with open(path, "w") as f:
            f.write("\n".join(
                ["table inet evalcount {", " chain links {",
                 "  type filter hook forward priority -10; policy accept;"] +
                lines + [" }", "}"]) + "\n")
        net.gears[router].cmd_raises("nft -f " + path)


def counted(net):
    """(kind, link label) -> IPv6 octets counted so far."""
    out = {}
    for router in {r for _, r, _, _ in net.inet.counted}:
        doc = json.loads(net.gears[router].cmd_raises(
            "nft -j list table inet evalcount"))
        for item in doc["nftables"]:
            rule = item.get("rule")
            if not rule or "comment" not in rule:
                continue
            kind, label = rule["comment"].split(" ", 1)
            octets = next(e["counter"]["bytes"] for e in rule["expr"]
                          if "counter" in e)
            out[(kind, label)] = out.get((kind, label), 0) + octets
    return out


def links(net):
    return [label for label, _, _, _ in net.inet.counted]


def since(net, before, kind):
    now = counted(net)
    return {label: now[(kind, label)] - before[(kind, label)]
            for label in links(net)}


class Result:
    """What one scheme did: octets per link (all of it, and what carried
    messages), per peer the distinct messages it got and its copies
    received twice or more, per message the seconds until the last other
    peer had it, and the datagrams its peers' full socket buffers
    dropped."""

    def __init__(self, everything, data, got, dups, latencies,
                 overflowed=0):
        self.everything = everything
        self.data = data
        self.got = got
        self.dups = dups
        self.latencies = latencies
        self.overflowed = overflowed


def latencies(sent, heard):
    """Per message, the seconds from its publication until the last other
    peer had it: sent maps each peer to when it published its messages
    and which; heard each peer to its arrivals {message: time}.  Messages
    some other peer never got (not in its arrivals) are left out
    (delivery says so)."""
    out = []
    for h, (at, messages) in sent.items():
        for m in messages:
            times = [a.get(m) for p, a in heard.items() if p != h]
            if all(t is not None for t in times):
                out.append(max(times) - at)
    return out


def native_peers():
    """Whether the mdcs peers listen natively rather than in tunnel mode:
    as MDCS_LAB_LISTEN says (native, tunnel), or by default (auto) where
    the kernel forwards IPv6 multicast."""
    how = os.environ.get("MDCS_LAB_LISTEN") or "auto"
    if how not in ("auto", "native", "tunnel"):
        raise ValueError("MDCS_LAB_LISTEN is auto, native or tunnel, not "
                         "{!r}".format(how))
    if how == "tunnel":
        return False
    routing = kernel.ipv6_multicast_routing()
    if how == "native" and not routing:
        raise RuntimeError(kernel.MISSING)
    return routing


def run_mdcs(net, texts, native=False):
    """Every peer publishes texts(h) through mdcs, all at once; with
    native, the peers listen with MLDv2 joins, else in tunnel mode."""
    ears = listeners(net, "eval", native)
    every_peer_hears_every_as(net, ears, "probe")
    want = wanted(net, texts)
    before = counted(net)
    # All peers publish at once, as the baseline's do at SIGUSR1.
    hosts = net.inet.hosts()
    with ThreadPoolExecutor(len(hosts)) as pool:
        at = pool.map(lambda h: publish_from(net, h, texts(h)), hosts)
    sent = {h: (t, [(host_address(h), m) for m in texts(h)])
            for h, t in zip(hosts, at)}
    wait_for(lambda: all(len(tagged(e.messages(), "msg")) >= len(want)
                         for e in ears.values()),
             90, "every message at every mdcs peer")
    data = since(net, before, "mdcs-data")
    everything = since(net, before, "mdcs-all")
    got = {h: tagged(e.stop(), "msg") for h, e in ears.items()}
    heard = {h: e.arrivals() for h, e in ears.items()}
    return Result(everything, data, {h: set(g) for h, g in got.items()},
                  {h: len(g) - len(set(g)) for h, g in got.items()},
                  latencies(sent, heard))


def gossip_stats(output):
    for line in output.splitlines():
        if line.startswith("stats "):
            return dict(kv.split("=") for kv in line.split()[1:])
    return None


def run_gossip(net, texts, mesh_d=0):
    """Every peer publishes texts(h) by iterative diffusion among all
    peers, or with mesh_d in gossipsub-style meshes of mesh_d: all start,
    then all publish at once (SIGUSR1)."""
    mesh = ["-m", str(mesh_d)] if mesh_d else []
    name = "gossipsub-" if mesh_d else "gossip-"
    hosts = net.inet.hosts()
    path = os.path.join(net.workdir, "gossip-peers")
    with open(path, "w") as f:
        f.write("".join("[{}]:{}\n".format(host_address(h), GOSSIP_PORT)
                        for h in hosts))
    nodes = {
        h: NodeProcess(net.gears[h],
                       [GOSSIP, "-p", str(GOSSIP_PORT), "-s", host_address(h),
                        "-t", str(GOSSIP_SECONDS), "-u", "-T", "-P", path] +
                       mesh + texts(h),
                       net.workdir, name + h)
        for h in hosts
    }
    for h, n in nodes.items():
        wait_for(lambda: "listening" in n.output(), 20,
                 "mdcs-gossip on {} to listen".format(h))
    before = counted(net)
    for n in nodes.values():
        os.kill(n.pid, signal.SIGUSR1)
    for h, n in nodes.items():
        wait_for(lambda: gossip_stats(n.output()) is not None,
                 GOSSIP_SECONDS + 30, "mdcs-gossip on {} to end".format(h))
    octets = since(net, before, "gossip")
    want = wanted(net, texts)
    outputs = {h: n.output() for h, n in nodes.items()}
    sent, heard, got = {}, {}, {}
    for h, out in outputs.items():
        sent[h] = (published_at(out),
                   [(host_address(h), t) for t in texts(h)])
        heard[h] = {m: a for m, a in arrivals(out, GOSSIP_GROUPS).items()
                    if m in want}
        # Its own messages it had at once.
        got[h] = set(heard[h]) | set(sent[h][1])
    stats = [gossip_stats(out) for out in outputs.values()]
    dups = {h: int(s["dup"]) for h, s in zip(outputs, stats)}
    return Result(octets, octets, got, dups, latencies(sent, heard),
                  sum(int(s["overflowed"]) for s in stats))


def message_texts(messages, size):
    """texts(h): peer h's messages, size octets each, which say whose and
    which they are (run_mdcs tells them from its probes by "msg-")."""
    def texts(h):
        return ["msg-{}-{}-".format(h, n).ljust(size, "x")
                for n in range(messages)]
    return texts


def wanted(net, texts):
    return {(host_address(h), t) for h in net.inet.hosts() for t in texts(h)}


def delivery(net, result, want):
    """Messages delivered over messages wanted, all peers together."""
    return (sum(len(g & want) for g in result.got.values()) /
            (len(want) * len(result.got)))


def environment(net, messages, size, native):
    n = len(net.inet.hosts()) - 1
    return ("{} ASes, {} stub ASes with {} peers each; {} messages of {} "
          "octets per peer; mdcs peers {}; baseline n = {}, full to "
          "ceil(sqrt(n)) = {}; Linux {}, {} CPUs".format(
              len(net.inet.ases), len(net.inet.stubs), net.inet.peers,
              messages, size,
              "listen natively (MLDv2)" if native else "in tunnel mode",
              n, math.ceil(math.sqrt(n)), platform.release(),
              os.cpu_count()))


def delivery_table(net, result, want):
    """Per stub AS: what lies in front of its RP, and what its peers got."""
    lines = ["| AS | RP | peers | messages wanted per peer | delivered | "
             "received twice or more |",
             "| --- | --- | --- | --- | --- | --- |"]
    for k in net.inet.stubs:
        hs = net.inet.hosts(k)
        lines.append("| AS{} | {} | {} | {} | {} | {} |".format(
            k, net.inet.wall(k), len(hs), len(want),
            sum(len(result.got[h] & want) for h in hs),
            sum(result.dups[h] for h in hs)))
    return lines


def comparison_table(net, rows, want):
    """rows: scheme -> Result."""
    labels = links(net)
    lines = ["| scheme | inter-AS octets per message, all | carrying "
          "messages | per link, carrying messages (" + ", ".join(labels) +
          ") | copies received twice or more, per peer | delivery | "
          "ms until the last other peer has it, median / max |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    per_message = {}
    for name, r in rows.items():
        per_message[name] = sum(r.everything.values()) / len(want)
        lines.append("| {} | {:.0f} | {:.0f} | {} | {:.1f} | {:.3f} | {} |".format(
            name, per_message[name], sum(r.data.values()) / len(want),
            ", ".join("{:.0f}".format(r.data[label] / len(want))
                      for label in labels),
            sum(r.dups.values()) / len(r.dups), delivery(net, r, want),
            "{:.1f} / {:.1f}".format(
                1000 * statistics.median(r.latencies),
                1000 * max(r.latencies)) if r.latencies else "-"))
    lines.append("")
    for name, r in rows.items():
        if r.overflowed:
            lines.append("{}: {} datagrams dropped by its peers' full "
                         "socket buffers.".format(name, r.overflowed))
    for name in rows:
        if name != MDCS:
            lines.append("{} / mdcs, all inter-AS octets per message: "
                         "{:.2f}".format(name, per_message[name] /
                                         per_message[MDCS]))
    return lines


def compare(net, messages, size, outdir=None):
    """mdcs and the baselines over the same peers and messages (the
    gossipsub-style meshes where a peer has MESH_D others at least); the
    tables printed and, with outdir, written there (results.md) with the
    figures (plots.py).  Returns {scheme: Result} and the messages
    wanted."""
    texts = message_texts(messages, size)
    install_counters(net)
    want = wanted(net, texts)
    native = native_peers()
    rows = {MDCS: run_mdcs(net, texts, native),
            BASELINE: run_gossip(net, texts)}
    if len(net.inet.hosts()) > MESH_D:
        rows[MESH] = run_gossip(net, texts, MESH_D)
    report = ([environment(net, messages, size, native), "",
               "Delivery through mdcs, per AS:", ""] +
              delivery_table(net, rows[MDCS], want) +
              ["", "mdcs and the baselines side by side:", ""] +
              comparison_table(net, rows, want))
    print("\n" + "\n".join(report))
    if outdir:
        for path in plots.draw(rows, links(net), len(want), outdir):
            print("figure: " + path)
        path = os.path.join(outdir, "results.md")
        with open(path, "w") as f:
            f.write("\n".join(report) + "\n")
        print("tables: " + path)
    return rows, want
