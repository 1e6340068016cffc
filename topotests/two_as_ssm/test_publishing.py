"""
Publishing through an RP, over real FRR pim6d; the topology is in
conftest.py.  src publishes to rp1's channel source; listeners on src (AS1,
native delivery from rp1's overlay) and on rcv (AS2, through the tunnel)
join the channel.
"""

import pytest

from mdcs_topo.poll import wait_for
from mdcs_topo.ssm import ChannelListener, publish

pytestmark = [pytest.mark.pim6d, pytest.mark.staticd]

PUBLISHER = "2001:db8:1:1::10"
GROUP = "ff3e::2222"
MESSAGES = 50


def listeners(net, tag):
    g = net.gears
    return [
        ChannelListener(g["src"], "src-eth0", net.channel_source, GROUP,
                        net.workdir, "listen-as1-" + tag),
        ChannelListener(g["rcv"], "rcv-eth0", net.channel_source, GROUP,
                        net.workdir, "listen-as2-" + tag),
    ]


def tagged(messages, tag):
    return [m for m in messages if m[2].startswith(tag + "-")]


@pytest.mark.mroute6
def test_publications_reach_both_ases(net):
    "Every publication reaches a listener in each AS, once."
    g, rp1 = net.gears, net.rps["rp1"]
    ears = listeners(net, "all")
    wait_for(
        lambda: (net.channel_source, GROUP) in rp1.sent_channels(),
        60,
        "rp2 to subscribe to rp1's channel",
    )

    # PIM state in AS1 forms on its own time: probe until both hear.
    def heard():
        publish(g["src"], PUBLISHER, net.channel_source, GROUP, 1, 0, "probe")
        return all(tagged(e.messages(), "probe") for e in ears)

    wait_for(heard, 60, "a probe to reach both listeners", interval=0.5)
    before = rp1.counters()["publish-packets"]
    publish(g["src"], PUBLISHER, net.channel_source, GROUP, MESSAGES, 0.01,
            "msg")
    wait_for(
        lambda: all(len(tagged(e.messages(), "msg")) >= MESSAGES for e in ears),
        30,
        "every message at both listeners",
    )
    want = [(PUBLISHER, "msg-{}".format(i)) for i in range(MESSAGES)]
    for ear in ears:
        got = [(m[0], m[2]) for m in tagged(ear.stop(), "msg")]
        assert got == want
    assert rp1.counters()["publish-packets"] - before == MESSAGES


@pytest.mark.mroute6
def test_publications_limited(net):
    """A burst beyond the rate is cut and counted; what passes arrives once;
    a host outside the allowed prefixes cannot publish."""
    g, rp1 = net.gears, net.rps["rp1"]
    ear = listeners(net, "limits")[1]
    wait_for(
        lambda: (net.channel_source, GROUP) in rp1.sent_channels(),
        60,
        "rp2 to subscribe to rp1's channel",
    )
    before = rp1.counters()
    publish(g["src"], PUBLISHER, net.channel_source, GROUP, 100, 0, "burst")

    def handled():
        c = rp1.counters()
        return (c["publish-packets"] + c["drop-publish-rate"]
                - before["publish-packets"] - before["drop-publish-rate"]
                >= 100)

    wait_for(handled, 20, "rp1 to take or drop all 100 publications")
    after = rp1.counters()
    accepted = after["publish-packets"] - before["publish-packets"]
    dropped = after["drop-publish-rate"] - before["drop-publish-rate"]
    assert accepted + dropped == 100
    assert dropped > 0 and accepted >= 20
    wait_for(lambda: len(tagged(ear.messages(), "burst")) >= accepted, 20,
             "the accepted publications at the AS2 listener")

    g["src"].cmd_raises("ip -6 addr add 2001:db8:99::10/64 dev src-eth0 nodad")
    publish(g["src"], "2001:db8:99::10", net.channel_source, GROUP, 1, 0,
            "stranger")
    wait_for(
        lambda: rp1.counters()["drop-publish-not-allowed"]
        == before["drop-publish-not-allowed"] + 1,
        20,
        "rp1 to refuse the host outside its prefixes",
    )
    got = ear.stop()
    g["src"].cmd_raises("ip -6 addr del 2001:db8:99::10/64 dev src-eth0")
    assert len(tagged(got, "burst")) == accepted
    assert len(set(m[2] for m in tagged(got, "burst"))) == accepted
    assert tagged(got, "stranger") == []
