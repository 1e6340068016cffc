"""
The main job: the 10-AS lab (conftest.py) up, every peer in every stub AS
publishing MDCS_LAB_MESSAGES messages of 200 octets through mdcs and then
by iterative diffusion, and the tables: delivery per AS through mdcs, and
the two schemes side by side (mdcs_topo/evaluation.py), also written with
the figures to MDCS_LAB_RESULTS if set.  Run by `make lab`; it fails
unless every mdcs peer got every message once.
"""

import os

import pytest

from mdcs_topo.evaluation import MDCS, compare, delivery

pytestmark = [pytest.mark.bgpd, pytest.mark.pim6d, pytest.mark.staticd]

MESSAGES = int(os.environ.get("MDCS_LAB_MESSAGES", "10"))
SIZE = 200


def test_lab(net):
    rows, want = compare(net, MESSAGES, SIZE,
                         os.environ.get("MDCS_LAB_RESULTS"))
    mdcs = rows[MDCS]
    assert delivery(net, mdcs, want) == 1.0
    assert not any(mdcs.dups.values())
