#!/usr/bin/python3
"""
Replication cost per copy: the tc-BPF replicator against a user-space relay,
side by side, on the same veth pairs and the same packets.

    gen ns              rp ns                             sink ns
    gen: a UDP socket   r_in ---> tc-BPF mdcs_encap
    sends (S,G) - g0 ->     \\--> or relay (recvmmsg,  r_out -> s0: drops
                             \\    sendmmsg N copies) ->          all (tc)
                              \\-> or the clone loop

For every payload and number N of remote RPs, the same stream runs four
times: with the RP only receiving it (baseline), through the tc program,
through the relay, and through the clone loop, the floor of tc replication
(the packet N times, unchanged, without encapsulation).  The RP has a CPU of its own: the generator runs on CPU
0; receive packet steering puts r_in's packets, and with them the tc
program and the delivery to the relay's socket, on CPU 1, where the relay
runs too; the copies' arrival at s0, where a two-instruction tc program
drops them, is steered back to CPU 0.  CPU 1's busy time over a run
(elapsed time less its idle time, which the kernel keeps exactly), less the
baseline's, divided by the copies made, is the cost per copy.  The tc
program's own run time (kernel BPF statistics) is shown beside it.
"""

import argparse
import csv
import json
import os
import signal
import subprocess
import sys
import time

from common import Netns, environment, median

SOURCE = "2001:db8:1::10"
GROUP = "ff3e::1234"
LOCAL = "2001:db8:ff::1"
FIRST_RP = "2001:db8:ff::100"
NS = {"gen": "mdcs-bench-gen", "rp": "mdcs-bench-rp", "sink": "mdcs-bench-sink"}
PAYLOADS = [256, 1232]
RPS = [1, 2, 4, 8, 16, 32, 64, 128]
SECONDS = 3.0  # per run
MAX_RATE = 50000  # packets per second
COPY_BUDGET = 100000  # copies per second, so that the relay keeps up
REPEAT = 3  # runs of each kind per case; the median counts


NETNS = Netns(NS)
sh = NETNS.sh


GEN_CPU, RP_CPU = 0, 1


def idle_seconds(cpu):
    """Idle time of a CPU so far.  The kernel accounts idle time as it
    happens (the busy columns of /proc/stat are sampled at each tick)."""
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith("cpu{} ".format(cpu)):
                fields = [int(x) for x in line.split()[1:]]
                return (fields[3] + fields[4]) / os.sysconf("SC_CLK_TCK")
    raise RuntimeError("no CPU {}".format(cpu))


class Busy:
    """Seconds the RP's CPU spent busy between start and stop."""

    def __enter__(self):
        self.t0, self.i0 = time.monotonic(), idle_seconds(RP_CPU)
        return self

    def __exit__(self, *exc):
        self.seconds = ((time.monotonic() - self.t0)
                        - (idle_seconds(RP_CPU) - self.i0))


def setup(tools):
    teardown()
    for ns in NS.values():
        sh("ip", "netns", "add", ns)
    sh("ip", "link", "add", "g0", "netns", NS["gen"], "type", "veth", "peer",
       "name", "r_in", "netns", NS["rp"])
    sh("ip", "link", "add", "r_out", "netns", NS["rp"], "type", "veth", "peer",
       "name", "s0", "netns", NS["sink"])
    for ns, ifs in (("gen", ["lo", "g0"]), ("rp", ["lo", "r_in", "r_out"]),
                    ("sink", ["lo", "s0"])):
        for i in ifs:
            sh("ip", "link", "set", i, "up", ns=ns)
    sh("sysctl", "-qw", "net.ipv6.conf.all.forwarding=1", ns="rp")
    sh("ip", "-6", "addr", "add", SOURCE + "/64", "dev", "g0", "nodad", ns="gen")
    # A source behind a NIC sends finished checksums.
    sh("ethtool", "-K", "g0", "tx", "off", ns="gen")
    sh("ip", "-6", "addr", "add", "2001:db8:1::2/64", "dev", "r_in", "nodad", ns="rp")
    sh("ip", "-6", "addr", "add", LOCAL + "/64", "dev", "r_out", "nodad", ns="rp")
    mac = sh("cat", "/sys/class/net/s0/address", ns="sink").strip()
    batch = "".join(
        "neigh add 2001:db8:ff::{:x} lladdr {} dev r_out nud permanent\n".format(
            0x100 + i, mac)
        for i in range(max(RPS)))
    sh("ip", "-batch", "-", ns="rp", input=batch)
    # The RP's receiving on its CPU, the sink's on the generator's.
    steer("rp", "r_in", RP_CPU)
    steer("sink", "s0", GEN_CPU)
    start("sink", tools["tcrep"], "-D", "s0")


def steer(ns, ifname, cpu):
    """Receive packet steering: ifname's packets are processed on cpu."""
    path = "/sys/class/net/{}/queues/rx-0/rps_cpus".format(ifname)
    sh("sh", "-c", "echo {:x} > {}".format(1 << cpu, path), ns=ns)


RUNNING = []  # tools started and not yet finished


def teardown():
    for p in RUNNING:
        p.kill()
        p.wait()
    RUNNING.clear()
    NETNS.delete()


def start(ns, *args):
    """A tool in a namespace, once it has said it is ready."""
    p = subprocess.Popen(NETNS.argv(ns, args), stdout=subprocess.PIPE,
                         text=True)
    RUNNING.append(p)
    if p.stdout.readline().strip() != "ready":
        raise RuntimeError("{} did not start".format(args[0]))
    return p


def finish(p):
    p.send_signal(signal.SIGTERM)
    out, _ = p.communicate(timeout=60)
    RUNNING.remove(p)
    if p.returncode:
        raise RuntimeError("{} failed".format(p.args))
    return [int(x) for x in out.split()]


def run(tools, mode, payload, n, packets, rate):
    """One run: busy ticks, copies made, and the tc program's nanoseconds."""
    worker = None
    if mode in ("tc", "tc-timed"):
        timed = ["-S"] if mode == "tc-timed" else []
        worker = start("rp", tools["tcrep"], *timed, "-i", "r_in", "-l", LOCAL,
                       "-d", FIRST_RP, "-n", str(n), "-s", SOURCE, "-g", GROUP)
    elif mode == "floor":
        worker = start("rp", tools["tcrep"], "-L", "-i", "r_in", "-o", "r_out",
                       "-n", str(n))
    elif mode == "relay":
        worker = start("rp", "taskset", "-c", str(RP_CPU), tools["relay"],
                       "-i", "r_in", "-s", SOURCE, "-g", GROUP, "-l", LOCAL,
                       "-d", FIRST_RP, "-n", str(n))
    with Busy() as busy:
        sh("taskset", "-c", str(GEN_CPU), tools["gen"], "-i", "g0", "-s",
           SOURCE, "-g", GROUP, "-l", str(payload), "-n", str(packets), "-r",
           str(rate), ns="gen")
        if mode == "relay":
            wait_drained()
    result = finish(worker) if worker else [packets, 0]
    copies = result[1]
    bpf_ns = result[2] if mode == "tc-timed" else 0
    return busy.seconds, copies, bpf_ns


def wait_drained(timeout=60):
    """Until the relay's socket has no datagram queued."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        queued = 0
        for line in sh("cat", "/proc/net/udp6", ns="rp").splitlines()[1:]:
            f = line.split()
            if f[1].endswith(":138A"):  # port 5001
                queued += int(f[4].split(":")[1], 16)
        if not queued:
            return
        time.sleep(0.05)
    raise RuntimeError("the relay did not drain its socket")


def measure(tools, payload, n):
    """Cost per copy, in microseconds, of tc, relay and the clone loop for
    one case: the median of REPEAT rounds, each a baseline and a run of
    each."""
    rate = min(MAX_RATE, COPY_BUDGET // n)
    packets = int(rate * SECONDS)
    row = {"payload": payload, "rps": n, "packets": packets}
    costs = {"tc": [], "relay": [], "floor": []}
    for _ in range(REPEAT):
        base, _, _ = run(tools, "base", payload, n, packets, rate)
        for mode in costs:
            seconds, copies, _ = run(tools, mode, payload, n, packets, rate)
            if copies == 0:
                raise RuntimeError("{} made no copies".format(mode))
            costs[mode].append((seconds - base) * 1e6 / copies)
            row[mode + "_copies"] = copies
    for mode in costs:
        row[mode + "_us"] = median(costs[mode])
        row[mode + "_spread_us"] = (max(costs[mode]) - min(costs[mode])) / 2
    # The program's own time, from a run of its own: timing it slows every
    # BPF program, the sink's too.
    _, copies, bpf_ns = run(tools, "tc-timed", payload, n, packets, rate)
    row["tc_bpf_us"] = bpf_ns / 1000 / copies
    row["ratio"] = (row["relay_us"] / row["tc_us"]
                    if resolved(row, "tc") and resolved(row, "relay") else None)
    return row


def resolved(row, mode):
    """Whether a cost stands out of the machine's noise: above zero and
    above the half-range of its rounds."""
    return row[mode + "_us"] > max(0.0, row[mode + "_spread_us"])


def ratio_text(row):
    return "{:.1f}".format(row["ratio"]) if row["ratio"] else "noise"


def slope(rows, key):
    """Least-squares slope of cost per packet against N: the cost of one
    more copy."""
    xs = [r["rps"] for r in rows]
    ys = [r[key] * r["rps"] for r in rows]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum(
        (x - mx) ** 2 for x in xs)


def plot(rows, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for payload, style in zip(PAYLOADS, ("-", "--")):
        sel = [r for r in rows if r["payload"] == payload]
        ns = [r["rps"] for r in sel]
        ax.plot(ns, [r["relay_us"] for r in sel], "o" + style, color="tab:red",
                label="user-space relay, {} B".format(payload))
        ax.plot(ns, [r["tc_us"] for r in sel], "s" + style, color="tab:blue",
                label="tc-BPF, {} B".format(payload))
        ax.plot(ns, [r["floor_us"] for r in sel], "^" + style,
                color="tab:gray",
                label="clone loop (floor), {} B".format(payload))
    ax.set_xscale("log", base=2)
    ax.set_xticks(RPS)
    ax.set_xticklabels([str(n) for n in RPS])
    ax.set_xlabel("remote RPs subscribed (copies per packet)")
    ax.set_ylabel("CPU time per copy (us)")
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.3)
    ax.legend()
    ax.set_title("Encapsulate and replicate: cost per copy")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def table(rows, env, costs, slopes):
    lines = [
        "Environment: Linux {kernel}, {cpus} CPUs ({cpu}), load {load:.2f} "
        "at the start, {date}.".format(**env),
        "",
        "| payload | RPs | tc-BPF us/copy | (BPF program) | relay us/copy "
        "| relay/tc | clone loop us/copy |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        lines.append(
            "| {payload} | {rps} | {tc_us:.3f} | {tc_bpf_us:.3f} | "
            "{relay_us:.3f} | {ratio} | {floor_us:.3f} |".format(
                **dict(r, ratio=ratio_text(r))))
    lines.append("")
    for payload in PAYLOADS:
        lines.append(
            "Cost of one more copy, {} B: tc-BPF {:.3f} us, relay {:.3f} us, "
            "clone loop {:.3f} us.".format(
                payload, slopes[payload]["tc_us"],
                slopes[payload]["relay_us"], slopes[payload]["floor_us"]))
    lines.append("Decapsulation: {decap} ns per packet; re-origination of a "
                 "publication: {publish} ns per packet (BPF_PROG_TEST_RUN, "
                 "repeated).".format(**costs))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--tools", required=True, help="where gen, relay, tcrep are")
    ap.add_argument("--out", required=True, help="where results go")
    ap.add_argument("--quick", action="store_true",
                    help="a short run: 256 octets, 1, 8 and 64 RPs, 1 s each")
    args = ap.parse_args()
    global PAYLOADS, RPS, SECONDS
    if args.quick:
        PAYLOADS, RPS, SECONDS = [256], [1, 8, 64], 1.0
    tools = {t: os.path.join(args.tools, t) for t in ("gen", "relay", "tcrep")}
    os.makedirs(args.out, exist_ok=True)
    env = environment()
    rows = []
    # Stopped from outside, the run still removes what it made.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))
    try:
        setup(tools)
        for payload in PAYLOADS:
            for n in RPS:
                row = measure(tools, payload, n)
                rows.append(row)
                print("payload {payload:4d} B, {rps:3d} RPs: tc {tc_us:.3f} us"
                      "/copy, relay {relay_us:.3f} us/copy, ratio {ratio}"
                      .format(**dict(row, ratio=ratio_text(row))), flush=True)
    finally:
        teardown()
    costs = {
        what: float(subprocess.run(
            [tools["tcrep"], "-c", what, "-r", "200000"], check=True,
            capture_output=True, text=True).stdout)
        for what in ("decap", "publish")
    }
    slopes = {
        p: {k: slope([r for r in rows if r["payload"] == p], k)
            for k in ("tc_us", "relay_us", "floor_us")}
        for p in PAYLOADS
    }
    with open(os.path.join(args.out, "results.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)
    with open(os.path.join(args.out, "environment.json"), "w") as f:
        json.dump(env, f, indent=2)
    plot(rows, os.path.join(args.out, "cost-per-copy.png"))
    text = table(rows, env, costs, slopes)
    with open(os.path.join(args.out, "results.md"), "w") as f:
        f.write(text + "\n")
    print()
    print(text)
    print()
    ratios = [r["ratio"] for r in rows if r["ratio"]]
    left_out = len(rows) - len(ratios)
    note = (" ({} of {} cases left out: a cost within the noise of its "
            "rounds)".format(left_out, len(rows)) if left_out else "")
    print("min relay/tc ratio: {}{}".format(
        "{:.1f}".format(min(ratios)) if ratios else "none", note))


if __name__ == "__main__":
    sys.exit(main())
