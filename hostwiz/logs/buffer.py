"""The bounded memory of the log pane: a ring buffer of the newest lines and the filtered view."""

from __future__ import annotations

from collections import deque
from itertools import islice
from pathlib import Path

from hostwiz.logs.filter import LineFilter
from hostwiz.logs.line import TEXT, LogLine, format_line

DEFAULT_MAXLEN = 100_000


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
        self.lines: deque[LogLine] = deque(maxlen=maxlen)
        self.dropped = 0
        self.received = 0
        self.filter: LineFilter | None = None
        self.shown: deque[LogLine] = self.lines
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
        self.shown = self.lines if line_filter is None else deque(line_filter.select(self.lines), maxlen=self.maxlen)
        self.shown_removed = 0

    def clear(self) -> None:
        self.lines.clear()
        self.set_filter(self.filter)

    def find(self, pattern: LineFilter, start: int, backwards: bool = False) -> int | None:
        """The index in `shown` of the next line (after `start`, or before it) that matches."""
        shown, search = self.shown, pattern.regex.search
        if backwards:
            skip = len(shown) - max(0, min(start, len(shown)))
            found = enumerate(islice(reversed(shown), skip, None))
            return next((len(shown) - 1 - skip - i for i, ln in found if search(ln[TEXT])), None)
        begin = max(0, start + 1)
        return next((begin + i for i, ln in enumerate(islice(shown, begin, None)) if search(ln[TEXT])), None)

    def save(self, path: Path) -> int:
        """Write what is shown to `path` (one formatted line each); return how many lines."""
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8") as fh:
            fh.writelines(format_line(line) + "\n" for line in self.shown)
        return len(self.shown)
