"""Peers as the mdcs-peer tool makes them: listeners, in tunnel mode
through an RP (AMT gateways) or native, and publishers."""

import os

from .poll import wait_for
from .proc import NodeProcess
from .rp import BUILDDIR

PEER = os.path.join(BUILDDIR, "peer", "mdcs-peer")
# The group the gossip baseline's lines show: its messages come through no
# channel.
GOSSIP_GROUPS = {"-"}


def printed_lines(output, groups, stamped=False):
    """(publisher address, message, time or None) of every line of the
    tools' output (mdcs_peer_print: with stamped, the time; source, group,
    [publisher]:port, length, message) whose group is one of groups ("-"
    for the gossip baseline's)."""
    out = []
    for line in output.splitlines():
        at = None
        if stamped:
            at, _, line = line.partition(" ")
        f = line.split(" ", 4)
        if len(f) == 5 and f[1] in groups:
            out.append((f[2].rsplit(":", 1)[0].strip("[]"), f[4],
                        float(at) if stamped else None))
    return out


def printed_messages(output, groups, stamped=False):
    """(publisher address, message) of every message line (printed_lines)."""
    return [(p, m) for p, m, _ in printed_lines(output, groups, stamped)]


def arrivals(output, groups):
    """{(publisher address, message): time it was first printed} of the
    output of a tool run with -T."""
    first = {}
    for p, m, at in printed_lines(output, groups, stamped=True):
        first.setdefault((p, m), at)
    return first


def published_at(output):
    """The time of the tools' `published' line (-T), or None."""
    for line in output.splitlines():
        at, _, what = line.partition(" ")
        if what == "published":
            return float(at)
    return None


class PeerListener:
    """mdcs-peer listen -T -r: joins channels (source, group) through the
    RP whose tunnel address is relay, announces itself to it, and prints
    what the channels carry, with the time it arrived.  With relay None,
    it finds its RP by relay discovery (-u); with channels a group alone,
    it joins that group's channel of every RP the RP's directory lists
    (-g).  With native, an interface, it joins them there with MLDv2
    instead, at the AS's multicast routers."""

    def __init__(self, router, relay, channels, workdir, name, seconds=180,
                 native=None):
        argv = [PEER, "listen", "-T", "-t", str(seconds)]
        if native:
            argv += ["-i", native]
        else:
            argv += ["-r", relay] if relay else ["-u"]
        if isinstance(channels, str):
            argv += ["-g", channels]
            self.groups = {channels}
        else:
            for source, group in channels:
                argv += [source, group]
            self.groups = {group for _, group in channels}
        self.proc = NodeProcess(router, argv, workdir, name)
        wait_for(lambda: "listening" in self.proc.output(), 20,
                 "{} to listen through {}".format(name, relay or "its RP"))

    def messages(self):
        """(publisher address, message) of every channel message so far."""
        return printed_messages(self.proc.output(), self.groups,
                                stamped=True)

    def arrivals(self):
        """{(publisher address, message): when it first arrived}."""
        return arrivals(self.proc.output(), self.groups)

    def stop(self):
        self.proc.stop()
        return self.messages()


def publish(router, local, channel_source, group, messages):
    """Publish each message through the RP whose channel source is
    channel_source (None: the RP found by relay discovery, -D), from
    local; the time just before the first went."""
    to = [channel_source] if channel_source else ["-D"]
    return published_at(router.cmd_raises(
        [PEER, "publish", "-T", "-s", local] + to + [group] +
        list(messages)))
