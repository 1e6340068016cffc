#!/usr/bin/python3
"""
Join (S,G) with MLDv2 on an interface and print every mdcs channel message
received: "publisher port payload-hex", one per line.

    ssm_listen.py IFNAME SOURCE GROUP PORT
"""

import socket
import struct
import sys

MCAST_JOIN_SOURCE_GROUP = 46  # linux/in.h


def sockaddr_storage(addr):
    sin6 = struct.pack("=HHI16sI", socket.AF_INET6, 0, 0,
                       socket.inet_pton(socket.AF_INET6, addr), 0)
    return sin6 + bytes(128 - len(sin6))


def main():
    ifname, source, group, port = sys.argv[1:5]
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.bind(("::", int(port)))
    # struct group_source_req: interface, padding, group, source
    req = (struct.pack("=I4x", socket.if_nametoindex(ifname))
           + sockaddr_storage(group) + sockaddr_storage(source))
    s.setsockopt(socket.IPPROTO_IPV6, MCAST_JOIN_SOURCE_GROUP, req)
    print("listening", flush=True)
    while True:
        data = s.recv(65535)
        # mdcs_chan_hdr: version, flags, publisher port, publisher address
        if len(data) < 20 or data[0] != 1:
            print("malformed", data.hex(), flush=True)
            continue
        publisher = socket.inet_ntop(socket.AF_INET6, data[4:20])
        sport = struct.unpack("!H", data[2:4])[0]
        print(publisher, sport, data[20:].hex(), flush=True)


if __name__ == "__main__":
    main()
