"""
The two-AS scenario, for its tests and its demo.

       AS1 (source)                              AS2 (receivers)
  src --------- r1 --------- rp1 ============== rp2 --------- r2 --------- rcv
     2001:db8:1:1::/64  2001:db8:1:2::/64  2001:db8:ff::/64  2001:db8:2:2::/64
                                    (no PIM)                 2001:db8:2:1::/64

pim6d runs on r1, rp1, rp2 and r2; rpd runs on rp1 and rp2, each the far end
of its RP's overlay link mdcs0.  The link between the RPs carries unicast
only.  Hosts in AS1 publish through rp1, whose channel source is
2001:db8:1:ffff::1; src also listens in AS1.  Routers get their
configuration from <router>/frr.conf after their daemons are up, with ${...}
replaced by link-local addresses.

The RPs are configured by rpd configuration files, or, in a test module
that sets CONFIGURED_BY = "vtysh", only through pim6d's mdcs module: their
mdcs commands are in the RP routers' frr.conf and rpd starts without any
configuration.
"""

import os
from collections import namedtuple

import pytest

from lib.topogen import TopoRouter

from mdcs_topo.rp import Rp
from mdcs_topo.ssm import link_local, render_frr_conf
from mdcs_topo.topology import load_frr, running, start

HERE = os.path.dirname(os.path.abspath(__file__))
ROUTERS = ["r1", "rp1", "rp2", "r2"]
HOSTS = ["src", "rcv"]
# Short soft-state timers, so that expiry shows within a test.
TIMERS = {"subscription-refresh": 2, "subscription-hold": 6}
# KEEPALIVEs more often than the hold time, so that RPs stay up.
MEMBERSHIP = {"keepalive-interval": 1}
# rp1 re-originates publications from AS1's hosts as (CHANNEL_SOURCE, G).
CHANNEL_SOURCE = "2001:db8:1:ffff::1"
PUBLISHING = {"channel-source-address": CHANNEL_SOURCE, "rate": 200,
              "burst": 20}

Net = namedtuple("Net", "tgen gears rps workdir timers channel_source")


def make_rps(g, workdir, via_vtysh):
    rps = {
        "rp1": Rp(g["rp1"], workdir, "2001:db8:ff::1", "rp1-eth1",
                  ["2001:db8:1::/48"], TIMERS, PUBLISHING, MEMBERSHIP,
                  via_vtysh=via_vtysh),
        "rp2": Rp(g["rp2"], workdir, "2001:db8:ff::2", "rp2-eth1",
                  ["2001:db8:2::/48"], TIMERS, membership=MEMBERSHIP,
                  via_vtysh=via_vtysh),
    }
    return rps


def build_topo(tgen):
    for name in HOSTS + ROUTERS:
        tgen.add_router(name)
    g = tgen.gears
    tgen.add_link(g["src"], g["r1"], "src-eth0", "r1-eth0")
    tgen.add_link(g["r1"], g["rp1"], "r1-eth1", "rp1-eth0")
    tgen.add_link(g["rp1"], g["rp2"], "rp1-eth1", "rp2-eth1")
    tgen.add_link(g["rp2"], g["r2"], "rp2-eth0", "r2-eth1")
    tgen.add_link(g["r2"], g["rcv"], "r2-eth0", "rcv-eth0")


@pytest.fixture(scope="module")
def net(request):
    tgen, workdir = start(build_topo, request.module.__name__)
    g = tgen.gears
    names = {
        "r1_eth0_ll": link_local(g["r1"], "r1-eth0"),
        "r1_eth1_ll": link_local(g["r1"], "r1-eth1"),
        "rp1_eth0_ll": link_local(g["rp1"], "rp1-eth0"),
        "rp2_eth0_ll": link_local(g["rp2"], "rp2-eth0"),
        "r2_eth0_ll": link_local(g["r2"], "r2-eth0"),
        "r2_eth1_ll": link_local(g["r2"], "r2-eth1"),
    }
    via_vtysh = getattr(request.module, "CONFIGURED_BY", "file") == "vtysh"
    rps = make_rps(g, workdir, via_vtysh)
    for name in HOSTS + ROUTERS:
        conf = render_frr_conf(os.path.join(HERE, name, "frr.conf"), workdir, names)
        if via_vtysh and name in rps:
            others = [rp for n, rp in rps.items() if n != name]
            with open(conf, "a") as f:
                f.write("\n".join(rps[name].frr_lines(others)) + "\n")
        load_frr(g[name], conf, name in ROUTERS)
        if via_vtysh and name in rps:
            g[name].load_config(TopoRouter.RD_PIM6, None,
                                "-M mdcs:" + rps[name].cli_socket)
    if not via_vtysh:
        rps["rp1"].configure([rps["rp2"]])
        rps["rp2"].configure([rps["rp1"]])
    with running(tgen, rps):
        yield Net(tgen, g, rps, workdir, TIMERS, CHANNEL_SOURCE)
