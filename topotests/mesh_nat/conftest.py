"""
RPs behind every kind of NAT66 box and IPv6 firewall find each other by
peer sampling and exchange channels, directly, through punched holes, or
through a relay where punching cannot work.

            s1 (seed)      s2 (seed)
               |              |
    -----+-----+----- sw0 ----+------+--------  2001:db8:ff::/64,
         |                           |          unicast only
        b0 (open)      ...          b15 (symmetric)   two boxes per profile,
         | 2001:db8:fe:0::/64        | 2001:db8:fe:15::/64  outside ::1k
        r0 (RP, tunnel ::2)         r15
         | 2001:db8:10:1::/64        | 2001:db8:115:1::/64
        h0 (source and receiver)    h15

Box k plays profile k mod 8: RPs 0 to 7 stand for their profile toward
every other profile, and RP k + 8, the twin of RP k, toward RP k alone.
Every RP is configured with the two seeds alone, classifies its box with
them, and serves 2001:db8:1k::/48, where its host sends (h_k, G) and
joins the channels of the hosts its RP stands for a pair with.  Boxes
that do not translate have their inside link routed on the Internet; the
others hide it.  pim6d runs on r0 to r15; the seeds run rpd alone.
"""

import os
from collections import namedtuple

import pytest

from mdcs_topo import natbox
from mdcs_topo.rp import Rp
from mdcs_topo.topology import load_frr, running, start

PROFILES = natbox.PROFILES
N_RPS = 2 * len(PROFILES)
SEEDS = ["s1", "s2"]
TIMERS = {"subscription-refresh": 2, "subscription-hold": 6}
MEMBERSHIP = {"keepalive-interval": 1, "shuffle-interval": 1}

Net = namedtuple("Net", "tgen gears rps workdir")


def profile(k):
    """The profile of RP k's box."""
    return PROFILES[k % len(PROFILES)]


def rp_pair(i, j):
    """The RPs that stand for the pair of profiles i <= j."""
    return (i, j) if i != j else (i, i + len(PROFILES))


def pair_mates(k):
    """The RPs that RP k stands for a pair of profiles with."""
    n = len(PROFILES)
    if k >= n:
        return [k - n]
    return [j for j in range(n) if j != k] + [k + n]


def box_public(i):
    return "2001:db8:ff::1{}".format(i)


def tunnel(i):
    return "2001:db8:fe:{}::2".format(i)


def host_addr(i):
    return "2001:db8:1{}:1::10".format(i)


def build_topo(tgen):
    sw = tgen.add_switch("sw0")
    for name in SEEDS:
        sw.add_link(tgen.add_router(name), nodeif=name + "-eth0")
    for i in range(N_RPS):
        b, r, h = (tgen.add_router("{}{}".format(k, i)) for k in "brh")
        tgen.add_link(h, r, "h{}-eth0".format(i), "r{}-eth0".format(i))
        tgen.add_link(r, b, "r{}-eth1".format(i), "b{}-eth0".format(i))
        sw.add_link(b, nodeif="b{}-eth1".format(i))


def frr_conf(workdir, name, text):
    path = os.path.join(workdir, name, "frr.conf")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    return path


def routes_inside():
    """Static routes to the inside links of the boxes that do not
    translate, through their outside addresses."""
    return "".join(
        "ipv6 route 2001:db8:fe:{}::/64 {}\n".format(i, box_public(i))
        for i in range(N_RPS) if not natbox.translates(profile(i)))


def configure_frr(g, workdir):
    for k, name in enumerate(SEEDS):
        load_frr(g[name], frr_conf(workdir, name, (
            "interface {n}-eth0\n ipv6 address 2001:db8:ff::f{k}/64\n!\n"
            "{r}").format(n=name, k=k + 1, r=routes_inside())), False)
    for i in range(N_RPS):
        load_frr(g["b{}".format(i)], frr_conf(workdir, "b{}".format(i), (
            "! {p}\ninterface b{i}-eth0\n ipv6 address 2001:db8:fe:{i}::1/64\n"
            "!\ninterface b{i}-eth1\n ipv6 address {pub}/64\n!\n{r}").format(
                p=profile(i), i=i, pub=box_public(i), r=routes_inside())), False)
        load_frr(g["r{}".format(i)], frr_conf(workdir, "r{}".format(i), (
            "interface r{i}-eth0\n ipv6 address 2001:db8:1{i}:1::1/64\n"
            " ipv6 pim\n ipv6 mld\n!\n"
            "interface r{i}-eth1\n ipv6 address {t}/64\n!\n"
            "interface mdcs0\n ipv6 pim\n!\n"
            "ipv6 route ::/0 2001:db8:fe:{i}::1\n").format(
                i=i, t=tunnel(i))), True)
        load_frr(g["h{}".format(i)], frr_conf(workdir, "h{}".format(i), (
            "interface h{i}-eth0\n ipv6 address {a}/64\n!\n").format(
                i=i, a=host_addr(i))), False)


@pytest.fixture(scope="module")
def net(request):
    tgen, workdir = start(build_topo, request.module.__name__, source="h0")
    g = tgen.gears
    for i in range(1, N_RPS):
        g["h{}".format(i)].cmd_raises(
            "ethtool -K h{}-eth0 tx off".format(i))
    rps = {
        name: Rp(g[name], workdir, "2001:db8:ff::f{}".format(k + 1),
                 name + "-eth0", ["2001:db8:f{}::/48".format(k + 1)], TIMERS,
                 membership=MEMBERSHIP)
        for k, name in enumerate(SEEDS)
    }
    for i in range(N_RPS):
        name = "r{}".format(i)
        rps[name] = Rp(g[name], workdir, tunnel(i), name + "-eth1",
                       ["2001:db8:1{}::/48".format(i)], TIMERS,
                       membership=MEMBERSHIP)
    rps["s1"].configure([rps["s2"]])
    rps["s2"].configure([rps["s1"]])
    for i in range(N_RPS):
        rps["r{}".format(i)].configure([rps[s] for s in SEEDS])
    for i in range(N_RPS):
        g["b{}".format(i)].cmd_raises("sysctl -qw net.ipv6.conf.all.forwarding=1")
        natbox.install(g["b{}".format(i)], profile(i), workdir,
                       "b{}-eth0".format(i), "b{}-eth1".format(i),
                       box_public(i), tunnel(i))
    configure_frr(g, workdir)
    with running(tgen, rps):
        yield Net(tgen, g, rps, workdir)
