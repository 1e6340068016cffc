"""Processes inside topotest routers, known and stopped by their own pid.

A router's popen() runs its command under nsenter, which forks: the pid of
the Popen object is nsenter's.  The command is therefore started through a
shell that writes its pid to a file and then becomes the command.
"""

import os
import signal
import subprocess

from .poll import wait_for


class NodeProcess:
    def __init__(self, router, argv, workdir, name):
        self.router = router
        self.name = name
        self.pid_file = os.path.join(workdir, name + ".pid")
        self.out_file = os.path.join(workdir, name + ".out")
        if os.path.exists(self.pid_file):
            os.unlink(self.pid_file)
        with open(self.out_file, "w") as out:
            self.proc = router.popen(
                ["sh", "-c", 'echo $$ >"$0"; exec "$@"', self.pid_file] + argv,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        wait_for(
            lambda: os.path.exists(self.pid_file) and os.path.getsize(self.pid_file),
            10,
            "{} to start".format(name),
        )
        with open(self.pid_file) as f:
            self.pid = int(f.read())

    def output(self):
        with open(self.out_file) as f:
            return f.read()

    def alive(self):
        return self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=20):
        """Signal the process by its pid and wait until it has exited."""
        if self.alive():
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                pass
        wait_for(lambda: not self.alive(), timeout, "{} to exit".format(self.name))
        return self.output()
