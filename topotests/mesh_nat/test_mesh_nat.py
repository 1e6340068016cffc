"""
Every pair of NAT66 and firewall profiles: the RPs behind them classify
their boxes, find each other, and each one's channel reaches the other's
host, directly, through holes punched in both boxes, or through a port of
a third RP's where both bind (a relay).  The table of how each pair got
through is printed beside what the profiles allow, and ends with mesh-emu:
PASS or FAIL.  The topology is in conftest.py.
"""

import itertools
import os
import xml.etree.ElementTree as ET

import pytest

from mdcs_topo import natbox
from mdcs_topo.netconf import MDCS, mdcs_values, session, subtree
from mdcs_topo.poll import wait_for
from mdcs_topo.proc import NodeProcess
from mdcs_topo.ssm import GROUP

from conftest import PROFILES, host_addr

pytestmark = [pytest.mark.pim6d, pytest.mark.staticd]

PORT = 5300
SENDS = 900  # five a second: the hosts stop on their own after 3 minutes
_HERE = os.path.dirname(os.path.abspath(__file__))
SSM_MESH = os.path.join(_HERE, "..", "mdcs_topo", "ssm_mesh.py")
PAIRS = list(itertools.combinations(range(len(PROFILES)), 2))
# The pairs that only a relay joins.
RELAYED = [(i, j) for i, j in PAIRS
           if natbox.traversal(PROFILES[i], PROFILES[j]) == "relayed"]


def nat(rp):
    """(translated, mapping, filtering) as rp found its box."""
    with session(rp) as m:
        reply = m.get(filter=subtree("<membership><nat/></membership>"))
    values = [mdcs_values(reply.data_xml, "membership/nat/" + leaf)
              for leaf in ("translated", "mapping", "filtering")]
    if not all(values):
        return None
    return (values[0][0] == "true", values[1][0], values[2][0])


def paths(rp):
    """Public key -> path of every RP rp learned."""
    with session(rp) as m:
        reply = m.get(filter=subtree("<membership><learned-rp/></membership>"))
    root = ET.fromstring(reply.data_xml.encode())
    out = {}
    for entry in root.iter("{%s}learned-rp" % MDCS):
        key = entry.find("{%s}public-key" % MDCS)
        path = entry.find("{%s}path" % MDCS)
        if key is not None and path is not None:
            out[key.text] = path.text
    return out


def test_each_rp_classifies_its_box(net):
    """RFC 5780's tests with the two seeds find each box's behaviour."""
    def found():
        return {p: nat(net.rps["r{}".format(i)])
                for i, p in enumerate(PROFILES)}

    try:
        wait_for(lambda: found() == natbox.BEHAVIOUR, 60,
                 "every RP to find its box")
    except AssertionError:
        pass  # which ones did not is asserted below
    got = found()
    assert got == natbox.BEHAVIOUR, {
        p: (natbox.BEHAVIOUR[p], got[p]) for p in PROFILES
        if got[p] != natbox.BEHAVIOUR[p]}


def allowed(i, j):
    """What the profiles allow a pair: where one box lets anyone in, the
    RP behind the other opens its box by sending first, its own
    subscription or a PUNCH, whichever goes first."""
    want = natbox.traversal(PROFILES[i], PROFILES[j])
    if want == "punched" and (natbox.reachable(PROFILES[i]) or
                              natbox.reachable(PROFILES[j])):
        return ("direct", "punched")
    return (want,)


def observed(rps, known, heard, i, j):
    """How the RPs behind boxes i and j got through to each other, from
    what each heard and the paths each knows (known[i]: paths() of
    RP i)."""
    if host_addr(j) not in heard[i] or host_addr(i) not in heard[j]:
        return "-"
    seen = (known[i].get(rps[j].public_key), known[j].get(rps[i].public_key))
    for path in ("relayed", "punched"):
        if path in seen:
            return path
    return "direct"


def outcomes(net, heard, pairs):
    """observed() of each pair, asking each RP for its paths once."""
    rps = [net.rps["r{}".format(i)] for i in range(len(PROFILES))]
    known = [paths(rp) for rp in rps]
    return {(i, j): observed(rps, known, heard, i, j) for i, j in pairs}


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


@pytest.fixture(scope="module")
def delivered(net):
    """Each host sends its channel and joins all others'; what each heard
    once every pair got through both ways (or two minutes passed)."""
    hosts = []
    for i in range(len(PROFILES)):
        others = [host_addr(j) for j in range(len(PROFILES)) if j != i]
        hosts.append(NodeProcess(
            net.gears["h{}".format(i)],
            ["/usr/bin/python3", SSM_MESH, "h{}-eth0".format(i), host_addr(i),
             GROUP, str(PORT), str(SENDS)] + others,
            net.workdir, "h{}-mesh".format(i)))

    def heard():
        return [{line.split()[1] for line in h.output().splitlines()
                 if line.startswith("from ")} for h in hosts]

    def through():
        now = heard()
        return all(host_addr(j) in now[i] and host_addr(i) in now[j]
                   for i, j in PAIRS)

    try:
        wait_for(through, 120, "every pair to get through")
    except AssertionError:
        pass  # the table says which pairs did not
    result = heard()
    for h in hosts:
        h.stop()
    return result


def test_every_pair_of_profiles(net, delivered):
    """Each pair of RPs exchanges channels, directly where both boxes let
    anyone in, through punched holes where one does not, through a relay
    where punching cannot work."""
    got = outcomes(net, delivered, PAIRS)
    cells = {pair: (allowed(*pair), got[pair]) for pair in PAIRS}
    print_table(cells)
    wrong = {(PROFILES[i], PROFILES[j]): c for (i, j), c in cells.items()
             if c[1] not in c[0]}
    assert not wrong, wrong


def counters(rp, container, leaves):
    """The leaves of membership/<container> of rp: leaf -> int."""
    with session(rp) as m:
        reply = m.get(filter=subtree(
            "<membership><{}/></membership>".format(container)))
    path = "membership/{}/".format(container)
    return {leaf: int((mdcs_values(reply.data_xml, path + leaf) or
                       ["0"])[0])
            for leaf in leaves}


def test_relayed_pairs(net, delivered):
    """The pairs that cannot punch got through a relay port of a third
    RP's (a seed, or an RP that anyone reaches), and the relays passed
    the packets on."""
    got = {(PROFILES[i], PROFILES[j]): seen
           for (i, j), seen in outcomes(net, delivered, RELAYED).items()}
    assert got and all(g == "relayed" for g in got.values()), got
    relays = {name: counters(rp, "relay", ("allocated", "packets"))
              for name, rp in net.rps.items()}
    assert sum(r["allocated"] for r in relays.values()) >= len(RELAYED), \
        relays
    assert sum(r["packets"] for r in relays.values()) > 0, relays


def test_quota_sends_shuffles_on(net):
    """RPs that anyone reaches answer BUSY once they served their quota
    beyond the shuffles they started, naming an RP behind a filter, and
    the initiators shuffle with that one instead (Leitao et al.); RPs
    behind filters never do."""
    leaves = ("shuffles-busy", "shuffles-redirected")
    behind = ["r{}".format(i) for i, p in enumerate(PROFILES)
              if not natbox.reachable(p)]

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
