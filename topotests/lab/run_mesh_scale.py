"""
The RP mesh from 2 to 10 RPs (mdcs_topo/mesh_scale.py): for each number
of RPs in MDCS_MESH_RPS (2 to 10 by default), the reduced lab with one
peer per AS and rp1 as the only seed, measured and torn down; the table
printed and, with MDCS_LAB_RESULTS, written there with its figure.  Run
by `make lab-mesh-scale`; it fails if a run's mesh did not complete or a
message did not reach every peer exactly once.  Nothing is asserted on
the figures.
"""

import os

import pytest

from mdcs_topo.mesh_scale import ok, sweep

pytestmark = [pytest.mark.bgpd, pytest.mark.pim6d, pytest.mark.staticd]

RPS = [int(n) for n in os.environ.get(
    "MDCS_MESH_RPS", "2 3 4 5 6 7 8 9 10").split()]


def test_mesh_scale():
    rows = sweep(RPS, os.environ.get("MDCS_LAB_RESULTS"))
    failed = [r.n for r in rows if not ok(r)]
    assert not failed, "RPs = {}: mesh incomplete or a message not " \
        "delivered once to every peer".format(failed)
