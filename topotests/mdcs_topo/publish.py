#!/usr/bin/python3
"""
Publish COUNT messages "TAG-i" to the channel (CHANNEL_SOURCE, GROUP) through
an RP: unicast UDP to [CHANNEL_SOURCE]:2269 from SOURCE, with the mdcs
publication header, one every INTERVAL seconds.

    publish.py SOURCE CHANNEL_SOURCE GROUP COUNT INTERVAL TAG
"""

import socket
import sys
import time

PUBLISH_PORT = 2269


def main():
    source, chan, group, count, interval, tag = sys.argv[1:7]
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.bind((source, 0))
    # mdcs_pub_hdr: version 1, flags 0, reserved, group
    header = bytes([1, 0, 0, 0]) + socket.inet_pton(socket.AF_INET6, group)
    for i in range(int(count)):
        s.sendto(header + "{}-{}".format(tag, i).encode(), (chan, PUBLISH_PORT))
        if float(interval):
            time.sleep(float(interval))


if __name__ == "__main__":
    main()
