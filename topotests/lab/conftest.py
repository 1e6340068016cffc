"""
The lab: a 10-AS emulated Internet (mdcs_topo/internet.py, ten_as).

      AS1 (tier-1) ====== peers ====== AS2 (tier-1)
       |          \\                 /          |
      AS3          `----- AS5 -----'          AS4       transit ASes
     /   \\                 |   \\            /   \\
   AS6   AS7              AS9   `-- AS10 --'    AS8     stub ASes
          |                |    (dual-homed)
      firewall           NAT66     in front of the RP

    IXP (a bridge and a route server): AS3, AS4 and AS5 peer there

Every stub AS (6 to 10) has an RP and MDCS_LAB_PEERS peer hosts (4 by
default).  The RPs of AS6 and AS8 are the seeds every other RP is
configured with; the rest they learn by peer sampling.
"""

import os

import pytest

from mdcs_topo import internet
from mdcs_topo.lab import lab_up

PEERS = int(os.environ.get("MDCS_LAB_PEERS", "4"))
WALLS = {7: internet.FIREWALL, 9: internet.NAT66}
SEEDS = [6, 8]


@pytest.fixture(scope="module")
def net(request):
    inet = internet.ten_as(PEERS, walls=WALLS)
    with lab_up(inet, request.module.__name__, seeds=SEEDS,
                speak=True) as net:
        yield net
