"""Deploy: a directory, a git repository or an image to the stack; the detected runtime and start
command, the upload in bytes, the build's output as it streams, the health check and the switch.

The deploy runs on a thread worker through `services.deploy.deploy`; its callbacks post messages
(upload progress collapses). A failure shows the stage, the log's tail, and that the release that
was serving still serves.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from rich.markup import escape
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Input, ProgressBar, RichLog, Select, Static

from .widgets.footer import Footer
from .workers import WorkerFailures

KINDS = [("Directory", "path"), ("Git repository", "git"), ("Container image", "image")]
STAGES = ["connect", "upload", "build", "start", "health", "switch", "done"]


@dataclass
class Uploaded(Message):
    sent: int
    total: int

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, Uploaded)


@dataclass
class Stage(Message):
    stage: str
    detail: str


@dataclass
class Output(Message):
    line: str


@dataclass
class Planned(Message):
    text: str
    ok: bool


@dataclass
class Finished(Message):
    outcome: Any = None
    error: Any = None


class DeployScreen(WorkerFailures, Screen[None]):
    BINDINGS = [Binding("escape", "app.pop_screen", "Back"), Binding("ctrl+d", "deploy", "Deploy", priority=True)]

    def __init__(self, stack: str, path: str | None = None) -> None:
        super().__init__(classes="deploy")
        self.stack = stack
        self.path = path or os.getcwd()
        self.running = False
        self.current: str | None = None
        self.finished = 0  # deploys that ended (either way) on this screen

    def compose(self) -> ComposeResult:
        yield Static(f"[b]Deploy to {self.stack}[/]", classes="screen-title")
        with Horizontal(classes="inline", id="deploy-source"):
            yield Select(KINDS, value="path", allow_blank=False, id="kind", compact=True)
            yield Input(self.path, id="source", placeholder="e.g. ./site, https://github.com/me/app, nginx:1.27",
                        compact=True)
            yield Input("", id="ref", placeholder="git ref (optional)", compact=True)
            yield Button("Deploy", id="go", variant="primary", compact=True)
        yield Static("", id="deploy-plan")
        yield Static(self.stages(None), id="deploy-stages")
        yield ProgressBar(id="upload", show_eta=False)
        yield RichLog(id="deploy-log", wrap=True, markup=False, highlight=False)
        yield Footer()

    def on_mount(self) -> None:
        from hostwiz.services.deploy import default_source

        recorded = default_source(self.app.session, self.stack)
        if recorded and self.path == os.getcwd():
            self.path = recorded
            self.query_one("#source", Input).value = recorded
        self.query_one("#ref").display = False
        self.query_one("#upload").display = False
        self.detect()

    def stages(self, current: str | None, failed: bool = False) -> str:
        parts = []
        reached = STAGES.index(current) if current in STAGES else -1
        if current == "done" and not failed:
            reached = len(STAGES)  # every stage passed
        for i, name in enumerate(STAGES):
            if i == reached:
                parts.append(f"[b {'red' if failed else 'yellow'}]{name}[/]")
            elif i < reached:
                parts.append(f"[green]{name}[/]")
            else:
                parts.append(f"[dim]{name}[/]")
        return "  ›  ".join(parts)

    # the source and its plan ----------------------------------------------------------------
    def choice(self) -> Any:
        from hostwiz.services.deploy import SourceChoice

        kind = str(self.query_one("#kind", Select).value)
        value = self.query_one("#source", Input).value.strip()
        ref = self.query_one("#ref", Input).value.strip() or None
        return SourceChoice(**{kind: value or None}, ref=ref if kind == "git" else None)

    @on(Select.Changed, "#kind")
    def kind_changed(self) -> None:
        kind = str(self.query_one("#kind", Select).value)
        self.query_one("#ref").display = kind == "git"
        source = self.query_one("#source", Input)
        if kind == "path" and not source.value:
            source.value = self.path
        self.detect()

    @on(Input.Changed, "#source")
    def source_changed(self) -> None:
        self.detect()

    @on(Input.Submitted)
    def submitted(self) -> None:
        self.action_deploy()

    @work(thread=True, exclusive=True, exit_on_error=False, group="deploy-plan", name="detect")
    def detect(self) -> None:
        from hostwiz.errors import UserError
        from hostwiz.services import deploy as uc

        choice = self.choice()
        if choice.image:
            self.post_message(Planned(f"image {escape(choice.image)}: pulled and run on the instance (it listens on $PORT)", True))
        elif choice.git:
            self.post_message(Planned("git: cloned here with your credentials; runtime detected after the clone", True))
        else:
            try:
                plan = uc.preview(choice.path or ".")
                text = f"{plan.runtime} app" + (f", started with [b]{escape(plan.start)}[/]  (from {plan.start_from})"
                                                if plan.start else "")
                self.post_message(Planned(text, True))
            except UserError as err:
                self.post_message(Planned(str(err), False))

    def on_planned(self, message: Planned) -> None:
        plan = self.query_one("#deploy-plan", Static)
        plan.update(message.text if message.ok else f"[red]✘ {escape(message.text)}[/]")

    # the deploy ------------------------------------------------------------------------------
    @on(Button.Pressed, "#go")
    def action_deploy(self) -> None:
        if self.running:
            self.notify("A deploy is running.", severity="warning")
            return
        self.running = True
        self.query_one("#go", Button).disabled = True
        self.query_one("#deploy-log", RichLog).clear()
        bar = self.query_one("#upload", ProgressBar)
        bar.update(total=None, progress=0)
        bar.display = True
        self.current = None
        self.ship(self.choice())

    @work(thread=True, exclusive=True, exit_on_error=False, group="deploy", name="deploy")
    def ship(self, choice: Any) -> None:
        from hostwiz.errors import UserError
        from hostwiz.services import deploy as uc

        try:
            done = uc.deploy(self.app.session, self.stack, choice,
                             on_progress=lambda sent, total: self.post_message(Uploaded(sent, total)),
                             on_event=lambda stage, detail: self.post_message(Stage(stage, detail)),
                             on_output=lambda line: self.post_message(Output(line)))
        except UserError as err:
            self.post_message(Finished(error=err))
            return
        self.post_message(Finished(outcome=done))

    def on_uploaded(self, message: Uploaded) -> None:
        self.query_one("#upload", ProgressBar).update(total=max(message.total, 1), progress=message.sent)

    def on_stage(self, message: Stage) -> None:
        if message.stage in STAGES:
            self.current = message.stage
            self.query_one("#deploy-stages", Static).update(self.stages(message.stage))
        self.query_one("#deploy-log", RichLog).write(Text(f"{message.stage}: {message.detail}", style="bold"))

    def on_output(self, message: Output) -> None:
        self.query_one("#deploy-log", RichLog).write(Text("  " + message.line))

    def on_finished(self, message: Finished) -> None:
        self.running = False
        self.finished += 1
        self.query_one("#go", Button).disabled = False
        log = self.query_one("#deploy-log", RichLog)
        if message.error is not None:
            err = message.error
            stage = getattr(err, "stage", None)
            self.query_one("#deploy-stages", Static).update(self.stages(self.current, failed=True))
            if self.query_one("#upload", ProgressBar).total is None:
                self.query_one("#upload").display = False  # it failed before any upload
            log.write(Text(f"✘ {err}", style="bold red"))
            if getattr(err, "log_tail", ""):
                log.write(Text(err.log_tail.rstrip(), style="red"))
            still = "" if stage in (None, "usage", "busy") else " The release that was serving still serves."
            self.notify(f"Deploy failed: {err}.{still}", severity="error", timeout=10)
            return
        done = message.outcome
        self.query_one("#deploy-stages", Static).update(self.stages("done"))
        log.write(Text(f"✔ release {done.release_id} serving" + (f" at {done.url}" if done.url else "") +
                       f" ({done.files_sent} files sent, {done.files_linked} unchanged, {done.seconds:.1f}s)",
                       style="bold green"))
        self.notify(f"Release {done.release_id} is serving.")

    def worker_failed(self, name: str, error: str) -> None:
        self.running = False
        self.query_one("#go", Button).disabled = False
        self.notify(f"Deploy could not run: {error}", severity="error")
