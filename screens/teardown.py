"""Teardown: the plan (what goes, final snapshot toggle), typed confirmation, live progress, result."""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, DataTable, Input, LoadingIndicator, Static

from .widgets.footer import Footer
from .widgets.check import Check

from .detail import kind_label
from . import runs
from .messages import Loaded, RunFinished
from .progress import ACTIVE, DONE, FAILED, RUNNING, RunScreen

PLANNING, CONFIRM = "planning", "confirm"


class TeardownScreen(RunScreen):
    BINDINGS = [Binding("escape", "home", "Back"), Binding("r", "replan", "Plan again", show=False)]

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.phase = PLANNING
        self.plan: Any = None

    def compose(self) -> ComposeResult:
        yield Static(f"[b]Tear down stack {self.stack}[/]", classes="screen-title", id="title")
        with Vertical(id="plan-area"):
            yield Static("Finding everything of this stack (ledger and tags)...", id="plan-note")
            yield LoadingIndicator(id="plan-loading")
            yield DataTable(id="plan", cursor_type="row", zebra_stripes=True)
            with Horizontal(id="snapshot-row", classes="inline"):
                # short enough for 80 columns (issue 15, finding 6): the summary names it and its cost
                yield Check("Keep a final database snapshot (costs storage until you delete it)", True,
                            id="snapshot", compact=True)
            with Horizontal(classes="inline"):
                yield Input(placeholder=f"type {self.stack} to confirm", id="confirm", compact=True)
                yield Button("Delete", id="delete", variant="error", disabled=True, compact=True)
        with Vertical(id="run-area"):
            yield from self.body()
        yield Footer()

    def buttons(self) -> ComposeResult:
        yield Button("Plan again", id="replan", variant="primary")
        yield Button("Home", id="home")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#plan", DataTable).add_columns("resource", "id", "name", "region")
        self.query_one("#run-area").display = False
        self.query_one("#snapshot-row").display = False
        self.set_phase(PLANNING)
        self.make_plan(True)

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "replan":
            return self.phase in (CONFIRM, FAILED)
        return True

    def set_phase(self, phase: str, text: str = "") -> None:
        super().set_phase(phase, text)
        if phase == FAILED:
            for b in self.query("#actions Button"):
                b.display = True

    @work(thread=True, exclusive=True, exit_on_error=False, group="plan", name="plan")
    def make_plan(self, final_snapshot: bool) -> None:
        from hostwiz.services import stacks as operations

        plan = operations.plan_down(self.app.session, self.stack, final_snapshot=final_snapshot)
        self.post_message(Loaded("plan", plan))

    def on_loaded(self, message: Loaded) -> None:
        self.show_plan(message.value, "")

    def worker_failed(self, name: str, error: str) -> None:
        if name == "plan":
            self.show_plan(None, error)
        else:
            super().worker_failed(name, error)

    def show_plan(self, plan: Any, error: str) -> None:
        self.query_one("#plan-loading").display = False
        note = self.query_one("#plan-note", Static)
        if plan is None:
            note.update(f"[b red]Could not make the plan:[/] {error}. Press r to try again.")
            self.phase = CONFIRM
            self.refresh_bindings()
            return
        self.plan = plan
        table = self.query_one("#plan", DataTable)
        table.clear()
        for r in plan.resources:
            table.add_row(kind_label(r.kind), r.id, r.name if r.name != r.id else "", r.region)
        has_db = any(r.kind == "rds-instance" for r in plan.resources)
        self.query_one("#snapshot-row").display = has_db
        note.update(f"These {len(plan.resources)} resources of [b]{self.stack}[/] will be deleted, in dependency "
                    "order. Nothing else in the account is touched." if plan.resources else
                    f"Nothing of [b]{self.stack}[/] exists in AWS; deleting forgets its ledger and key file.")
        self.query_one("#delete", Button).label = f"Delete {len(plan.resources)} resources"
        self.phase = CONFIRM
        self.refresh_bindings()
        self.query_one("#confirm", Input).focus()
        self.check_typed()

    @on(Checkbox.Changed, "#snapshot")
    def snapshot_changed(self, event: Checkbox.Changed) -> None:
        if self.plan is not None:
            self.plan.final_snapshot = event.value
            for r in self.plan.resources:
                if r.kind == "rds-instance":
                    r.data["final_snapshot"] = event.value

    @on(Input.Changed, "#confirm")
    def check_typed(self) -> bool:
        ok = self.plan is not None and self.phase == CONFIRM and \
            self.query_one("#confirm", Input).value.strip() == self.stack
        self.query_one("#delete", Button).disabled = not ok
        return ok

    @on(Input.Submitted, "#confirm")
    def submitted(self) -> None:
        if self.check_typed():
            self.start_delete()
        else:
            self.notify(f"Type the stack name, {self.stack}, exactly to confirm.", severity="warning")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "delete":
            if self.check_typed():
                self.start_delete()
        else:
            getattr(self, f"action_{event.button.id}")()

    def start_delete(self) -> None:
        import threading

        self.cancel_event = threading.Event()
        self.query_one("#plan-area").display = False
        self.query_one("#run-area").display = True
        self.query_one("#title", Static).update(f"[b]Tearing down stack {self.stack}[/]")
        self.set_phase(RUNNING)  # the timer starts here, at the confirmation
        runs.track(self.app, self)
        self.run_down(self.plan)

    @work(thread=True, exclusive=True, exit_on_error=False, group="run", name="down")
    def run_down(self, plan: Any) -> None:
        from hostwiz.services import stacks as operations

        outcome = operations.down(self.app.session, plan, self.emit, cancel=self.cancel_event)
        # what it kept on purpose (the final snapshot), named with its cost in the summary
        self.kept = operations.kept_snapshots(self.app.session, plan) if outcome.ok else []
        self.post_message(RunFinished("down", outcome))

    def on_run_finished(self, message: RunFinished) -> None:
        outcome = message.result
        if outcome is not None and outcome.ok:
            from rich.markup import escape

            from hostwiz.deletion_text import gone_summary

            self.set_phase(DONE, escape(gone_summary(self.stack, len(outcome.deleted), getattr(self, "kept", []),
                                                     "hostwiz --sandbox" if self.app.sandbox else "hostwiz")))
            return
        if outcome is None:
            self.set_phase(FAILED, f"[b]Teardown failed:[/] {message.error}")
            return
        lines = [f"[b]{len(outcome.left)} resource(s) could not be deleted:[/]"]
        for x in outcome.left:
            blocked = f" (blocked by {', '.join(x.blockers)})" if x.blockers else ""
            lines.append(f"  {x.resource.kind} {x.resource.id}: {x.error}{blocked}")
        lines.append("Fix what blocks them, then Plan again to delete the rest.")
        self.set_phase(FAILED, "\n".join(lines))

    def action_replan(self) -> None:
        self.query_one("#plan-area").display = True
        self.query_one("#run-area").display = False
        self.query_one("#plan-loading").display = True
        self.query_one("#confirm", Input).value = ""
        self.set_phase(PLANNING)
        self.make_plan(self.query_one("#snapshot", Checkbox).value)

    def background_note(self) -> str:
        if self.phase == DONE:
            return f"{self.stack} is torn down."
        return f"Tearing down {self.stack} left resources behind; open it from home to plan again."

    def action_home(self) -> None:
        if self.phase in ACTIVE:  # the deletion goes on in the background; home lists it
            self.notify(f"Deleting {self.stack} carries on in the background; open it from home to see it.")
        self.app.go_home()
