"""The bounded memory of the log pane: a ring buffer of the newest lines and the filtered view."""

from __future__ import annotations

from collections import deque
from itertools import islice
from operator import itemgetter
from pathlib import Path
from typing import Iterable, Iterator

from hostwiz.logs.filter import LineFilter
from hostwiz.logs.line import SEVERITY, SOURCE, TEXT, TIME, LogLine, format_line

DEFAULT_MAXLEN = 100_000
_FIELDS = [itemgetter(i) for i in (SOURCE, TIME, TEXT, SEVERITY)]


class Ring:
    """A ring buffer of lines kept as four `deque(maxlen)` columns (source, time, text, severity).

    Strings and floats are not tracked by the garbage collector, so 100k kept lines add nothing
    to a full collection; 100k tuples did (they stay tracked until a full collection untracks
    them) and made the event loop stall. Reading a line builds its tuple on demand (only the
    visible ones are read).
    """

    def __init__(self, maxlen: int, lines: Iterable[LogLine] = ()):
        self.columns = [deque(maxlen=maxlen) for _ in _FIELDS]
        self.texts = self.columns[TEXT]
        self.extend(list(lines))

    def extend(self, lines: list[LogLine]) -> None:
        for column, field in zip(self.columns, _FIELDS):
            column.extend(map(field, lines))

    def __len__(self) -> int:
        return len(self.texts)

    def __getitem__(self, index: int) -> LogLine:
        source, when, text, severity = self.columns
        return (source[index], when[index], text[index], severity[index])

    def __iter__(self) -> Iterator[LogLine]:
        return zip(*self.columns)

    def snapshot(self) -> Iterator[LogLine]:
        """The lines as they are now (the columns copied at C speed), to read on another thread."""
        return zip(*[list(column) for column in self.columns])

    def clear(self) -> None:
        for column in self.columns:
            column.clear()


class LogBuffer:
    """The newest `maxlen` lines (older ones are dropped and counted) and those the filter lets through.

    `shown` is what a pane displays: every kept line, or with a filter the matching ones (also at
    most `maxlen`). `shown_removed` counts lines that left the front of `shown`, so a paused view
    can keep the same lines on screen while new ones push old ones out.
    """

    def __init__(self, maxlen: int = DEFAULT_MAXLEN):
        if maxlen < 1:
            raise ValueError("the log buffer needs room for at least one line")
        self.maxlen = maxlen
        self.lines = Ring(maxlen)
        self.dropped = 0
        self.received = 0
        self.filter: LineFilter | None = None
        self.shown = self.lines
        self.shown_removed = 0

    def extend(self, lines: list[LogLine]) -> None:
        n = len(lines)
        if not n:
            return
        self.received += n
        over = len(self.lines) + n - self.maxlen
        if over > 0:
            self.dropped += over
        if self.filter is None:
            if over > 0:
                self.shown_removed += over
            self.lines.extend(lines)
            return
        self.lines.extend(lines)
        matching = self.filter.select(lines)
        over = len(self.shown) + len(matching) - self.maxlen
        if over > 0:
            self.shown_removed += over
        self.shown.extend(matching)

    def set_filter(self, line_filter: LineFilter | None) -> None:
        self.filter = line_filter
        self.shown = self.lines if line_filter is None else Ring(self.maxlen, line_filter.select(self.lines))
        self.shown_removed = 0

    def clear(self) -> None:
        self.lines.clear()
        self.set_filter(self.filter)

    def find(self, pattern: LineFilter, start: int, backwards: bool = False) -> int | None:
        """The index in `shown` of the next line (after `start`, or before it) that matches."""
        texts, search = self.shown.texts, pattern.regex.search
        if backwards:
            skip = len(texts) - max(0, min(start, len(texts)))
            found = enumerate(islice(reversed(texts), skip, None))
            return next((len(texts) - 1 - skip - i for i, text in found if search(text)), None)
        begin = max(0, start + 1)
        return next((begin + i for i, text in enumerate(islice(texts, begin, None)) if search(text)), None)

    def save(self, path: Path) -> int:
        """Write what is shown to `path` (one formatted line each); return how many lines."""
        return save_lines(self.shown, path)


def save_lines(lines: Iterable[LogLine], path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with open(path, "w", encoding="utf-8") as fh:
        for line in lines:
            fh.write(format_line(line) + "\n")
            count += 1
    return count
