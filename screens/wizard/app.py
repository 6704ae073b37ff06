"""Step 5 (optional): the operator's own app, deployed once the stack is ready: a directory, its
detected runtime and start command shown for confirmation, the health path. Empty: deploy later
(`hostwiz deploy NAME`, or Deploy on the stack's screen)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.markup import escape
from textual import work
from textual.message import Message
from textual.widgets import Input, Static

from .base import WizardStep, fieldbox


@dataclass
class Detected(Message):
    path: str
    text: str
    problem: str = ""


class AppStep(WizardStep):
    STEP = 4
    FIELDS = ("app",)

    def fields(self):
        a = self.state.app
        yield fieldbox("App directory", Input(a["source"], id="app-source", placeholder="empty: deploy later"),
                       "app.source", "packed honouring .gitignore and .hostwizignore, deployed when the stack is ready")
        yield Static("", id="app-detected")
        yield fieldbox("Start command", Input(a["start"], id="app-start", placeholder="detected"), "app.start",
                       "default: a Procfile web: line, else the runtime's default")
        yield fieldbox("Health path", Input(a["health"], id="app-health"), "app.health",
                       "checked before nginx switches to a new release")

    def on_mount(self) -> None:
        super().on_mount()
        self.detect(self.state.app["source"], self.state.app["start"])

    def read(self) -> None:
        self.state.app.update(source=self.query_one("#app-source", Input).value.strip(),
                              start=self.query_one("#app-start", Input).value.strip(),
                              health=self.query_one("#app-health", Input).value.strip() or "/health")

    def problems(self) -> dict[str, str]:
        found = super().problems()
        if self.state.app_problem and "app.source" not in found:
            found["app.source"] = self.state.app_problem
        return found

    def changed(self, widget) -> None:
        if widget.id in ("app-source", "app-start"):
            self.busy.add("detect")
            self.detect(self.state.app["source"], self.state.app["start"])

    @work(thread=True, exclusive=True, exit_on_error=False, group="app-detect", name="detect")
    def detect(self, source: str, start: str) -> None:
        from hostwiz.errors import UserError
        from hostwiz.services.deploy import preview

        if not source:
            self.post_message(Detected(source, "no app now: the stack gets the runtime's placeholder page"))
            return
        try:
            plan = preview(Path(source).expanduser(), start or None)
        except UserError as err:
            self.post_message(Detected(source, "", str(err)))
            return
        text = f"detected: [b]{plan.runtime}[/]" + (f", started with [b]{escape(plan.start)}[/]  (from {plan.start_from})"
                                                     if plan.start else " (nothing to start: nginx serves it)")
        self.post_message(Detected(source, text))

    def on_detected(self, message: Detected) -> None:
        if message.path != self.state.app["source"]:
            return  # an older answer
        self.busy.discard("detect")
        self.state.app_problem = message.problem
        self.query_one("#app-detected", Static).update(message.text if not message.problem else "")
        if message.problem:
            self.touched.add("app.source")
        self.revalidate()
