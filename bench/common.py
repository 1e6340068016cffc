"""What the benchmarks share: the environment they ran in, medians, and
commands in their network namespaces."""

import os
import platform
import subprocess
import time


class Netns:
    """A benchmark's network namespaces, by role (names: role -> name):
    commands run in them, and the namespaces deleted."""

    def __init__(self, names):
        self.names = names

    def argv(self, ns, args):
        """args run in the namespace of role ns (None: here)."""
        return (["ip", "netns", "exec", self.names[ns]] if ns else []) + \
            list(args)

    def sh(self, *args, ns=None, **kw):
        """args run to their end, which must succeed; their output."""
        return subprocess.run(self.argv(ns, args), check=True,
                              capture_output=True, text=True, **kw).stdout

    def delete(self):
        """Every namespace, whether it is there or not."""
        for name in self.names.values():
            subprocess.run(["ip", "netns", "del", name], capture_output=True)


def median(xs):
    return sorted(xs)[len(xs) // 2]


def environment():
    model = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "kernel": platform.release(),
        "cpus": os.cpu_count(),
        "cpu": model,
        "load": os.getloadavg()[0],
        "date": time.strftime("%Y-%m-%d %H:%M"),
    }
