"""Keeping the event loop responsive while a screen takes a flood of output (the log pane, the
SSH terminal): two process-wide settings, held while at least one such screen is open.

- **Full garbage collections skip what was alive when the screen opened** (`gc.freeze`). A flood
  makes short-lived objects fast enough to trigger a full collection every second or so, and a
  full collection walks every tracked object: with the app's ~60k it took 45-65 ms on the event
  loop (or on the reader thread, holding the GIL). Frozen objects are still freed by reference
  counting; only cycles among them wait until the last screen lets go (`gc.unfreeze`).
- **Reader threads hand the GIL over after 1 ms instead of Python's 5** (`sys.setswitchinterval`).
  The event loop releases the GIL at every system call (select, writing the frame) and then waits
  for the thread that took it: with a paramiko or log-source thread busy, a 30 ms frame became a
  60-90 ms stall. Threads switch more often; the readers' throughput did not change measurably.

Figures: bench/README.md (logs.py --screen, terminal.py --via sshd, watch.py).
"""

from __future__ import annotations

import gc
import sys

SWITCH_INTERVAL = 0.001
_owners: set[int] = set()  # id() of the screens and widgets holding (each counted once)
_anonymous = 0  # holds without an owner (benchmarks)
_interval = sys.getswitchinterval()


def hold(owner: object | None = None) -> None:
    """A flooded screen opened: freeze what is alive now, unless another one already did.

    Only the first hold freezes: a later one would freeze the first screen's companion too (a log
    screen opened over the SSH terminal), and what it froze stays uncollected until the *last*
    screen closes, so each log screen opened and closed over a terminal stayed in memory (attack
    review). A holder counts once: a second hold by the same owner does nothing."""
    global _anonymous, _interval
    if owner is not None and id(owner) in _owners:
        return
    first = held() == 0
    if first:
        _interval = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_INTERVAL)
    if owner is None:
        _anonymous += 1
    else:
        _owners.add(id(owner))
    if first:
        gc.collect()
        gc.freeze()


def release(owner: object | None = None) -> None:
    """A flooded screen closed; the last one gives everything back to the collector. An owner that
    holds nothing (its mount failed before it held) releases nothing: it cannot end another's hold."""
    global _anonymous
    if owner is None:
        if _anonymous == 0:
            return
        _anonymous -= 1
    else:
        if id(owner) not in _owners:
            return
        _owners.discard(id(owner))
    if held() == 0:
        gc.unfreeze()
        sys.setswitchinterval(_interval)


def held() -> int:
    return len(_owners) + _anonymous
