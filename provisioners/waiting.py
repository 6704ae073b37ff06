"""Polling with an explicit timeout, an injectable delay and cancellation between polls."""

from __future__ import annotations

import threading
import time
from typing import Any, Callable, TypeVar

T = TypeVar("T")


class Cancelled(Exception):
    """The operator cancelled; raised between polls."""


class WaitTimeout(Exception):
    pass


# Waits for a state AWS reaches after a while (`fixed`): a check at once only when the resource may be
# ready already (a resumed run's), none in the part of the wait where the answer is known to be "not
# yet", then a fixed interval: 3 s for an instance (noticed within 3 s of "running"), 15 s for a database.
# The rate limits leave plenty of room. EC2 throttles each API action separately, per account and
# Region, with a token bucket: a non-mutating action's holds 100 and refills 20 a second
# (docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html), so one DescribeInstances every 3 s
# per waiting stack is 1/60 of the refill. RDS allows each account and Region bursts of 300 requests and
# 12 a second sustained (docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-api-throttling.html; quotas:
# CHAP_Limits.html#RDS_Limits.ThrottlingQuotas): one DescribeDBInstances every 15 s is 1/180 of it.
# Calls per minute against the backed-off waits they replaced: bench/waits.py, docs/reads.md ("Waits").
def fixed(delay: float, first_polls: int, *, at_once: bool = True) -> dict:
    """poll() arguments for a fixed-interval wait: a check at once (unless `at_once` is False: the
    resource was made a moment ago and cannot be ready), the next `first_polls` intervals in (the
    typical minimum), then one every interval."""
    return {"delay": delay, "max_delay": delay, "first": delay * first_polls, "at_once": at_once}


class SimulatedClock:
    """A clock whose sleep only moves it on: `poll(..., clock=SimulatedClock())` runs a whole wait in no
    time (the schedule's tests and bench/waits.py)."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, s: float) -> None:
        self.now += s


def checks(ready: float, **poll_kw: Any) -> list[float]:
    """When (s after the wait starts) `poll(**poll_kw)` checks a state AWS reaches `ready` s in: the
    real `poll` on a `SimulatedClock`. The last check notices it."""
    clock = SimulatedClock()
    out: list[float] = []

    def check() -> bool | None:
        out.append(clock.now)
        return True if clock.now >= ready else None

    poll(check, what="a simulated wait", timeout=max(3600.0, 2 * ready), clock=clock, **poll_kw)
    return out


def poll(check: Callable[[], T | None], *, what: str, timeout: float, delay: float,
         cancel: threading.Event | None = None, progress: Callable[[str], None] | None = None,
         max_delay: float | None = None, first: float = 0.0, at_once: bool = True,
         clock: Any = None) -> T:
    """Call `check` until it returns something other than None.

    With `first`, the second check comes `first` seconds after the first (a state AWS does not
    reach sooner is not asked for in between; the first check at once finds a resumed run's
    resource ready; `at_once=False` skips it: the first check is then `first` seconds in), then one
    every `delay`. The delay grows 1.5x per poll up to `max_delay`,
    and never beyond 4x the first delay: a scaled-down wait (sandbox, benchmark) stays as prompt,
    relative to its length, as a real one. `max_delay=delay` keeps it fixed (`fixed`). `clock`
    (monotonic() and sleep(); `time` by default) is only for a simulated wait, without `cancel`.
    """
    clk = clock or time
    deadline = clk.monotonic() + timeout
    start = clk.monotonic()
    wait, typical = (first, True) if first > 0 else (delay, False)
    if first > 0 and not at_once:  # made a moment ago: not ready before its typical minimum
        if progress:
            progress(f"waiting for {what}")
        if cancel is not None:
            if cancel.wait(min(first, timeout)):
                raise Cancelled(f"cancelled while waiting for {what}")
        else:
            clk.sleep(min(first, timeout))
        wait, typical = delay, False
    while True:
        if cancel is not None and cancel.is_set():
            raise Cancelled(f"cancelled while waiting for {what}")
        result = check()
        if result is not None:
            return result
        if clk.monotonic() + wait > deadline:
            raise WaitTimeout(f"gave up waiting for {what} after {timeout:.0f}s")
        if progress:
            progress(f"waiting for {what} ({clk.monotonic() - start:.0f}s)")
        if cancel is not None:
            if cancel.wait(wait):
                raise Cancelled(f"cancelled while waiting for {what}")
        else:
            clk.sleep(wait)
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
