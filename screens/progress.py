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
from textual.widgets import Button, ProgressBar, RichLog, Static

from hostwiz import events as ev
from hostwiz.spec import StackSpec

from .widgets.footer import Footer
from . import runs
from .messages import EngineEvent, RunFinished
from .workers import WorkerFailures
from .widgets import steps as stepw
from .widgets.steps import StepTable

RUNNING, CANCELLING, OK, FAILED, ROLLING_BACK, DONE = "running", "cancelling", "ok", "failed", "rolling-back", "done"
ACTIVE = (RUNNING, CANCELLING, ROLLING_BACK)
BUTTONS = {OK: ("open", "home"), FAILED: ("rollback", "keep", "retry"), DONE: ("home",)}


def step_estimates(spec: StackSpec) -> dict[str, float]:
    """Each step's typical seconds on AWS (the RDS wait dominates), from the plan's graph."""
    from hostwiz import plan

    return plan.estimates(spec)


def eta_seconds(deps: dict[str, tuple[str, ...]], estimates: dict[str, float], status: dict[str, str],
                elapsed: dict[str, float]) -> float:
    """Seconds left on the plan's critical path: each unfinished step's typical time (minus what a
    running step has already spent, never below 0) after the longest of its unfinished deps. Done
    work only ever lowers it, so it does not jump."""
    finished = (ev.DONE, ev.FAILED, ev.SKIPPED)
    memo: dict[str, float] = {}

    def finish(step: str) -> float:
        if step not in memo:
            memo[step] = 0.0  # a cycle (never in a plan) counts nothing twice
            if status.get(step) in finished:
                return 0.0
            left = estimates.get(step, 1.0)
            if status.get(step) == ev.STARTED:
                left = max(left - elapsed.get(step, 0.0), 0.0)
            memo[step] = max((finish(d) for d in deps.get(step, ())), default=0.0) + left
        return memo[step]

    return max((finish(s) for s in {*deps, *status}), default=0.0)


def clock_text(secs: float) -> str:
    secs = int(secs)
    return f"{secs // 60}:{secs % 60:02d}"


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
        self.started: float | None = None  # the timer starts at confirmation (the run's start) ...
        self.ended: float | None = None  # ... and stops at its end
        self.cancel_event = None
        self.deps: dict[str, tuple[str, ...]] = {}  # the plan's graph, when known: then an ETA is honest

    def body(self) -> ComposeResult:
        yield StepTable(id="steps")
        with Horizontal(id="overall"):
            yield ProgressBar(id="bar", show_eta=False, clock=Clock(get_time=lambda: stepw.clock()))
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

    def elapsed_secs(self) -> float:
        if self.started is None:
            return 0.0
        return (self.ended if self.ended is not None else stepw.clock()) - self.started

    def tick(self) -> None:
        if self.taken_down():
            return
        table = self.query_one(StepTable)
        finished_states = (ev.DONE, ev.FAILED, ev.SKIPPED)
        done = table.count(*finished_states)
        steps = {*table.status, *self.deps}
        text = f"{done}/{len(steps)} steps   {clock_text(self.elapsed_secs())}"
        # the plan's typical AWS seconds move the bar; the sandbox's times are not AWS's: steps count there
        weights = {} if getattr(self.app, "sandbox", False) else self.weights
        weight = lambda step: weights.get(step, 1.0)  # noqa: E731
        finished = sum(weight(s) for s, st in table.status.items() if st in finished_states)
        running = sum(min(table.elapsed(s), 0.9 * weight(s)) for s, st in table.status.items() if st == ev.STARTED)
        total = sum(map(weight, steps)) or 1
        progress = finished + running
        if self.phase in ACTIVE:
            progress = min(progress, 0.99 * total)  # never 100 % before it is done
            if self.deps and self.weights and not getattr(self.app, "sandbox", False):
                # from the plan's typical AWS times; the sandbox's are not AWS's: elapsed time only there
                left = eta_seconds(self.deps, self.weights, table.status,
                                   {s: table.elapsed(s) for s, st in table.status.items() if st == ev.STARTED})
                text += f"   about {clock_text(left)} left" if left >= 1 else "   finishing"
        elif self.phase in (OK, DONE):
            progress = total
        self.query_one("#counts", Static).update(text)
        self.query_one("#bar", ProgressBar).update(total=total, progress=progress)

    def taken_down(self) -> bool:
        """The app is quitting and has removed this screen's widgets: a late event has nothing to draw."""
        return not self.query(StepTable)

    def on_engine_event(self, message: EngineEvent) -> None:
        if self.taken_down():
            return
        e = message.event
        table = self.query_one(StepTable)
        table.apply(e)
        self.tick()
        if e.kind != ev.QUEUED:
            self.query_one("#log", RichLog).write(e.line())

    def set_phase(self, phase: str, text: str = "") -> None:
        was_active = self.phase in ACTIVE and self.started is not None
        if phase in ACTIVE and not was_active:  # confirmed (or retried): the timer starts
            self.started, self.ended = stepw.clock(), None
        elif phase not in ACTIVE and was_active:  # the end: the timer stops
            self.ended = stepw.clock()
        self.phase = phase
        if self.taken_down():
            return
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
        if self.is_mounted:
            self.tick()
        if phase in (OK, FAILED, DONE) and was_active:
            runs.ended(self.app, self, self.background_note(), error=phase == FAILED)

    def background_note(self) -> str:
        """What to tell the operator when the run ends while its screen is not shown."""
        return f"{self.stack}: {self.phase}"

    def on_screen_suspend(self) -> None:
        self.call_later(runs.left, self.app, self)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        getattr(self, f"action_{event.button.id}")()

    def on_unmount(self) -> None:
        # Leaving the screen does not come here while a run goes on (runs.track keeps the screen);
        # the app's end does: quitting stops waits in progress (the quit dialog said so).
        if self.cancel_event is not None and self.phase in ACTIVE:
            self.cancel_event.set()

    def emit(self, e: ev.Event) -> None:
        """The engine's callback (on a worker thread)."""
        self.post_message(EngineEvent(e))

    def action_home(self) -> None:
        if self.phase in ACTIVE:  # the run goes on in the background; home lists it, Enter comes back
            runs.track(self.app, self)
            self.notify(f"{self.stack} carries on in the background; open it from home to see its progress.")
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
        from hostwiz import plan

        self.deps = {s.name: s.deps for s in plan.graph(spec)}
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
                   "retry": (FAILED,)}
        return self.phase in allowed[action] if action in allowed else True

    def on_mount(self) -> None:
        super().on_mount()
        self.start()

    def start(self) -> None:
        import threading

        self.cancel_event = threading.Event()
        self.cancel_choice = ""
        self.set_phase(RUNNING)
        runs.track(self.app, self)
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

    def background_note(self) -> str:
        name = self.spec.name
        if self.phase == OK:
            return f"{name} is ready."
        if self.phase == DONE:
            return f"Rolled back {name}: nothing of it is left."
        return f"Creating {name} stopped ({'cancelled' if self.cancel_choice else 'failed'}); open it to resume or tear it down."

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
