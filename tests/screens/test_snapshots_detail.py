"""The detail screen with its watch panel (site health, metric charts, alarm states, cost so far) at
120x36 and 80x24, healthy and in trouble (issue 17). The screen's own workers call the services,
which answer with fixed data (watch_data.py: pinned IDs, addresses and times), so the snapshots are
the same every run. "top" is the screen as opened; "watch" is scrolled to the metrics (the charts,
their legend, the cost and the alarms). Update with --snapshot-update after a deliberate change,
and look at the SVGs first."""

from __future__ import annotations

import asyncio

import pytest
import watch_data
from pilot_helpers import settle, shown
from test_snapshots import frozen  # noqa: F401 (a fixture)

from hwtest import screen_host

SIZES = {"120x36": (120, 36), "80x24": (80, 24)}


@pytest.fixture
def detail(session, monkeypatch):
    """A detail screen of the stack 'blog' whose services answer with fixed data."""
    watch_data.write_ledger(session.state_dir)

    def make(trouble: bool):
        from hostwiz.screens.detail import DetailScreen

        watch_data.pin(monkeypatch, trouble)
        return screen_host(session, lambda: DetailScreen("blog"), sandbox=True)

    return make


async def opened(pilot, view: str = "top") -> None:
    """Every worker answered, its answer shown, and the layout settled (the scroll bar's thumb
    follows the body's height, which grows as the resources table takes its rows: under load that
    came a frame late and moved the thumb in one snapshot of many)."""
    from textual.widgets import DataTable

    from hostwiz.screens.widgets.watch import WatchPanel

    await settle(pilot)
    await settle(pilot)
    screen = pilot.app.screen
    await steady_layout(pilot)
    if view == "watch":
        screen.query_one("#detail-body").scroll_to_widget(screen.query_one(WatchPanel).query_one("#watch-title"),
                                                          animate=False, top=True)
        await steady_layout(pilot)


async def steady_layout(pilot) -> None:
    """Until the resources table has its rows and no part of the screen changes place or size
    between five frames, with every worker answered."""
    from textual.widgets import DataTable, Static

    screen = pilot.app.screen
    table = screen.query_one("#resources", DataTable)
    body = screen.query_one("#detail-body")
    seen: list = []
    for _ in range(100):
        screen.refresh(layout=True)
        await pilot.app.workers.wait_for_complete()  # a late answer (health, alarms) changes the height
        await pilot.pause(0.05)
        seen.append((table.row_count, table.virtual_size, table.region, body.virtual_size, body.max_scroll_y,
                     body.scroll_offset, [(w.id, w.region) for w in screen.query(Static)]))
        if len(seen) >= 5 and all(x == seen[-1] for x in seen[-5:]) and table.row_count == len(watch_data.RESOURCES):
            return


@pytest.mark.parametrize("view", ["top", "watch"])
@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
@pytest.mark.parametrize("state", ["healthy", "trouble"])
def test_detail_snapshot(snap_compare, detail, frozen, state, size, view):  # noqa: F811
    app = detail(state == "trouble")
    assert snap_compare(app, terminal_size=SIZES[size], run_before=lambda pilot: opened(pilot, view))


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_trouble_is_said_in_words_and_nothing_is_cut(detail, size):
    """What is wrong reads in words (not only colours), with units; at 80 columns too."""

    async def scenario():
        app = detail(True)
        async with app.run_test(size=SIZES[size]) as pilot:
            await opened(pilot, "watch")
            text = shown(app)
            assert "97.0 % max 99.0 %" in text  # latest and the window's worst, with units
            assert "0 credits min 0 credits" in text
            assert "CPU 97.0 %: over its critical limit of 95.0 %" in text
            assert "CPU credits 0 credits: under its critical limit of 5 credits" in text
            assert "DB free storage 3.6 GiB: under its warning limit of 4.0 GiB" in text
            assert "■ ok ■ warning ■ critical ■ no limit" in text  # what the colours mean
            assert "cpu-credits-low ALARM (firing)" in text and "db-storage-low ALARM (firing)" in text
            assert "instance-recover waiting for data" in text
            pilot.app.screen.query_one("#detail-body").scroll_home(animate=False)
            await pilot.pause()
            text = shown(app)
            assert "the zone is not delegated: your registrar still names other name" in text
            assert "→ hostwiz logs blog app" in text

    asyncio.run(scenario())


def test_refreshes_update_in_place(detail, monkeypatch):
    """A refresh re-draws one Static per part: no widget is mounted or removed, and a part whose
    data did not change is not touched (its content object stays the same)."""
    from textual.widgets import Static

    from hostwiz.screens.widgets.watch import WatchPanel

    async def scenario():
        app = detail(False)
        async with app.run_test(size=(120, 36)) as pilot:
            await opened(pilot)
            panel = app.screen.query_one(WatchPanel)
            widgets = list(panel.walk_children())
            charts = panel.query_one("#watch-metrics", Static)
            before = charts.content
            assert panel.refreshes == 1
            panel.load_metrics()  # the same numbers again
            await settle(pilot)
            assert panel.refreshes == 2 and charts.content is before
            watch_data.pin(monkeypatch, True)  # now in trouble: new numbers
            panel._watch = None  # (the panel keeps its watcher: let it take the new one)
            panel.load_metrics()
            await settle(pilot)
            assert panel.refreshes == 3 and charts.content is not before
            assert "under its critical limit" in shown(app)
            assert list(panel.walk_children()) == widgets

    asyncio.run(scenario())


def test_a_slow_refresh_is_not_piled_up(detail, monkeypatch):
    """While CloudWatch is slow to answer, the 5-second timer does not start a second call."""
    import threading
    from types import SimpleNamespace

    from hostwiz.screens.widgets.watch import WatchPanel
    from hostwiz.services import watch

    async def scenario():
        app = detail(False)
        async with app.run_test(size=(120, 36)) as pilot:
            await opened(pilot)
            panel = app.screen.query_one(WatchPanel)
            release, calls = threading.Event(), []

            def slow(window="1h"):
                calls.append(window)
                release.wait(10)
                return watch_data.snapshot(False, window)

            monkeypatch.setattr(watch, "watcher", lambda session, name: SimpleNamespace(refresh=slow))
            panel._watch = None
            panel.tick_metrics()
            for _ in range(100):  # until the call is out (a worker thread)
                if calls:
                    break
                await pilot.pause(0.05)
            for _ in range(2):  # two more timer ticks while that call hangs
                panel.tick_metrics()
                await pilot.pause(0.05)
            assert len(calls) == 1
            release.set()
            await settle(pilot)
            assert panel.refreshes == 2
            panel.tick_metrics()  # answered: the next tick calls again
            await settle(pilot)
            assert len(calls) == 2 and panel.refreshes == 3

    asyncio.run(scenario())
