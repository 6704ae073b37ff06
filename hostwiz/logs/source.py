"""A log source: a thread that produces lines and reconnects with backoff when it drops.

A subclass implements `lines()`: connect, then yield `LogLine`s until the connection ends
(return) or fails (raise). The base runs it in a loop on its own thread, keeps `state`
current, waits with exponential backoff between attempts, and stops for good only on
`SourceFatal` (something retrying cannot fix, like a host key mismatch) or `stop()`.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from dataclasses import dataclass
from typing import Callable, Iterator

from hostwiz.logs.line import LogLine

log = logging.getLogger(__name__)

CONNECTING, LIVE, RETRYING, STOPPED = "connecting", "live", "retrying", "stopped"


class SourceFatal(Exception):
    """A failure retrying cannot fix; the source stops and shows why."""


@dataclass(frozen=True)
class SourceState:
    status: str
    detail: str = ""
    since: float = 0.0

    def __str__(self) -> str:
        return f"{self.status} ({self.detail})" if self.detail else self.status


@dataclass
class Backoff:
    first: float = 0.5
    factor: float = 2.0
    most: float = 30.0
    jitter: float = 0.2

    def delays(self) -> Iterator[float]:
        delay = self.first
        while True:
            yield delay * (1 + random.uniform(-self.jitter, self.jitter))
            delay = min(self.most, delay * self.factor)


class Source:
    """Subclasses set `name` and implement `lines()`; `interrupt()` if a read can block forever."""

    def __init__(self, name: str, *, backoff: Backoff | None = None):
        self.name = name
        self.backoff = backoff or Backoff()
        self.state = SourceState(STOPPED, "not started", time.time())
        self.attempts = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # For subclasses ------------------------------------------------------------------

    def lines(self) -> Iterator[LogLine]:
        raise NotImplementedError

    def interrupt(self) -> None:
        """Unblock a `lines()` that is waiting for data (close its stream); called by `stop()`."""

    def describe(self, err: BaseException) -> str:
        return str(err) or type(err).__name__

    def set_live(self, detail: str = "") -> None:
        """Call once connected (the base also does so at the first line)."""
        if self.state.status != LIVE or self.state.detail != detail:
            self._set(LIVE, detail)

    # Running ---------------------------------------------------------------------------

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def start(self, emit: Callable[[LogLine], None]) -> "Source":
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, args=(emit,), name=f"log-{self.name}", daemon=True)
        self._thread.start()
        return self

    def stop(self, wait: float | None = 2.0) -> None:
        self._stop.set()
        try:
            self.interrupt()
        except Exception:  # closing an already broken stream
            log.debug("interrupting %s", self.name, exc_info=True)
        if self._thread is not None and wait:
            self._thread.join(wait)

    def sleep(self, seconds: float) -> bool:
        """Wait, unless stopped; True if the source should go on."""
        return not self._stop.wait(seconds)

    def _set(self, status: str, detail: str = "") -> None:
        self.state = SourceState(status, detail, time.time())

    def _run(self, emit: Callable[[LogLine], None]) -> None:
        delays = self.backoff.delays()
        while not self._stop.is_set():
            self.attempts += 1
            self._set(CONNECTING)
            why = "the stream ended"
            try:
                for line in self.lines():
                    if self.state.status != LIVE:
                        self.set_live()
                    emit(line)
                    if self._stop.is_set():
                        break
            except SourceFatal as err:
                self._set(STOPPED, self.describe(err))
                return
            except Exception as err:  # any failure of this source is retried; the others go on
                if self._stop.is_set():
                    break
                why = self.describe(err)
                log.info("log source %s failed: %s", self.name, why, exc_info=log.isEnabledFor(logging.DEBUG))
            if self._stop.is_set():
                break
            if self.state.status == LIVE:  # it worked for a while: start the backoff over
                delays = self.backoff.delays()
            delay = next(delays)
            self._set(RETRYING, f"{why}; again in {delay:.0f}s" if delay >= 1 else why)
            if not self.sleep(delay):
                break
        self._set(STOPPED)


class PollingSource(Source):
    """A source that asks for what is new every `interval` seconds (the AWS APIs)."""

    def __init__(self, name: str, interval: float, *, backoff: Backoff | None = None):
        super().__init__(name, backoff=backoff)
        self.interval = interval

    def poll(self) -> Iterator[LogLine]:
        raise NotImplementedError

    def is_fatal(self, err: BaseException) -> bool:
        """True for a failure that waiting will not fix (say, a missing permission)."""
        return False

    def lines(self) -> Iterator[LogLine]:
        while True:
            try:
                yield from self.poll()
            except Exception as err:
                if self.is_fatal(err):
                    raise SourceFatal(self.describe(err)) from err
                raise
            self.set_live()
            if not self.sleep(self.interval):
                return
