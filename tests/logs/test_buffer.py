"""The ring buffer, the filtered view, search, saving, severity and the merger."""

from __future__ import annotations

import time
import tracemalloc

import pytest

from hostwiz.logs import FilterError, Hub, LineFilter, LogBuffer, log_line, severity_of
from hostwiz.logs.source import Source

from .waiting import wait_for


def lines(n, source="app", start=0):
    return [log_line(source, float(i), f"line {i} {'ERROR' if i % 10 == 0 else 'ok'}", "info")
            for i in range(start, start + n)]


def test_the_bound_holds_and_dropped_lines_are_counted():
    buffer = LogBuffer(maxlen=1000)
    for chunk in range(50):
        buffer.extend(lines(100, start=chunk * 100))
    assert len(buffer.lines) == 1000 and buffer.dropped == 4000 and buffer.received == 5000
    assert buffer.lines[0][2].startswith("line 4000 ")  # the newest are kept
    assert buffer.shown_removed == 4000


def test_memory_does_not_grow_past_the_bound():
    buffer = LogBuffer(maxlen=2000)

    def feed(n):
        for chunk in range(n):
            buffer.extend([log_line("app", 0.0, f"{chunk:06d} " + "x" * 100, "info") for _ in range(100)])
    tracemalloc.start()
    feed(40)  # fill it up
    full, _ = tracemalloc.get_traced_memory()
    feed(400)  # ten times as much again
    after, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(buffer.lines) == 2000
    assert after < full * 1.2  # 40,000 more lines went through; memory stayed put


def test_the_filter_shows_matches_and_is_rebuilt_when_it_changes():
    buffer = LogBuffer(maxlen=100)
    buffer.extend(lines(50))
    buffer.set_filter(LineFilter("error"))  # smart case: lower case matches ERROR
    assert [ln[2] for ln in buffer.shown] == [f"line {i} ERROR" for i in range(0, 50, 10)]
    buffer.extend(lines(20, start=50))
    assert len(buffer.shown) == 7 and len(buffer.lines) == 70
    buffer.set_filter(LineFilter("Error"))  # a capital: case-sensitive, nothing matches
    assert len(buffer.shown) == 0
    buffer.set_filter(None)
    assert len(buffer.shown) == 70


def test_a_bad_regex_says_where():
    with pytest.raises(FilterError, match="position"):
        LineFilter("foo(")


def test_highlight_spans_and_search_both_ways():
    f = LineFilter("o+")
    assert f.spans("foo bar boo") == [(1, 3), (9, 11)]
    buffer = LogBuffer(maxlen=100)
    buffer.extend(lines(30))
    hit = LineFilter("ERROR")
    assert buffer.find(hit, 0) == 10
    assert buffer.find(hit, 10) == 20
    assert buffer.find(hit, 20) is None
    assert buffer.find(hit, 20, backwards=True) == 10
    assert buffer.find(hit, 0, backwards=True) is None


def test_saving_writes_what_is_shown(tmp_path):
    buffer = LogBuffer(maxlen=100)
    buffer.extend(lines(30))
    buffer.set_filter(LineFilter("ERROR"))
    path = tmp_path / "saved" / "out.log"
    assert buffer.save(path) == 3
    saved = path.read_text().splitlines()
    assert len(saved) == 3 and all(s.endswith("ERROR") and " app line " in s for s in saved)


@pytest.mark.parametrize("text, severity", [
    ("2026-11-22 ERROR db connection lost", "error"),
    ("Traceback (most recent call last):", "error"),
    ('2026/11/22 10:00:00 [error] 123#0: connect() failed', "error"),
    ('1.2.3.4 - - [22/Nov/2026] "GET / HTTP/1.1" 502 157 "-"', "error"),
    ('1.2.3.4 - - [22/Nov/2026] "GET /x HTTP/1.1" 404 0 "-"', "warning"),
    ("WARNING: low disk", "warning"),
    ("npm warn deprecated", "info"),
    ("DEBUG cache miss", "debug"),
    ("Cloud-init v. 24.1 finished", "info"),
    ("Job failed after 3 attempts", "error"),
    ("2026-11-22T00:01:02+00:00 hostwiz: bootstrap finished: failure (step 'nginx', line 3, exit 1)", "error"),
    ("2026-11-22T00:01:02+00:00 hostwiz: warning: certbot skipped (not fatal; the bootstrap goes on)", "warning"),
])
def test_severity_is_recognised(text, severity):
    assert severity_of(text) == severity


class Scripted(Source):
    def __init__(self, name, items):
        super().__init__(name)
        self.items = items

    def lines(self):
        yield from self.items
        self.sleep(60)


def test_the_hub_merges_by_time_and_forgets_removed_sources():
    a = Scripted("a", [log_line("a", t, f"a{t}") for t in (1.0, 3.0, 5.0)])
    b = Scripted("b", [log_line("b", t, f"b{t}") for t in (2.0, 4.0)])
    hub = Hub([a, b]).start()
    try:
        assert wait_for(lambda: all(st.status == "live" for st in hub.states().values()))
        time.sleep(0.05)
        got = hub.drain()  # one batch holding both sources' lines
        assert [ln[2] for ln in got] == ["a1.0", "b2.0", "a3.0", "b4.0", "a5.0"]
        with pytest.raises(ValueError):
            hub.add(Scripted("a", []))
        hub.remove("a")
        assert set(hub.states()) == {"b"}
    finally:
        hub.stop()


def test_the_hub_backlog_is_bounded_when_nobody_drains():
    source = Scripted("fast", [log_line("fast", float(i), f"l{i}") for i in range(5000)])
    hub = Hub([source], backlog=1000).start()
    try:
        assert wait_for(lambda: hub.overflow == 4000)
        got = hub.drain()
        assert len(got) == 1000 and got[0][2] == "l4000" and got[-1][2] == "l4999"  # the newest wait
    finally:
        hub.stop()


def test_a_huge_line_is_cut_and_a_known_secret_is_masked():
    from hostwiz import secrets
    from hostwiz.logs.line import MAX_TEXT, make

    line = make("app", "x" * (MAX_TEXT + 500))
    assert len(line[2]) < MAX_TEXT + 40 and line[2].endswith("(500 more characters)")
    secrets.register("s3cr3t-db-pass-123")
    assert make("app", "DATABASE_URL=postgres://u:s3cr3t-db-pass-123@db/x")[2] == "DATABASE_URL=postgres://u:***@db/x"
