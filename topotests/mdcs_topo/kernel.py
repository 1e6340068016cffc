"""What the kernel under the tests can do."""

import functools
import subprocess
import sys

# MRT6_INIT on a raw ICMPv6 socket, in a network namespace of its own so
# that no multicast router of the machine's is disturbed: exit status 3
# for ENOPROTOOPT, the kernel's answer without multicast routing.
_MRT6_INIT = """
import errno, socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
try:
    s.setsockopt(socket.IPPROTO_IPV6, 200, 1)
except OSError as e:
    sys.exit(3 if e.errno == errno.ENOPROTOOPT else str(e))
"""


@functools.lru_cache(maxsize=None)
def ipv6_multicast_routing():
    """Whether the kernel forwards IPv6 multicast (CONFIG_IPV6_MROUTE),
    which pim6d needs to deliver channels.  Any other failure of the
    check is an error, not a kernel without it."""
    done = subprocess.run(["unshare", "--net", sys.executable, "-c",
                           _MRT6_INIT], capture_output=True, text=True)
    if done.returncode not in (0, 3):
        raise RuntimeError("cannot check for IPv6 multicast routing: "
                           + (done.stderr.strip() or
                              "exit status {}".format(done.returncode)))
    return done.returncode == 0

MISSING = ("the kernel has no IPv6 multicast routing (CONFIG_IPV6_MROUTE): "
           "pim6d cannot forward channels; make topotest-vm runs these "
           "under Debian's kernel")


if __name__ == "__main__":
    if not ipv6_multicast_routing():
        sys.exit(MISSING)
