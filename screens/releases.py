"""Releases of a stack (newest first, the serving one marked) and rollback to the selected one,
through the same health-gated switch as a deploy (`services.deploy.rollback`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, RichLog, Static

from .widgets.footer import Footer
from .dialogs import Confirm
from .messages import Loaded
from .workers import WorkerFailures


@dataclass
class RolledBack(Message):
    outcome: Any = None
    error: Any = None


class ReleasesScreen(WorkerFailures, Screen[None]):
    BINDINGS = [Binding("escape", "app.pop_screen", "Back"), Binding("r", "refresh", "Refresh"),
                Binding("b", "rollback", "Roll back to selected")]

    def __init__(self, stack: str) -> None:
        super().__init__(classes="releases")
        self.stack = stack
        self.found: list[Any] = []

    def compose(self) -> ComposeResult:
        yield Static(f"[b]Releases of {self.stack}[/]   [dim]● serving; b rolls back to the selected one[/]",
                     classes="screen-title")
        yield DataTable(id="releases", cursor_type="row", zebra_stripes=True)
        yield RichLog(id="releases-log", wrap=True, markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#releases", DataTable).add_columns("", "release", "status", "when", "who", "runtime", "source")
        self.action_refresh()

    def action_refresh(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="releases", name="releases")
    def load(self) -> None:
        from hostwiz.services import deploy as uc

        self.post_message(Loaded("releases", uc.releases(self.app.session, self.stack), self.stack))

    def on_loaded(self, message: Loaded) -> None:
        if message.what != "releases":
            return
        self.found = message.value
        table = self.query_one("#releases", DataTable)
        table.clear()
        for r in self.found:
            table.add_row("●" if r.current else "", r.id, r.status, r.when, r.who, r.runtime, r.source, key=r.id)
        if not self.found:
            self.query_one("#releases-log", RichLog).write(
                f"No releases yet: deploy from the stack's screen (d) or 'hostwiz deploy {self.stack}'.")

    def selected(self) -> Any:
        table = self.query_one("#releases", DataTable)
        if not self.found or table.cursor_row is None or table.cursor_row >= len(self.found):
            return None
        return self.found[table.cursor_row]

    def action_rollback(self) -> None:
        chosen = self.selected()
        if chosen is None:
            return
        if chosen.current:
            self.notify(f"{chosen.id} is already serving.", severity="warning")
            return

        def answer(yes: bool | None) -> None:
            if yes:
                self.query_one("#releases-log", RichLog).write(Text(f"rolling back to {chosen.id}", style="bold"))
                self.roll(chosen.id)

        self.app.push_screen(Confirm(f"Roll {self.stack} back to {chosen.id}?",
                                     "It starts beside the serving release, and nginx switches to it once it "
                                     "answers its health check (no rebuild).", yes="Roll back"), answer)

    @work(thread=True, exclusive=True, exit_on_error=False, group="rollback", name="rollback")
    def roll(self, release_id: str) -> None:
        from hostwiz.errors import UserError
        from hostwiz.services import deploy as uc

        log = lambda text: self.app.call_from_thread(self.query_one("#releases-log", RichLog).write, text)  # noqa: E731
        try:
            done = uc.rollback(self.app.session, self.stack, release_id,
                               on_event=lambda stage, detail: log(f"{stage}: {detail}"))
        except UserError as err:
            self.post_message(RolledBack(error=err))
            return
        self.post_message(RolledBack(outcome=done))

    def on_rolled_back(self, message: RolledBack) -> None:
        log = self.query_one("#releases-log", RichLog)
        if message.error is not None:
            log.write(Text(f"✘ {message.error}", style="bold red"))
            if getattr(message.error, "log_tail", ""):
                log.write(Text(message.error.log_tail.rstrip(), style="red"))
            self.notify(f"Rollback failed: {message.error}. The release that was serving still serves.",
                        severity="error", timeout=10)
        else:
            log.write(Text(f"✔ {message.outcome.release_id} is serving again", style="bold green"))
            self.notify(f"{message.outcome.release_id} is serving again.")
        self.action_refresh()

    def worker_failed(self, name: str, error: str) -> None:
        self.notify(f"Could not {'list the releases' if name == 'releases' else name}: {error}", severity="error")
