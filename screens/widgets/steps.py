"""One row per step (or per resource being deleted): state, spinner, elapsed time, last message."""

from __future__ import annotations

import time

from rich.text import Text
from textual.widgets import DataTable

from hostwiz import events as ev

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
STATES = {ev.QUEUED: ("·", "dim"), ev.DONE: ("✔", "green"), ev.FAILED: ("✘", "bold red"),
          ev.SKIPPED: ("–", "dim")}
clock = time.monotonic  # the tests and screenshots fix it


class StepTable(DataTable):
    """Feed it engine events with `apply`; rows tick while their step runs."""

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="none", zebra_stripes=False, **kwargs)
        self.status: dict[str, str] = {}
        self._started: dict[str, float] = {}
        self._frame = 0

    def on_mount(self) -> None:
        self.add_column("", key="state", width=2)
        self.add_column("step", key="label", width=42)
        self.add_column("time", key="time", width=7)
        self.add_column("", key="message", width=120)
        self.set_interval(0.1, self._tick)

    def apply(self, e: ev.Event) -> None:
        if not e.step:
            return
        kind = ev.STARTED if e.kind == ev.PROGRESS else e.kind
        if e.step not in self.rows:
            self.add_row(Text("·", "dim"), e.label or e.step, "", "", key=e.step)
        if kind == ev.STARTED:
            if e.step not in self._started:  # small terminals: keep the row that just started in view
                self.call_after_refresh(self.show_row, e.step)
            self._started.setdefault(e.step, clock())
        prev = self.status.get(e.step)
        if not (prev in (ev.DONE, ev.FAILED) and kind == ev.STARTED):
            self.status[e.step] = kind
        if e.elapsed is not None:
            self.update_cell(e.step, "time", f"{e.elapsed:.1f}s")
        if e.message:
            self.update_cell(e.step, "message", e.message, update_width=True)
        self._paint(e.step)

    def show_row(self, step: str) -> None:
        if step not in self.rows:
            return
        row = self.get_row_index(step)
        visible = max(self.scrollable_content_region.height - 1, 1)  # less the header
        if not self.scroll_y <= row < self.scroll_y + visible:
            self.scroll_to(y=max(row - visible + 2, 0), animate=False)

    def elapsed(self, step: str) -> float:
        return clock() - self._started.get(step, clock())

    def count(self, *kinds: str) -> int:
        return sum(1 for s in self.status.values() if s in kinds)

    def _paint(self, step: str) -> None:
        state = self.status.get(step, ev.QUEUED)
        if state == ev.STARTED:
            self.update_cell(step, "state", Text(SPINNER[self._frame % len(SPINNER)], "yellow"))
            self.update_cell(step, "time", f"{self.elapsed(step):.0f}s")
        else:
            glyph, style = STATES.get(state, ("·", "dim"))
            self.update_cell(step, "state", Text(glyph, style))

    def _tick(self) -> None:
        self._frame += 1
        for step, state in self.status.items():
            if state == ev.STARTED:
                self._paint(step)
