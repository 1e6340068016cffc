"""
How the RP mesh scales with the number of RPs, in the reduced lab
(internet.reduced: one transit AS 0 and n stub ASes, each with an RP and
one peer).  For every n, the lab comes up (lab.py) with the first RP as
the only seed, so that the others learn the rest by peer sampling, and
the sweep measures:

- the time until every RP knows every other: as lab_up's poll first saw
  it, from rpd's start and from BGP's convergence, and as rpd's logs
  have it (the last "learned" line before the poll saw the mesh
  complete, to the millisecond, which the poll, one NETCONF session per
  RP a round, is not);
- the mesh's upkeep: everything mdcs sent between RPs (the tunnel port)
  on the inter-AS links over a quiet window, with nothing published and
  no channel subscribed (evaluation.py's nftables counters), and each
  rpd's CPU over that window;
- the data plane: every peer (one per AS) publishes a few messages
  through mdcs (evaluation.run_mdcs): inter-AS octets per message, and
  whether every peer got every message once;
- each rpd's memory (VmRSS) and CPU (utime + stime) at the end of the run.

The table (one row per n, with ratios against the first row) is printed
and, with an output directory, written there with a figure (plots.py).
"""

import datetime
import os
import platform
import re
import statistics
import time
import traceback
from collections import namedtuple

from . import plots
from .evaluation import counted, delivery, install_counters, links, \
    message_texts, run_mdcs, since, wanted
from .internet import reduced
from .lab import MEMBERSHIP, TIMERS, lab_up

SEEDS = (1,)  # the RPs every other is configured with: rp1 alone
PEERS = 1  # per AS: one peer publishes in each
MESSAGES = 5
SIZE = 200
SETTLE = 5  # seconds between the mesh's completion and the quiet window
QUIET = 10  # seconds of the quiet window
CLK_TCK = os.sysconf("SC_CLK_TCK")
# rpd's log line for an RP learned by peer sampling (lib/log.c's local
# time of day, rpd/mesh.c's notice).
LEARNED = re.compile(
    r"^(\d\d):(\d\d):(\d\d)\.(\d{3}) rpd \w+: remote RP \S+ learned at ")

Row = namedtuple("Row", [
    "n", "mesh_after_start", "mesh_after_bgp", "learned_after_start",
    "upkeep", "quiet_cpu", "octets_per_message", "octets_per_link",
    "delivery", "dups", "rss_mib", "run_cpu", "failure"],
    defaults=[None] * 12)


def ok(row):
    """Whether the run completed its mesh and delivered every message to
    every peer exactly once."""
    return row.failure is None and row.delivery == 1.0 and row.dups == 0


def usage(pid):
    """(CPU seconds, user and system, since it started; VmRSS in KiB) of
    process pid, from /proc."""
    with open("/proc/{}/stat".format(pid)) as f:
        # Fields after the command, which may hold spaces: state is [0].
        fields = f.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / CLK_TCK
    with open("/proc/{}/status".format(pid)) as f:
        rss = next(int(line.split()[1]) for line in f
                   if line.startswith("VmRSS:"))
    return cpu, rss


def wall_time(match, near):
    """The time.time() of a log line's local time of day (LEARNED's
    groups): on the day of near, or the day before or after if that is
    nearer (a run across midnight)."""
    h, m, s, ms = (int(x) for x in match.groups())
    t = datetime.datetime.fromtimestamp(near).replace(
        hour=h, minute=m, second=s, microsecond=1000 * ms).timestamp()
    return min((t - 86400, t, t + 86400), key=lambda x: abs(x - near))


def last_learned(rps, start, end):
    """The latest time between start and end at which any RP's log says it
    learned an RP; None if none did (each knew the others by
    configuration)."""
    seen = []
    for rp in rps.values():
        with open(rp.log_file) as f:
            seen += [wall_time(m, start) for m in map(LEARNED.match, f) if m]
    # A log time is cut to the millisecond; the poll's is not.
    return max((t for t in seen if start <= t <= end + 0.001), default=None)


def quiet_upkeep(net, seconds):
    """Over seconds with nothing published and no channel subscribed: the
    octets per second per RP that mdcs put on the inter-AS links (all of
    it on the tunnel port, both ways, summed over the links, over the
    RPs), and the mean over rpds of the share of a CPU each used."""
    pids = [rp.pid for rp in net.rps.values()]
    cpu = [usage(p)[0] for p in pids]
    before, began = counted(net), time.monotonic()
    time.sleep(seconds)
    octets = since(net, before, "mdcs-all")
    took = time.monotonic() - began
    cpu = [usage(p)[0] - c for p, c in zip(pids, cpu)]
    return (sum(octets.values()) / took / len(pids),
            statistics.mean(cpu) / took)


def measure(n, messages=MESSAGES, size=SIZE):
    """One Row: the reduced lab with n RPs up, measured, torn down."""
    times = {}
    with lab_up(reduced(n, PEERS), "mesh_scale_{}".format(n), seeds=SEEDS,
                speak=True, times=times) as net:
        learned = last_learned(net.rps, times["rpd"], times["mesh"])
        install_counters(net)
        time.sleep(SETTLE)
        upkeep, quiet_cpu = quiet_upkeep(net, QUIET)
        texts = message_texts(messages, size)
        want = wanted(net, texts)
        result = run_mdcs(net, texts)
        carried = sum(result.data.values()) / len(want)
        use = [usage(rp.pid) for rp in net.rps.values()]
        return Row(
            n, times["mesh"] - times["rpd"], times["mesh"] - times["bgp"],
            None if learned is None else learned - times["rpd"],
            upkeep, quiet_cpu, carried, carried / len(links(net)),
            delivery(net, result, want), sum(result.dups.values()),
            statistics.mean(rss for _, rss in use) / 1024,
            statistics.mean(cpu for cpu, _ in use))


def environment(messages, size):
    """The machine and the lab's settings the figures depend on."""
    return (
        "Linux {}, {} CPUs, load average {:.2f} at the start.  Reduced lab: "
        "transit AS0 and n stub ASes, each with an RP and {} peer; every RP "
        "configured with rp1 alone.  Timers: keepalive-interval {} s and "
        "shuffle-interval {} s (the lab's; rpd's defaults are 15 s and "
        "10 s), subscription refresh {} s, hold {} s.  Quiet window {} s, "
        "{} s after the mesh was complete; then {} messages of {} octets "
        "per peer, published all at once.".format(
            platform.release(), os.cpu_count(), os.getloadavg()[0], PEERS,
            MEMBERSHIP["keepalive-interval"], MEMBERSHIP["shuffle-interval"],
            TIMERS["subscription-refresh"], TIMERS["subscription-hold"],
            QUIET, SETTLE, messages, size))


def _num(value, fmt):
    return "-" if value is None else fmt.format(value)


def table(rows):
    """The rows as Markdown, with ratios against the first successful
    row's upkeep and octets per message."""
    base = next((r for r in rows if r.failure is None), None)
    of = "n = {}".format(base.n) if base else "the first"

    def ratio(value, to):
        return "-" if value is None or not to else "{:.2f}".format(
            value / to)

    lines = [
        "| RPs | s to a complete mesh after rpd started: poll / rpd logs "
        "| s after BGP converged (poll) | upkeep, octets/s per RP "
        "| upkeep × {0} | rpd CPU in the quiet window, % of one CPU "
        "| inter-AS octets per message | per link | octets per message "
        "× {0} | delivered | received twice | rpd VmRSS, MiB "
        "| rpd CPU s over the run |".format(of),
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| ---: | ---: | ---: | ---: |"]
    for r in rows:
        if r.failure is not None:
            lines.append("| {} | failed: {} |{}".format(
                r.n, r.failure.replace("|", "/").replace("\n", " ")[:200],
                " - |" * 11))
            continue
        lines.append(
            "| {} | {:.1f} / {} | {:.1f} | {:.0f} | {} | {:.2f} | {:.0f} "
            "| {:.0f} | {} | {:.3f} | {} | {:.1f} | {:.2f} |".format(
                r.n, r.mesh_after_start,
                _num(r.learned_after_start, "{:.1f}"), r.mesh_after_bgp,
                r.upkeep, ratio(r.upkeep, base.upkeep),
                100 * r.quiet_cpu, r.octets_per_message, r.octets_per_link,
                ratio(r.octets_per_message, base.octets_per_message),
                r.delivery, r.dups, r.rss_mib, r.run_cpu))
    return lines


LEGEND = [
    "Upkeep: octets per second on the inter-AS links (each stub AS's link "
    "to AS0, both ways) of everything mdcs sent between RPs, over the RPs; "
    "a packet between two RPs crosses two such links, so this is what an "
    "RP's own link carries.  Octets per message: the AMT data messages on "
    "all inter-AS links, per message published, and per link.  rpd's "
    "memory and CPU are the means over the RPs, at the end of the run "
    "(its CPU includes answering the poll's NETCONF sessions).",
]


def sweep(ns, outdir=None, messages=MESSAGES, size=SIZE):
    """Measure every n in ns in turn (a failed run is a row that says why,
    and the sweep goes on); print the table and, with outdir, write it
    there (results.md) with the figure.  Returns the rows."""
    env = environment(messages, size)
    began = time.monotonic()
    rows = []
    for n in ns:
        try:
            rows.append(measure(n, messages, size))
        except Exception as e:  # noqa: BLE001  (the row says what failed)
            traceback.print_exc()
            rows.append(Row(n, failure="{}: {}".format(type(e).__name__, e)))
        print("mesh-scale: n = {} done ({:.0f} s so far)".format(
            n, time.monotonic() - began), flush=True)
    took = time.monotonic() - began
    report = ([env, ""] + table(rows) + [""] + LEGEND +
              ["", "The sweep took {:.0f} s.".format(took)])
    print("\n" + "\n".join(report))
    if outdir:
        os.makedirs(outdir, exist_ok=True)
        done = [r for r in rows if r.failure is None]
        if done:
            path = os.path.join(outdir, "mesh-scale.png")
            plots.mesh_scale(done, path)
            print("figure: " + path)
        path = os.path.join(outdir, "results.md")
        with open(path, "w") as f:
            f.write("\n".join(report) + "\n")
        print("table: " + path)
    return rows
