"""rpd inside a topotest router: keys, YANG configuration, start and stop."""

import json
import os
import signal
import subprocess

from .poll import wait_for

_HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.environ.get("MDCS_SRCDIR", os.path.dirname(os.path.dirname(_HERE)))
BUILDDIR = os.environ.get("MDCS_BUILDDIR", SRCDIR)
RPD = os.path.join(BUILDDIR, "rpd", "rpd")
MDCSCTL = os.path.join(BUILDDIR, "mdcsctl", "mdcsctl")
YANG_PATH = "{}:{}:{}".format(
    os.path.join(SRCDIR, "yang"),
    os.environ.get("MDCS_IETF_YANG_DIR", "/usr/share/yuma/nmda-modules/ietf"),
    os.environ.get(
        "MDCS_NETCONF_YANG_DIRS",
        "/usr/share/yuma/modules/ietf:/usr/share/yuma/modules/ietf-derived:"
        "/usr/share/yuma/modules/netconfcentral",
    ),
)


def instance_config(name, mdcs):
    """YANG instance data (as for JSON) of an mdcs instance: its name and
    the contents of its mdcs container."""
    return {
        "ietf-routing:routing": {
            "control-plane-protocols": {
                "control-plane-protocol": [
                    {"type": "mdcs:mdcs", "name": name, "mdcs:mdcs": mdcs}
                ]
            }
        }
    }


class Rp:
    """One RP: an rpd instance named after its router, configured by a
    file of YANG data, or with via_vtysh by pim6d's mdcs module (rpd then
    starts without configuration and listens on its CLI socket)."""

    def __init__(self, router, workdir, tunnel, uplink, prefixes, timers=None,
                 publishing=None, membership=None, via_vtysh=False,
                 discovery=None):
        self.router = router
        self.discovery = discovery
        self.via_vtysh = via_vtysh
        self.name = router.name
        self.tunnel = tunnel
        self.uplink = uplink
        self.prefixes = prefixes
        self.timers = timers or {}
        self.publishing = publishing or {}
        self.membership = membership or {}
        self.dir = os.path.join(workdir, self.name)
        os.makedirs(self.dir, exist_ok=True)
        self.key_file = os.path.join(self.dir, "rpd.key")
        self.config_file = os.path.join(self.dir, "rpd.json")
        self.pid_file = os.path.join(self.dir, "rpd.pid")
        self.log_file = os.path.join(self.dir, "rpd.log")
        # NETCONF: over SSH on the router's loopback, and a UNIX socket.
        self.netconf_socket = os.path.join(self.dir, "netconf.sock")
        # Requests from pim6d's mdcs module, which runs as user frr.
        self.cli_socket = os.path.join(self.dir, "cli.sock")
        self.running_file = os.path.join(self.dir, "rpd.json.running")
        self.host_key = os.path.join(self.dir, "ssh_host_key")
        self.admin_key = os.path.join(self.dir, "admin_key")
        for stale in (self.key_file, self.running_file, self.host_key,
                      self.host_key + ".pub", self.admin_key,
                      self.admin_key + ".pub"):
            if os.path.exists(stale):
                os.unlink(stale)
        self.public_key = router.cmd_raises(
            "{} --keygen {}".format(RPD, self.key_file)
        ).strip()
        router.cmd_raises(
            "ssh-keygen -q -t ecdsa -m PEM -N '' -f {}".format(self.host_key))
        router.cmd_raises(
            "ssh-keygen -q -t ed25519 -N '' -f {}".format(self.admin_key))
        self.pid = None
        self.proc = None

    def configure(self, remotes):
        """Write rpd's configuration: this RP and the given remote Rps."""
        mdcs = {
            "rp": {
                "tunnel-address": self.tunnel,
                "uplink-interface": self.uplink,
                "private-key-file": self.key_file,
                "source-prefix": self.prefixes,
            },
            "publishing": self.publishing,
            "timers": self.timers,
            "membership": self.membership,
            "remote-rp": [
                {
                    "name": r.name,
                    "address": r.tunnel,
                    "public-key": r.public_key,
                    "source-prefix": r.prefixes,
                }
                for r in remotes
            ],
        }
        if self.discovery:
            mdcs["rp"]["discovery-address"] = self.discovery
        with open(self.config_file, "w") as f:
            json.dump(instance_config(self.name, mdcs), f, indent=2)

    def frr_lines(self, remotes):
        """configure()'s configuration as pim6d's mdcs commands."""
        lines = [
            "mdcs rp {} tunnel-address {} uplink-interface {} "
            "private-key-file {}".format(self.name, self.tunnel, self.uplink,
                                         self.key_file)
        ]
        lines += ["mdcs rp {} source-prefix {}".format(self.name, p)
                  for p in self.prefixes]
        for container in ("publishing", "timers", "membership"):
            lines += ["mdcs {} {} {}".format(container, leaf, value)
                      for leaf, value in getattr(self, container).items()]
        for r in remotes:
            lines.append("mdcs remote-rp {} address {} public-key {} "
                         "source-prefix {}".format(r.name, r.tunnel,
                                                   r.public_key, r.prefixes[0]))
            lines += ["mdcs remote-rp {} source-prefix {}".format(r.name, p)
                      for p in r.prefixes[1:]]
        return lines

    def edit_config(self, change):
        """Apply change to the mdcs container of the configuration file."""
        with open(self.config_file) as f:
            doc = json.load(f)
        protocols = doc["ietf-routing:routing"]["control-plane-protocols"]
        change(protocols["control-plane-protocol"][0]["mdcs:mdcs"])
        with open(self.config_file, "w") as f:
            json.dump(doc, f, indent=2)

    def reload(self, change):
        """Edit the configuration file, signal rpd to reload it (SIGHUP),
        and return rpd's log line about the outcome."""
        self.edit_config(change)
        seen = os.path.getsize(self.log_file)
        os.kill(self.pid, signal.SIGHUP)

        def outcome():
            with open(self.log_file) as f:
                f.seek(seen)
                for line in f:
                    if "reloaded" in line or "reload refused" in line:
                        return line.strip()
            return None

        return wait_for(outcome, 30, "rpd on {} to reload".format(self.name))

    def start(self):
        """Start rpd and wait until it serves (its pid file appears)."""
        if os.path.exists(self.pid_file):
            os.unlink(self.pid_file)
        log = open(self.log_file, "a")
        if self.via_vtysh:
            config = ["-C", self.cli_socket, "-G", "frr"]
        else:
            config = ["-c", self.config_file]
        self.proc = self.router.popen(
            [RPD, "-d", "-y", YANG_PATH, "-r", self.running_file] + config +
            ["-p", self.pid_file, "-S", self.netconf_socket,
             "-a", "::1", "-k", self.host_key,
             "-u", "admin:" + self.admin_key + ".pub"],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        wait_for(
            lambda: os.path.exists(self.pid_file) or self.proc.poll() is not None,
            30,
            "rpd on {} to come up".format(self.name),
        )
        assert self.proc.poll() is None, "rpd on {} exited:\n{}".format(
            self.name, self.log_tail()
        )
        with open(self.pid_file) as f:
            self.pid = int(f.read())

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Signal rpd by its pid and wait until it is gone."""
        if self.pid is None:
            return
        pid, self.pid = self.pid, None
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        wait_for(
            lambda: self.proc.poll() is not None,
            timeout,
            "rpd on {} to exit".format(self.name),
        )
        if os.path.exists(self.pid_file):
            os.unlink(self.pid_file)

    def running(self):
        return self.pid is not None and os.path.exists("/proc/{}".format(self.pid))

    def log_tail(self, lines=20):
        try:
            with open(self.log_file) as f:
                return "".join(f.readlines()[-lines:])
        except FileNotFoundError:
            return ""

    def ctl(self, what):
        """mdcsctl's JSON view of this RP's datapath."""
        out = self.router.cmd_raises(
            "{} -n {} -j show {}".format(MDCSCTL, self.name, what)
        )
        return json.loads(out)

    def netconf_ctl(self, *args, stdin=None):
        """mdcsctl's NETCONF commands on this rpd's UNIX socket: the
        finished process, its output as text."""
        return subprocess.run(
            [MDCSCTL, "-s", self.netconf_socket] + list(args), input=stdin,
            capture_output=True, text=True, timeout=60)

    def counters(self):
        return self.ctl("counters")

    def sent_channels(self):
        """(S,G) this RP tunnels to remote RPs."""
        return [(c["source"], c["group"]) for c in self.ctl("channels")["sent"]]

    def received_channels(self):
        """(S,G) this RP receives from remote RPs."""
        return [(c["source"], c["group"]) for c in self.ctl("channels")["received"]]
