"""The log screen, driven with Textual's Pilot: merged sources, filter, follow/pause, search,
save, source states, and a failing source that leaves the others running."""

from __future__ import annotations

import asyncio
import functools
import gc
import queue
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from hostwiz.ledger import Ledger
from hostwiz.services.logs import StackLogs
from hostwiz.screens.log_view import LogView
from hostwiz.screens.logs import LogsScreen
from hwtest import screen_host


class Feed:
    """Fake instance: every command gets a stream fed by the test (or fails, for `broken`)."""

    def __init__(self):
        self.queues: dict[str, queue.Queue] = {}
        self.broken: set[str] = set()

    def open_stream(self, command: str):
        path = command.split("f=", 1)[1].split(";", 1)[0] if "f=" in command else "app"
        if path in self.broken:
            raise ConnectionResetError(f"no route to {path}")
        q = self.queues.setdefault(path, queue.Queue())
        first = [b"hostwiz-offset 0\n"] if "f=" in command else []
        return _Stream(q, first)

    def say(self, path: str, *lines: str):
        q = self.queues.setdefault(path, queue.Queue())
        for line in lines:
            q.put((line + "\n").encode())


class _Stream:
    def __init__(self, q, first):
        self.q, self.first, self.closed = q, list(first), False

    def __iter__(self):
        yield from self.first
        while not self.closed:
            try:
                item = self.q.get(timeout=0.05)
            except queue.Empty:
                continue
            if item is None:
                return
            yield item

    def close(self):
        self.closed = True


def Host(session, screen):
    return screen_host(session, screen)


def run_async(test):
    @functools.wraps(test)
    def run(*args, **kwargs):
        asyncio.run(test(*args, **kwargs))
    return run


@pytest.fixture
def feed():
    return Feed()


def make_app(tmp_path, feed, **kw):
    session = SimpleNamespace(state_dir=tmp_path, aws=SimpleNamespace(region="us-east-1"), resolve_ssh=None, sandbox=False,
                              ssh_pool=None)
    Ledger(tmp_path, "blog").update(name="blog", region="us-east-1", status="ready",
                                    spec={"name": "blog", "runtime": {"kind": "nodejs"}},
                                    outputs={"public_ip": "203.0.113.10", "ssh_user": "ubuntu"})
    logs = StackLogs(session, "blog", open_stream=feed.open_stream)
    screen = LogsScreen("blog", logs=logs, **kw)
    return Host(session, screen), screen


async def settle(pilot, screen, predicate, tries=100):
    for _ in range(tries):
        await pilot.pause(0.03)
        if predicate():
            return True
    return False


@run_async
async def test_lines_from_several_sources_merge_and_the_filter_highlights(tmp_path, feed):
    app, screen = make_app(tmp_path, feed)
    async with app.run_test(size=(120, 36)) as pilot:
        feed.say("/var/log/hostwiz-bootstrap.log", "bootstrap: installing nginx", "bootstrap: ERROR apt failed")
        feed.say("/var/log/cloud-init-output.log", "Cloud-init v. 24.1 running")
        view = screen.query_one(LogView)
        assert await settle(pilot, screen, lambda: len(view.buffer.shown) == 3)
        assert {ln[0] for ln in view.buffer.shown} == {"bootstrap", "cloud-init"}
        text = "\n".join(strip.text for strip in app.screen._compositor.render_strips())
        assert "bootstrap: ERROR apt failed" in text and "cloud-init" in text

        await pilot.press("f", *"error")
        assert [ln[2] for ln in view.buffer.shown] == ["bootstrap: ERROR apt failed"]
        strip = view.render_line(0)
        assert any(seg.text == "ERROR" and seg.style.bgcolor for seg in strip)  # the match is highlighted
        assert any(seg.style.color and seg.style.color.name == "red" for seg in strip)  # error severity colour
        await pilot.press("ctrl+a", "(")  # a broken regex: said so, and the last good filter stays
        assert screen.query_one("#log-filter").has_class("-invalid")
        assert "filter:" in screen.error and len(view.buffer.shown) == 1


@run_async
async def test_pause_keeps_the_view_and_follow_jumps_to_the_end(tmp_path, feed):
    app, screen = make_app(tmp_path, feed, maxlen=500)
    async with app.run_test(size=(120, 36)) as pilot:
        view = screen.query_one(LogView)
        feed.say("/var/log/hostwiz-bootstrap.log", *[f"line {i}" for i in range(200)])
        assert await settle(pilot, screen, lambda: len(view.buffer.shown) == 200)
        assert view.following and view.scroll_y == view.max_scroll_y
        await pilot.press("space")
        assert not view.following
        view.scroll_to(y=150, animate=False, immediate=True)
        await pilot.pause()
        assert view.buffer.shown[int(view.scroll_y)][2] == "line 150"
        feed.say("/var/log/hostwiz-bootstrap.log", *[f"more {i}" for i in range(400)])
        assert await settle(pilot, screen, lambda: view.buffer.received == 600)
        assert view.buffer.dropped == 100 and len(view.buffer.shown) == 500  # the bound holds
        assert not view.following
        assert view.scroll_y == 50 and view.buffer.shown[50][2] == "line 150"  # the same line stays on top
        await pilot.press("space")
        await pilot.pause()
        assert view.following and view.scroll_y == view.max_scroll_y
        assert "100 dropped" in str(screen.query_one("#log-status").render())


@run_async
async def test_search_finds_lines_and_save_writes_what_is_shown(tmp_path, feed):
    app, screen = make_app(tmp_path, feed)
    async with app.run_test(size=(120, 36)) as pilot:
        view = screen.query_one(LogView)
        feed.say("/var/log/hostwiz-bootstrap.log", *[f"step {i}" + (" needle" if i in (5, 50) else "") for i in range(100)])
        assert await settle(pilot, screen, lambda: len(view.buffer.shown) == 100)
        await pilot.press("slash", *"needle", "enter")
        assert not view.following
        assert view.buffer.shown[view.cursor - view.buffer.shown_removed][2] == "step 5 needle"
        await pilot.press("n")
        assert view.buffer.shown[view.cursor][2] == "step 50 needle"
        await pilot.press("N")
        assert view.buffer.shown[view.cursor][2] == "step 5 needle"

        await pilot.press("f", *"needle", "enter", "s")
        await app.workers.wait_for_complete()
        saved = list((tmp_path / "logs").glob("blog-*.log"))
        assert len(saved) == 1
        assert [ln.split(" ", 2)[2] for ln in saved[0].read_text().splitlines()] == \
            ["step 5 needle", "step 50 needle"]


@run_async
async def test_a_failing_source_shows_its_state_and_the_others_run(tmp_path, feed):
    feed.broken.add("/var/log/cloud-init-output.log")
    app, screen = make_app(tmp_path, feed)
    async with app.run_test(size=(120, 36)) as pilot:
        view = screen.query_one(LogView)
        feed.say("/var/log/hostwiz-bootstrap.log", "still going")
        assert await settle(pilot, screen, lambda: len(view.buffer.shown) == 1)
        assert await settle(pilot, screen, lambda: screen.hub.sources["cloud-init"].state.status == "retrying")
        states = str(screen.query_one("#log-states").render())
        assert "cloud-init" in states and "no route to" in states
        assert screen.hub.sources["bootstrap"].state.status == "live"

        # unticking a source stops it; adding one by name starts it
        screen.query_one("#log-sources").deselect("cloud-init")
        await pilot.pause()
        assert "cloud-init" not in screen.hub.sources
        await pilot.press("a", *"nginx-error", "enter")
        await pilot.pause()
        assert "nginx-error" in screen.hub.sources
        await pilot.press("a", *"bogus", "enter")
        assert "unknown log source" in screen.error


@run_async
async def test_a_cloudwatch_group_added_by_name_streams_into_the_pane(session):
    import time as _time

    logs = session.aws.client("logs")
    logs.create_log_group(logGroupName="/hostwiz/blog/app")
    logs.create_log_stream(logGroupName="/hostwiz/blog/app", logStreamName="web-1")
    logs.put_log_events(logGroupName="/hostwiz/blog/app", logStreamName="web-1", logEvents=[
        {"timestamp": int(_time.time() * 1000), "message": "ERROR from CloudWatch"}])
    screen = LogsScreen("blog")  # no ledger: only CloudWatch groups can be followed
    app = Host(session, screen)
    async with app.run_test(size=(120, 36)) as pilot:
        assert "add a CloudWatch group" in screen.error and not screen.hub.sources
        await pilot.press("a", *"cw:/hostwiz/blog/app", "enter")
        view = screen.query_one(LogView)
        assert await settle(pilot, screen, lambda: len(view.buffer.shown) == 1)
        assert view.buffer.shown[0][:1] + view.buffer.shown[0][2:] == ("cw:/hostwiz/blog/app", "ERROR from CloudWatch", "error")
        assert screen.hub.sources["cw:/hostwiz/blog/app"].state.status == "live"


@run_async
async def test_flooded_screens_hold_the_collector_and_the_gil_switch_until_the_last_one_closes(tmp_path, feed):
    """The log screen and the SSH terminal freeze what is alive (full collections skip it) and make
    reader threads hand over the GIL after 1 ms; the last of them to close gives both back."""
    from textual.screen import Screen

    from hostwiz.screens import flood
    from hostwiz.screens.terminal import Terminal

    class Shell(Screen):
        def compose(self):
            yield Terminal()

    before = sys.getswitchinterval()
    app, screen = make_app(tmp_path, feed)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert flood.held() == 1 and gc.get_freeze_count() > 0
        assert sys.getswitchinterval() == flood.SWITCH_INTERVAL
        await app.push_screen(Shell())
        await pilot.pause()
        assert flood.held() == 2
        app.pop_screen()
        await pilot.pause()
        assert flood.held() == 1 and gc.get_freeze_count() > 0
        app.pop_screen()
        await pilot.pause()
        assert flood.held() == 0 and gc.get_freeze_count() == 0
        assert sys.getswitchinterval() == before


@run_async
async def test_a_status_of_the_same_length_that_wraps_differently_is_laid_out_again(tmp_path, feed):
    """Attack review: the status line skipped its layout pass whenever its text kept its length, so
    an error replaced by another of the same length but wider on screen (wide characters, here) kept
    the old height at 80x24 and was cut. Only digits changing in place may skip the layout."""
    from textual.widgets import Static

    app, screen = make_app(tmp_path, feed)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        status = screen.query_one("#log-status", Static)
        screen.error = "e" * 20
        screen._pump()
        await pilot.pause()
        before = status.size.height
        screen.error = "界" * 20  # as many characters, twice as wide: takes another line
        screen._pump()
        await pilot.pause()
        assert status.size.height == before + 1, screen._status
        assert "界" * 3 in "\n".join(line.text for line in status.render_lines(status.region.reset_offset))
