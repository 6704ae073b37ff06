"""The merger: sources push lines from their threads, a consumer drains them in time order."""

from __future__ import annotations

import time
from collections import deque
from operator import itemgetter
from typing import Iterable

from hostwiz.logs.line import SOURCE, TIME, LogLine
from hostwiz.logs.source import Source, SourceState

_by_time = itemgetter(TIME)


class Hub:
    """Runs sources and merges their lines. One failing source never stops the others: each runs
    (and retries) on its own thread, and they share only a bounded queue (a `deque`, whose
    append and popleft are thread-safe). If the consumer falls behind by more than `backlog`
    lines, the oldest waiting lines are dropped and counted in `overflow`: memory stays bounded."""

    def __init__(self, sources: Iterable[Source] = (), backlog: int = 200_000):
        self.sources: dict[str, Source] = {}
        self._removed: set[str] = set()  # their lines still in the queue are dropped
        self._queue: deque[LogLine] = deque(maxlen=backlog)
        self.backlog = backlog
        self.overflow = 0
        for source in sources:
            self.add(source)

    def _put(self, line: LogLine) -> None:
        if len(self._queue) >= self.backlog:
            self.overflow += 1
        self._queue.append(line)

    def add(self, source: Source, start: bool = False) -> None:
        if source.name in self.sources:
            raise ValueError(f"there is already a log source named {source.name!r}")
        self.sources[source.name] = source
        self._removed.discard(source.name)
        if start:
            source.start(self._put)

    def start(self) -> "Hub":
        for source in self.sources.values():
            source.start(self._put)
        return self

    def remove(self, name: str) -> None:
        source = self.sources.pop(name, None)
        if source is not None:
            self._removed.add(name)
            source.stop(wait=None)

    def stop(self) -> None:
        for source in self.sources.values():
            source.stop(wait=None)
        for source in self.sources.values():
            source.stop(wait=2.0)

    def states(self) -> dict[str, SourceState]:
        return {name: source.state for name, source in self.sources.items()}

    def drain(self, limit: int = 50_000, timeout: float | None = None) -> list[LogLine]:
        """What arrived since the last call (at most `limit` lines), merged by time; a line from
        a source that was removed meanwhile is left out. With `timeout`, waits for the first line."""
        q = self._queue
        if timeout is not None:
            deadline = time.monotonic() + timeout
            while not q and time.monotonic() < deadline:
                time.sleep(0.02)
        pop = q.popleft
        out = [pop() for _ in range(min(limit, len(q)))]
        gone = self._removed
        if gone and any(line[SOURCE] in gone for line in out):
            out = [line for line in out if line[SOURCE] not in gone]
        out.sort(key=_by_time)  # stable: each source's own order is kept
        return out
