"""The detail screen's watch panel: live on moto (the sandbox's stand-in site and fed metrics, loaded
by workers), and snapshots with fixed data at 120x36 and 80x24."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Static

from hostwiz import probes, spend
from hostwiz.provisioners import metrics
from hostwiz.screens.widgets.watch import WatchPanel
from hostwiz.services.watch import Health, Watched
from hostwiz.provisioners.alarms import AlarmState

from hwtest import screen_host
from hostwiz.charts import BLOCKS
from dayto.test_watch_services import Lab  # noqa: F401 (the sandbox stand-in)


@pytest.fixture
def sandboxed(session, stack_up):
    lab = Lab()
    session.sandbox, session.lab = True, lab
    yield session
    lab.health.stop()
    session.lab = None


def lines_of(static: Static, width: int = 100) -> list[str]:
    """What a Static shows, as plain lines at `width` columns."""
    import io

    from rich.console import Console

    console = Console(width=width, record=True, file=io.StringIO(), color_system=None)
    console.print(static.content)
    return console.export_text().splitlines()


def chart_rows(panel: WatchPanel, width: int = 100) -> list[str]:
    return [line for line in lines_of(panel.query_one("#watch-metrics", Static), width)
            if any(b in line for b in BLOCKS)]


def test_live_panel_loads_in_workers(sandboxed):
    asyncio.run(live_panel(sandboxed))


async def live_panel(sandboxed):
    from textual.screen import Screen

    class Host(Screen):
        def compose(self) -> ComposeResult:
            yield WatchPanel("blog", every=3600, probe_every=3600)

    app = screen_host(sandboxed, Host)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        panel = app.screen.query_one(WatchPanel)
        assert len(panel.series) == 11 and all(len(s.values) > 1 for s in panel.series)
        rows = chart_rows(panel)
        assert len(rows) == 11 and rows[0].startswith("CPU ") and rows[0].rstrip().endswith("%")
        assert panel.refreshes == 1
        health = "\n".join(lines_of(panel.query_one("#watch-health", Static)))
        assert "ok" in health and "127.0.0.1" in health
        extra = "\n".join(lines_of(panel.query_one("#watch-extra", Static)))
        assert "Cost so far" in extra


NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)


def fixed_snapshot() -> metrics.Snapshot:
    ms = metrics.instance_metrics("i-0abc", "t3.micro") + metrics.database_metrics("blog-db", 20)
    series = {}
    scale = {"ec2_cpu": (10, 2), "ec2_credits": (120, -1), "ec2_net_in": (20_000, 900), "ec2_net_out": (60_000, 2500),
             "ec2_status": (0, 0), "db_cpu": (4, 0.5), "db_free_storage": (16 * 1024 ** 3, -1024 ** 2),
             "db_free_memory": (400 * 1024 ** 2, 1024 ** 2), "db_connections": (3, 0.3),
             "db_read_latency": (0.001, 0.0001), "db_write_latency": (0.002, 0.0001)}
    for n, m in enumerate(ms):
        base, step = scale[m.key]
        values = [base + step * ((i * (n + 3)) % 17) for i in range(60)]
        if m.key == "ec2_cpu":
            values[-1] = 88.0  # warning
        if m.key == "ec2_credits":
            values[-8:] = [40, 30, 22, 15, 10, 7, 5, 3.0]  # critical (low is bad)
        series[m.key] = metrics.Series(m, [NOW - timedelta(minutes=60 - i) for i in range(60)], values)
    return metrics.Snapshot("1h", 60, NOW - timedelta(hours=1), NOW, series)


def fixed_health() -> Health:
    return Health(probes.SiteReport([
        probes.Result("dns", "blog.example.com", probes.OK, "blog.example.com -> 198.51.100.20"),
        probes.Result("http", "http://blog.example.com/health", probes.OK, "200 in 84 ms"),
        probes.Result("tls", "blog.example.com", probes.WARNING, "Let's Encrypt R11, 12 days left",
                      "the certificate is not being renewed", "check certbot: hostwiz logs blog certbot"),
    ]), target="blog.example.com")


def fixed_extra() -> Watched:
    rates = spend.Rates({"all": 0.05}, {"all": 0.01})
    periods = [spend.Period("running", NOW - timedelta(days=10), NOW - timedelta(days=5)),
               spend.Period("stopped", NOW - timedelta(days=5), NOW - timedelta(days=2)),
               spend.Period("running", NOW - timedelta(days=2))]
    return Watched(cost=spend.spend(periods, rates, NOW), alarms=[
        AlarmState("cpu-credits-low", "hostwiz-blog-cpu-credits-low", "ALARM", "", ""),
        AlarmState("instance-recover", "hostwiz-blog-instance-recover", "OK", "", "")])


class PanelApp(App):
    def compose(self) -> ComposeResult:
        yield WatchPanel("blog", auto=False)

    def on_mount(self) -> None:
        panel = self.query_one(WatchPanel)
        panel.show_health(fixed_health())
        panel.show_metrics(fixed_snapshot())
        panel.show_extra(fixed_extra())


@pytest.mark.parametrize("size", [(120, 36), (80, 24)], ids=["120x36", "80x24"])
def test_panel_snapshot(snap_compare, size):
    async def settle(pilot):
        await pilot.pause()
        await pilot.pause()

    assert snap_compare(PanelApp(), terminal_size=size, run_before=settle)


def test_detail_screen_shows_the_panel_and_w_changes_the_window(sandboxed):
    from hostwiz.screens.detail import DetailScreen

    async def scenario():
        app = screen_host(sandboxed, lambda: DetailScreen("blog"), sandbox=True)
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            panel = app.screen.query_one(WatchPanel)
            assert len(chart_rows(panel)) == 11
            await pilot.press("w")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert panel.window == "24h"
            assert "last 24h" in str(panel.query_one("#watch-title", Static).render())

    asyncio.run(scenario())


def test_home_shows_stopped_stacks_and_the_month_to_date(sandboxed):
    from textual.widgets import DataTable

    from hostwiz.screens.home import HomeScreen
    from hostwiz.services import operate

    operate.stop(sandboxed, "blog")

    async def scenario():
        app = screen_host(sandboxed, HomeScreen, sandbox=True)
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            app.screen.action_refresh()
            await app.workers.wait_for_complete()
            await pilot.pause()
            table = app.screen.query_one("#stacks", DataTable)
            row = [str(c) for c in table.get_row("blog")]
            assert "stopped" in row[1]
            assert row[4].startswith("$")

    asyncio.run(scenario())


def test_detail_x_stops_after_confirming_then_starts(sandboxed):
    from hostwiz.ledger import Ledger
    from hostwiz.screens.detail import DetailScreen

    async def scenario():
        app = screen_host(sandboxed, lambda: DetailScreen("blog"), sandbox=True)
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.press("x")
            await pilot.pause()
            assert "While stopped" in str(app.screen.query_one(".dialog-text").render())
            await pilot.click("#answer-yes")
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert Ledger(sandboxed.state_dir, "blog").get("status") == "stopped"
            await pilot.press("x")
            await pilot.pause()
            await pilot.click("#answer-yes")
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert Ledger(sandboxed.state_dir, "blog").get("status") == "ready"

    asyncio.run(scenario())
