#!/usr/bin/python3
"""
Peer scalability of one RP: what N tunnel-mode peers (AMT gateways) cost
its rpd and its tc-BPF datapath.

    netns mdcs-bench-peers-hosts            netns mdcs-bench-peers-rp
      gateways: N AMT gateways, one     h0 ==veth== up0  rpd (RP bench-peers,
        socket each, [2001:db8:1::10]:*               tunnel 2001:db8:ff::1)
      mdcs-peer publish from                         mdcs0: tc mdcs_encap
        2001:db8:1::20 to S_rp

For each N, a fresh rpd serves N gateways joined to the RP's own channels
(S_rp, G): as many channels as the fanout a channel grants gateways needs,
the gateways spread evenly over them.  Once the relay has answered every
gateway and rpd lists them all in the channels' fanouts, publications go to
every channel at a modest rate, over before the gateways' first refresh,
and every gateway must get every one of its channel's; then rpd's CPU is
taken over one query interval in which the gateways only refresh.  rpd's
memory (VmRSS, VmHWM), its CPU time, the encapsulation program's run time
(kernel BPF statistics) and the copies sent (mdcsctl counters) give the
costs; a row counts only if every gateway got every message.  One more case
puts more gateways on one channel than its fanout grants them, to show the
limit.
"""

import argparse
import csv
import json
import math
import os
import select
import signal
import subprocess
import sys
import tempfile
import time

from common import Netns, environment

# The configuration helper of the topotests.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                os.pardir, "topotests"))
from mdcs_topo.rp import instance_config  # noqa: E402

NS = {"rp": "mdcs-bench-peers-rp", "hosts": "mdcs-bench-peers-hosts"}
INSTANCE = "bench-peers"  # its BPF maps are pinned by this name
TUNNEL = "2001:db8:ff::1"
RP_LAN = "2001:db8:1::1"
GATEWAY = "2001:db8:1::10"  # every gateway, each on a port of its own
PUBLISHER = "2001:db8:1::20"
SOURCE_PREFIX = "2001:db8:1::/48"
CHANNEL_SOURCE = "2001:db8:1:ffff::1"
ALLOWED_PREFIX = "2001:db8:1::/64"
FIRST_GROUP = 0x5000  # groups ff3e::5000 on

# The RP's limits: 16384 gateway slots (MDCS_MAX_GATEWAYS in
# bpf-tc/dp_abi.h), and gateways fill a channel's fanout of 1024
# (MDCS_MAX_FANOUT) only to three quarters (GATEWAYS_SHARE in
# rpd/channels.c).
MAX_GATEWAYS = 16384
PER_CHANNEL = 1024 // 4 * 3
SIZES = [1, 4, 16, 64, 256, PER_CHANNEL, 1024, 4096, MAX_GATEWAYS]
OVERFULL = 1024  # gateways on one channel, beyond its fanout
OPENS = 1000  # gateways started a second; the relay answers 2048
QUERY_INTERVAL = 30.0  # s, that the relay tells gateways (rpd/gateways.h)
# s of rpd's upkeep: any window of one query interval holds one refresh
# of each gateway.
UPKEEP = QUERY_INTERVAL
# Publications: PUBLICATIONS in all, at least MESSAGES per channel, at RATE a
# second, so that they are over before the gateways' first refreshes.
PUBLICATIONS = 100
MESSAGES = 20
RATE = 50
SETTLE = 60.0  # s at most for the relay to take every gateway
DRAIN = 10.0  # s at most after the last publication


NETNS = Netns(NS)
sh = NETNS.sh


def setup():
    """The two namespaces and the link between them."""
    NETNS.delete()
    for ns in NS.values():
        sh("ip", "netns", "add", ns)
    sh("ip", "link", "add", "h0", "netns", NS["hosts"], "type", "veth", "peer",
       "name", "up0", "netns", NS["rp"])
    for ns, ifname in (("hosts", "h0"), ("rp", "up0")):
        sh("ip", "link", "set", "lo", "up", ns=ns)
        sh("ip", "link", "set", ifname, "up", ns=ns)
    sh("sysctl", "-qw", "net.ipv6.conf.all.forwarding=1", ns="rp")
    for addr in (TUNNEL + "/64", RP_LAN + "/64"):
        sh("ip", "-6", "addr", "add", addr, "dev", "up0", "nodad", ns="rp")
    for addr in (GATEWAY, PUBLISHER):
        sh("ip", "-6", "addr", "add", addr + "/64", "dev", "h0", "nodad",
           ns="hosts")
    sh("ip", "-6", "route", "add", "default", "via", RP_LAN, ns="hosts")
    # Publications reach the RP with finished checksums, as from a host
    # behind a NIC (docs/datapath.md, deferred checksums).
    sh("ethtool", "-K", "h0", "tx", "off", ns="hosts")


RUNNING = []  # processes started and not yet finished


def stop(p, timeout=30):
    """End a process this script started, and its output."""
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
    try:
        out, _ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate()
    RUNNING.remove(p)
    return out


def stop_all():
    """The processes still running, the last started first."""
    for p in list(reversed(RUNNING)):
        stop(p)


def start(ns, *args, **kw):
    p = subprocess.Popen(NETNS.argv(ns, args), text=True, **kw)
    RUNNING.append(p)
    return p


class Rpd:
    """A fresh rpd serving the RP's channels to the gateways, in the rp
    namespace, logging to log; `ip netns exec` becomes rpd, so the process
    is rpd's."""

    def __init__(self, tools, yang_path, workdir, log):
        self.tools = tools
        key = os.path.join(workdir, "rpd.key")
        conf = os.path.join(workdir, "rpd.json")
        pid_file = os.path.join(workdir, "rpd.pid")
        for stale in (key, conf + ".running", pid_file):
            if os.path.exists(stale):
                os.unlink(stale)
        sh(tools["rpd"], "--keygen", key)
        with open(conf, "w") as f:
            json.dump(instance_config(INSTANCE, {
                "rp": {"tunnel-address": TUNNEL, "uplink-interface": "up0",
                       "private-key-file": key,
                       "source-prefix": [SOURCE_PREFIX]},
                "publishing": {"channel-source-address": CHANNEL_SOURCE,
                               "allowed-prefix": [ALLOWED_PREFIX],
                               "rate": 10 * RATE, "burst": RATE},
            }), f)
        self.log = open(log, "w")
        self.proc = start("rp", tools["rpd"], "-y", yang_path, "-c", conf,
                          "-p", pid_file, stdout=self.log,
                          stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while not os.path.exists(pid_file):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("rpd did not come up; see " +
                                   self.log.name)
            time.sleep(0.05)
        self.pid = self.proc.pid
        self.progs = self.programs()

    def status(self):
        """VmRSS and VmHWM, KiB."""
        mem = {}
        with open("/proc/{}/status".format(self.pid)) as f:
            for line in f:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    mem[key] = int(value.split()[0])
        return mem

    def cpu(self):
        """Seconds of CPU rpd has had: its threads' run time, which the
        kernel keeps in ns (utime and stime in /proc/PID/stat are the
        same time in 10 ms ticks, too coarse for a publication's)."""
        task = "/proc/{}/task".format(self.pid)
        ns = 0
        for tid in os.listdir(task):
            with open(os.path.join(task, tid, "schedstat")) as f:
                ns += int(f.read().split()[0])
        return ns / 1e9

    def ctl(self, *args):
        """mdcsctl's JSON, in rpd's namespaces: `ip netns exec` gives each
        process a mount namespace of its own, and rpd pins its maps in
        the one it has."""
        return json.loads(sh("nsenter", "-t", str(self.pid), "-m", "-n",
                             self.tools["mdcsctl"], "-n", INSTANCE, "-j",
                             "show", *args))

    def gateways_joined(self, groups):
        """Gateway slots in the fanouts of the channels of groups."""
        return sum(len(c.get("rp-slots", []))
                   for c in self.ctl("channels")["sent"]
                   if c["group"] in groups)

    def programs(self):
        """IDs of the tc programs rpd attached, by name."""
        return {dev["name"].split(":")[0]: dev["id"]
                for dev in json.loads(sh("bpftool", "-j", "net", "show",
                                         ns="rp"))[0]["tc"]}

    def bpf_ns(self, name):
        """Run time and runs of one of rpd's programs so far (counted
        while kernel.bpf_stats_enabled is on)."""
        info = json.loads(sh("bpftool", "-j", "prog", "show", "id",
                             str(self.progs[name])))
        return info.get("run_time_ns", 0), info.get("run_cnt", 0)


class BpfStats:
    """The kernel's BPF run-time statistics on for a while, then as they
    were: timing slows every BPF program on the machine."""

    PATH = "/proc/sys/kernel/bpf_stats_enabled"

    def __enter__(self):
        with open(self.PATH) as f:
            self.was = f.read().strip()
        with open(self.PATH, "w") as f:
            f.write("1")
        return self

    def __exit__(self, *exc):
        with open(self.PATH, "w") as f:
            f.write(self.was)


def groups_for(channels):
    return ["ff3e::{:x}".format(FIRST_GROUP + i) for i in range(channels)]


def read_line(p, timeout):
    """The next line of p's output, or '' if none came in time."""
    ready, _, _ = select.select([p.stdout], [], [], timeout)
    return p.stdout.readline().strip() if ready else ""


def publish(tools, groups, messages):
    """messages publications to each group, round robin, at RATE; how
    many were sent."""
    pubs = [start("hosts", tools["peer"], "publish", "-s", PUBLISHER,
                  CHANNEL_SOURCE, g, stdin=subprocess.PIPE,
                  stdout=subprocess.DEVNULL) for g in groups]
    t0 = time.monotonic()
    sent = 0
    try:
        for i in range(messages):
            for p in pubs:
                time.sleep(max(0.0, t0 + sent / RATE - time.monotonic()))
                p.stdin.write("message {}\n".format(i))
                p.stdin.flush()
                sent += 1
    finally:
        for p in pubs:
            p.stdin.close()
            p.wait(timeout=30)
            RUNNING.remove(p)
            if p.returncode:
                raise RuntimeError("mdcs-peer publish failed")
    return sent


def parse_report(out):
    """Messages per gateway and the summary of the gateways tool."""
    lines = out.split("\n")
    counts = [int(line.rsplit(" ", 1)[1]) for line in lines
              if line.startswith("[")]
    summary = next(line for line in lines if line.startswith("gateways "))
    f = summary.split()
    return counts, {k: int(v) for k, v in zip(f[::2], f[1::2])}


def measure(tools, args, workdir, n, channels):
    """One case: n gateways over channels channels.  rpd's log is left in
    the results, the last case's."""
    groups = groups_for(channels)
    messages = max(MESSAGES, math.ceil(PUBLICATIONS / channels))
    row = {"gateways": n, "channels": channels, "messages": messages}
    rpd = Rpd(tools, args.yang_path, workdir,
              os.path.join(args.out, "peers-rpd.log"))
    try:
        mem0 = rpd.status()
        cpu0 = rpd.cpu()
        limit = n / OPENS + 2 * SETTLE + messages * channels / RATE + (
            DRAIN + UPKEEP + 30)
        argv = [tools["gateways"], "-r", TUNNEL, "-s", GATEWAY, "-n", str(n),
                "-o", str(OPENS), "-c", str(messages), "-t",
                str(math.ceil(limit))]
        for g in groups:
            argv += [CHANNEL_SOURCE, g]
        gws = start("hosts", *argv, stdout=subprocess.PIPE)
        t0 = time.monotonic()
        if read_line(gws, n / OPENS + SETTLE) != "ready":
            raise RuntimeError("the relay did not answer every gateway")
        # Every gateway has its Query; rpd takes their Updates next.
        deadline, joined = time.monotonic() + SETTLE, -1
        while time.monotonic() < deadline:
            seen = rpd.gateways_joined(groups)
            if seen == n or seen == joined:
                break
            joined = seen
            time.sleep(1.0)
        row["joined"] = rpd.gateways_joined(groups)
        row["join_cpu_ms"] = (rpd.cpu() - cpu0) * 1000

        c0 = rpd.ctl("counters")
        with BpfStats():
            b0 = rpd.bpf_ns("mdcs_encap")
            cpu1 = rpd.cpu()
            sent = publish(tools, groups, messages)
            # Until every gateway has every message, or it is clear
            # that some will not; then rpd's share, before the
            # gateways' Teardowns reach it.
            read_line(gws, DRAIN)
            cpu2 = rpd.cpu()
            b1 = rpd.bpf_ns("mdcs_encap")
        c1 = rpd.ctl("counters")
        # The gateways' first refreshes come a query interval after they
        # joined: rpd's CPU while the publications passed is theirs only
        # if they were over by then.
        row["before_refresh"] = time.monotonic() - t0 < QUERY_INTERVAL

        cpu3, t3 = rpd.cpu(), time.monotonic()
        time.sleep(UPKEEP)
        row["upkeep_ms_per_s"] = ((rpd.cpu() - cpu3) * 1000 /
                                  (time.monotonic() - t3))
        mem = rpd.status()
        row["rss_kib"], row["hwm_kib"] = mem["VmRSS"], mem["VmHWM"]
        row["rss0_kib"] = mem0["VmRSS"]
        counts, summary = parse_report(stop(gws))
    finally:
        stop_all()
        rpd.log.close()
    row["publications"] = c1["publish-packets"] - c0["publish-packets"]
    row["sent"] = sent
    row["copies"] = c1["encap-copies"] - c0["encap-copies"]
    row["complete"] = sum(1 for c in counts if c >= messages) / n
    row["got_none"] = sum(1 for c in counts if c == 0)
    for k in ("refused", "busy", "timeouts", "errors"):
        row[k] = summary[k]
    row["rpd_us_per_pub"] = (cpu2 - cpu1) * 1e6 / max(1, row["publications"])
    row["bpf_runs"] = b1[1] - b0[1]
    row["bpf_us_per_pub"] = (b1[0] - b0[0]) / 1000 / max(
        1, row["publications"])
    return row


def per_peer(rows):
    """Costs per peer, and the cost per peer per publication (BPF run time
    per copy) beside the first counted row's; None for rows that do not
    count."""
    base = None
    for r in rows:
        n = r["gateways"]
        r["counts"] = r["complete"] == 1.0 and r["publications"] == r["sent"]
        r["bpf_ns_per_copy"] = (r["bpf_us_per_pub"] * 1000 * r["publications"]
                                / r["copies"] if r["copies"] else None)
        r["kib_per_peer"] = (r["rss_kib"] - r["rss0_kib"]) / n
        r["join_us_per_peer"] = r["join_cpu_ms"] * 1000 / n
        r["upkeep_us_per_s_per_peer"] = r["upkeep_ms_per_s"] * 1000 / n
        if r["counts"] and base is None:
            base = r
        r["x_first"] = (r["bpf_ns_per_copy"] / base["bpf_ns_per_copy"]
                        if r["counts"] and base["bpf_ns_per_copy"] else None)
    return base


def fmt(v, spec):
    return "-" if v is None else format(v, spec)


def table(rows, base, env):
    lines = [
        "Environment: Linux {kernel}, {cpus} CPUs ({cpu}), load {load:.2f} "
        "at the start, {date}.".format(**env),
        "",
        "| gateways | channels | got all | copies/pub | rpd VmRSS MiB "
        "| VmHWM MiB | KiB/peer | join us/peer | upkeep ms/s "
        "| upkeep us/s/peer | rpd us/pub | BPF us/pub | BPF ns/copy "
        "| (x N={}) |".format(base["gateways"] if base else "-"),
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| ---: | ---: | ---: | ---: | ---: |",
    ]
    notes = []
    for r in rows:
        copies = r["copies"] / r["publications"] if r["publications"] else 0
        lines.append(
            "| {} | {} | {:.3f} | {:.1f} | {:.1f} | {:.1f} | {:.2f} | {:.0f} "
            "| {:.2f} | {:.3f} | {:.0f} | {:.2f} | {} | {} |".format(
                r["gateways"], r["channels"], r["complete"], copies,
                r["rss_kib"] / 1024, r["hwm_kib"] / 1024, r["kib_per_peer"],
                r["join_us_per_peer"], r["upkeep_ms_per_s"],
                r["upkeep_us_per_s_per_peer"], r["rpd_us_per_pub"],
                r["bpf_us_per_pub"], fmt(r["bpf_ns_per_copy"], ".0f"),
                fmt(r["x_first"], ".2f")))
        if not r["counts"]:
            notes.append(
                "{gateways} gateways on {channels} channel(s) do not count: "
                "{joined} in the fanouts, {got_none} got no message, "
                "{publications} of {sent} publications taken.".format(**r))
        if not r["before_refresh"]:
            notes.append(
                "rpd us/pub of {gateways} gateways includes refreshes: the "
                "publications went on past the first.".format(**r))
    return "\n".join(lines + [""] + notes)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rpd", required=True)
    ap.add_argument("--mdcsctl", required=True)
    ap.add_argument("--peer", required=True, help="mdcs-peer")
    ap.add_argument("--gateways", required=True, help="bench/gateways")
    ap.add_argument("--yang-path", required=True)
    ap.add_argument("--out", required=True, help="where results go")
    ap.add_argument("--quick", action="store_true",
                    help="1 and 16 gateways, 10 publications, a 2 s upkeep "
                    "window")
    args = ap.parse_args()
    global SIZES, OVERFULL, UPKEEP, PUBLICATIONS, MESSAGES
    if args.quick:
        SIZES, OVERFULL, UPKEEP = [1, 16], None, 2.0
        PUBLICATIONS, MESSAGES = 10, 10
    # Absolute: nsenter's mount namespace starts at its root.
    tools = {t: os.path.abspath(getattr(args, t))
             for t in ("rpd", "mdcsctl", "peer", "gateways")}
    os.makedirs(args.out, exist_ok=True)
    env = environment()
    cases = [(n, math.ceil(n / PER_CHANNEL)) for n in SIZES]
    if OVERFULL:
        cases.append((OVERFULL, 1))
    rows = []
    # Stopped from outside, the run still removes what it made.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))
    try:
        setup()
        with tempfile.TemporaryDirectory(prefix="mdcs-bench-peers-") as d:
            for n, channels in cases:
                row = measure(tools, args, d, n, channels)
                rows.append(row)
                print("{gateways:5d} gateways on {channels:2d} channels: got "
                      "all {complete:.3f}, {copies} copies, upkeep "
                      "{upkeep_ms_per_s:.2f} ms/s, BPF {bpf_us_per_pub:.2f} "
                      "us/publication".format(**row), flush=True)
    finally:
        stop_all()
        NETNS.delete()
    base = per_peer(rows)
    with open(os.path.join(args.out, "peers.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)
    text = table(rows, base, env)
    with open(os.path.join(args.out, "peers.md"), "w") as f:
        f.write(text + "\n")
    print()
    print(text)


if __name__ == "__main__":
    sys.exit(main())
