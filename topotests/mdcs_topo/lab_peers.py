"""The lab's peers: who they are, what they listen to, how they publish,
and how to know that every one of them hears every AS.  The peers find
their RP by relay discovery and join the channels its directory lists."""

from .internet import as_of, channel_source, host_address
from .netconf import mdcs_values, session, subtree
from .peers import PeerListener, publish
from .poll import wait_for

GROUP = "ff3e::4444"


def directory_entries(rp):
    """How many channel sources rp's directory lists now."""
    with session(rp) as m:
        reply = m.get(filter=subtree("<directory/>")).data_xml
    return int(mdcs_values(reply, "directory/entries")[0])


def directories_complete(net):
    """Wait until every RP's directory lists every RP."""
    wait_for(lambda: all(directory_entries(rp) == len(net.inet.stubs)
                         for rp in net.rps.values()), 60,
             "every RP's directory to list every RP", interval=1)


def listeners(net, tag, native=False):
    """A listener on every peer host for every RP's channel, for the
    channels the directory of the RP it finds lists, once every directory
    lists every RP: in tunnel mode through that RP, or with native by
    MLDv2 joins on the host's link."""
    directories_complete(net)
    return {
        h: PeerListener(net.gears[h], None, GROUP, net.workdir,
                        "{}-{}".format(h, tag),
                        native=h + "-eth0" if native else None)
        for h in net.inet.hosts()
    }


def publish_from(net, h, texts, find=False):
    """Publish texts from peer h through its RP, or with find through the
    RP it finds by relay discovery; when they went."""
    return publish(net.gears[h], host_address(h),
                   None if find else channel_source(as_of(h)), GROUP, texts)


def tagged(messages, tag):
    return [m for m in messages if m[1].startswith(tag + "-")]


def every_peer_hears_every_as(net, ears, tag, timeout=90):
    """Probe from one peer of each AS, through the RP it finds, until
    every peer has heard each."""
    senders = [net.inet.hosts(k)[0] for k in net.inet.stubs]

    def heard():
        for h in senders:
            publish_from(net, h, ["{}-{}".format(tag, h)], find=True)
        return all(
            {m[0] for m in tagged(e.messages(), tag)} ==
            {host_address(h) for h in senders}
            for e in ears.values())

    wait_for(heard, timeout, "every peer to hear a probe from every AS",
             interval=1)
