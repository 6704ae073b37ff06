"""The app's settings (SSM parameters; secret values masked, never shown here): set one (plain or
secret), remove the selected one. Each change restarts the serving release health-gated
(`services.deploy.env_set` / `env_unset`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Checkbox, DataTable, Input, Static

from .widgets.footer import Footer
from .dialogs import Confirm
from .messages import Loaded
from .workers import WorkerFailures


@dataclass
class Changed(Message):
    text: str = ""
    error: Any = None


class SettingsScreen(WorkerFailures, Screen[None]):
    BINDINGS = [Binding("escape", "app.pop_screen", "Back"), Binding("ctrl+r", "refresh", "Refresh"),
                Binding("delete", "unset", "Remove selected")]

    def __init__(self, stack: str) -> None:
        super().__init__(classes="settings")
        self.stack = stack
        self.found: list[Any] = []

    def compose(self) -> ComposeResult:
        yield Static(f"[b]Settings of {self.stack}[/]   [dim]secret values are stored as SecureString "
                     "and shown masked; a change restarts the app[/]", classes="screen-title")
        yield DataTable(id="settings", cursor_type="row", zebra_stripes=True)
        with Horizontal(classes="inline", id="settings-edit"):
            yield Input("", id="key", placeholder="NAME", compact=True)
            yield Input("", id="value", placeholder="value", password=True, compact=True)
            yield Checkbox("secret", True, id="secret", compact=True)
            yield Button("Set", id="set", variant="primary", compact=True)
        yield Static("", id="settings-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#settings", DataTable).add_columns("name", "value", "kind")
        self.action_refresh()

    def action_refresh(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="settings", name="settings")
    def load(self) -> None:
        from hostwiz.services import deploy as uc

        self.post_message(Loaded("settings", uc.env_list(self.app.session, self.stack), self.stack))

    def on_loaded(self, message: Loaded) -> None:
        if message.what != "settings":
            return
        self.found = message.value
        table = self.query_one("#settings", DataTable)
        table.clear()
        for s in self.found:
            table.add_row(s.key, s.value, "secret" if s.secret else "plain", key=s.key)

    @on(Checkbox.Changed, "#secret")
    def secret_changed(self, event: Checkbox.Changed) -> None:
        self.query_one("#value", Input).password = event.value

    @on(Input.Submitted)
    @on(Button.Pressed, "#set")
    def set_value(self) -> None:
        from hostwiz.errors import UserError
        from hostwiz.services import deploy as uc

        key, value = self.query_one("#key", Input).value.strip(), self.query_one("#value", Input).value
        try:
            values = uc.parse_assignments([f"{key}={value}"])
        except UserError as err:
            self.status(f"[red]✘ {err}[/]")
            return
        secret = self.query_one("#secret", Checkbox).value
        self.query_one("#value", Input).value = ""  # the value leaves the screen at once
        self.status(f"setting {key}…")
        self.change("set", values, secret)

    def action_unset(self) -> None:
        table = self.query_one("#settings", DataTable)
        if not self.found or table.cursor_row is None or table.cursor_row >= len(self.found):
            return
        key = self.found[table.cursor_row].key

        def answer(yes: bool | None) -> None:
            if yes:
                self.status(f"removing {key}…")
                self.change("unset", [key], False)

        self.app.push_screen(Confirm(f"Remove {key}?", "The app restarts without it (health-gated).",
                                     yes="Remove", danger=True), answer)

    @work(thread=True, exclusive=True, exit_on_error=False, group="settings-change", name="change")
    def change(self, action: str, what: Any, secret: bool) -> None:
        from hostwiz.errors import UserError
        from hostwiz.services import deploy as uc

        try:
            if action == "set":
                done = uc.env_set(self.app.session, self.stack, what, secret=secret)
            else:
                done = uc.env_unset(self.app.session, self.stack, what)
        except UserError as err:
            self.post_message(Changed(error=err))
            return
        names = ", ".join(done.changed) or "nothing"
        self.post_message(Changed(f"{'set' if action == 'set' else 'removed'} {names}; " +
                                  (f"release {done.restarted} restarted with them" if done.restarted
                                   else "they apply from the first deploy")))

    def on_changed(self, message: Changed) -> None:
        if message.error is not None:
            self.status(f"[red]✘ {message.error}[/]")
            self.notify(str(message.error), severity="error")
        else:
            self.status(f"[green]✔ {message.text}[/]")
            self.query_one("#key", Input).value = ""
        self.action_refresh()

    def status(self, text: str) -> None:
        self.query_one("#settings-status", Static).update(text)

    def worker_failed(self, name: str, error: str) -> None:
        self.status(f"[red]✘ {error}[/]")
