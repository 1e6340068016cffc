"""
rpd's NETCONF server driven by ncclient over SSH, as an operator's tool
drives it, over real FRR pim6d; the topology is in conftest.py:

    src --- r1 --- rp1 ====== rp2 --- r2 --- rcv
                        (no PIM)

A configure / commit / get cycle; invalid edits refused with rpc-errors
naming the node, running left byte for byte as it was; a leaf deleted
without its value; two sessions racing
with locks (RFC 6241 7.5, 7.9); a notification when rp2 subscribes to a
channel at rp1; a channel mapping tunnelling a channel nobody asked for,
until it is deleted, its tunnel and counters in the state, cleared by the
clear-counters action; rp2's status and view entry at rp1, down and up again
with notifications when rp2 stops and returns; a client silent after its
SSH login keeping no one else out; mdcsctl's YANG JSON over the UNIX socket, with the same refusals;
a killed rpd coming back with what was committed.
"""

import json
import signal

import pytest
from ncclient.operations import RPCError

from lxml import etree

from mdcs_topo.netconf import (action, config, mdcs_values, notifications,
                               session, silent_client, subtree)
from mdcs_topo.poll import wait_for
from mdcs_topo.rp import instance_config
from mdcs_topo.ssm import GROUP, SOURCE, send_stream
from mdcs_topo.stream import CHANNEL, joined

pytestmark = [pytest.mark.pim6d, pytest.mark.staticd]


def running(rp):
    with open(rp.running_file) as f:
        return f.read()


def hop_limit(m, source="running"):
    reply = m.get_config(source=source, filter=subtree("<rp><hop-limit/></rp>"))
    return mdcs_values(reply.data_xml, "rp/hop-limit")


def set_hop_limit(value):
    return "<rp><hop-limit>{}</hop-limit></rp>".format(value)


def test_configure_commit_get(net):
    "An edit of the candidate runs once committed; get adds the state."
    rp1 = net.rps["rp1"]
    with session(rp1) as m:
        assert ":candidate" in " ".join(m.server_capabilities)
        m.edit_config(target="candidate", config=config(rp1.name, set_hop_limit(40)))
        assert hop_limit(m, "candidate") == ["40"]
        assert hop_limit(m) != ["40"]
        m.commit()
        assert hop_limit(m) == ["40"]
        reply = m.get(filter=subtree("<rp><hop-limit/></rp><statistics/>"))
        assert mdcs_values(reply.data_xml, "rp/hop-limit") == ["40"]
        drops = mdcs_values(reply.data_xml, "statistics/drop/reason")
        assert "no-neighbor" in drops
        assert mdcs_values(reply.data_xml,
                           "statistics/control-messages/accepted")
    assert '"hop-limit": 40' in running(rp1)


@pytest.mark.parametrize(
    "edit, node",
    [
        ("<rp><source-prefix>2001:db8:1::/129</source-prefix></rp>",
         "source-prefix"),
        ("<rp><colour>red</colour></rp>", "colour"),
        ("<rp><hop-limit>300</hop-limit></rp>", "hop-limit"),
        ("<channel><group>ff3e::8000:1</group><source>2001:db8:1::10</source>"
         "<remote-rp>rp9</remote-rp></channel>", "remote-rp"),
    ],
    ids=["bad-prefix", "unknown-leaf", "out-of-range", "leafref-to-missing-rp"],
)
def test_invalid_edit_refused(net, edit, node):
    "The rpc-error names the node; running stays byte-identical."
    rp1 = net.rps["rp1"]
    before = running(rp1)
    with session(rp1) as m:
        for target in ("running", "candidate"):
            with pytest.raises(RPCError) as refused:
                m.edit_config(target=target, config=config(rp1.name, edit))
            e = refused.value
            assert e.severity == "error"
            assert node in (e.path or "") + e.message, (e.path, e.message)
        m.commit()  # the candidate kept nothing of the refused edit
    assert running(rp1) == before


def test_leaf_deleted_without_its_value(net):
    """RFC 6241: a delete names a leaf without its value; deleting it again
    is data-missing; a merge still needs the value."""
    rp1 = net.rps["rp1"]
    with session(rp1) as m:
        m.edit_config(target="running",
                      config=config(rp1.name, set_hop_limit(44)))
        delete = config(rp1.name,
                        '<rp><hop-limit nc:operation="delete"/></rp>')
        m.edit_config(target="running", config=delete)
        assert '"hop-limit"' not in running(rp1)
        before = running(rp1)
        for edit, tag in ((delete, "data-missing"),
                          (config(rp1.name, "<rp><hop-limit/></rp>"),
                           "invalid-value")):
            with pytest.raises(RPCError) as refused:
                m.edit_config(target="running", config=edit)
            assert refused.value.tag == tag
            assert "hop-limit" in refused.value.path
    assert running(rp1) == before


def test_locks_between_two_sessions(net):
    "RFC 6241 7.5: a lock keeps others out until unlocked or its session ends."
    rp1 = net.rps["rp1"]
    with session(rp1) as a, session(rp1) as b:
        a.lock("candidate")
        with pytest.raises(RPCError) as denied:
            b.lock("candidate")
        assert denied.value.tag == "lock-denied"
        assert "<session-id>{}</session-id>".format(a.session_id) in \
            denied.value.info
        with pytest.raises(RPCError) as in_use:
            b.edit_config(target="candidate", config=config(rp1.name, set_hop_limit(41)))
        assert in_use.value.tag == "in-use"
        a.edit_config(target="candidate", config=config(rp1.name, set_hop_limit(41)))
        a.unlock("candidate")
        # Uncommitted changes of another session keep the candidate locked.
        with pytest.raises(RPCError) as pending:
            b.lock("candidate")
        assert pending.value.tag == "lock-denied"
        a.commit()
        b.lock("candidate")
        b.unlock("candidate")

        a.lock("running")
        b.kill_session(a.session_id)
        b.lock("running")  # the killed session's lock went with it
        b.unlock("running")
    with session(rp1) as m:
        assert hop_limit(m) == ["41"]


@pytest.mark.mroute6
def test_notification_on_subscription(net):
    "A receiver joins behind rp2: rp1 tells its subscriber rp2 is added."
    rp1 = net.rps["rp1"]
    with session(rp1) as m:
        m.create_subscription()
        receiver = joined(net, "iperf-netconf")
        try:
            event = next((e for e in notifications(m, "subscription-change", 30)
                          if e.get("remote-rp") == "rp2"), None)
        finally:
            receiver.leave()
    assert event, "no subscription-change from rp1"
    assert event["direction"] == "sent"
    assert event["event"] == "added"


MAPPING = ("<channel{op}><group>{g}</group><source>{s}</source>"
           "<remote-rp>rp2</remote-rp></channel>")


def mapped_subscriptions(m):
    reply = m.get(filter=subtree(
        "<subscription><remote-rp>rp2</remote-rp><direction>sent</direction>"
        "<configured/><expires-in/></subscription>"))
    return (mdcs_values(reply.data_xml, "subscription/configured"),
            mdcs_values(reply.data_xml, "subscription/expires-in"))


def sent_to_rp2(m):
    reply = m.get(filter=subtree(
        "<remote-rp><name>rp2</name><sent><packets/></sent></remote-rp>"))
    return int(mdcs_values(reply.data_xml, "remote-rp/sent/packets")[0])


@pytest.mark.mroute6
def test_channel_mapping(net):
    """A mapping tunnels (S,G) to rp2 though no receiver wants it, until
    deleted; clear-counters zeroes rp2's counters, then all."""
    rp1 = net.rps["rp1"]
    wait_for(lambda: CHANNEL not in rp1.sent_channels(), 30,
             "an earlier receiver's subscription to end")
    with session(rp1) as m:
        m.edit_config(target="running", config=config(
            rp1.name, MAPPING.format(op="", g=GROUP, s=SOURCE)))
        wait_for(lambda: CHANNEL in rp1.sent_channels(), 30,
                 "rp1 to tunnel the mapped channel")
        assert mapped_subscriptions(m) == (["true"], [])
        before = rp1.counters()["encap-copies"]
        send_stream(net.gears["src"], 20)
        wait_for(lambda: rp1.counters()["encap-copies"] > before, 30,
                 "rp1 to tunnel the stream to rp2")
        tunnel = m.get(filter=subtree("<tunnel/>")).data_xml
        assert mdcs_values(tunnel, "tunnel/group") == [GROUP]
        assert mdcs_values(tunnel, "tunnel/remote-rp") == ["rp2"]
        copies = mdcs_values(tunnel, "tunnel/forwarded/copies")
        packets = mdcs_values(tunnel, "tunnel/forwarded/packets")
        assert int(copies[0]) == int(packets[0]) > 0
        assert sent_to_rp2(m) > 0

        assert rp1.ctl("rps")[0]["sent-packets"] > 0
        m.dispatch(etree.fromstring(action(
            rp1.name, "<clear-counters><remote-rp>rp2</remote-rp>"
                      "</clear-counters>")))
        assert rp1.ctl("rps")[0]["sent-packets"] == 0
        assert sent_to_rp2(m) == 0
        assert rp1.counters()["encap-copies"] > 0
        m.dispatch(etree.fromstring(action(rp1.name, "<clear-counters/>")))
        assert rp1.counters()["encap-copies"] == 0
        m.edit_config(target="running", config=config(
            rp1.name, MAPPING.format(op=' nc:operation="delete"', g=GROUP,
                                     s=SOURCE)))
        assert CHANNEL not in rp1.sent_channels()
        assert mapped_subscriptions(m) == ([], [])


def rp2_seen_by(m):
    """rp2's status, last message and view entry as rp1 reports them."""
    reply = m.get(filter=subtree(
        "<remote-rp><name>rp2</name><status/><last-heard/></remote-rp>"
        "<membership><member/></membership>")).data_xml
    return {"status": mdcs_values(reply, "remote-rp/status"),
            "last-heard": mdcs_values(reply, "remote-rp/last-heard"),
            "member": mdcs_values(reply, "membership/member/name")}


def rp2_status_change(m, timeout):
    return next((e for e in notifications(m, "rp-status-change", timeout)
                 if e.get("remote-rp") == "rp2"), None)


def test_remote_rp_status(net):
    """rp2's KEEPALIVEs keep it up and in rp1's view; stopped, it goes
    down after the hold time, and up again when it returns, each change
    notified."""
    rp1, rp2 = net.rps["rp1"], net.rps["rp2"]
    with session(rp1) as m:
        def rp2_in_view():
            seen = rp2_seen_by(m)
            return seen if seen["member"] == ["rp2"] else None

        # A shuffle takes rp2 out of rp1's view until rp2 shuffles back.
        seen = wait_for(rp2_in_view, 30, "rp2 in rp1's view")
        assert seen["status"] == ["up"]
        assert len(seen["last-heard"]) == 1
        m.create_subscription()
        rp2.stop()
        try:
            down = rp2_status_change(
                m, net.timers["subscription-hold"] + 10)
            assert down and down["status"] == "down", "no down from rp1"
            assert rp2_seen_by(m)["status"] == ["down"]
        finally:
            rp2.start()
        up = rp2_status_change(m, 30)
    assert up and up["status"] == "up", "no up from rp1"


def test_silent_client_keeps_no_one_out(net):
    "A client that never sends its hello holds up no other session."
    rp1 = net.rps["rp1"]
    with silent_client(rp1), session(rp1) as m:
        reply = m.get_config(source="running",
                             filter=subtree("<remote-rp><name/></remote-rp>"))
        assert mdcs_values(reply.data_xml, "remote-rp/name") == ["rp2"]


def json_edit(rp, mdcs):
    """YANG JSON of an edit of rp's mdcs container."""
    return json.dumps(instance_config(rp.name, mdcs))


HOP_LIMIT_XPATH = ("/ietf-routing:routing/control-plane-protocols/"
                   "control-plane-protocol/mdcs:mdcs/rp/hop-limit")


def test_mdcsctl_over_unix_socket(net):
    "mdcsctl edits and reads YANG JSON; rpd's refusals reach its stderr."
    rp1 = net.rps["rp1"]
    done = rp1.netconf_ctl("edit", "-", stdin=json_edit(
        rp1, {"rp": {"hop-limit": 43}}))
    assert done.returncode == 0, done.stderr
    shown = rp1.netconf_ctl("get-config", HOP_LIMIT_XPATH)
    assert shown.returncode == 0, shown.stderr
    protocol = json.loads(shown.stdout)["ietf-routing:routing"][
        "control-plane-protocols"]["control-plane-protocol"][0]
    assert protocol["mdcs:mdcs"]["rp"]["hop-limit"] == 43
    state = rp1.netconf_ctl("get")
    assert state.returncode == 0, state.stderr
    assert '"reason": "no-neighbor"' in state.stdout

    before = running(rp1)
    for edit, says in ((json_edit(rp1, {"rp": {"hop-limit": 300}}),
                        "hop-limit"),
                       (json_edit(rp1, {"rp": {"colour": "red"}}), "colour"),
                       (json_edit(rp1, {"channel": [{
                           "group": "ff3e::8000:1", "source": SOURCE,
                           "remote-rp": ["rp9"]}]}), "data-missing"),
                       ('{"ietf-routing:routing": {', "-")):
        refused = rp1.netconf_ctl("edit", "-", stdin=edit)
        assert refused.returncode == 1
        assert says in refused.stderr, refused.stderr
    assert running(rp1) == before
    wrong = rp1.netconf_ctl("-d", "nowhere", "get-config")
    assert wrong.returncode == 2 and "nowhere" in wrong.stderr


def test_killed_rpd_restores_commit(net):
    "rpd killed outright comes back with the configuration committed last."
    rp1 = net.rps["rp1"]
    with session(rp1) as m:
        m.edit_config(target="running", config=config(rp1.name, set_hop_limit(42)))
    committed = running(rp1)
    rp1.stop(signal.SIGKILL)
    rp1.start()
    with session(rp1) as m:
        assert hop_limit(m) == ["42"]
    assert running(rp1) == committed
