"""Progress of creating a stack: a row per step, an overall bar with ETA, the event log.

`operations.up` runs in a thread worker; its events arrive as `EngineEvent` messages (progress
floods collapse). Cancel asks roll back or keep; a failure says what happened in plain words
and offers roll back / keep / retry.
"""

from __future__ import annotations

from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.clock import Clock
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Button, Footer, ProgressBar, RichLog, Static

from hostwiz import events as ev
from hostwiz.spec import StackSpec

from .messages import EngineEvent, RunFinished
from .workers import WorkerFailures
from .widgets import steps as stepw
from .widgets.steps import StepTable

RUNNING, CANCELLING, OK, FAILED, ROLLING_BACK, DONE = "running", "cancelling", "ok", "failed", "rolling-back", "done"
BUTTONS = {OK: ("open", "home"), FAILED: ("rollback", "keep", "retry"), DONE: ("home",)}


def step_estimates(spec: StackSpec) -> dict[str, float]:
    """Each step's typical seconds on AWS (the RDS wait dominates), from the plan's graph."""
    from hostwiz import plan

    return plan.estimates(spec)


class RunScreen(WorkerFailures, Screen):
    """A screen that runs one operation on worker threads and shows its steps live. A run's worker
    is named after its operation; when it raises, the run finishes with the error in plain words."""

    def worker_failed(self, name: str, error: str) -> None:
        if name in ("up", "rollback", "down"):  # expected failures: lock held, no credentials, ...
            self.post_message(RunFinished(name, error=error))
        else:
            super().worker_failed(name, error)

    def __init__(self, name: str) -> None:
        super().__init__(classes="run")
        self.stack = name
        self.phase = RUNNING
        self.started = stepw.clock()
        self.cancel_event = None

    def body(self) -> ComposeResult:
        yield StepTable(id="steps")
        with Horizontal(id="overall"):
            yield ProgressBar(id="bar", show_eta=True, clock=Clock(get_time=lambda: stepw.clock()))
            yield Static("", id="counts")
        yield Static("", id="outcome")
        with Horizontal(id="actions", classes="buttons"):
            yield from self.buttons()
        yield RichLog(id="log", max_lines=1000, wrap=True, markup=False)

    def buttons(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        self.set_interval(0.5, self.tick)
        self.set_phase(self.phase)

    weights: dict[str, float] = {}  # typical seconds per step: the bar and its ETA move by these

    def tick(self) -> None:
        table = self.query_one(StepTable)
        done = table.count(ev.DONE, ev.FAILED, ev.SKIPPED)
        secs = int(stepw.clock() - self.started)
        self.query_one("#counts", Static).update(f"{done}/{len(table.status)} steps   {secs // 60}:{secs % 60:02d}")
        weight = lambda step: self.weights.get(step, 1.0)  # noqa: E731
        finished = sum(weight(s) for s, st in table.status.items() if st in (ev.DONE, ev.FAILED, ev.SKIPPED))
        running = sum(min(table.elapsed(s), 0.9 * weight(s)) for s, st in table.status.items() if st == ev.STARTED)
        self.query_one("#bar", ProgressBar).update(total=sum(map(weight, table.status)) or 1,
                                                   progress=finished + running)

    def on_engine_event(self, message: EngineEvent) -> None:
        e = message.event
        table = self.query_one(StepTable)
        table.apply(e)
        self.tick()
        if e.kind != ev.QUEUED:
            self.query_one("#log", RichLog).write(e.line())

    def set_phase(self, phase: str, text: str = "") -> None:
        self.phase = phase
        shown = BUTTONS.get(phase, ())
        for button in self.query("#actions Button"):
            button.display = (button.id or "") in shown
        visible = [b for b in self.query("#actions Button") if b.display]
        if visible:
            visible[0].focus()
        outcome = self.query_one("#outcome", Static)
        outcome.update(text)
        outcome.display = bool(text)
        outcome.set_class(phase == FAILED, "failed")
        outcome.set_class(phase == OK, "ok")
        self.refresh_bindings()
        table = self.query_one(StepTable)
        failed = [step for step, state in table.status.items() if state == ev.FAILED]
        if phase == FAILED and failed:  # small terminals: bring the failed step into view
            row = table.get_row_index(failed[0])
            table.call_after_refresh(table.scroll_to, y=row, animate=False)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        getattr(self, f"action_{event.button.id}")()

    def on_unmount(self) -> None:
        if self.cancel_event is not None:  # leaving (or quitting) stops waits in progress
            self.cancel_event.set()

    def emit(self, e: ev.Event) -> None:
        """The engine's callback (on a worker thread)."""
        self.post_message(EngineEvent(e))

    def action_home(self) -> None:
        if self.phase in (RUNNING, CANCELLING, ROLLING_BACK):
            self.notify("Still working; wait for it to finish (or press x to cancel).", severity="warning")
            return
        self.app.go_home()


class ProgressScreen(RunScreen):
    BINDINGS = [
        Binding("x", "cancel", "Cancel"),
        Binding("o", "open", "Open stack"),
        Binding("b", "rollback", "Roll back"),
        Binding("k", "keep", "Keep"),
        Binding("r", "retry", "Retry"),
        Binding("escape", "home", "Home"),
    ]

    def __init__(self, spec: StackSpec, ssh_cidr: str | None = None) -> None:
        super().__init__(spec.name)
        self.spec = spec
        self.ssh_cidr = spec.instance.ssh_cidr or ssh_cidr or ""
        self.weights = step_estimates(spec)
        self.cancel_choice = ""
        self.result: Any = None

    def compose(self) -> ComposeResult:
        yield Static(f"[b]Creating stack {self.spec.name}[/]   {self.spec.region}", classes="screen-title",
                     id="title")
        yield from self.body()
        yield Footer()

    def buttons(self) -> ComposeResult:
        yield Button("Open stack", id="open", variant="success")
        yield Button("Roll back", id="rollback", variant="error")
        yield Button("Keep what was made", id="keep", variant="warning")
        yield Button("Retry", id="retry", variant="primary")
        yield Button("Home", id="home")

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        allowed = {"cancel": (RUNNING,), "open": (OK,), "rollback": (FAILED,), "keep": (FAILED,),
                   "retry": (FAILED,), "home": (OK, FAILED, DONE)}
        return self.phase in allowed[action] if action in allowed else True

    def on_mount(self) -> None:
        super().on_mount()
        self.start()

    def start(self) -> None:
        import threading

        self.cancel_event = threading.Event()
        self.cancel_choice = ""
        self.set_phase(RUNNING)
        self.run_up()

    @work(thread=True, exclusive=True, exit_on_error=False, group="run", name="up")
    def run_up(self) -> None:
        from hostwiz.services import stacks as operations

        self.post_message(RunFinished("up", operations.up(self.app.session, self.spec, self.ssh_cidr, self.emit,
                                                          keep_on_failure=True, cancel=self.cancel_event)))

    @work(thread=True, exclusive=True, exit_on_error=False, group="run", name="rollback")
    def run_rollback(self) -> None:
        from hostwiz.services import stacks as operations

        self.post_message(RunFinished("rollback", operations.rollback(self.app.session, self.spec.name, self.emit)))

    def on_run_finished(self, message: RunFinished) -> None:
        name = self.spec.name
        if message.what == "rollback":
            outcome = message.result
            if outcome is not None and outcome.ok:
                self.set_phase(DONE, f"Rolled back: nothing of {name} is left ({len(outcome.deleted)} deleted).")
            else:
                left = "; ".join(f"{x.resource.id}: {x.error}" for x in outcome.left) if outcome else message.error
                self.set_phase(FAILED, f"The roll back left something behind: {left}\n"
                                       "Roll back again, or keep it and tear it down later from the home screen.")
            return
        self.result = result = message.result
        if result is not None and result.ok:
            out = result.outputs
            lines = [f"[b]{name} is ready.[/]", f"URL  {out.get('url')}"]
            if out.get("ssh_command"):
                lines.append(f"SSH  {out['ssh_command']}")
            self.set_phase(OK, "\n".join(lines))
            return
        if self.cancel_choice == "rollback":
            self.rollback()
            return
        error = message.error or (result.error if result else "unknown error")
        if self.cancel_choice == "keep":
            self.set_phase(FAILED, f"Cancelled. What was made so far is kept; {name} shows as failed on the "
                                   "home screen. Roll back, retry (resumes), or keep it.")
            return
        self.set_phase(FAILED, f"[b]Creating {name} failed.[/] {error}\n"
                               "Roll back removes what this run made; Keep leaves it for you to inspect; "
                               "Retry resumes from where it stopped.")

    # actions -------------------------------------------------------------------------------
    def action_cancel(self) -> None:
        if self.phase != RUNNING:
            return
        from .dialogs import Choice

        def answer(choice: str | None) -> None:
            if choice in ("rollback", "keep") and self.phase == RUNNING:
                self.cancel_choice = choice
                self.cancel_event.set()
                self.set_phase(CANCELLING, "Stopping: waiting for the AWS calls in flight to finish...")

        self.app.push_screen(Choice(
            f"Stop creating {self.spec.name}?",
            "Roll back deletes what this run has made so far; Keep leaves it (you can resume or tear it down later).",
            [("continue", "Keep going", "primary"), ("rollback", "Stop and roll back", "error"),
             ("keep", "Stop and keep", "warning")]), answer)

    def action_rollback(self) -> None:
        if self.phase == FAILED:
            self.rollback()

    def rollback(self) -> None:
        self.set_phase(ROLLING_BACK, f"Rolling back {self.spec.name}...")
        self.run_rollback()

    def action_keep(self) -> None:
        self.notify(f"Kept {self.spec.name} as it is; open it or tear it down from the home screen.")
        self.phase = DONE
        self.app.go_home()

    def action_retry(self) -> None:
        if self.phase == FAILED:
            self.query_one("#log", RichLog).write("retrying: resuming from what exists")
            self.start()

    def action_open(self) -> None:
        from .detail import DetailScreen

        self.app.switch_screen(DetailScreen(self.spec.name))

    def palette(self):
        from textual.app import SystemCommand

        for action, title in (("cancel", "Cancel creating"), ("rollback", "Roll back"), ("retry", "Retry"),
                              ("open", "Open stack")):
            if self.check_action(action, ()):
                yield SystemCommand(title, f"{title} {self.spec.name}", getattr(self, f"action_{action}"))
