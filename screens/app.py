"""The hostwiz Textual app: the session, the screens, the command palette."""

from __future__ import annotations

import signal
import threading
from typing import Any, Iterable

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from hostwiz.services.session import Options, Session

from .dialogs import Confirm
from .home import HomeScreen
from .messages import SessionReady
from .workers import WorkerFailures


class HostwizApp(WorkerFailures, App):
    CSS_PATH = "hostwiz.tcss"
    TITLE = "hostwiz"
    # shown first in every footer (screens.widgets.footer), so 80 columns keep them
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", priority=True), Binding("f1", "toggle_keys", "Keys")]

    def __init__(self, options: Options | None = None, session: Session | None = None) -> None:
        super().__init__()
        self.options = options or Options()
        self.session = session
        self.sandbox: bool = self.options.sandbox or bool(session and session.sandbox)
        self.session_error = ""
        self.lookups: dict[tuple, Any] = {}  # region lookups, kept for the app's life
        self._session_lock = threading.Lock()
        self._closing = False
        self.home = HomeScreen()

    def on_mount(self) -> None:
        self.push_screen(self.home)
        if self.session is None:  # after the first frame: importing boto3 (and moto) takes a while
            self.call_after_refresh(self.make_session)
        else:
            self.home.post_message(SessionReady())

    @work(thread=True, exclusive=True, exit_on_error=False, name="session")
    def make_session(self) -> None:
        from hostwiz.services.session import open_session

        session = open_session(self.options)
        with self._session_lock:
            if self._closing:  # the operator quit while the sandbox was starting: stop it again
                session.close()
                return
            self.session = session
        self.home.post_message(SessionReady())

    def close_session(self) -> None:
        """The app's end: close its session (the sandbox it started, if any), now or when it arrives."""
        with self._session_lock:
            self._closing = True
            if self.session is not None:
                self.session.close()

    def worker_failed(self, name: str, error: str) -> None:
        if name == "session":  # shown on home in plain words, with r to retry
            self.session_error = error
            self.home.post_message(SessionReady(error))
        else:
            super().worker_failed(name, error)

    # quitting: one story everywhere (ctrl+q, q on home), and it asks when something would be lost --
    async def action_quit(self) -> None:
        lost = self.lost_on_quit()
        if not lost:
            self.exit()
            return
        if isinstance(self.screen, QuitDialog):
            return
        self.push_screen(QuitDialog("Quit hostwiz?", "\n\n".join(lost), yes="Quit", no="Stay", danger=True),
                         lambda ok: self.exit() if ok else None)

    def action_toggle_keys(self) -> None:
        """Every key of the screen, with what it does (the footer shows the main ones)."""
        from textual.widgets import HelpPanel

        if self.screen.query(HelpPanel):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    def action_help_quit(self) -> None:  # ctrl+c: the same words on every screen
        self.notify("Press ctrl+q to quit (it asks first when a run or sandbox stacks would be lost).")

    def lost_on_quit(self) -> list[str]:
        """What quitting now would lose, in the operator's words (empty: nothing)."""
        from hostwiz.services.sandboxd import lost_on_exit

        from . import runs

        out = []
        stacks = lost_on_exit(self.session)  # a sandbox of this process: it goes, and its stacks with it
        for screen in runs.active(self):  # on screen or carrying on in the background
            name = getattr(screen, "stack", "")
            what = "teardown" if screen.__class__.__name__.startswith("Teardown") else "run"
            later = "" if stacks else (f" What was made stays; open {name} and press "
                                       f"{'t (Teardown)' if what == 'teardown' else 'u (Resume)'} to carry on.")
            out.append(f"A {what} of {name} is in progress: quitting stops it where it is.{later}")
        if stacks:
            out.append(f"The sandbox holds {len(stacks)} stack(s) ({', '.join(stacks)}): they, their logs and "
                       "keys are gone when hostwiz quits. To keep a sandbox between runs, start it first with "
                       "'hostwiz sandbox start'.")
        return out

    def exit(self, *args: Any, **kwargs: Any) -> None:
        from . import runs

        runs.stop_all(self)  # runs in the background stop where they are (the quit dialog said so)
        super().exit(*args, **kwargs)

    # navigation ------------------------------------------------------------------
    def go_home(self) -> None:
        while self.screen is not self.home and len(self.screen_stack) > 1:
            self.pop_screen()

    def action_home(self) -> None:
        self.go_home()

    def open_cleanup(self) -> None:
        from .cleanup import CleanupScreen

        self.push_screen(CleanupScreen())

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Home", "Go back to the list of stacks", self.go_home)
        yield SystemCommand("New stack", "Start the wizard for a new stack", self.home.action_new)
        yield SystemCommand("Cleanup", "Find and delete leftovers hostwiz did not make",
                            self.open_cleanup)
        yield from getattr(screen, "palette", lambda: [])()


class QuitDialog(Confirm):
    """The question before quitting (one at a time)."""


def run_app(options: Options) -> int:
    app = HostwizApp(options)
    # A closed terminal (SIGHUP) or a kill (SIGTERM) ends the app like a quit, so the session closes.
    previous = {sig: signal.signal(sig, lambda *_: app.exit()) for sig in (signal.SIGHUP, signal.SIGTERM)}
    try:
        app.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        app.close_session()  # stops the sandbox this app started, if any
    return app.return_code or 0
