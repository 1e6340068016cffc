"""
mdcs against the iterative-diffusion baseline, side by side in the reduced
lab (conftest.py), with the same peers and the same messages
(mdcs_topo/evaluation.py): every peer publishes MESSAGES messages of SIZE
octets.  Run by `make lab-eval`, which writes the tables and figures to
MDCS_LAB_RESULTS.
"""

import os

import pytest

from mdcs_topo.evaluation import compare, delivery

pytestmark = [pytest.mark.bgpd, pytest.mark.pim6d, pytest.mark.staticd]

MESSAGES = 10
SIZE = 200


def test_mdcs_against_iterative_diffusion(net):
    """Both deliver every message to every peer; the tables compare what
    they cost on the inter-AS links."""
    rows, want = compare(net, MESSAGES, SIZE,
                         os.environ.get("MDCS_LAB_RESULTS"))
    for name, result in rows.items():
        assert delivery(net, result, want) == 1.0, name
