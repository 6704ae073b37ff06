"""One log line, and what kind of line it is."""

from __future__ import annotations

import re
import time
from typing import NamedTuple

ERROR, WARNING, INFO, DEBUG = "error", "warning", "info", "debug"
SEVERITIES = (ERROR, WARNING, INFO, DEBUG)


class LogLine(NamedTuple):
    source: str
    time: float  # seconds since the epoch
    text: str
    severity: str = INFO

    def format(self) -> str:
        """The line as the CLI prints it and `save` writes it."""
        return f"{stamp(self.time)} {self.source} {self.text}"


def stamp(when: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(when))


# Words that name a level (log4j/python/syslog/nginx "[error]"), and HTTP status codes in
# access-log lines ('" 503 '). Only the first part of a line is looked at.
_LEVEL = re.compile(
    r"\b(?:(?P<e>FATAL|CRIT(?:ICAL)?|PANIC|EMERG|ALERT|ERR(?:OR)?|FAIL(?:ED|URE)?|Traceback)"
    r"|(?P<w>WARN(?:ING)?)|(?P<d>DEBUG|TRACE))\b"
    r"|\[(?P<ne>emerg|alert|crit|error)\]|\[(?P<nw>warn)\]|\[(?P<nd>debug)\]"
    r"|\b(?:(?P<le>(?i:error|failed|fatal|exception))|(?P<lw>(?i:warning)))\b"
    r'|" (?P<h5>5\d\d) |" (?P<h4>4\d\d) ')
_KIND = {"e": ERROR, "ne": ERROR, "le": ERROR, "h5": ERROR, "w": WARNING, "nw": WARNING, "lw": WARNING,
         "h4": WARNING, "d": DEBUG, "nd": DEBUG}


def severity_of(text: str) -> str:
    """The severity a line shows (error / warning / info / debug), guessed from its first 200 characters."""
    m = _LEVEL.search(text, 0, 200)
    return _KIND[m.lastgroup] if m and m.lastgroup else INFO


def make(source: str, text: str, when: float | None = None, severity: str | None = None) -> LogLine:
    text = text.rstrip("\r\n")
    return LogLine(source, time.time() if when is None else when, text, severity or severity_of(text))
