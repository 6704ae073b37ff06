"""The SSH screen: a terminal on the stack's instance, quick actions, and a real-terminal handover.

Connecting, quick commands and the shell run on worker threads through the session's shared
SSH pool (`hostwiz.services.ssh.pool`), so the log pane on the same host reuses the transport.
"""

from __future__ import annotations

import threading
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, RichLog, Static

from .widgets.footer import Footer
from .dialogs import Confirm
from .messages import Loaded
from .terminal import Terminal
from .workers import WorkerFailures

QUICK_ACTIONS = {
    "disk": ("Disk", "df -h"),
    "memory": ("Memory", "free -m"),
    "service": ("Service status", "systemctl status nginx --no-pager"),
    "bootlog": ("Boot log", "tail -n 40 /var/log/hostwiz-bootstrap.log /var/log/cloud-init-output.log"),
}


class SshScreen(WorkerFailures, Screen[None]):
    """A shell on `stack_name`'s instance (needs `app.session`; uses `app.sandbox` when set)."""

    BINDINGS = [
        Binding("a", "allow", "Allow my IP"),  # only while offered (check_action), first so it shows
        Binding("d", "quick('disk')", "Disk"),
        Binding("m", "quick('memory')", "Memory"),
        Binding("s", "quick('service')", "Service"),
        Binding("b", "quick('bootlog')", "Boot log"),
        Binding("t", "focus_terminal", "Terminal"),
        Binding("h", "handover", "Hand over terminal"),
        Binding("r", "reconnect", "Reconnect", show=False),
        Binding("escape", "back", "Back"),
    ]

    class Status(Message):
        def __init__(self, text: str, error: bool = False) -> None:
            super().__init__()
            self.text, self.error = text, error

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, SshScreen.Status)

    class QuickResult(Message):
        def __init__(self, title: str, code: int | None, output: str) -> None:
            super().__init__()
            self.title, self.code, self.output = title, code, output

    def __init__(self, stack_name: str) -> None:
        super().__init__()
        self.stack_name = stack_name
        self._asking: threading.Event | None = None
        self._gone = False
        self.offer: Any = None  # `services.operate.Admission` when a timeout came from an address not admitted

    @property
    def pool(self) -> Any:
        from hostwiz.services.ssh import pool

        return pool(self.app.session)

    def compose(self) -> ComposeResult:
        yield Static(f"{self.stack_name}: connecting...", id="ssh-status")
        yield Terminal(id="terminal")
        with Horizontal(id="ssh-actions"):
            for key, (label, _) in QUICK_ACTIONS.items():
                yield Button(label, id=f"quick-{key}")
            yield Button("Hand over terminal", id="handover")
        yield RichLog(id="ssh-output", wrap=False, markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.connect()

    # Connecting -------------------------------------------------------------------
    @work(thread=True, exclusive=True, exit_on_error=False, group="ssh-connect", name="connect")
    def connect(self) -> None:
        from hostwiz.ssh import ConnectFailed

        try:
            conn = self.pool.connection(self.stack_name, confirm=self._confirm, progress=self._progress)
        except ConnectFailed as err:
            if any(not a.ok and a.detail.startswith("timed out") for a in getattr(err, "attempts", [])):
                self._check_admission()  # a timeout: is it the security group keeping this address out?
            raise
        self.post_message(Loaded("connected", conn.summary()))

    def _check_admission(self) -> None:
        from hostwiz.services import operate

        try:
            found = operate.admission(self.app.session, self.stack_name)
        except Exception:  # noqa: BLE001 (only an offer: the connection's own error is what is shown)
            return
        if not found.admitted:
            self.post_message(Loaded("admission", found))

    def worker_failed(self, name: str, error: str) -> None:
        if name == "allow":
            self.post_message(self.Status(f"could not allow {self.offer.cidr if self.offer else 'the address'}: "
                                          f"{error}", error=True))
            return
        offer = (f"\nSSH is allowed from {', '.join(self.offer.rules) or 'nowhere'}, not from your address "
                 f"{self.offer.cidr}: press a to allow it and connect again") if self.offer else ""
        self.post_message(self.Status(f"{error}  (r: try again){offer}", error=True))

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        return self.offer is not None if action == "allow" else True

    def on_loaded(self, message: Loaded) -> None:
        if message.what == "admission":
            self.offer = message.value
            self.refresh_bindings()
            return
        if message.what == "allowed":
            self.offer = None
            self.refresh_bindings()
            self.post_message(self.Status(f"SSH allowed from {message.value}; connecting again..."))
            self.action_reconnect()
            return
        self.post_message(self.Status(message.value))
        self._open_terminal()

    def action_allow(self) -> None:
        """Add the operator's current address to the stack's SSH rule (hostwiz allow), then reconnect."""
        if self.offer is not None:
            self.post_message(self.Status(f"allowing SSH from {self.offer.cidr}..."))
            self.allow(self.offer.cidr)

    @work(thread=True, exclusive=True, exit_on_error=False, group="ssh-allow", name="allow")
    def allow(self, cidr: str) -> None:
        from hostwiz.services import operate

        operate.allow(self.app.session, self.stack_name, cidr)
        self.post_message(Loaded("allowed", cidr))

    def _open_terminal(self) -> None:
        terminal = self.query_one(Terminal)
        terminal.attach(lambda cols, rows: self.pool.shell(self.stack_name, cols=cols, rows=rows))
        terminal.focus()

    def _progress(self, text: str) -> None:
        """Called on the connect thread between console-output polls; stops them once the screen is gone."""
        from hostwiz.ssh import ConnectCancelled

        if self._gone:
            raise ConnectCancelled(f"{self.stack_name}: the SSH screen was closed")
        self.post_message(self.Status(text))

    def _confirm(self, label: str, key_type: str, fingerprint: str) -> bool:
        """Called on the connect thread: ask in a dialog and wait for the answer."""
        answered, answer = threading.Event(), [False]
        self._asking = answered  # leaving the screen answers "no"

        def done(yes: bool | None) -> None:
            answer[0] = bool(yes)
            answered.set()

        dialog = Confirm(
            "Unverified host key",
            f"{label} offers an {key_type} host key that hostwiz has not pinned, and the instance's console "
            f"output does not list it (yet):\n\n    {fingerprint}\n\nAccept it only if it matches the instance "
            "('ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub' there). Once accepted it is pinned: "
            "a different key later is refused.", yes="Accept and pin", no="Refuse")
        # the one blocking hand-off: the connect thread waits for the operator's answer
        self.app.call_from_thread(self.app.push_screen, dialog, done)
        answered.wait()
        return answer[0]

    def on_unmount(self) -> None:
        self._gone = True
        if self._asking is not None:
            self._asking.set()

    def on_ssh_screen_status(self, message: Status) -> None:
        status = self.query_one("#ssh-status", Static)
        status.update(Text(f"{self.stack_name}: {message.text}"))
        status.set_class(message.error, "error")

    @on(Terminal.Closed)
    def _closed(self, message: Terminal.Closed) -> None:
        code = "" if message.exit_status is None else f" (exit {message.exit_status})"
        self.post_message(self.Status(f"the shell ended{code}; r opens a new one"))

    @on(Terminal.Failed)
    def _failed(self, message: Terminal.Failed) -> None:
        self.post_message(self.Status(f"could not open a shell: {message.error}  (r: try again)", error=True))

    def action_reconnect(self) -> None:
        self.query_one(Terminal).close()
        self.connect()

    # Quick actions ------------------------------------------------------------------
    @on(Button.Pressed)
    def _button(self, event: Button.Pressed) -> None:
        button = event.button.id or ""
        if button.startswith("quick-"):
            self.action_quick(button.removeprefix("quick-"))
        elif button == "handover":
            self.action_handover()

    def action_quick(self, key: str) -> None:
        title, command = QUICK_ACTIONS[key]
        self.run_quick(title, command)

    @work(thread=True, exit_on_error=False, group="ssh-quick")
    def run_quick(self, title: str, command: str) -> None:
        from hostwiz.services.ssh import TargetError
        from hostwiz.ssh import ConnectFailed

        try:
            code, out, err = self.pool.run(self.stack_name, command, confirm=self._confirm)
        except (ConnectFailed, TargetError, OSError) as error:
            self.post_message(self.QuickResult(title, None, str(error)))
            return
        self.post_message(self.QuickResult(title, code, out + err))

    def on_ssh_screen_quick_result(self, message: QuickResult) -> None:
        log = self.query_one("#ssh-output", RichLog)
        log.add_class("visible")
        log.clear()
        status = "failed" if message.code is None else f"exit {message.code}"
        log.write(Text(f"── {message.title} ({status}) ──", style="bold"))
        log.write(Text.from_ansi(message.output.rstrip("\n")))

    # Terminal handover -------------------------------------------------------------
    def action_focus_terminal(self) -> None:
        self.query_one(Terminal).focus()

    def action_handover(self) -> None:
        """Give the real terminal to a new shell on the same transport; back here when it ends."""
        from textual.app import SuspendNotSupported

        from hostwiz.ssh.interactive import interactive, terminal_size

        try:
            with self.app.suspend():
                cols, rows = terminal_size()
                print(f"hostwiz: shell on {self.stack_name}; exit it to return to hostwiz", flush=True)
                interactive(self.pool.shell(self.stack_name, cols=cols, rows=rows))
        except SuspendNotSupported:
            self.notify("This terminal cannot be handed over here; use 'hostwiz ssh NAME' instead.",
                        severity="warning")
        except Exception as err:  # the connection failed: say so, keep the TUI
            self.notify(f"Handover failed: {err}", severity="error")

    def action_back(self) -> None:
        self.query_one(Terminal).close()
        self.app.pop_screen()
