"""Waiting for a condition, bounded in time, instead of sleeping."""

import os
import time

# Bounds stretch by this factor where everything runs slower than the
# machine they were set on: under software emulation (vm/run.sh).
TIME_SCALE = float(os.environ.get("MDCS_TIME_SCALE", "1"))


def wait_for(check, timeout, what, interval=0.2, explain=None):
    """Call check() until it returns a true value, which is returned; fail
    after timeout seconds (times TIME_SCALE) with what was awaited, the
    last value seen and, if given, what explain() says of the state."""
    timeout *= TIME_SCALE
    deadline = time.monotonic() + timeout
    value = None
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(
                "timed out after {:g}s waiting for {} (last: {!r}){}".format(
                    timeout, what, value,
                    "; " + explain() if explain else ""
                )
            )
        time.sleep(interval)
