"""Peers as the mdcs-peer tool makes them: tunnel-mode listeners of an RP
(AMT gateways), and publishers."""

import os

from .poll import wait_for
from .proc import NodeProcess
from .rp import BUILDDIR

PEER = os.path.join(BUILDDIR, "peer", "mdcs-peer")


def printed_messages(output, groups):
    """(publisher address, message) of every line of the tools' output
    (mdcs_peer_print: source, group, [publisher]:port, length, message)
    whose group is one of groups ("-" for the gossip baseline's)."""
    out = []
    for line in output.splitlines():
        f = line.split(" ", 4)
        if len(f) == 5 and f[1] in groups:
            out.append((f[2].rsplit(":", 1)[0].strip("[]"), f[4]))
    return out


class TunnelListener:
    """mdcs-peer listen -r: joins channels (source, group) through the RP
    whose tunnel address is relay, and prints what they carry."""

    def __init__(self, router, relay, channels, workdir, name, seconds=180):
        argv = [PEER, "listen", "-r", relay, "-t", str(seconds)]
        for source, group in channels:
            argv += [source, group]
        self.groups = {group for _, group in channels}
        self.proc = NodeProcess(router, argv, workdir, name)
        wait_for(lambda: "listening" in self.proc.output(), 20,
                 "{} to listen through {}".format(name, relay))

    def messages(self):
        """(publisher address, message) of every channel message so far."""
        return printed_messages(self.proc.output(), self.groups)

    def stop(self):
        self.proc.stop()
        return self.messages()


def publish(router, local, channel_source, group, messages):
    """Publish each message through the RP whose channel source is
    channel_source, from local."""
    router.cmd_raises([PEER, "publish", "-s", local, channel_source, group] +
                      list(messages))
