"""Bringing an emulated Internet (internet.py) up with an RP in every stub
AS, telling how far it has come, and down again."""

import contextlib
import time
from collections import namedtuple

from .internet import DISCOVERY, OPEN, as_prefix, channel_source, rp_tunnel
from .netconf import learned_rps
from .poll import wait_for
from .rp import Rp
from .topology import running, start

Net = namedtuple("Net", "tgen gears rps workdir inet")

TIMERS = {"subscription-refresh": 2, "subscription-hold": 6}
MEMBERSHIP = {"keepalive-interval": 1, "shuffle-interval": 1}


class Progress:
    """Lines that say how far the lab has come, with the seconds since it
    began; silent unless asked to speak."""

    def __init__(self, speak):
        self.speak = speak
        self.began = time.monotonic()

    def __call__(self, what):
        if self.speak:
            print("lab [{:5.1f} s] {}".format(time.monotonic() - self.began,
                                              what), flush=True)


def make_rps(g, inet, workdir, seeds):
    """An RP in every stub AS serving its /48, publishing from its channel
    source.  Each knows the seeds' RPs by configuration, or, without
    seeds, every other RP."""
    rps = {}
    for k in inet.stubs:
        name = inet.rp(k)
        publishing = {"channel-source-address": channel_source(k),
                      "rate": 1000, "burst": 100}
        rps[name] = Rp(g[name], workdir, rp_tunnel(k), name + "-eth0",
                       [as_prefix(k)], TIMERS, publishing, MEMBERSHIP,
                       discovery=DISCOVERY)
    known = [rps[inet.rp(k)] for k in seeds] if seeds else list(rps.values())
    for rp in rps.values():
        rp.configure([r for r in known if r is not rp])
    return rps


def unreachable(inet, rps):
    """Pairs of RPs (from, to) where `to` stands in the open and does not
    answer `from`'s ping: empty once BGP has converged."""
    open_rps = [rps[inet.rp(k)] for k in inet.stubs if inet.wall(k) == OPEN]
    return [(a.name, b.name) for a in rps.values() for b in open_rps
            if a is not b and a.router.run(
                "ping -6 -c 1 -W 1 {} >/dev/null 2>&1; echo $?".format(
                    b.tunnel)).strip() != "0"]


def knows_all(rp, rps, configured):
    """Whether rp knows every other RP, configured or learned."""
    known = set(learned_rps(rp)) | {r.public_key for r in configured}
    return known >= {r.public_key for r in rps.values() if r is not rp}


@contextlib.contextmanager
def lab_up(inet, name, seeds=(), speak=False, times=None):
    """inet up, with its RPs: the peers' hosts send finished UDP checksums,
    as behind a real NIC; yields a Net once every RP reaches every RP in
    the open and, with seeds, has learned of every other RP.  Everything
    is torn down afterwards, also on failure.  A dict given as times gets
    the wall clock's time (time.time(), as rpd's log has it) of each step:
    "rpd" as rpd starts, "bgp" when BGP has converged, "mesh" when the
    mesh is complete (each as the poll first saw it)."""
    say = Progress(speak)
    times = {} if times is None else times
    say("{} ASes ({} stub ASes with an RP and {} peers each): making "
        "namespaces and links".format(len(inet.ases), len(inet.stubs),
                                      inet.peers))
    hosts = inet.hosts()
    tgen, workdir = start(inet.build, name, source=hosts[0])
    try:
        g = tgen.gears
        for h in hosts[1:]:
            g[h].cmd_raises("ethtool -K {}-eth0 tx off".format(h))
        inet.load(tgen, workdir)
        rps = make_rps(g, inet, workdir, list(seeds))
    except BaseException:
        tgen.stop_topology()
        raise
    say("starting FRR in {} routers and hosts, rpd on {} RPs".format(
        len(tgen.routers()), len(rps)))
    times["rpd"] = time.time()
    with running(tgen, rps):
        say("waiting for BGP to connect every RP to every RP in the open")
        wait_for(lambda: not unreachable(inet, rps), 180,
                 "BGP to connect every AS to every other", interval=1)
        times["bgp"] = time.time()
        say("BGP has converged")
        if seeds:
            say("waiting for every RP to learn of the {} others by peer "
                "sampling".format(len(rps) - 1))
            configured = [rps[inet.rp(k)] for k in seeds]
            wait_for(lambda: all(knows_all(rp, rps, configured)
                                 for rp in rps.values()),
                     120, "every RP to learn of every other", interval=1)
            times["mesh"] = time.time()
            say("the RP mesh is complete")
        yield Net(tgen, g, rps, workdir, inet)
        say("tearing down")
    say("torn down")
