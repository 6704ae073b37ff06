"""The detail screen's watch panel: is the site answering, the machine's and the database's metrics
as bar charts (each bar coloured by its threshold level, a legend below), the alarms' states, and
the cost so far.

Everything slow runs in thread workers: metrics every `every` seconds (one batched CloudWatch call
through `services.watch`), probes every `probe_every` seconds (each with its own timeout), so the
screen never waits. On the event loop a refresh costs one Static update per part: the charts are
one renderable (`MetricRows`), drawn at whatever width the panel has, never a widget per metric
(mounting 33 widgets was the panel's largest stall), and a part whose text did not change is not
touched. `show_metrics`, `show_health`, `show_extra` take plain results, so tests and snapshots can
feed fixed data (`auto=False`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from hostwiz.charts import cells, human
from hostwiz.charts import every as point_every
from hostwiz.errors import describe_error

WINDOWS = ("1h", "24h", "7d")
# a metric's colour: its latest value's level (and each bar's own level in the chart)
LEVEL_STYLE = {"ok": "green", "warning": "yellow", "critical": "bold red", "no-data": "dim", "no-limit": "cyan"}
BAR_STYLE = {"ok": "green", "warning": "yellow", "critical": "red", "no-data": "dim", "no-limit": "cyan"}
LEVEL_WORD = {"warning": "warning", "critical": "critical"}
HEALTH_MARK = {"ok": ("✔", "green"), "warning": ("▲", "yellow"), "problem": ("✘", "bold red"),
               "unknown": ("?", "dim")}
ALARM_STYLE = {"OK": "green", "ALARM": "bold red", "INSUFFICIENT_DATA": "dim"}
ALARM_WORD = {"OK": "OK", "ALARM": "ALARM (firing)", "INSUFFICIENT_DATA": "waiting for data"}


@dataclass
class WatchLoaded(Message):
    what: str  # "metrics" | "health" | "extra"
    value: Any = None


def limited(metric: Any) -> bool:
    return metric.warn is not None or metric.critical is not None


def bar_level(metric: Any, value: float | None) -> str:
    if value is None:
        return "no-data"
    return metric.level(value) if limited(metric) else "no-limit"


def extreme(series: Any) -> str:
    """The window's worst point: the lowest for a metric where low is bad, else the highest."""
    if not series.values:
        return ""
    low = series.metric.low_is_bad
    return f"{'min' if low else 'max'} {human(min(series.values) if low else max(series.values), series.metric.unit)}"


class MetricRows:
    """One line per metric: label, bar chart (as wide as the panel allows), latest value in its
    level's colour, and the window's worst point. A Rich renderable: one Static shows them all."""

    LABEL = 20

    def __init__(self, series: Sequence[Any]) -> None:
        self.series = list(series)
        self.latest = [human(s.latest, s.metric.unit) for s in self.series]
        self.worst = [extreme(s) for s in self.series]

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(40, options.max_width)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        value_w = max((len(v) for v in self.latest), default=7)
        worst_w = max((len(w) for w in self.worst), default=0)
        if width - self.LABEL - value_w - worst_w - 3 < 16:  # narrow: the worst point goes first
            worst_w = 0
        chart_w = max(1, width - self.LABEL - value_w - 2 - (worst_w + 1 if worst_w else 0))
        for s, latest, worst in zip(self.series, self.latest, self.worst):
            m = s.metric
            line = Text(m.label[:self.LABEL].ljust(self.LABEL), no_wrap=True, end="\n")
            line.append(" ")
            run, run_style = "", ""  # one span per run of one colour, not one per bar
            for bar, value in cells(s.values, chart_w, m.unit, worst=min if m.low_is_bad else max):
                style = BAR_STYLE[bar_level(m, value)]
                if style != run_style and run:
                    line.append(run, style=run_style)
                    run = ""
                run, run_style = run + bar, style
            line.append(run, style=run_style)
            line.append(" ")
            line.append(latest.rjust(value_w), style=LEVEL_STYLE[bar_level(m, s.latest)])
            if worst_w:
                line.append(" " + worst.rjust(worst_w), style="dim")
            yield line


def legend(series: Sequence[Any]) -> Text:
    """What the colours mean, the scale, and in words each metric over (or under) its limit."""
    text = Text()  # (a style given to Text() would tint every span: the squares must keep their colours)
    text.append("bars ", style="dim")
    for level, word in (("ok", "ok"), ("warning", "warning"), ("critical", "critical"), ("no-limit", "no limit")):
        text.append("■", style=BAR_STYLE[level])
        text.append(f" {word}  ", style="dim")
    text.append("· scale from 0 (% up to 100)", style="dim")
    for s in series:
        level = bar_level(s.metric, s.latest)
        if level in LEVEL_WORD:
            m = s.metric
            limit = m.critical if level == "critical" else m.warn
            mark, style = HEALTH_MARK["problem" if level == "critical" else "warning"]
            text.append(f"\n{mark} ", style=style)
            text.append(f"{m.label} {human(s.latest, m.unit)}: {'under' if m.low_is_bad else 'over'} its {level} "
                        f"limit of {human(limit, m.unit)}", style=style)
    return text


class WatchPanel(Vertical):
    DEFAULT_CSS = """
    WatchPanel { height: auto; padding: 0 1; }
    WatchPanel #watch-health, WatchPanel #watch-extra, WatchPanel #watch-legend { height: auto; }
    WatchPanel #watch-title { color: $text-muted; height: 1; }
    WatchPanel #watch-metrics { height: auto; }
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
        self.series: list[Any] = []  # what the charts show now
        self._shown: dict[str, Any] = {}  # part -> what it shows, to skip updates that change nothing

    def compose(self) -> ComposeResult:
        yield Static("Site: probing…", id="watch-health")
        yield Static(f"Metrics, last {self.window}: loading…", id="watch-title")
        yield Static("", id="watch-metrics")
        yield Static("", id="watch-legend")
        yield Static("", id="watch-extra")

    def on_mount(self) -> None:
        if self.auto:
            self.load_metrics()
            self.load_health()
            self.load_extra()
            # a timer never starts a second call while the last one is still out (a slow CloudWatch
            # or a site that times out would otherwise pile threads up, one per tick)
            self.set_interval(self.every, self.tick_metrics)
            self.set_interval(self.probe_every, self.tick_health)
            self.set_interval(max(self.every * 6, 30.0), self.tick_extra)

    def tick_metrics(self) -> None:
        if self.idle("watch-metrics"):
            self.load_metrics()

    def tick_health(self) -> None:
        if self.idle("watch-health"):
            self.load_health()

    def tick_extra(self) -> None:
        if self.idle("watch-extra"):
            self.load_extra()

    def idle(self, group: str) -> bool:
        """No worker of `group` is waiting or running."""
        return not any(w.group == group and w.node is self and w.state in (WorkerState.PENDING, WorkerState.RUNNING)
                       for w in self.app.workers)

    def cycle_window(self) -> str:
        self.window = WINDOWS[(WINDOWS.index(self.window) + 1) % len(WINDOWS)]
        self._set("#watch-title", f"Metrics, last {self.window}: loading…", layout=False)
        if self.auto:
            self.load_metrics()
        return self.window

    def _set(self, where: str, content: Any, key: Any = None, *, layout: bool = True) -> None:
        """Update one part, unless it would show the same thing (`key`: what identifies it).
        `layout=False` when its height cannot have changed: no re-layout of the whole screen (which
        measures every auto-height part again: the largest cost of a refresh on the event loop).
        A part that may change height asks for a layout again after the frame: Textual (8.2) bumps a
        widget's layout counter only when no layout is pending, and under load about one update in
        six kept the box measured for the old content (the alarms under "Cost so far" stayed one
        line tall and hidden; tests/screens/test_snapshots_detail.py failed 7 of 40 runs, 0 of 40
        with the second request)."""
        key = content if key is None else key
        if self._shown.get(where) == key:
            return
        self._shown[where] = key
        part = self.query_one(where, Static)
        part.update(content, layout=layout)
        if layout:  # and once more after this frame (above)
            self.call_after_refresh(part.refresh, layout=True)

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
            self._set(where, Text(f"{event.worker.name}: {describe_error(event.worker.error)}", style="red"))

    # showing ----------------------------------------------------------------------------------
    def show_metrics(self, snap: Any) -> None:
        if snap.window != self.window:  # an answer for the window shown before `w` was pressed
            return
        self.refreshes += 1
        rows_before = len(self.series)
        self.series = list(snap.series.values())
        self._set("#watch-title", f"Metrics, last {snap.window} (a point per {point_every(snap.period)}; "
                                  f"w: 1h/24h/7d)", layout=False)  # one line, always
        key = [(s.metric.key, tuple(s.values)) for s in self.series]
        self._set("#watch-metrics", MetricRows(self.series) if self.series else
                  Text("no instance or database to watch yet", style="dim"), key=key,
                  layout=not self.series or len(self.series) != rows_before)  # a line per metric, never wrapped
        self._set("#watch-legend", legend(self.series) if self.series else "",
                  key=[(s.metric.key, bar_level(s.metric, s.latest)) for s in self.series])

    def show_health(self, health: Any) -> None:
        mark, style = HEALTH_MARK.get(health.status, ("?", "dim"))
        head = Text.assemble(("Site ", "bold"), (f"{mark} {health.status}", style))
        if health.target:
            head.append(f"  {health.target}", style="dim")
        grid = Table.grid(padding=(0, 1))
        grid.add_column(width=1)
        grid.add_column(no_wrap=True)
        grid.add_column(ratio=1)
        for r in (health.report.results if health.report else []):
            m, st = HEALTH_MARK.get(r.status, ("?", "dim"))
            about = Text(r.summary)
            if r.diagnosis:
                about.append(f"\n{r.diagnosis}", style=st)
            if r.advice:
                about.append(f"\n→ {r.advice}", style="italic")
            grid.add_row(Text(m, style=st), r.check, about)
        if health.skipped:
            grid.add_row("", "", Text(health.skipped, style="dim"))
        out = Table.grid()
        out.add_row(head)
        out.add_row(grid)
        self._set("#watch-health", out, key=("health", repr(health.as_dict())))

    def show_extra(self, seen: Any) -> None:
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(ratio=1)
        c = seen.cost
        if c is not None:
            grid.add_row("Cost so far", Text.assemble(
                f"${c.total:.2f}", (f" since {c.since:%Y-%m-%d} (running {c.running_hours:.0f} h, stopped "
                                    f"{c.stopped_hours:.0f} h)", "dim"),
                "\n", f"${c.month_to_date:.2f}", (" this month · now ", "dim"), f"${c.per_day_now:.2f}",
                (" a day", "dim")))
        if seen.alarms:  # one a line: a state is never split from its alarm's name
            states = Table.grid(padding=(0, 2))
            states.add_column(no_wrap=True)
            states.add_column(no_wrap=True)
            for a in seen.alarms:
                states.add_row(a.key, Text(ALARM_WORD.get(a.state, a.state), style=ALARM_STYLE.get(a.state, "")))
            grid.add_row("Alarms", states)
        for note in seen.notes:
            grid.add_row("", Text(note, style="yellow"))
        self._set("#watch-extra", grid, key=("extra", repr(seen.as_dict())))
