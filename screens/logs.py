"""The log screen: a stack's sources merged in one pane, with a live filter, search and save.

`LogsScreen(stack_name)` is pushed by the home/detail screens; it reads `app.session` (and
`app.sandbox` for the sandbox's SSH servers). Sources run on their own threads (`Hub`); a
20 Hz timer drains what arrived into the `LogView`, so a flood costs one write per tick, not
one message per line.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any, Iterable

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Input, Label, SelectionList, Static
from textual.widgets.option_list import OptionDoesNotExist
from textual.widgets.selection_list import Selection

from hostwiz.logs import FilterError, Hub, LineFilter, LogLine
from hostwiz.logs.buffer import DEFAULT_MAXLEN, save_lines
from hostwiz.logs.catalog import SourceNameError, check_name
from hostwiz.services.logs import StackLogs
from hostwiz.logs.source import CONNECTING, LIVE, RETRYING

from . import flood
from .widgets.check import CheckList
from .widgets.footer import Footer, OwnKeysFirst
from .log_view import LogView
from .messages import Loaded
from .workers import WorkerFailures

STATE_COLOUR = {LIVE: "green", CONNECTING: "yellow", RETRYING: "red"}
PUMP_HZ = 20
PUMP_LIMIT = 20_000  # lines per tick at most: a backlog drains over a few ticks, never in one stall


class LogsScreen(OwnKeysFirst, WorkerFailures, Screen[None]):
    BINDINGS = [  # in the footer in this order, as many as fit: Back first
        Binding("escape", "back", "Back"),
        Binding("f", "focus_filter", "Filter"),
        Binding("slash", "focus_search", "Search"),
        Binding("n", "find(False)", "Next"),
        Binding("N", "find(True)", "Previous"),
        Binding("space", "toggle_follow", "Follow/Pause"),
        Binding("s", "save", "Save"),
        Binding("a", "focus_add", "Add source"),
    ]

    def __init__(self, stack_name: str, *, logs: StackLogs | None = None, maxlen: int = DEFAULT_MAXLEN,
                 sources: tuple[str, ...] | None = None):
        super().__init__()
        self.stack_name = stack_name
        self.maxlen = maxlen
        self.initial = sources
        self.logs = logs
        self.hub = Hub()
        self.error = ""
        self._status = ""
        self._states = ""

    def compose(self) -> ComposeResult:
        with Horizontal():
            with Vertical(id="log-side"):
                yield Label(f"[b]Logs of {escape(self.stack_name)}[/b]")
                yield CheckList[str](id="log-sources")  # X on, blank off: readable without colour
                yield Input(placeholder="add cw:GROUP[:PFX] or rds", id="log-add")
                yield Static(id="log-states")
            with Vertical():
                with Horizontal(id="log-bar"):
                    yield Input(placeholder="filter (regex)", id="log-filter")
                    yield Input(placeholder="search (regex), Enter finds next", id="log-search")
                yield LogView(self.maxlen, id="log-view")
                yield Static(id="log-status")
        yield Footer()

    @property
    def view(self) -> LogView:
        return self.query_one(LogView)

    def on_mount(self) -> None:
        if self.logs is None:
            self.logs = StackLogs(self.app.session, self.stack_name)
        if self.initial is None:
            self.initial = tuple(self.logs.defaults())
        if not self.logs.exists:
            self.initial = tuple(n for n in self.initial if n.startswith("cw:"))
        offered = self.logs.available()
        names = offered + [n for n in self.initial if n not in offered]
        self.query_one(SelectionList).add_options(
            [Selection(n, n, n in self.initial, id=n) for n in names])
        for name in self.initial:
            self._start(name)
        if not self.logs.exists:
            self.error = f"no stack named {self.stack_name} here: add a CloudWatch group (a) to follow it"
        self.view.focus()
        flood.hold(self)
        self.set_interval(1 / PUMP_HZ, self._pump)
        self._pump()

    def on_unmount(self) -> None:
        for source in self.hub.sources.values():
            source.stop(wait=None)
        flood.release(self)

    # Sources ----------------------------------------------------------------------------

    def _start(self, name: str) -> None:
        assert self.logs is not None
        try:
            self.hub.add(self.logs.build(name), start=True)
            self.error = ""
        except (SourceNameError, ValueError) as err:
            self.error = str(err)

    @on(SelectionList.SelectedChanged, "#log-sources")
    def _sources_changed(self, event: SelectionList.SelectedChanged) -> None:
        chosen = set(event.selection_list.selected)
        for name in list(self.hub.sources):
            if name not in chosen:
                self.hub.remove(name)
        for name in event.selection_list.selected:
            if name not in self.hub.sources:
                self._start(name)
        self._pump()

    @on(Input.Submitted, "#log-add")
    def _add_source(self, event: Input.Submitted) -> None:
        name = event.value.strip()
        try:
            check_name(name)
        except SourceNameError as err:
            self.error = str(err)
            event.input.add_class("-invalid")
            return
        event.input.remove_class("-invalid")
        event.input.value = ""
        sources = self.query_one(SelectionList)
        if _has_option(sources, name):
            sources.select(name)
        else:
            sources.add_option(Selection(name, name, True, id=name))
            self._sources_changed(SelectionList.SelectedChanged(sources))
        self.view.focus()

    # Filter and search ----------------------------------------------------------------

    @on(Input.Changed, "#log-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        try:
            line_filter = LineFilter(event.value) if event.value else None
        except FilterError as err:
            event.input.add_class("-invalid")
            self.error = f"filter: {err}"
            return
        event.input.remove_class("-invalid")
        self.error = ""
        self.view.set_filter(line_filter)

    @on(Input.Submitted, "#log-filter")
    def _filter_done(self) -> None:
        self.view.focus()

    @on(Input.Submitted, "#log-search")
    def _search(self, event: Input.Submitted) -> None:
        if not event.value:
            return
        try:
            pattern = LineFilter(event.value)
        except FilterError as err:
            event.input.add_class("-invalid")
            self.error = f"search: {err}"
            return
        event.input.remove_class("-invalid")
        self.error = "" if self.view.find(pattern) else f"search: no more lines match {event.value!r}"
        self.view.focus()

    # Actions -----------------------------------------------------------------------------

    def action_focus_filter(self) -> None:
        self.query_one("#log-filter", Input).focus()

    def action_focus_search(self) -> None:
        self.query_one("#log-search", Input).focus()

    def action_focus_add(self) -> None:
        self.query_one("#log-add", Input).focus()

    def action_find(self, backwards: bool) -> None:
        if not self.view.find(None, backwards=backwards):
            self.error = "search: no more matches" if self.view.search else "search: type a pattern after /"
        else:
            self.error = ""
        self._pump()

    def action_toggle_follow(self) -> None:
        self.view.following = not self.view.following
        self._pump()

    def action_back(self) -> None:
        if isinstance(self.focused, Input):
            self.view.focus()
        else:
            self.app.pop_screen()

    def action_save(self) -> None:
        path = self.save_path()
        self._save(self.view.buffer.shown.snapshot(), path)

    def save_path(self) -> Path:
        session: Any = getattr(self.app, "session", None)
        base = Path(session.state_dir) if session is not None else Path.cwd()
        return base / "logs" / f"{self.stack_name}-{time.strftime('%Y%m%d-%H%M%S')}.log"

    @work(thread=True, exclusive=True, group="logs-save", exit_on_error=False, name="save")
    def _save(self, lines: Iterable[LogLine], path: Path) -> None:
        self.post_message(Loaded("saved", f"saved {save_lines(lines, path)} lines to {path}"))

    def on_loaded(self, message: Loaded) -> None:
        self.notify(message.value)

    def worker_failed(self, name: str, error: str) -> None:
        self.notify(f"could not save the log: {error}" if name == "save" else error, severity="error")

    # The pump ------------------------------------------------------------------------------

    def _pump(self) -> None:
        lines = self.hub.drain(limit=PUMP_LIMIT)
        if lines:
            self.view.write(lines)
        states = "\n".join(
            f"[{STATE_COLOUR.get(st.status, 'dim')}]●[/] {escape(name)} [dim]{escape(str(st))}[/dim]"
            for name, st in self.hub.states().items()) or "[dim]no source chosen[/dim]"
        if states != self._states:
            self._states = states
            self.query_one("#log-states", Static).update(states)
        buf = self.view.buffer
        parts = ["following" if self.view.following else "paused", f"{len(buf.shown):,} shown"]
        if buf.filter is not None:
            parts.append(f"of {len(buf.lines):,}")
        parts.append(f"{buf.dropped + self.hub.overflow:,} dropped (keeps {buf.maxlen:,})")
        if self.error:
            parts.append(f"[red]{escape(self.error)}[/red]")
        status = "  ".join(parts)
        if status != self._status:
            # The counts change with every tick of a flood; a status whose only change is digits in
            # place wraps the same, so it is only repainted: a layout pass each time was a third of
            # the loop's work. Same length is not enough: markup, escapes, wide characters or where
            # the spaces fall in an error of the same length wrap differently (attack review)
            relayout = _DIGIT.sub("0", status) != _DIGIT.sub("0", self._status)
            self._status = status
            self.query_one("#log-status", Static).update(status, layout=relayout)


_DIGIT = re.compile(r"[0-9]")


def _has_option(sources: SelectionList, name: str) -> bool:
    try:
        sources.get_option(name)
    except OptionDoesNotExist:
        return False
    return True
