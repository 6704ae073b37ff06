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
_held = 0
_interval = sys.getswitchinterval()


def hold() -> None:
    """A flooded screen opened: freeze what is alive now (again, if another one is open)."""
    global _held, _interval
    if _held == 0:
        _interval = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_INTERVAL)
    _held += 1
    gc.collect()
    gc.freeze()


def release() -> None:
    """A flooded screen closed; the last one gives everything back to the collector."""
    global _held
    if _held == 0:
        return
    _held -= 1
    if _held == 0:
        gc.unfreeze()
        sys.setswitchinterval(_interval)


def held() -> int:
    return _held
