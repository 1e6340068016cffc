"""NETCONF sessions to rpd inside a topotest router: ncclient over SSH."""

import ctypes
import os
import socket
import threading
import xml.etree.ElementTree as ET
from contextlib import contextmanager

import paramiko
from ncclient.manager import Manager, make_device_handler
from ncclient.transport import SSHSession

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


class _HelloFramedSession(SSHSession):
    """ncclient's SSH session, with its <hello> always framed by ]]>]]>.

    ncclient queues its hello for its reader thread; when the server's
    hello arrives first, that thread may send the client's hello with
    chunked framing (ncclient issue #524), which RFC 6242 4.1 forbids and
    a server cannot read. This session writes its hello itself, before
    the thread starts."""

    def __init__(self, device_handler):
        super().__init__(device_handler)
        self._hello_sent = False

    def send(self, message):
        if self._hello_sent:
            return super().send(message)
        self._hello_sent = True
        self._channel.sendall(message.encode() + b"]]>]]>")


def connect(key_file, sock=None, timeout=30):
    """An ncclient manager of a session as user admin to rpd's SSH endpoint
    on [::1]:830, or over sock, a TCP connection to it."""
    handler = make_device_handler(None)
    transport = _HelloFramedSession(handler)
    try:
        transport.connect(host="::1", port=830, sock=sock, username="admin",
                          key_filename=key_file, hostkey_verify=False,
                          allow_agent=False, look_for_keys=False, timeout=30)
    except Exception:
        if transport.transport:
            transport.close()
        raise
    return Manager(transport, handler, timeout=timeout)


@contextmanager
def session(rp):
    """An SSH NETCONF session to rp's rpd as user admin."""
    m = connect(rp.admin_key, _connect_in_netns(rp.pid, "::1", 830))
    try:
        yield m
    finally:
        if m.connected:
            m.close_session()


@contextmanager
def silent_client(rp):
    """A client of rp's rpd that logs in and opens the netconf subsystem
    over SSH, then never sends its hello."""
    transport = paramiko.Transport(_connect_in_netns(rp.pid, "::1", 830))
    try:
        transport.start_client(timeout=30)
        transport.auth_publickey(
            "admin", paramiko.Ed25519Key.from_private_key_file(rp.admin_key))
        transport.open_session(timeout=30).invoke_subsystem("netconf")
        yield
    finally:
        transport.close()


def _in_instance(name, inner):
    """inner in the mdcs container of instance name, with the NETCONF
    namespace declared as nc: for operation attributes."""
    return (
        '<routing xmlns="{rt}"><control-plane-protocols>'
        '<control-plane-protocol><type xmlns:mdcs="{m}">mdcs:mdcs</type>'
        '<name>{name}</name><mdcs xmlns="{m}" xmlns:nc="{nc}">{inner}</mdcs>'
        "</control-plane-protocol></control-plane-protocols></routing>"
        .format(nc=NC, rt=RT, m=MDCS, name=name, inner=inner))


def config(name, inner):
    """An edit-config <config> holding inner in instance name's mdcs
    container."""
    return '<config xmlns="{}">{}</config>'.format(NC,
                                                    _in_instance(name, inner))


def action(name, inner):
    """A YANG action (RFC 7950 7.15) of instance name's mdcs container."""
    return '<action xmlns="urn:ietf:params:xml:ns:yang:1">{}</action>'.format(
        _in_instance(name, inner))


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


def membership(rp, container, leaves):
    """The leaves of membership/<container> of rp: leaf -> its value, or
    None where rp has none."""
    with session(rp) as m:
        reply = m.get(filter=subtree(
            "<membership><{}/></membership>".format(container)))
    path = "membership/{}/".format(container)
    return {leaf: (mdcs_values(reply.data_xml, path + leaf) or [None])[0]
            for leaf in leaves}


def nat_class(rp):
    """(translated, mapping, filtering) as rp found its box, or None."""
    got = membership(rp, "nat", ("translated", "mapping", "filtering"))
    if not all(got.values()):
        return None
    return (got["translated"] == "true", got["mapping"], got["filtering"])


def learned_rps(rp):
    """{public key: (address, source prefixes)} of the RPs rp learned by
    peer sampling."""
    with session(rp) as m:
        reply = m.get(filter=subtree(
            "<membership><learned-rp/></membership>")).data_xml
    out = {}
    for entry in ET.fromstring(reply.encode()).iter(
            "{%s}learned-rp" % MDCS):
        def leaves(name):
            return [n.text for n in entry.findall("{%s}%s" % (MDCS, name))]
        out[leaves("public-key")[0]] = (leaves("address")[0],
                                        leaves("source-prefix"))
    return out


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
