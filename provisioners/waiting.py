"""Polling with an explicit timeout, an injectable delay and cancellation between polls."""

from __future__ import annotations

import threading
import time
from typing import Callable, TypeVar

T = TypeVar("T")


class Cancelled(Exception):
    """The operator cancelled; raised between polls."""


class WaitTimeout(Exception):
    pass


# Waits for a state AWS reaches after a while (`fixed`): one check at once (a resumed run's resource is
# ready already), the next at the typical minimum, then a fixed interval. The rate limits leave plenty
# of room: EC2 throttles each non-mutating API per account and region with a token bucket the size of
# 100 refilled at 20 per second (docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html,
# DescribeHosts' example figures), RDS allows bursts of 300 and
# 12 requests per second sustained (AmazonRDS/latest/UserGuide/rds-api-throttling.html); one call per
# 3 s (instance) or 15 s (database) per waiting stack is far below either. Skipping the part of the
# wait where the answer is known to be "not yet" keeps the calls per wait about what the backed-off
# wait made (bench/waits.py), and the end is noticed within one interval instead of up to 15 s / 30 s.
def fixed(delay: float, first_polls: int) -> dict[str, float]:
    """poll() arguments for a fixed-interval wait: a check at once, the next `first_polls` intervals in
    (the typical minimum), then one every interval."""
    return {"delay": delay, "max_delay": delay, "first": delay * first_polls}


def poll(check: Callable[[], T | None], *, what: str, timeout: float, delay: float,
         cancel: threading.Event | None = None, progress: Callable[[str], None] | None = None,
         max_delay: float | None = None, first: float = 0.0) -> T:
    """Call `check` until it returns something other than None.

    With `first`, the second check comes `first` seconds after the first (a state AWS does not
    reach sooner is not asked for in between; the first check at once finds a resumed run's
    resource ready), then one every `delay`. The delay grows 1.5x per poll up to `max_delay`,
    and never beyond 4x the first delay: a scaled-down wait (sandbox, benchmark) stays as prompt,
    relative to its length, as a real one. `max_delay=delay` keeps it fixed (`fixed`).
    """
    deadline = time.monotonic() + timeout
    start = time.monotonic()
    wait, typical = (first, True) if first > 0 else (delay, False)
    while True:
        if cancel is not None and cancel.is_set():
            raise Cancelled(f"cancelled while waiting for {what}")
        result = check()
        if result is not None:
            return result
        if time.monotonic() + wait > deadline:
            raise WaitTimeout(f"gave up waiting for {what} after {timeout:.0f}s")
        if progress:
            progress(f"waiting for {what} ({time.monotonic() - start:.0f}s)")
        if cancel is not None:
            if cancel.wait(wait):
                raise Cancelled(f"cancelled while waiting for {what}")
        else:
            time.sleep(wait)
        if typical:
            wait, typical = delay, False
        elif max_delay:
            wait = min(max_delay, 4 * delay, wait * 1.5)


# Codes AWS answers for a thing it has just made but not yet propagated (eventual consistency).
NOT_YET_VISIBLE = ("InvalidInstanceID.NotFound", "InvalidGroup.NotFound", "InvalidKeyPair.NotFound",
                   "NoSuchEntity", "InvalidAllocationID.NotFound", "InvalidNetworkInterfaceID.NotFound")
VISIBILITY_TIMEOUT = 120.0  # AWS: "a couple of seconds ... up to a few minutes" (docs/aws-behaviour.md)


def until_visible(call: Callable[[], T], *, codes: tuple[str, ...] = NOT_YET_VISIBLE, what: str,
                  timeout: float = VISIBILITY_TIMEOUT, delay: float = 1.0, cancel: threading.Event | None = None,
                  progress: Callable[[str], None] | None = None) -> T:
    """`call()`, retried while AWS answers one of `codes` (a just-made resource it does not see yet),
    for at most `timeout` seconds; then the last such error is raised. Any other error raises at once."""
    from .aws import error_code

    last: list[BaseException] = []

    def attempt() -> tuple[T] | None:
        try:
            return (call(),)
        except Exception as err:
            if error_code(err) not in codes:
                raise
            last[:] = [err]
            return None

    try:
        return poll(attempt, what=what, timeout=timeout, delay=delay, cancel=cancel, progress=progress,
                    max_delay=max(delay, 10.0))[0]
    except WaitTimeout:
        if last:
            raise last[0] from None
        raise
