"""
The reduced lab: three stub ASes around a transit AS, an RP in each stub
AS and two peers beside it, eBGP between the ASes (mdcs_topo/internet.py
draws the topology).  The RPs know each other by configuration; the peers
are tunnel-mode peers of their RP, so that the scenario runs on kernels
without multicast routing too; where the kernel has it, they also listen
natively, joining with MLDv2 at their AS's border router.  A stateful
firewall on AS3's border lets nothing from outside reach rp3 but answers
to rp3's own traffic.
"""

import pytest

from mdcs_topo import internet
from mdcs_topo.lab import lab_up

FIREWALLED = 3  # the stub AS whose RP sits behind a stateful firewall
INTERNET = internet.reduced(3, 2, walls={FIREWALLED: internet.FIREWALL})


@pytest.fixture(scope="module")
def net(request):
    with lab_up(INTERNET, request.module.__name__) as net:
        yield net
