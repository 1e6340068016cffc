"""
Runs mdcs topotests on FRR's own topotest library, taken at test time from
the FRR source package the set-up step unpacked (MDCS_FRR_SRC), with the
FRR build in MDCS_FRR_PREFIX.

The library expects a complete FRR in /usr/lib/frr and a kernel with
loadable modules; three adjustments fit it to this project's minimal FRR
build and to kernels without /proc/modules.  A fourth skips, with the
reason, the tests whose channels need the kernel's IPv6 multicast routing
where the kernel was built without it.  A fifth keeps a session from
killing the namespaces of another that runs beside it.
"""

import grp
import importlib.util
import os
import pwd
import shutil
import sys

import pytest

from mdcs_topo import kernel

FRR_SRC = os.environ.get("MDCS_FRR_SRC", "/var/cache/mdcs/frr-8.4.4")
FRR_PREFIX = os.environ.get("MDCS_FRR_PREFIX", "/opt/mdcs/frr")
FRR_TOPOTESTS = os.path.join(FRR_SRC, "tests", "topotests")
# The daemons this project builds and its scenarios use.
FRR_DAEMONS = ["zebra", "staticd", "pim6d", "pimd", "bgpd", "ospf6d"]

if not os.path.isfile(os.path.join(FRR_TOPOTESTS, "lib", "topogen.py")):
    raise RuntimeError(
        "FRR's topotest library is not in {}: run ./setup.sh".format(FRR_TOPOTESTS)
    )
sys.path.insert(0, FRR_TOPOTESTS)
os.environ["PATH"] = "{0}/bin:{0}/sbin:{1}".format(FRR_PREFIX, os.environ["PATH"])

from lib import micronet_compat, topogen, topotest  # noqa: E402  (FRR's)

# 1. Daemons live in the private prefix, not in /usr/lib/frr; the library
#    keeps that default in two places.
FRR_SBIN = os.path.join(FRR_PREFIX, "sbin")
topogen.tgen_defaults["frrdir"] = FRR_SBIN
_frr_router_init = topotest.Router.__init__


def _router_init(self, name, **params):
    _frr_router_init(self, name, **params)
    self.config_defaults.defaults()["frrdir"] = FRR_SBIN


topotest.Router.__init__ = _router_init


# 2. Kernels built without loadable modules have no /proc/modules.
def _module_present(module, load=True):
    if not os.path.exists("/proc/modules"):
        return False
    return _frr_module_present(module, load)


_frr_module_present = topotest.module_present
topotest.module_present = _module_present

_spec = importlib.util.spec_from_file_location(
    "frr_conftest", os.path.join(FRR_TOPOTESTS, "conftest.py")
)
frr_conftest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(frr_conftest)


def _root_is_mount_point():
    with open("/proc/self/mountinfo") as f:
        return any(line.split()[4] == "/" for line in f)


# 3. The environment check wants every FRR daemon; check for the ones built.
def _diagnose_env(rundir):
    os.makedirs(rundir, exist_ok=True)
    problems = []
    if os.getuid() != 0:
        problems.append("topotests run as root")
    if not _root_is_mount_point():
        problems.append(
            "/ is not a mount point, so unshare(1) cannot make it private: "
            "a chroot cannot host topotests, pivot_root into a mount "
            "namespace of its own (docs/testing.md)"
        )
    for tool in ("ip", "gdb", "tcpdump", "tshark", "iperf", "nft", "ssh-keygen"):
        if not shutil.which(tool):
            problems.append("{} is not installed".format(tool))
    for daemon in FRR_DAEMONS:
        if not os.path.isfile(os.path.join(FRR_PREFIX, "sbin", daemon)):
            problems.append("FRR daemon {} is not built".format(daemon))
    try:
        pwd.getpwnam("frr")
        if "frr" not in grp.getgrnam("frrvty").gr_mem:
            problems.append('user "frr" is not in group "frrvty"')
    except KeyError:
        problems.append('user "frr" or group "frrvty" is missing')
    for p in problems:
        sys.stderr.write("topotest environment: {}\n".format(p))
    return not problems


frr_conftest.diagnose_env = _diagnose_env

# Hand FRR's hooks and fixtures to pytest as this conftest's own.
globals().update(
    {
        name: value
        for name, value in vars(frr_conftest).items()
        if name.startswith("pytest_")
        or getattr(value, "_pytestfixturefunction", None) is not None
    }
)


# 4. pim6d forwards channels through the kernel's IPv6 multicast routing;
#    a kernel built without it runs everything else.
def pytest_collection_modifyitems(config, items):
    if kernel.ipv6_multicast_routing():
        return
    skip = pytest.mark.skip(reason=kernel.MISSING)
    for item in items:
        if "mroute6" in item.keywords:
            item.add_marker(skip)


# 5. A session reaps, as it starts, the namespaces' processes earlier
#    sessions left behind; but FRR's test for a session that still runs
#    looks for the session's pid among its own children, so it also kills
#    the namespaces of every session running beside it (two topotest runs
#    at once, on one machine).  Reap only those of sessions that are gone.
_frr_other_pids = micronet_compat._get_other_pids


def _other_pids():
    return {upid: pids for upid, pids in _frr_other_pids().items()
            if not os.path.exists("/proc/{}".format(upid))}


micronet_compat._get_other_pids = _other_pids
