"""The lab's peers: who they are, what they listen to, how they publish,
and how to know that every one of them hears every AS."""

from .internet import as_of, channel_source, host_address, rp_tunnel
from .peers import TunnelListener, publish
from .poll import wait_for

GROUP = "ff3e::4444"


def channels(inet):
    """Every RP's channel: all the peers' messages, from every AS."""
    return [(channel_source(k), GROUP) for k in inet.stubs]


def listeners(net, tag):
    """A tunnel-mode listener on every peer host, for every RP's channel,
    through its own AS's RP."""
    return {
        h: TunnelListener(net.gears[h], rp_tunnel(as_of(h)),
                          channels(net.inet), net.workdir,
                          "{}-{}".format(h, tag))
        for h in net.inet.hosts()
    }


def publish_from(net, h, texts):
    """Publish texts from peer h through its RP; when they went."""
    return publish(net.gears[h], host_address(h), channel_source(as_of(h)),
                   GROUP, texts)


def tagged(messages, tag):
    return [m for m in messages if m[1].startswith(tag + "-")]


def every_peer_hears_every_as(net, ears, tag, timeout=90):
    """Probe from one peer of each AS until every peer has heard each."""
    senders = [net.inet.hosts(k)[0] for k in net.inet.stubs]

    def heard():
        for h in senders:
            publish_from(net, h, ["{}-{}".format(tag, h)])
        return all(
            {m[0] for m in tagged(e.messages(), tag)} ==
            {host_address(h) for h in senders}
            for e in ears.values())

    wait_for(heard, timeout, "every peer to hear a probe from every AS",
             interval=1)
