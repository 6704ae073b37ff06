"""The hostwiz Textual app: the session, the screens, the command palette."""

from __future__ import annotations

import argparse
import importlib
import importlib.util
from typing import Any, Iterable

from textual import work
from textual.app import App, SystemCommand
from textual.screen import Screen

from .home import HomeScreen
from .messages import SessionReady

# The screens other issues add; until their module exists the action says "coming soon".
OPTIONAL = {"ssh": ("hostwiz.screens.ssh", "SshScreen"), "logs": ("hostwiz.screens.logs", "LogsScreen"),
            "cleanup": ("hostwiz.screens.cleanup", "CleanupScreen")}


class HostwizApp(App):
    CSS_PATH = "hostwiz.tcss"
    TITLE = "hostwiz"

    def __init__(self, args: argparse.Namespace | None = None, session: Any = None) -> None:
        super().__init__()
        self.args = args or argparse.Namespace(sandbox=False)
        self.session = session
        self.sandbox: bool = bool(getattr(self.args, "sandbox", False) or getattr(session, "sandbox", False))
        self.session_error = ""
        self.lookups: dict[tuple, Any] = {}  # region lookups, kept for the app's life
        self.home = HomeScreen()

    def on_mount(self) -> None:
        self.push_screen(self.home)
        if self.session is None:  # after the first frame: importing boto3 (and moto) takes a while
            self.call_after_refresh(self.make_session)
        else:
            self.home.post_message(SessionReady())

    @work(thread=True, exclusive=True, exit_on_error=False, group="session")
    def make_session(self) -> None:
        from hostwiz.cli.context import make_session

        try:
            self.session = make_session(self.args)
            self.home.post_message(SessionReady())
        except Exception as err:  # noqa: BLE001 (shown to the operator in plain words)
            self.session_error = str(err) or err.__class__.__name__
            self.home.post_message(SessionReady(self.session_error))

    # navigation ------------------------------------------------------------------
    def go_home(self) -> None:
        while self.screen is not self.home and len(self.screen_stack) > 1:
            self.pop_screen()

    def action_home(self) -> None:
        self.go_home()

    def open_optional(self, which: str, *args: Any) -> None:
        module, cls = OPTIONAL[which]
        if importlib.util.find_spec(module) is None:
            self.notify(f"{which.capitalize()} is coming soon in hostwiz; meanwhile use 'hostwiz {which}' "
                        "on the command line.", title="Coming soon")
            return
        self.push_screen(getattr(importlib.import_module(module), cls)(*args))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Home", "Go back to the list of stacks", self.go_home)
        yield SystemCommand("New stack", "Start the wizard for a new stack", self.home.action_new)
        yield SystemCommand("Cleanup", "Find and delete leftovers hostwiz did not make",
                            lambda: self.open_optional("cleanup"))
        yield from getattr(screen, "palette", lambda: [])()


def run_app(args: argparse.Namespace) -> int:
    app = HostwizApp(args)
    app.run()
    return app.return_code or 0
