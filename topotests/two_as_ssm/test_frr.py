"""
pim6d's mdcs module on the two-AS scenario (conftest.py), with the RPs
configured only through vtysh: rpd starts without configuration.

    vtysh --- pim6d -M mdcs --(CLI socket)--> rpd <--(NETCONF)-- ncclient

A configuration made in vtysh reads back over NETCONF, and the reverse; a
command rpd refuses shows rpd's reason and changes nothing; with rpd down,
commands say so and pim6d goes on; rpd restarted without its running
configuration gets it back from pim6d; pim6d restarted gets it back from the
frr.conf that `write memory` saved, whether rpd is up or comes later.
"""

import os
import signal

import pytest

from mdcs_topo.netconf import config, mdcs_values, session, subtree
from mdcs_topo.peers import PeerListener
from mdcs_topo.poll import wait_for
from mdcs_topo.stream import joined, stream_through

pytestmark = [pytest.mark.pim6d, pytest.mark.staticd]

CONFIGURED_BY = "vtysh"


def vtysh(router, *commands):
    """vtysh's exit status and output (stdout and stderr) for commands."""
    args = " ".join("-c '{}'".format(c) for c in commands)
    rc, out, err = router.net.cmd_status("vtysh " + args, warn=False)
    return rc, out + err


def configure(router, *lines):
    return vtysh(router, "configure terminal", *lines)


def mdcs_lines(router):
    """The mdcs lines of show running-config."""
    _, out = vtysh(router, "show running-config")
    return [line for line in out.splitlines() if line.startswith("mdcs ")]


def netconf_values(rp, subtree_xml, path):
    with session(rp) as m:
        reply = m.get_config(source="running", filter=subtree(subtree_xml))
        return mdcs_values(reply.data_xml, path)


def hello_interval(rp):
    return netconf_values(rp, "<timers><hello-interval/></timers>",
                          "timers/hello-interval")


def test_configured_by_vtysh_only(net):
    "rpd has no file: its configuration is the mdcs lines of frr.conf."
    for name, rp in net.rps.items():
        assert not os.path.exists(rp.config_file)
        assert netconf_values(rp, "<remote-rp><name/></remote-rp>",
                              "remote-rp/name") == [
            n for n in net.rps if n != name]
        lines = mdcs_lines(net.gears[name])
        assert lines[0].startswith("mdcs rp {} tunnel-address {} ".format(
            name, rp.tunnel)), lines


def test_vtysh_to_netconf_and_back(net):
    "vtysh's change reads back over NETCONF; NETCONF's shows in vtysh."
    rp1, router = net.rps["rp1"], net.gears["rp1"]
    rc, out = configure(router, "mdcs timers hello-interval 7")
    assert rc == 0, out
    assert hello_interval(rp1) == ["7"]
    assert "mdcs timers hello-interval 7" in mdcs_lines(router)

    with session(rp1) as m:
        m.edit_config(target="running", config=config(
            rp1.name, "<timers><hello-interval>9</hello-interval></timers>"))
    lines = mdcs_lines(router)
    assert "mdcs timers hello-interval 9" in lines, lines
    assert "mdcs timers hello-interval 7" not in lines
    rc, out = configure(router, "no mdcs timers hello-interval")
    assert rc == 0, out
    assert hello_interval(rp1) == []


def test_show_commands(net):
    "show mdcs answers from rpd's state, as text and as YANG JSON."
    router = net.gears["rp1"]
    wait_for(lambda: "up" in vtysh(router, "show mdcs remote-rp")[1], 30,
             "rp2 to show up in rp1's show mdcs remote-rp")
    rc, out = vtysh(router, "show mdcs remote-rp json")
    assert rc == 0, out
    assert '"status": "up"' in out and '"name": "rp2"' in out
    rc, out = vtysh(router, "show mdcs")
    assert rc == 0 and "RP rp1" in out, out
    rc, out = vtysh(router, "show mdcs statistics")
    assert rc == 0 and "control-messages" in out, out


def test_show_peers(net):
    "A tunnel-mode peer announcing itself to rp1 shows in show mdcs peers."
    router = net.gears["rp1"]
    rp1 = net.rps["rp1"]
    ear = PeerListener(net.gears["src"], rp1.tunnel,
                       [(net.channel_source, "ff3e::3333")], net.workdir,
                       "frr-peer")
    try:
        # src is behind r1, on rp1-eth0; the tunnel address is on rp1-eth1.
        wait_for(lambda: "  interface rp1-eth0\n    peers 1\n"
                 "    tunnel-mode-peers 1\n" in
                 vtysh(router, "show mdcs peers")[1], 30,
                 "rp1 to count the peer in show mdcs peers")
        rc, out = vtysh(router, "show mdcs")
        assert rc == 0 and "1, 1 in tunnel mode" in out, out
    finally:
        ear.stop()


def test_refused_command_changes_nothing(net):
    "A command against the model's rules shows rpd's reason; nothing changes."
    rp1, router = net.rps["rp1"], net.gears["rp1"]
    before = (mdcs_lines(router), open(rp1.running_file).read())
    hold = net.timers["subscription-refresh"]
    rc, out = configure(router,
                        "mdcs timers subscription-hold {}".format(hold))
    assert rc != 0
    assert "subscription-hold must exceed subscription-refresh" in out, out
    rc, out = configure(router, "mdcs remote-rp rp9 address 2001:db8:ff::9")
    assert rc != 0 and "public-key" in out, out
    assert (mdcs_lines(router), open(rp1.running_file).read()) == before


@pytest.mark.mroute6
def test_rpd_down_then_restarted_empty(net):
    "rpd down: commands say so, pim6d goes on; back empty, it gets the lines."
    rp1, router = net.rps["rp1"], net.gears["rp1"]
    before = mdcs_lines(router)
    rp1.stop(signal.SIGKILL)
    try:
        rc, out = configure(router, "mdcs timers hello-interval 5")
        assert rc != 0 and "rpd is not reachable" in out, out
        # A show command's failure is a warning, as in FRR: exit status 0.
        _, out = vtysh(router, "show mdcs")
        assert "rpd is not reachable" in out, out
        assert mdcs_lines(router) == before
        # rpd loses its running configuration as well: only pim6d has it.
        os.unlink(rp1.running_file)
    finally:
        rp1.start()
    wait_for(lambda: netconf_values(rp1, "<remote-rp><name/></remote-rp>",
                                    "remote-rp/name") == ["rp2"],
             30, "pim6d's module to send rp1's configuration again")
    assert mdcs_lines(router) == before
    receiver = joined(net, "iperf-server-frr-1")
    sent, received, _ = stream_through(net, receiver, "frr-1")
    assert received == sent


def test_file_load_adds(net):
    "A file loaded with vtysh -f after start-up adds its lines, one commit."
    router = net.gears["rp1"]
    before = mdcs_lines(router)
    path = os.path.join(net.workdir, "rp1", "more.conf")
    with open(path, "w") as f:
        f.write("mdcs timers max-clock-skew 30\n"
                "mdcs timers hello-interval 20\n")
    rc, out, err = router.net.cmd_status("vtysh -f " + path, warn=False)
    assert rc == 0, out + err
    after = mdcs_lines(router)
    assert set(after) == set(before) | {"mdcs timers max-clock-skew 30",
                                        "mdcs timers hello-interval 20"}
    rc, out = configure(router, "no mdcs timers max-clock-skew",
                        "no mdcs timers hello-interval")
    assert rc == 0, out
    assert mdcs_lines(router) == before


def restart_pim6d(router):
    """Kill pim6d and start it again as watchfrr would: the daemon, then
    its part of the integrated frr.conf (vtysh -b -d pim6d)."""
    router.killDaemons(["pim6d"])
    router.startDaemons(["pim6d"])
    rc, out = vtysh(router, "show modules")
    assert "pim6d_mdcs" in out, out
    return router.net.cmd_status("vtysh -b -d pim6d", warn=False)


def test_write_memory_and_restart(net):
    "write memory saves the mdcs lines; pim6d restarted puts them back."
    rp1, router = net.rps["rp1"], net.gears["rp1"]
    rc, out = configure(router, "mdcs timers join-prune-interval 50")
    assert rc == 0, out
    rc, out = vtysh(router, "write memory")
    assert rc == 0, out
    saved = router.net.cmd_raises("cat /etc/frr/frr.conf")
    assert "mdcs timers join-prune-interval 50" in saved
    expected = mdcs_lines(router)

    # pim6d first, rpd up: the file's lines go to rpd at the end of the load.
    rc, _, err = restart_pim6d(router)
    assert rc == 0, err
    assert mdcs_lines(router) == expected

    # rpd comes after pim6d, empty: pim6d's module sends what it loaded.
    rp1.stop(signal.SIGKILL)
    os.unlink(rp1.running_file)
    rc, _, err = restart_pim6d(router)
    assert rc == 0, err
    rp1.start()
    wait_for(lambda: netconf_values(
        rp1, "<timers><join-prune-interval/></timers>",
        "timers/join-prune-interval") == ["50"],
        30, "pim6d's module to send frr.conf's mdcs lines to rpd")
    assert mdcs_lines(router) == expected


# FRR as its init script runs it: watchfrr starts the daemons and, for each
# one it (re)starts, applies the daemon's part of frr.conf (vtysh -b).  It
# restarts a daemon at once rather than a minute after its last start.
DAEMONS = """watchfrr_options="--min-restart-interval 1 --max-restart-interval 5"
zebra=yes
staticd=yes
pim6d=yes
vtysh_enable=yes
zebra_options="-A 127.0.0.1"
staticd_options="-A 127.0.0.1"
pim6d_options="-A ::1 -M mdcs:{socket}"
"""


def pid_of(router, daemon):
    rc, out, _ = router.net.cmd_status(
        "cat /var/run/frr/{}.pid".format(daemon), warn=False)
    return int(out) if rc == 0 and out.strip().isdigit() else None


def test_watchfrr_restarts_pim6d(net):
    """Under watchfrr, a killed pim6d comes back with frr.conf's mdcs lines,
    and gives them to an rpd that lost its own."""
    rp1, router = net.rps["rp1"], net.gears["rp1"]
    rc, out = vtysh(router, "write memory")
    assert rc == 0, out
    expected = mdcs_lines(router)
    frrinit = os.path.join(os.environ.get("MDCS_FRR_PREFIX", "/opt/mdcs/frr"),
                           "sbin/frrinit.sh")
    router.killDaemons(["pim6d", "staticd", "zebra"])
    router.net.cmd_raises("cat > /etc/frr/daemons <<'EOF'\n{}EOF".format(
        DAEMONS.format(socket=rp1.cli_socket)))
    try:
        router.net.cmd_raises(frrinit + " start")
        wait_for(lambda: mdcs_lines(router) == expected, 60,
                 "FRR under watchfrr to load rp1's mdcs lines")
        first = wait_for(lambda: pid_of(router, "pim6d"), 30, "pim6d's pid")
        # Only frr.conf has the configuration now.
        rp1.stop(signal.SIGKILL)
        os.unlink(rp1.running_file)
        os.kill(first, signal.SIGKILL)
        wait_for(lambda: pid_of(router, "pim6d") not in (None, first), 60,
                 "watchfrr to start pim6d again")
        wait_for(lambda: mdcs_lines(router) == expected, 60,
                 "the new pim6d to load rp1's mdcs lines from frr.conf")
        rp1.start()
        wait_for(lambda: netconf_values(rp1, "<remote-rp><name/></remote-rp>",
                                        "remote-rp/name") == ["rp2"],
                 30, "pim6d's module to send frr.conf's lines to rpd")
    finally:
        router.net.cmd_status(frrinit + " stop", warn=False)
