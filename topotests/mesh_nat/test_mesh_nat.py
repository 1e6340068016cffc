"""
Every pair of NAT66 and firewall profiles, a profile with itself
included: the RPs behind them classify their boxes, find each other, and
each one's channel reaches the other's host, directly, through holes
punched in both boxes, or through a port of a third RP's where both bind
(a relay).  The table of how each pair got through is printed beside what
the profiles allow, and ends with mesh-emu: PASS or FAIL.  The topology
is in conftest.py.
"""

import itertools
import os
import xml.etree.ElementTree as ET

import pytest

from mdcs_topo import natbox
from mdcs_topo.netconf import MDCS, membership, nat_class, session, subtree
from mdcs_topo.poll import wait_for
from mdcs_topo.proc import NodeProcess
from mdcs_topo.ssm import GROUP

from mesh_nat.conftest import (N_RPS, PROFILES, box_public, host_addr,
                               pair_mates, profile, rp_pair)

pytestmark = [pytest.mark.pim6d, pytest.mark.staticd]

PORT = 5300
SENDS = 900  # five a second: the hosts stop on their own after 3 minutes
_HERE = os.path.dirname(os.path.abspath(__file__))
SSM_MESH = os.path.join(_HERE, "..", "mdcs_topo", "ssm_mesh.py")
PAIRS = list(itertools.combinations_with_replacement(range(len(PROFILES)),
                                                    2))
# The pairs that only a relay joins.
RELAYED = [(i, j) for i, j in PAIRS
           if natbox.traversal(PROFILES[i], PROFILES[j]) == "relayed"]


def counters(rp, container, leaves):
    """The counters of membership/<container> of rp: leaf -> int."""
    return {leaf: int(value or 0)
            for leaf, value in membership(rp, container, leaves).items()}


def learned(rp):
    """Public key -> (path, status) of every RP rp learned."""
    with session(rp) as m:
        reply = m.get(filter=subtree("<membership><learned-rp/></membership>"))
    root = ET.fromstring(reply.data_xml.encode())
    out = {}
    for entry in root.iter("{%s}learned-rp" % MDCS):
        leaves = [entry.find("{%s}%s" % (MDCS, leaf))
                  for leaf in ("public-key", "path", "status")]
        if all(leaf is not None for leaf in leaves):
            out[leaves[0].text] = (leaves[1].text, leaves[2].text)
    return out


def test_each_rp_classifies_its_box(net):
    """RFC 5780's tests with the two seeds find each box's behaviour."""
    def wrong():
        return {"r{} {}".format(k, profile(k)): got for k, got in (
            (k, nat_class(net.rps["r{}".format(k)])) for k in range(N_RPS))
            if got != natbox.BEHAVIOUR[profile(k)]}

    try:
        wait_for(lambda: not wrong(), 60, "every RP to find its box")
    except AssertionError:
        pass  # which ones did not is asserted below
    assert not wrong(), wrong()


def allowed(i, j):
    """What the profiles allow a pair: where one box lets anyone in, the
    RP behind the other opens its box by sending first, its own
    subscription or a PUNCH, whichever goes first."""
    want = natbox.traversal(PROFILES[i], PROFILES[j])
    if want == "punched" and (natbox.reachable(PROFILES[i]) or
                              natbox.reachable(PROFILES[j])):
        return ("direct", "punched")
    return (want,)


def observed(rps, known, i, j):
    """How RPs i and j got through to each other: "-" unless each has
    the other up (its subscriptions answered), else the path they took
    (known[i]: learned() of RP i)."""
    seen = (known[i].get(rps[j].public_key, ("-", "down")),
            known[j].get(rps[i].public_key, ("-", "down")))
    if any(status != "up" for _, status in seen):
        return "-"
    for path in ("relayed", "punched"):
        if path in (seen[0][0], seen[1][0]):
            return path
    return "direct"


def outcomes(net, pairs):
    """observed() of the RPs of each pair of profiles, asking each RP
    once."""
    rps = [net.rps["r{}".format(k)] for k in range(N_RPS)]
    known = [learned(rp) for rp in rps]
    return {pair: observed(rps, known, *rp_pair(*pair)) for pair in pairs}


def print_table(cells):
    """The pairs as rows: profiles, what they allow, what happened."""
    width = max(len(p) for p in PROFILES)
    print("\nmesh-emu: {} profiles, {} pairs".format(len(PROFILES),
                                                      len(PAIRS)))
    print("{:<{w}}  {:<{w}}  {:<14}  {:<8}".format(
        "profile", "profile", "allowed", "seen", w=width))
    for (i, j), (want, got) in sorted(cells.items()):
        print("{:<{w}}  {:<{w}}  {:<14}  {:<8}{}".format(
            PROFILES[i], PROFILES[j], "/".join(want), got,
            "" if got in want else "  <-", w=width))
    ok = all(got in want for want, got in cells.values())
    print("mesh-emu: {}".format("PASS" if ok else "FAIL"))


class Hosts:
    """Host k sends its channel and joins those of the hosts mates[k]
    names, until stop() (or its sends run out); run names the files."""

    def __init__(self, net, mates, run):
        self.mates = mates
        self.procs = {}
        try:
            for k, others in mates.items():
                self.procs[k] = NodeProcess(
                    net.gears["h{}".format(k)],
                    ["/usr/bin/python3", SSM_MESH, "h{}-eth0".format(k),
                     host_addr(k), GROUP, str(PORT), str(SENDS)] +
                    [host_addr(j) for j in others],
                    net.workdir, "h{}-{}".format(k, run))
        except Exception:
            self.stop()
            raise

    def heard(self):
        """k -> the sources host k heard so far."""
        return {k: {line.split()[1] for line in p.output().splitlines()
                    if line.startswith("from ")}
                for k, p in self.procs.items()}

    def deaf(self, bound):
        """The mates each host did not hear within bound seconds."""
        def missing():
            now = self.heard()
            unheard = {k: [j for j in others if host_addr(j) not in now[k]]
                       for k, others in self.mates.items()}
            return {k: js for k, js in unheard.items() if js}

        try:
            wait_for(lambda: not missing(), bound,
                     "every host to hear its mates")
        except AssertionError:
            pass  # the callers say which did not
        return missing()

    def stop(self):
        for p in self.procs.values():
            p.stop()


@pytest.fixture(scope="module")
def hosts(net):
    """Each host sends its channel and joins those of its RP's pair
    mates: MLD joins that pim6d turns into its RP's subscriptions."""
    running = Hosts(net, {k: pair_mates(k) for k in range(N_RPS)}, "mesh")
    yield running
    running.stop()


@pytest.fixture(scope="module")
def paths(net, hosts):
    """How the RPs of each pair of profiles got through to each other,
    once all did as the profiles allow (or two minutes passed)."""
    def as_allowed():
        got = outcomes(net, PAIRS)
        return all(got[pair] in allowed(*pair) for pair in PAIRS)

    try:
        wait_for(as_allowed, 120, "every pair to get through")
    except AssertionError:
        pass  # the table says which pairs did not
    return outcomes(net, PAIRS)


def test_every_pair_of_profiles(paths):
    """The RPs of each pair of profiles subscribe to each other's
    channels and are answered, directly where both boxes let anyone in,
    through punched holes where one does not, through a relay where
    punching cannot work."""
    cells = {pair: (allowed(*pair), paths[pair]) for pair in PAIRS}
    print_table(cells)
    wrong = {(PROFILES[i], PROFILES[j]): c for (i, j), c in cells.items()
             if c[1] not in c[0]}
    assert not wrong, wrong


def test_relayed_pairs(net, paths):
    """The pairs that cannot punch got through a relay port of a third
    RP's (a seed, or an RP that anyone reaches), and the relays passed
    their packets on."""
    got = {(PROFILES[i], PROFILES[j]): paths[(i, j)] for i, j in RELAYED}
    assert got and all(g == "relayed" for g in got.values()), got
    relays = {name: counters(rp, "relay", ("allocated", "packets"))
              for name, rp in net.rps.items()}
    assert sum(r["allocated"] for r in relays.values()) >= len(RELAYED), \
        relays
    assert sum(r["packets"] for r in relays.values()) > 0, relays


@pytest.mark.mroute6
def test_every_pair_exchanges_channels(net, hosts, paths):
    """Along those paths, each host hears the channels of its RP's pair
    mates."""
    deaf = hosts.deaf(120)
    assert not deaf, {"h{}".format(k): [host_addr(j) for j in missing]
                      for k, missing in deaf.items()}


def test_quota_sends_shuffles_on(net):
    """RPs that anyone reaches answer BUSY once they served their quota
    beyond the shuffles they started, naming an RP behind a filter, and
    the initiators shuffle with that one instead (Leitao et al.); RPs
    behind filters never do."""
    leaves = ("shuffles-busy", "shuffles-redirected")
    behind = ["r{}".format(k) for k in range(N_RPS)
              if not natbox.reachable(profile(k))]

    def totals():
        got = {name: counters(rp, "statistics", leaves)
               for name, rp in net.rps.items()}
        busy = sum(g["shuffles-busy"] for g in got.values())
        moved = sum(g["shuffles-redirected"] for g in got.values())
        return got if busy and moved else None

    got = wait_for(totals, 60, "a BUSY answer that sent a shuffle on")
    print("\nBUSY answers and shuffles sent on, per RP:",
          {name: (g["shuffles-busy"], g["shuffles-redirected"])
           for name, g in sorted(got.items())})
    assert all(got[name]["shuffles-busy"] == 0 for name in behind), got


RENUMBERED = PROFILES.index("nat66")
RENUMBERED_TO = "2001:db8:ff::2{}".format(RENUMBERED)  # from box_public()


def test_rp_follows_renumbered_nat(net):
    """The NAT66 box in front of an RP is renumbered, which drops its
    mappings: two helpers see the RP at the new address, and its
    descriptor follows."""
    k = RENUMBERED
    rp = net.rps["r{}".format(k)]
    old, new = box_public(k), RENUMBERED_TO
    assert membership(rp, "nat", ("address",))["address"] == old
    # The new address is valid at once: while duplicate address detection
    # ran, masquerade would take the inside link's address, which the
    # Internet has no route to.
    net.gears["b{}".format(k)].cmd_raises(
        "ip -6 addr add {new}/64 dev b{k}-eth1 nodad && "
        "ip -6 addr del {old}/64 dev b{k}-eth1".format(new=new, old=old, k=k))

    def moved():
        got = membership(rp, "nat", ("address", "remapped"))
        return got["address"] == new and int(got["remapped"] or 0) > 0

    wait_for(moved, 60, "r{} to list {}".format(k, new))


@pytest.mark.mroute6
def test_channels_cross_renumbered_nat(net, hosts):
    """Once the renumbered RP's descriptor followed its NAT, its channel
    and its twin's get through again, through holes punched anew."""
    k = RENUMBERED
    twin = rp_pair(k, k)[1]
    assert membership(net.rps["r{}".format(k)], "nat",
                      ("address",))["address"] == RENUMBERED_TO, \
        "runs after test_rp_follows_renumbered_nat"
    hosts.stop()  # their ports are the new hosts' own
    pair = Hosts(net, {k: [twin], twin: [k]}, "renumbered")
    try:
        deaf = pair.deaf(90)
    finally:
        pair.stop()
    assert not deaf, deaf
