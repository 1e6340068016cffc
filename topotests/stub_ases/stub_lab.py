"""The reduced lab's peers: who they are, what they listen to, how they
publish, and how to know that every one of them hears every AS."""

from mdcs_topo import internet
from mdcs_topo.peers import TunnelListener, publish
from mdcs_topo.poll import wait_for

GROUP = "ff3e::4444"


def channels(net):
    return [(internet.channel_source(k), GROUP)
            for k in range(1, net.n_as + 1)]


def as_of(host):
    return int(host[1])


def host_addr(h):
    return internet.host_addr(as_of(h), int(h[2]))


def listeners(net, tag):
    """A tunnel-mode listener on every peer host, for every RP's channel."""
    return {
        h: TunnelListener(net.gears[h], internet.rp_tunnel(as_of(h)),
                          channels(net), net.workdir, "{}-{}".format(h, tag))
        for h in net.hosts
    }


def publish_from(net, h, texts):
    k = as_of(h)
    publish(net.gears[h], host_addr(h), internet.channel_source(k), GROUP,
            texts)


def tagged(messages, tag):
    return [m for m in messages if m[1].startswith(tag + "-")]


def every_peer_hears_every_as(net, ears, tag):
    """Probe from one peer of each AS until every peer has heard each."""
    senders = [internet.host_name(k, 1) for k in range(1, net.n_as + 1)]

    def heard():
        for h in senders:
            publish_from(net, h, ["{}-{}".format(tag, h)])
        return all(
            {m[0] for m in tagged(e.messages(), tag)} ==
            {host_addr(h) for h in senders}
            for e in ears.values())

    wait_for(heard, 90, "every peer to hear a probe from every AS",
             interval=1)
