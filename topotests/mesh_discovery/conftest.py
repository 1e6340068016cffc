"""
Three RPs that find each other by peer sampling.

    AS1 (source)              AS2 (receiver)            AS3 (seed)
  src ---- rp1               rcv ---- rp2                 rp3
  2001:db8:1:1::/64   |      2001:db8:2:1::/64   |         |
                      +------------+-------------+---------+
                          sw1: 2001:db8:ff::/64, unicast only

rp1 and rp2 are configured with rp3 alone; rp3 with no remote RP.  Each
learns the others from the descriptors that shuffles carry, and rp2
subscribes to AS1's channel at rp1, which it was never told of.  pim6d runs
on every RP; rpd runs on every RP, the far end of its overlay link mdcs0.
"""

import os
from collections import namedtuple

import pytest

from mdcs_topo.rp import Rp
from mdcs_topo.ssm import link_local, render_frr_conf
from mdcs_topo.topology import load_frr, running, start

HERE = os.path.dirname(os.path.abspath(__file__))
ROUTERS = ["rp1", "rp2", "rp3"]
HOSTS = ["src", "rcv"]
TIMERS = {"subscription-refresh": 2, "subscription-hold": 6}
# Shuffles every second, so that the mesh forms within a test.
MEMBERSHIP = {"keepalive-interval": 1, "shuffle-interval": 1}
PREFIXES = {"rp1": "2001:db8:1::/48", "rp2": "2001:db8:2::/48",
            "rp3": "2001:db8:3::/48"}

Net = namedtuple("Net", "tgen gears rps workdir")


def build_topo(tgen):
    for name in HOSTS + ROUTERS:
        tgen.add_router(name)
    g = tgen.gears
    tgen.add_link(g["src"], g["rp1"], "src-eth0", "rp1-eth0")
    tgen.add_link(g["rcv"], g["rp2"], "rcv-eth0", "rp2-eth0")
    sw = tgen.add_switch("sw1")
    for name in ROUTERS:
        sw.add_link(g[name], nodeif=name + "-eth1")


@pytest.fixture(scope="module")
def net(request):
    tgen, workdir = start(build_topo, request.module.__name__)
    g = tgen.gears
    names = {
        "rp1_eth0_ll": link_local(g["rp1"], "rp1-eth0"),
        "rp2_eth0_ll": link_local(g["rp2"], "rp2-eth0"),
    }
    rps = {
        name: Rp(g[name], workdir, "2001:db8:ff::" + name[-1], name + "-eth1",
                 [PREFIXES[name]], TIMERS, membership=MEMBERSHIP)
        for name in ROUTERS
    }
    rps["rp1"].configure([rps["rp3"]])
    rps["rp2"].configure([rps["rp3"]])
    rps["rp3"].configure([])
    for name in HOSTS + ROUTERS:
        conf = render_frr_conf(os.path.join(HERE, name, "frr.conf"), workdir,
                               names)
        load_frr(g[name], conf, name in ROUTERS)
    with running(tgen, rps):
        yield Net(tgen, g, rps, workdir)
