"""
The reduced lab: three stub ASes around a transit AS, an RP in each stub
AS and two peers beside it, eBGP between the ASes (mdcs_topo/internet.py
draws the topology).  The RPs know each other by configuration; the peers
are tunnel-mode peers of their RP, so that the scenario runs on kernels
without multicast routing too.  A stateful firewall on AS3's border lets
nothing from outside reach rp3 but answers to rp3's own traffic.
"""

from collections import namedtuple

import pytest

from mdcs_topo import internet
from mdcs_topo.poll import wait_for
from mdcs_topo.rp import Rp
from mdcs_topo.topology import running, start

N_AS = 3
PEERS = 2
FIREWALLED = 3  # the stub AS whose RP sits behind a stateful firewall
TIMERS = {"subscription-refresh": 2, "subscription-hold": 6}
MEMBERSHIP = {"keepalive-interval": 1}

Net = namedtuple("Net", "tgen gears rps workdir n_as peers hosts firewalled")


def build_topo(tgen):
    internet.build(tgen, N_AS, PEERS)


def hosts():
    return [internet.host_name(k, i) for k in range(1, N_AS + 1)
            for i in range(1, PEERS + 1)]


def make_rps(g, workdir):
    rps = {}
    for k in range(1, N_AS + 1):
        name = "rp{}".format(k)
        publishing = {"channel-source-address": internet.channel_source(k),
                      "rate": 1000, "burst": 100}
        rps[name] = Rp(g[name], workdir, internet.rp_tunnel(k),
                       name + "-eth0", [internet.as_prefix(k)], TIMERS,
                       publishing, MEMBERSHIP)
    for name, rp in rps.items():
        rp.configure([r for n, r in rps.items() if n != name])
    return rps


def reachable(g, rps):
    """Every RP answers every other's ping, but the firewalled RP, which
    only answers what it asked for: BGP has converged."""
    walled = "rp{}".format(FIREWALLED)
    for a in rps.values():
        for b in rps.values():
            if a is not b and b.name != walled and a.router.run(
                    "ping -6 -c 1 -W 1 {} >/dev/null 2>&1; echo $?".format(
                        b.tunnel)).strip() != "0":
                return False
    return True


@pytest.fixture(scope="module")
def net(request):
    tgen, workdir = start(build_topo, request.module.__name__,
                          source=hosts()[0])
    g = tgen.gears
    # Hosts send finished UDP checksums, as behind a real NIC.
    for h in hosts()[1:]:
        g[h].cmd_raises("ethtool -K {}-eth0 tx off".format(h))
    internet.load(tgen, N_AS, PEERS, workdir)
    internet.firewall(tgen, FIREWALLED, workdir)
    rps = make_rps(g, workdir)
    with running(tgen, rps):
        wait_for(lambda: reachable(g, rps), 90,
                 "BGP to connect every AS to every other")
        yield Net(tgen, g, rps, workdir, N_AS, PEERS, hosts(), FIREWALLED)
