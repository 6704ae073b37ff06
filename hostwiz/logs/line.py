"""One log line, and what kind of line it is."""

from __future__ import annotations

import re
import time

from hostwiz.secrets import redact
ERROR, WARNING, INFO, DEBUG = "error", "warning", "info", "debug"
SEVERITIES = (ERROR, WARNING, INFO, DEBUG)

# A line is a plain tuple (source, time in seconds since the epoch, text, severity). The garbage
# collector stops tracking plain tuples of strings and floats, so a full ring buffer costs nothing
# at collection time; a NamedTuple (a tuple subclass) stays tracked, and with 100k lines kept
# the full collections stalled the event loop for 300 ms (bench/logs.py).
LogLine = tuple[str, float, str, str]
SOURCE, TIME, TEXT, SEVERITY = 0, 1, 2, 3
MAX_TEXT = 16_384  # longer lines (a minified bundle, a base64 blob) are cut: memory stays bounded


def log_line(source: str, when: float, text: str, severity: str = INFO) -> LogLine:
    return (source, when, text, severity)


def format_line(line: LogLine) -> str:
    """The line as the CLI prints it and `save` writes it."""
    return f"{stamp(line[TIME])} {line[SOURCE]} {line[TEXT]}"


def stamp(when: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(when))


# Words that name a level (log4j/python/syslog/nginx "[error]"), and HTTP status codes in
# access-log lines ('" 503 '). Only the first part of a line is looked at.
_LEVEL = re.compile(
    r"\b(?:(?P<e>FATAL|CRIT(?:ICAL)?|PANIC|EMERG|ALERT|ERR(?:OR)?|FAIL(?:ED|URE)?|Traceback)"
    r"|(?P<w>WARN(?:ING)?)|(?P<d>DEBUG|TRACE))\b"
    r"|\[(?P<ne>emerg|alert|crit|error)\]|\[(?P<nw>warn)\]|\[(?P<nd>debug)\]"
    r"|\b(?:(?P<le>(?i:error|errors|failed|failure|fatal|exception))|(?P<lw>(?i:warning)))\b"
    r'|" (?P<h5>5\d\d) |" (?P<h4>4\d\d) ')
_KIND = {"e": ERROR, "ne": ERROR, "le": ERROR, "h5": ERROR, "w": WARNING, "nw": WARNING, "lw": WARNING,
         "h4": WARNING, "d": DEBUG, "nd": DEBUG}


# Cheap substring checks first: most lines contain none of these, and `in` is far faster than
# the word-boundary regex (which then decides).
_HINTS = ("err", "fatal", "crit", "panic", "emerg", "alert", "fail", "traceback", "exception", "warn", "debug",
          "trace", '" 4', '" 5')


def severity_of(text: str) -> str:
    """The severity a line shows (error / warning / info / debug), guessed from its first 200 characters."""
    head = text[:200]
    low = head.lower()
    for hint in _HINTS:
        if hint in low:
            m = _LEVEL.search(head)
            return _KIND[m.lastgroup] if m and m.lastgroup else INFO
    return INFO


def make(source: str, text: str, when: float | None = None, severity: str | None = None) -> LogLine:
    """A line from a source's raw text: trailing newline gone, known secrets masked, severity guessed."""
    text = redact(text.rstrip("\r\n"))
    if len(text) > MAX_TEXT:
        text = f"{text[:MAX_TEXT]}… ({len(text) - MAX_TEXT} more characters)"
    return (source, time.time() if when is None else when, text, severity or severity_of(text))
