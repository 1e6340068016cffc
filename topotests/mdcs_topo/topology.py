"""Bringing a scenario's routers and RPs up, and down again."""

import contextlib
import os

from lib.topogen import Topogen, TopoRouter

from .poll import wait_for


def start(build_topo, name, source="src"):
    """The namespaces and links of build_topo up, and the directory for the
    RPs' files.  The source host sends finished UDP checksums, as one
    behind a real NIC does; a veth would leave them to an offload that
    never comes (docs/datapath.md)."""
    tgen = Topogen(build_topo, name)
    tgen.start_topology()
    tgen.gears[source].cmd_raises("ethtool -K {}-eth0 tx off".format(source))
    return tgen, os.path.join(tgen.logdir, "mdcs")


def load_frr(router, conf, pim6):
    """Give router its frr.conf for zebra, staticd and, with pim6, pim6d."""
    daemons = [TopoRouter.RD_ZEBRA, TopoRouter.RD_STATIC]
    if pim6:
        daemons.append(TopoRouter.RD_PIM6)
    router.load_frr_config(conf, daemons)


@contextlib.contextmanager
def running(tgen, rps):
    """rpd on each RP first, so that pim6d's configuration finds the overlay
    link (or, configured through vtysh, so that pim6d's module finds rpd at
    once), then FRR; ready once duplicate address detection has ended, as
    until then an address does not answer neighbor solicitations and the
    RPs could not reach each other.  Everything is stopped afterwards, also
    on failure."""
    try:
        for rp in rps.values():
            rp.start()
        tgen.start_router()
        wait_for(
            lambda: not any(r.cmd("ip -6 addr show tentative").strip()
                            for r in tgen.routers().values()),
            30,
            "duplicate address detection to finish",
        )
        yield
    finally:
        for rp in rps.values():
            rp.stop()
        tgen.stop_topology()
