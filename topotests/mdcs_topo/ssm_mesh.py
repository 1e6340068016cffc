#!/usr/bin/python3
"""
A host among many channels: join (S,G) on an interface for every source
given, send COUNT datagrams to (OWN,G) five a second, and print a source
the first time a datagram from it arrives.  It ends after the last send.

    ssm_mesh.py IFNAME OWN GROUP PORT COUNT SOURCE...
"""

import select
import socket
import struct
import sys
import time

MCAST_JOIN_SOURCE_GROUP = 46  # linux/in.h
INTERVAL = 0.2  # seconds between sends


def sockaddr_storage(addr):
    sin6 = struct.pack("=HHI16sI", socket.AF_INET6, 0, 0,
                       socket.inet_pton(socket.AF_INET6, addr), 0)
    return sin6 + bytes(128 - len(sin6))


def main():
    ifname, own, group, port, count = sys.argv[1:6]
    sources = sys.argv[6:]
    index = socket.if_nametoindex(ifname)
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.bind(("::", int(port)))
    for source in sources:
        # struct group_source_req: interface, padding, group, source
        req = (struct.pack("=I4x", index) + sockaddr_storage(group)
               + sockaddr_storage(source))
        s.setsockopt(socket.IPPROTO_IPV6, MCAST_JOIN_SOURCE_GROUP, req)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, index)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 64)
    print("listening", flush=True)
    heard = set()
    for seq in range(int(count)):
        s.sendto("{} {}".format(own, seq).encode(), (group, int(port)))
        deadline = time.monotonic() + INTERVAL
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([s], [], [], left)[0]:
                break
            _, src = s.recvfrom(2048)
            if src[0] != own and src[0] not in heard:
                heard.add(src[0])
                print("from", src[0], flush=True)


if __name__ == "__main__":
    main()
