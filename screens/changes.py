"""Applying a confirmed change plan to a running stack: a row per change, the bar, the event log.

`services.operate.apply_change` runs in a thread worker (under the stack's lock; it makes the plan
again and changes nothing if the stack changed meanwhile); its events arrive as `EngineEvent`
messages, like the progress screen's. A failure says which change failed and that Edit again
resumes it (the ledger keeps the change's intent)."""

from __future__ import annotations

import dataclasses
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Button, Static

from hostwiz import events as ev
from hostwiz.changes import ChangePlan
from hostwiz.spec import StackSpec

from .messages import RunFinished
from .progress import FAILED, OK, RUNNING, RunScreen
from .widgets.footer import Footer

# Typical seconds, so the bar moves by what takes long (a stop and start, a database modify).
WEIGHTS = {"in-place": 5.0, "needs-stop": 120.0, "replace": 600.0}


class ChangeScreen(RunScreen):
    BINDINGS = [
        Binding("o", "open", "Open stack"),
        Binding("escape", "home", "Home"),
    ]

    def __init__(self, spec: StackSpec, plan: ChangePlan) -> None:
        super().__init__(spec.name)
        self.spec, self.plan = spec, plan
        self.weights = {c.key: WEIGHTS.get(c.how, 5.0) for c in plan.changes}
        self.current = ""  # the change under way (its progress lines are its row's)
        self.result: Any = None

    def compose(self) -> ComposeResult:
        yield Static(f"[b]Changing stack {self.spec.name}[/]   {self.spec.region}", classes="screen-title",
                     id="title")
        yield from self.body()
        yield Footer()

    def buttons(self) -> ComposeResult:
        yield Button("Open stack", id="open", variant="success")
        yield Button("Home", id="home")

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        return self.phase in (OK, FAILED) if action in ("open", "home") else True

    def set_phase(self, phase: str, text: str = "") -> None:
        super().set_phase(phase, text)
        for button in self.query("#actions Button"):
            button.display = phase in (OK, FAILED)
        if phase in (OK, FAILED):
            self.query_one("#open", Button).focus()

    def on_mount(self) -> None:
        import threading

        super().on_mount()
        for c in self.plan.changes:  # every change shows from the start, queued
            self.emit(ev.Event(ev.QUEUED, c.key, c.label))
        self.cancel_event = threading.Event()
        self.set_phase(RUNNING)
        self.run_change()

    def emit(self, e: ev.Event) -> None:
        if e.kind == ev.STARTED:
            self.current = e.step
        if e.step == "change" and self.current:  # apply_change's waits report as "change"
            e = dataclasses.replace(e, step=self.current)
        super().emit(e)

    @work(thread=True, exclusive=True, exit_on_error=False, group="run", name="change")
    def run_change(self) -> None:
        from hostwiz.services import operate

        self.post_message(RunFinished("change", operate.apply_change(self.app.session, self.spec, self.plan,
                                                                     self.emit, cancel=self.cancel_event)))

    def worker_failed(self, name: str, error: str) -> None:
        if name == "change":  # the stack changed since the plan, the lock is held, AWS refused...
            self.post_message(RunFinished("change", error=error))
        else:
            super().worker_failed(name, error)

    def on_run_finished(self, message: RunFinished) -> None:
        self.result = result = message.result
        name = self.spec.name
        if result is not None and result.ok:
            self.set_phase(OK, f"[b]{name} runs with the new values[/] ({len(result.done)} change(s) made).")
            return
        failed = f"{result.failed} failed: {result.error}" if result is not None else message.error
        self.set_phase(FAILED, f"[b]Changing {name} stopped.[/] {failed}\n"
                               "What was under way is kept in the stack's ledger: Edit it again to see the plan "
                               "that finishes it (or 'hostwiz up' with its spec).")

    def action_open(self) -> None:
        from .detail import DetailScreen

        self.app.switch_screen(DetailScreen(self.spec.name))
