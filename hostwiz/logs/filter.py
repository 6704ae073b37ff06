"""The regex filter (and search): smart case, match spans for highlighting."""

from __future__ import annotations

import re
from typing import Iterable

from hostwiz.logs.line import TEXT, LogLine


class FilterError(ValueError):
    """A pattern that is not a valid regular expression; the message says where."""


class LineFilter:
    """Lines whose text matches `pattern`. Case-insensitive unless the pattern has a capital."""

    def __init__(self, pattern: str):
        self.pattern = pattern
        flags = 0 if any(c.isupper() for c in pattern) else re.IGNORECASE
        try:
            self.regex = re.compile(pattern, flags)
        except re.error as err:
            where = f" at position {err.pos}" if err.pos is not None else ""
            raise FilterError(f"not a valid regular expression{where}: {err.msg}") from None
        self._search = self.regex.search

    def __call__(self, line: LogLine) -> bool:
        return self._search(line[TEXT]) is not None

    def select(self, lines: Iterable[LogLine]) -> list[LogLine]:
        search = self._search
        return [ln for ln in lines if search(ln[TEXT]) is not None]

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where the pattern matches in `text` (non-empty matches only), for highlighting."""
        return [m.span() for m in self.regex.finditer(text) if m.end() > m.start()]


def compile_or_none(pattern: str | None) -> LineFilter | None:
    return LineFilter(pattern) if pattern else None
