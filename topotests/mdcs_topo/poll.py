"""Waiting for a condition, bounded in time, instead of sleeping."""

import time


def wait_for(check, timeout, what, interval=0.2):
    """Call check() until it returns a true value, which is returned; fail
    after timeout seconds with what was awaited and the last value seen."""
    deadline = time.monotonic() + timeout
    value = None
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(
                "timed out after {}s waiting for {} (last: {!r})".format(
                    timeout, what, value
                )
            )
        time.sleep(interval)
