#!/usr/bin/python3
"""
Replication cost per copy: the tc-BPF replicator against a user-space relay,
side by side, on the same veth pairs and the same packets.

    gen ns            rp ns                          sink ns
    gen: paced (S,G)  r_in ---> tc-BPF mdcs_encap     s0 (drops)
    stream --- g0 ->      \\--> or relay (recvmmsg,  /
                           \\    sendmmsg N copies) -> r_out

For every payload and number N of remote RPs, the same stream runs three
times: with the RP only receiving it (baseline), through the tc program, and
through the relay.  The CPU time of the whole machine (/proc/stat) over a run,
less the baseline's, divided by the copies made, is the cost per copy.  The
tc program's own run time (kernel BPF statistics) is shown beside it.
"""

import argparse
import csv
import json
import os
import platform
import signal
import subprocess
import sys
import time

SOURCE = "2001:db8:1::10"
GROUP = "ff3e::1234"
LOCAL = "2001:db8:ff::1"
FIRST_RP = "2001:db8:ff::100"
NS = {"gen": "mdcs-bench-gen", "rp": "mdcs-bench-rp", "sink": "mdcs-bench-sink"}
PAYLOADS = [256, 1232]
RPS = [1, 2, 4, 8, 16, 32, 64, 128]
SECONDS = 3.0  # per run
MAX_RATE = 20000  # packets per second
COPY_BUDGET = 250000  # copies per second: what the relay keeps up with


def sh(*args, ns=None, **kw):
    cmd = (["ip", "netns", "exec", NS[ns]] if ns else []) + list(args)
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


def busy_ticks():
    """CPU time spent not idle, all CPUs, in USER_HZ ticks."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = fields[:8]
    return user + nice + system + irq + softirq + steal


def setup():
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
    sh("ip", "-6", "addr", "add", "2001:db8:1::2/64", "dev", "r_in", "nodad", ns="rp")
    sh("ip", "-6", "addr", "add", LOCAL + "/64", "dev", "r_out", "nodad", ns="rp")
    mac = sh("cat", "/sys/class/net/s0/address", ns="sink").strip()
    batch = "".join(
        "neigh add 2001:db8:ff::{:x} lladdr {} dev r_out nud permanent\n".format(
            0x100 + i, mac)
        for i in range(max(RPS)))
    sh("ip", "-batch", "-", ns="rp", input=batch)


def teardown():
    for ns in NS.values():
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def start(ns, *args):
    """A tool in a namespace, once it has said it is ready."""
    p = subprocess.Popen(["ip", "netns", "exec", NS[ns]] + list(args),
                         stdout=subprocess.PIPE, text=True)
    if p.stdout.readline().strip() != "ready":
        p.kill()
        raise RuntimeError("{} did not start".format(args[0]))
    return p


def finish(p):
    p.send_signal(signal.SIGTERM)
    out, _ = p.communicate(timeout=60)
    if p.returncode:
        raise RuntimeError("{} failed".format(p.args))
    return [int(x) for x in out.split()]


def run(tools, mode, payload, n, packets, rate):
    """One run: busy ticks, copies made, and the tc program's nanoseconds."""
    worker = None
    if mode == "tc":
        worker = start("rp", tools["tcrep"], "-i", "r_in", "-l", LOCAL, "-d",
                       FIRST_RP, "-n", str(n), "-s", SOURCE, "-g", GROUP)
    elif mode == "relay":
        worker = start("rp", tools["relay"], "-i", "r_in", "-s", SOURCE, "-g",
                       GROUP, "-l", LOCAL, "-d", FIRST_RP, "-n", str(n))
    before = busy_ticks()
    sh(tools["gen"], "-i", "g0", "-s", SOURCE, "-g", GROUP, "-l", str(payload),
       "-n", str(packets), "-r", str(rate), ns="gen")
    if mode == "relay":
        wait_drained()
    after = busy_ticks()
    result = finish(worker) if worker else [packets, 0]
    copies = result[1]
    bpf_ns = result[2] if mode == "tc" else 0
    return after - before, copies, bpf_ns


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
    """Cost per copy, in microseconds, of tc and relay for one case."""
    rate = min(MAX_RATE, COPY_BUDGET // n)
    packets = int(rate * SECONDS)
    base, _, _ = run(tools, "base", payload, n, packets, rate)
    row = {"payload": payload, "rps": n, "packets": packets}
    for mode in ("tc", "relay"):
        ticks, copies, bpf_ns = run(tools, mode, payload, n, packets, rate)
        if copies == 0:
            raise RuntimeError("{} made no copies".format(mode))
        hz = os.sysconf("SC_CLK_TCK")
        row[mode + "_copies"] = copies
        row[mode + "_us"] = (ticks - base) / hz * 1e6 / copies
        if mode == "tc":
            row["tc_bpf_us"] = bpf_ns / 1000 / copies
    row["ratio"] = row["relay_us"] / row["tc_us"]
    return row


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
        "| relay/tc |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        lines.append(
            "| {payload} | {rps} | {tc_us:.3f} | {tc_bpf_us:.3f} | "
            "{relay_us:.3f} | {ratio:.1f} |".format(**r))
    lines.append("")
    for payload in PAYLOADS:
        lines.append(
            "Cost of one more copy, {} B: tc-BPF {:.3f} us, relay {:.3f} us."
            .format(payload, slopes[payload]["tc_us"],
                    slopes[payload]["relay_us"]))
    lines.append("Decapsulation: {decap} ns per packet; re-origination of a "
                 "publication: {publish} ns per packet (BPF_PROG_TEST_RUN, "
                 "repeated).".format(**costs))
    return "\n".join(lines)


def environment():
    model = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "kernel": platform.release(),
        "cpus": os.cpu_count(),
        "cpu": model,
        "load": os.getloadavg()[0],
        "date": time.strftime("%Y-%m-%d %H:%M"),
    }


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
    try:
        setup()
        for payload in PAYLOADS:
            for n in RPS:
                row = measure(tools, payload, n)
                rows.append(row)
                print("payload {payload:4d} B, {rps:3d} RPs: tc {tc_us:.3f} us"
                      "/copy, relay {relay_us:.3f} us/copy, ratio {ratio:.1f}"
                      .format(**row), flush=True)
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
            for k in ("tc_us", "relay_us")}
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
    print("min relay/tc ratio: {:.1f}".format(min(r["ratio"] for r in rows)))


if __name__ == "__main__":
    sys.exit(main())
