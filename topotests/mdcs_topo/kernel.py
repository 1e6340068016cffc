"""What the kernel under the tests can do."""

import functools
import subprocess
import sys

# MRT6_INIT on a raw ICMPv6 socket, in a network namespace of its own so
# that no multicast router of the machine's is disturbed.
_MRT6_INIT = """
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.setsockopt(socket.IPPROTO_IPV6, 200, 1)
"""


@functools.lru_cache(maxsize=None)
def ipv6_multicast_routing():
    """Whether the kernel forwards IPv6 multicast (CONFIG_IPV6_MROUTE),
    which pim6d needs to deliver channels: without it MRT6_INIT fails
    with ENOPROTOOPT."""
    done = subprocess.run(["unshare", "--net", sys.executable, "-c",
                           _MRT6_INIT], capture_output=True)
    return done.returncode == 0


MISSING = ("the kernel has no IPv6 multicast routing (CONFIG_IPV6_MROUTE): "
           "pim6d cannot forward channels")


if __name__ == "__main__":
    if not ipv6_multicast_routing():
        sys.exit(MISSING)
