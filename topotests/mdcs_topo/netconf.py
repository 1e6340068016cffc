"""NETCONF sessions to rpd inside a topotest router: ncclient over SSH."""

import ctypes
import os
import socket
import threading
import xml.etree.ElementTree as ET
from contextlib import contextmanager

from ncclient import manager

NC = "urn:ietf:params:xml:ns:netconf:base:1.0"
RT = "urn:ietf:params:xml:ns:yang:ietf-routing"
MDCS = "urn:mdcs:yang:mdcs"
CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def _connect_in_netns(pid, address, port):
    """A TCP connection made from inside the network namespace of process
    pid: a namespace is a thread's, so a short-lived thread enters it."""
    out = {}

    def run():
        try:
            fd = os.open("/proc/{}/ns/net".format(pid), os.O_RDONLY)
            try:
                if _libc.setns(fd, CLONE_NEWNET):
                    raise OSError(ctypes.get_errno(), "setns")
            finally:
                os.close(fd)
            out["sock"] = socket.create_connection((address, port), timeout=30)
        except OSError as e:
            out["error"] = e

    t = threading.Thread(target=run)
    t.start()
    t.join()
    if "error" in out:
        raise out["error"]
    return out["sock"]


@contextmanager
def session(rp):
    """An SSH NETCONF session to rp's rpd as user admin."""
    sock = _connect_in_netns(rp.pid, "::1", 830)
    m = manager.connect(host="::1", port=830, sock=sock, username="admin",
                        key_filename=rp.admin_key, hostkey_verify=False,
                        allow_agent=False, look_for_keys=False, timeout=30)
    try:
        yield m
    finally:
        if m.connected:
            m.close_session()


def config(rp, inner):
    """An edit-config <config> holding inner in rp's mdcs container."""
    return (
        '<config xmlns="{nc}"><routing xmlns="{rt}"><control-plane-protocols>'
        '<control-plane-protocol><type xmlns:mdcs="{m}">mdcs:mdcs</type>'
        '<name>{name}</name><mdcs xmlns="{m}" xmlns:nc="{nc}">{inner}</mdcs>'
        "</control-plane-protocol></control-plane-protocols></routing>"
        "</config>".format(nc=NC, rt=RT, m=MDCS, name=rp.name, inner=inner)
    )


def subtree(inner):
    """A subtree filter for inner in the mdcs container."""
    return ("subtree",
            '<routing xmlns="{rt}"><control-plane-protocols>'
            '<control-plane-protocol><mdcs xmlns="{m}">{inner}</mdcs>'
            "</control-plane-protocol></control-plane-protocols></routing>"
            .format(rt=RT, m=MDCS, inner=inner))


def mdcs_values(reply_xml, path):
    """Texts of the nodes at path (slash-separated, in the mdcs namespace)
    below the mdcs container of a get or get-config reply."""
    root = ET.fromstring(reply_xml.encode())
    steps = "/".join("{%s}%s" % (MDCS, s) for s in path.split("/"))
    return [n.text for n in root.iter("{%s}mdcs" % MDCS)
            for n in n.findall(steps)]


def notifications(m, name, timeout):
    """Notifications of the given name (mdcs namespace) that arrive before
    timeout seconds pass without one, as dicts of their leaves."""
    while True:
        n = m.take_notification(block=True, timeout=timeout)
        if n is None:
            return
        root = ET.fromstring(n.notification_xml.encode())
        for event in root.iter("{%s}%s" % (MDCS, name)):
            yield {c.tag.split("}")[1]: c.text for c in event}
