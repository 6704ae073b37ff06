"""The detail screen's watch panel: is the site answering, the machine's and the database's metrics
as sparklines (latest value coloured by its threshold), the alarms' states, and the cost so far.

Everything slow runs in thread workers: metrics every `every` seconds (one batched CloudWatch call
through `services.watch`), probes every `probe_every` seconds (each with its own timeout), so the
screen never waits. `show_metrics`, `show_health`, `show_extra` take plain results, so tests and
snapshots can feed fixed data (`auto=False`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Grid, Vertical
from textual.message import Message
from textual.widgets import Sparkline, Static
from textual.worker import Worker, WorkerState

from hostwiz.errors import describe_error

WINDOWS = ("1h", "24h", "7d")
LEVEL_STYLE = {"ok": "green", "warning": "yellow", "critical": "bold red", "no-data": "dim"}
HEALTH_MARK = {"ok": ("✔", "green"), "warning": ("▲", "yellow"), "problem": ("✘", "bold red"),
               "unknown": ("?", "dim")}
ALARM_STYLE = {"OK": "green", "ALARM": "bold red", "INSUFFICIENT_DATA": "dim"}


@dataclass
class WatchLoaded(Message):
    what: str  # "metrics" | "health" | "extra"
    value: Any = None


def human(value: float | None, unit: str) -> str:
    if value is None:
        return "no data"
    if unit in ("bytes", "B/s"):
        for suffix in ("B", "KiB", "MiB", "GiB", "TiB"):
            if abs(value) < 1024 or suffix == "TiB":
                return f"{value:.1f} {suffix}{'/s' if unit == 'B/s' else ''}"
            value /= 1024
    if unit == "s":
        return f"{value * 1000:.1f} ms"
    if unit == "%":
        return f"{value:.1f} %"
    return f"{value:.0f}" if unit == "count" else f"{value:.0f} {unit}"


class WatchPanel(Vertical):
    DEFAULT_CSS = """
    WatchPanel { height: auto; padding: 0 1; }
    WatchPanel #watch-health, WatchPanel #watch-extra { height: auto; }
    WatchPanel #watch-title { color: $text-muted; height: 1; }
    WatchPanel Grid { grid-size: 3; grid-columns: 22 1fr 14; grid-rows: 1; height: auto; }
    WatchPanel .metric-label { height: 1; }
    WatchPanel .metric-value { height: 1; text-align: right; }
    WatchPanel Sparkline { height: 1; }
    WatchPanel Sparkline.-warning > .sparkline--max-color { color: $warning; }
    WatchPanel Sparkline.-critical > .sparkline--max-color { color: $error; }
    WatchPanel Sparkline.-no-data > .sparkline--max-color { color: $text-muted; }
    """

    def __init__(self, stack: str, *, auto: bool = True, every: float = 5.0, probe_every: float = 60.0,
                 window: str = "1h", id: str | None = "watch") -> None:
        super().__init__(id=id)
        self.stack = stack
        self.auto = auto
        self.every = every
        self.probe_every = probe_every
        self.window = window
        self._watch: Any = None  # services.watch.watcher(...), made once in a worker
        self.refreshes = 0

    def compose(self) -> ComposeResult:
        yield Static("Site: probing…", id="watch-health")
        yield Static(f"Metrics, last {self.window}: loading…", id="watch-title")
        yield Grid(id="watch-grid")
        yield Static("", id="watch-extra")

    def on_mount(self) -> None:
        if self.auto:
            self.load_metrics()
            self.load_health()
            self.load_extra()
            self.set_interval(self.every, self.load_metrics)
            self.set_interval(self.probe_every, self.load_health)
            self.set_interval(max(self.every * 6, 30.0), self.load_extra)

    def cycle_window(self) -> str:
        self.window = WINDOWS[(WINDOWS.index(self.window) + 1) % len(WINDOWS)]
        self.query_one("#watch-title", Static).update(f"Metrics, last {self.window}: loading…")
        if self.auto:
            self.load_metrics()
        return self.window

    # workers ----------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, exit_on_error=False, group="watch-metrics", name="metrics")
    def load_metrics(self) -> None:
        from hostwiz.services import watch

        if self._watch is None:
            self._watch = watch.watcher(self.app.session, self.stack)
        self.post_message(WatchLoaded("metrics", self._watch.refresh(self.window)))

    @work(thread=True, exclusive=True, exit_on_error=False, group="watch-health", name="probes")
    def load_health(self) -> None:
        from hostwiz.services import watch

        self.post_message(WatchLoaded("health", watch.health(self.app.session, self.stack)))

    @work(thread=True, exclusive=True, exit_on_error=False, group="watch-extra", name="alarms and cost")
    def load_extra(self) -> None:
        from hostwiz.services import watch

        self.post_message(WatchLoaded("extra", watch.watched(self.app.session, self.stack, probe=False)))

    def on_watch_loaded(self, message: WatchLoaded) -> None:
        message.stop()
        {"metrics": self.show_metrics, "health": self.show_health, "extra": self.show_extra}[message.what](
            message.value)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            event.stop()
            where = "#watch-health" if event.worker.name == "probes" else \
                "#watch-title" if event.worker.name == "metrics" else "#watch-extra"
            self.query_one(where, Static).update(Text(f"{event.worker.name}: {describe_error(event.worker.error)}",
                                                      style="red"))

    # showing ----------------------------------------------------------------------------------
    def show_metrics(self, snap: Any) -> None:
        if snap.window != self.window:  # an answer for the window shown before `w` was pressed
            return
        self.refreshes += 1
        grid = self.query_one("#watch-grid", Grid)
        series = list(snap.series.values())
        self.query_one("#watch-title", Static).update(
            f"Metrics, last {snap.window} (a point per {max(1, snap.period // 60)} min; w: 1h/24h/7d)")
        rows = {w.id: w for w in grid.query(Sparkline)}
        if len(rows) != len(series):
            grid.remove_children()
            for s in series:
                grid.mount(Static(s.metric.label, classes="metric-label"),
                           Sparkline([], id=f"spark-{s.metric.key}", summary_function=max),
                           Static("", id=f"value-{s.metric.key}", classes="metric-value"))
        self.call_after_refresh(self._fill, series)

    def _fill(self, series: list[Any]) -> None:
        for s in series:
            try:
                spark = self.query_one(f"#spark-{s.metric.key}", Sparkline)
                value = self.query_one(f"#value-{s.metric.key}", Static)
            except Exception:  # noqa: BLE001 - a refresh raced a remount; the next one fills it
                continue
            spark.data = list(s.values) or [0.0]
            for level in LEVEL_STYLE:
                spark.set_class(s.level == level and level != "ok", f"-{level}")
            value.update(Text(human(s.latest, s.metric.unit), style=LEVEL_STYLE.get(s.level, "")))

    def show_health(self, health: Any) -> None:
        mark, style = HEALTH_MARK.get(health.status, ("?", "dim"))
        text = Text.assemble(("Site ", "bold"), (f"{mark} {health.status}", style))
        if health.target:
            text.append(f"  {health.target}", style="dim")
        for r in (health.report.results if health.report else []):
            m, st = HEALTH_MARK.get(r.status, ("?", "dim"))
            text.append(f"\n  {m} ", style=st)
            text.append(f"{r.check:<6} {r.summary}")
            if r.diagnosis:
                text.append(f"\n      {r.diagnosis}", style=st)
            if r.advice:
                text.append(f"\n      → {r.advice}", style="italic")
        if health.skipped:
            text.append(f"\n  {health.skipped}", style="dim")
        self.query_one("#watch-health", Static).update(text)

    def show_extra(self, seen: Any) -> None:
        text = Text()
        c = seen.cost
        if c is not None:
            text.append("Cost so far ", style="bold")
            text.append(f"${c.total:.2f}")
            text.append(f" since {c.since:%Y-%m-%d}  (running {c.running_hours:.0f} h, stopped {c.stopped_hours:.0f} h)"
                        f"  this month ${c.month_to_date:.2f}  now ${c.per_day_now:.2f}/day", style="dim")
        if seen.alarms:
            text.append("\nAlarms ", style="bold")
            for a in seen.alarms:
                text.append(f" {a.key} ")
                text.append(a.state, style=ALARM_STYLE.get(a.state, ""))
        for note in seen.notes:
            text.append(f"\n{note}", style="yellow")
        self.query_one("#watch-extra", Static).update(text)
