"""SSM traffic and what goes on the wire: iperf 2 streams, captures that
tshark decodes."""

import os
import re
import signal
import socket
import string
import subprocess

from .poll import wait_for
from .proc import NodeProcess

SOURCE = "2001:db8:1:1::10"
GROUP = "ff3e::1234"
IPERF_PORT = 5001
DATAGRAM = 200  # octets of iperf payload


def link_local(router, ifname):
    """The EUI-64 link-local address the topotest library gives ifname."""
    mac = router.cmd_raises("cat /sys/class/net/{}/address".format(ifname)).strip()
    b = [int(x, 16) for x in mac.split(":")]
    return "fe80::{:x}:{:x}:{:x}:{:x}".format(
        (b[0] ^ 2) << 8 | b[1], b[2] << 8 | 0xFF, 0xFE << 8 | b[3], b[4] << 8 | b[5]
    )


def render_frr_conf(template, workdir, names):
    """frr.conf with ${name} replaced, written under workdir."""
    router = os.path.basename(os.path.dirname(template))
    with open(template) as f:
        text = string.Template(f.read()).substitute(names)
    os.makedirs(os.path.join(workdir, router), exist_ok=True)
    path = os.path.join(workdir, router, "frr.conf")
    with open(path, "w") as f:
        f.write(text)
    return path


class SsmReceiver:
    """iperf 2 as an SSM receiver: it joins (S,G) with MLDv2 on ifname."""

    def __init__(self, router, ifname, workdir, name="iperf-server"):
        self.proc = NodeProcess(
            router,
            ["iperf", "-s", "-u", "-V", "-e", "-i", "1",
             "-B", "{}%{}".format(GROUP, ifname), "-H", SOURCE],
            workdir,
            name,
        )

    def leave(self):
        """Stop receiving: closing the socket leaves the channel."""
        return self.proc.stop(signal.SIGINT)


def mroute(router, source, group):
    """(outgoing interfaces, packets forwarded) of router's multicast route
    for (source, group); ([], 0) without one."""
    lines = router.cmd_raises("ip -s -6 mroute show").splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"\((\S+?),\s*(\S+?)\)\s.*Oifs:(.*?)(State:|$)", line)
        if m and (m.group(1), m.group(2)) == (source, group):
            stats = re.search(r"(\d+) packets", " ".join(lines[i + 1 : i + 2]))
            return m.group(3).split(), int(stats.group(1)) if stats else 0
    return [], 0


def forwarding(router, source, group):
    """The interfaces router's kernel forwards (source, group) to."""
    return mroute(router, source, group)[0]


def iperf_report(text):
    """(lost, total, out_of_order) of the last UDP report iperf printed."""
    totals = re.findall(r"(\d+)/\s*(\d+)\s+\(", text)
    ooo = re.findall(r"(\d+) datagrams received out-of-order", text)
    if not totals:
        return None
    lost, total = (int(x) for x in totals[-1])
    return lost, total, int(ooo[-1]) if ooo else 0


def send_stream(router, count, rate=100):
    """Send count iperf 2 datagrams from S to G, at rate per second."""
    return router.cmd_raises(
        "iperf -c {} -u -V -T 16 -B {} -l {} -b {}pps -n {}".format(
            GROUP, SOURCE, DATAGRAM, rate, count * DATAGRAM
        )
    )


class StreamSender:
    """iperf 2 sending S to G in the background until stopped."""

    def __init__(self, router, workdir, rate=50, seconds=120):
        self.proc = NodeProcess(
            router,
            ["iperf", "-c", GROUP, "-u", "-V", "-T", "16", "-B", SOURCE,
             "-l", str(DATAGRAM), "-b", "{}pps".format(rate), "-t", str(seconds)],
            workdir,
            "iperf-client",
        )

    def stop(self):
        return self.proc.stop(signal.SIGINT)


def channel_packet(src, group, payload, hop_limit=64):
    """An IPv6/UDP packet from src to group, as a tunnel would carry it."""
    udp_len = 8 + len(payload)
    ip6 = bytes([0x60, 0, 0, 0]) + udp_len.to_bytes(2, "big") + bytes([17, hop_limit])
    ip6 += socket.inet_pton(socket.AF_INET6, src)
    ip6 += socket.inet_pton(socket.AF_INET6, group)
    udp = (40000).to_bytes(2, "big") + IPERF_PORT.to_bytes(2, "big")
    udp += udp_len.to_bytes(2, "big") + bytes(2)
    return ip6 + udp + payload


def amt_data(inner):
    """An AMT Multicast Data message (RFC 7450, 5.1.6) around inner."""
    return bytes([0x06, 0x00]) + inner


def send_udp(router, src, dst, port, payload, sport=0):
    """One UDP datagram from src to [dst]:port, sent from inside router."""
    script = (
        "import socket,sys;"
        "s=socket.socket(socket.AF_INET6,socket.SOCK_DGRAM);"
        "s.bind(({!r},{}));"
        "s.sendto(bytes.fromhex({!r}),({!r},{}))"
    ).format(src, sport, payload.hex(), dst, port)
    router.cmd_raises(["/usr/bin/python3", "-c", script])


class Capture:
    """tcpdump writing what crosses an interface to a file, for tshark to
    decode. Immediate mode hands each packet to the file as it arrives, so
    stopping the capture loses nothing already on the wire (tshark's
    capture hands packets over in blocks and lost the last ones)."""

    def __init__(self, router, ifname, workdir, name, bpf_filter):
        self.file = os.path.join(workdir, name + ".pcap")
        self.proc = NodeProcess(
            router,
            ["tcpdump", "-n", "-i", ifname, "--immediate-mode", "-U",
             "-Z", "root", "-w", self.file, bpf_filter],
            workdir,
            "tcpdump-" + name,
        )
        wait_for(
            lambda: "listening on" in self.proc.output(),
            20,
            "tcpdump on {} to capture".format(ifname),
        )

    def stop(self):
        self.proc.stop(signal.SIGINT)
        return self

    def fields(self, display_filter, *fields):
        """One tuple of field values per packet matching display_filter."""
        cmd = ["tshark", "-n", "-r", self.file, "-o", "udp.check_checksum:TRUE",
               "-Y", display_filter, "-T", "fields",
               "-E", "separator=|", "-E", "occurrence=a", "-E", "aggregator=,"]
        for f in fields:
            cmd += ["-e", f]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        return [tuple(line.split("|")) for line in out.splitlines() if line]


def stream_payloads(capture):
    """Payloads of the iperf datagrams from S to G in a capture, in order."""
    rows = capture.fields(
        "ipv6.src == {} && ipv6.dst == {} && udp.dstport == {}".format(
            SOURCE, GROUP, IPERF_PORT
        ),
        "data.data",
    )
    return [r[0] for r in rows]


def stream_gaps(sent, received):
    """Why received differs from sent, by iperf sequence number (the first
    four octets of each payload): '' when both are the same."""
    if received == sent:
        return ""

    def seqs(payloads):
        return [int(p[:8], 16) for p in payloads]

    got, want = seqs(received), seqs(sent)
    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    doubled = sorted({q for q in got if got.count(q) > 1})
    return "got {} of {}; missing {}, unexpected {}, doubled {}{}".format(
        len(got), len(want), missing, extra, doubled,
        ", out of order" if not (missing or extra or doubled) else "",
    )


def tx_packets(router, ifname):
    """Packets sent out of an interface so far."""
    path = "/sys/class/net/{}/statistics/tx_packets".format(ifname)
    return int(router.cmd_raises("cat " + path))


def tunnel_decode(capture):
    """What tshark makes of tunnelled packets: (AMT type, outer and inner
    source, outer and inner destination, outer and inner UDP checksum
    status, payload of the inner UDP)."""
    return capture.fields(
        "amt.type == 6",
        "amt.type",
        "ipv6.src",
        "ipv6.dst",
        "udp.checksum.status",
        "data.data",
    )


_HERE = os.path.dirname(os.path.abspath(__file__))
CHANNEL_PORT = 2270


class ChannelListener:
    """A peer that joins (S,G) and records the channel's messages."""

    def __init__(self, router, ifname, source, group, workdir, name):
        self.proc = NodeProcess(
            router,
            ["/usr/bin/python3", os.path.join(_HERE, "ssm_listen.py"), ifname,
             source, group, str(CHANNEL_PORT)],
            workdir,
            name,
        )
        wait_for(lambda: "listening" in self.proc.output(), 20,
                 "{} to listen".format(name))

    def messages(self):
        """(publisher, port, payload) of every message so far."""
        out = []
        for line in self.proc.output().splitlines()[1:]:
            publisher, port, payload = line.split()
            out.append((publisher, int(port), bytes.fromhex(payload).decode()))
        return out

    def stop(self):
        self.proc.stop()
        return self.messages()


def publish(router, source, channel_source, group, count, interval, tag):
    """Publish count messages "tag-i" through the RP, one per interval."""
    router.cmd_raises(
        ["/usr/bin/python3", os.path.join(_HERE, "publish.py"), source,
         channel_source, group, str(count), str(interval), tag])
