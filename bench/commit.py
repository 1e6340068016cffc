#!/usr/bin/python3
"""
Commit latency of rpd's running configuration against the number of
channel mappings, over NETCONF as an operator's client sees it.

    netns mdcs-bench-commit
      rpd (RP bench-commit, remote RP rp2)   up0 ==veth== up1
        ^ NETCONF over SSH on ::1
      this script (ncclient), run inside the namespace

For 1, 100 and 10,000 mappings of channels (S_i, G_i) to rp2, the
candidate is edited (not timed) and three commits are timed at the client:
"add" installs the mappings in the datapath, "touch" changes the outer hop
limit with the mappings in place (rpd restarts the RP and takes over what it
installed), "remove" deletes them all.  Each commit is checked in the
datapath (mdcsctl) and repeated; the median counts.  Times are printed
beside their ratio to the one-mapping case.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

from common import environment, median

# The NETCONF client and configuration helpers of the topotests.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                os.pardir, "topotests"))
from mdcs_topo.netconf import config, connect  # noqa: E402
from mdcs_topo.rp import instance_config  # noqa: E402

NS = "mdcs-bench-commit"
INSTANCE = "bench-commit"  # its BPF maps are pinned by this name
SIZES = [1, 100, 10000]
REPEAT = 5
SOURCE_PREFIX = "2001:db8:1::/48"


def sh(*args):
    return subprocess.run(args, check=True, capture_output=True,
                          text=True).stdout


def rp_config(key_file, rp2_key):
    return instance_config(INSTANCE, {
        "rp": {"tunnel-address": "2001:db8:ff::1",
               "uplink-interface": "up0",
               "private-key-file": key_file,
               "source-prefix": [SOURCE_PREFIX]},
        "remote-rp": [{"name": "rp2", "address": "2001:db8:ff::2",
                       "public-key": rp2_key,
                       "source-prefix": ["2001:db8:2::/48"]}],
    })


def channels(n):
    """n distinct channels of this RP's sources."""
    return [("2001:db8:1::{:x}".format(1 + i // 256),
             "ff3e::{:x}".format(0x8000 + i)) for i in range(n)]


def mappings(chans, op=""):
    return "".join(
        "<channel{}><group>{}</group><source>{}</source>"
        "<remote-rp>rp2</remote-rp></channel>".format(op, g, s)
        for s, g in chans)


class Rpd:
    """rpd serving NETCONF over SSH on ::1, with keys of its own."""

    def __init__(self, tools, yang_path, workdir):
        self.tools, self.dir = tools, workdir
        key = os.path.join(workdir, "rpd.key")
        self.host_key = os.path.join(workdir, "host_key")
        self.admin_key = os.path.join(workdir, "admin_key")
        sh(tools["rpd"], "--keygen", key)
        rp2_key = sh(tools["rpd"], "--keygen",
                     os.path.join(workdir, "rp2.key")).strip()
        sh("ssh-keygen", "-q", "-t", "ecdsa", "-m", "PEM", "-N", "",
           "-f", self.host_key)
        sh("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
           self.admin_key)
        conf = os.path.join(workdir, "rp1.json")
        with open(conf, "w") as f:
            json.dump(rp_config(key, rp2_key), f)
        pid_file = os.path.join(workdir, "rpd.pid")
        self.log = open(os.path.join(workdir, "rpd.log"), "w")
        self.proc = subprocess.Popen(
            [tools["rpd"], "-y", yang_path, "-c", conf, "-p", pid_file,
             "-a", "::1", "-k", self.host_key,
             "-u", "admin:" + self.admin_key + ".pub"],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while not os.path.exists(pid_file):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("rpd did not come up; see "
                                   + self.log.name)
            time.sleep(0.05)

    def sent_channels(self):
        out = sh(self.tools["mdcsctl"], "-n", INSTANCE, "-j", "show",
                 "channels")
        return len(json.loads(out)["sent"])

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def timed_commit(m):
    t0 = time.monotonic()
    m.commit()
    return (time.monotonic() - t0) * 1000


def measure(rpd, m, n):
    chans = channels(n)
    times = {"add": [], "touch": [], "remove": []}
    for i in range(REPEAT):
        m.edit_config(target="candidate",
                      config=config(INSTANCE, mappings(chans)))
        times["add"].append(timed_commit(m))
        if rpd.sent_channels() != n:
            raise RuntimeError("{} mappings committed, {} channels in the "
                               "datapath".format(n, rpd.sent_channels()))
        m.edit_config(target="candidate", config=config(
            INSTANCE, "<rp><hop-limit>{}</hop-limit></rp>".format(40 + i % 2)))
        times["touch"].append(timed_commit(m))
        m.edit_config(target="candidate", config=config(
            INSTANCE, mappings(chans, ' nc:operation="delete"')))
        times["remove"].append(timed_commit(m))
        if rpd.sent_channels() != 0:
            raise RuntimeError("mappings deleted, channels left")
    return {"mappings": n, **{k: median(v) for k, v in times.items()}}


def table(rows, env):
    base = rows[0]
    lines = [
        "Environment: Linux {kernel}, {cpus} CPUs ({cpu}), load {load:.2f} "
        "at the start, {date}.".format(**env),
        "",
        "| mappings | add ms | (x 1 mapping) | touch ms | (x) | remove ms "
        "| (x) |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        lines.append("| {} | {:.1f} | {:.1f} | {:.1f} | {:.1f} | {:.1f} | "
                     "{:.1f} |".format(
                         r["mappings"], r["add"], r["add"] / base["add"],
                         r["touch"], r["touch"] / base["touch"],
                         r["remove"], r["remove"] / base["remove"]))
    return "\n".join(lines)


def inside(args):
    global SIZES, REPEAT
    if args.quick:
        SIZES, REPEAT = [1, 100], 2
    tools = {"rpd": args.rpd, "mdcsctl": args.mdcsctl}
    sh("ip", "link", "set", "lo", "up")
    sh("ip", "link", "add", "up0", "type", "veth", "peer", "name", "up1")
    sh("ip", "addr", "add", "2001:db8:ff::1/64", "dev", "up0", "nodad")
    sh("ip", "link", "set", "up0", "up")
    sh("ip", "link", "set", "up1", "up")
    env = environment()
    rows = []
    with tempfile.TemporaryDirectory(prefix="mdcs-bench-commit-") as d:
        rpd = Rpd(tools, args.yang_path, d)
        try:
            with connect(rpd.admin_key, timeout=600) as m:
                for n in SIZES:
                    rows.append(measure(rpd, m, n))
                    print("{mappings:5d} mappings: add {add:.1f} ms, touch "
                          "{touch:.1f} ms, remove {remove:.1f} ms"
                          .format(**rows[-1]), flush=True)
        finally:
            rpd.stop()
    os.makedirs(args.out, exist_ok=True)
    text = table(rows, env)
    with open(os.path.join(args.out, "commit.md"), "w") as f:
        f.write(text + "\n")
    print()
    print(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rpd", required=True)
    ap.add_argument("--mdcsctl", required=True)
    ap.add_argument("--yang-path", required=True)
    ap.add_argument("--out", required=True, help="where results go")
    ap.add_argument("--quick", action="store_true",
                    help="1 and 100 mappings, twice each")
    ap.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.inside:
        return inside(args)
    subprocess.run(["ip", "netns", "del", NS], capture_output=True)
    sh("ip", "netns", "add", NS)
    try:
        return subprocess.run(["ip", "netns", "exec", NS, "/usr/bin/python3",
                               os.path.abspath(__file__), "--inside"]
                              + sys.argv[1:]).returncode
    finally:
        subprocess.run(["ip", "netns", "del", NS], capture_output=True)


if __name__ == "__main__":
    sys.exit(main())
