"""Asking the operator about a host key that is neither pinned nor in the console output."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ConfirmHostKey(ModalScreen[bool]):
    """True only when the operator explicitly accepts (and so pins) the fingerprint."""

    DEFAULT_CSS = """
    ConfirmHostKey { align: center middle; }
    ConfirmHostKey > Vertical { width: 84; height: auto; border: thick $warning; background: $surface; padding: 1 2; }
    ConfirmHostKey #fingerprint { text-style: bold; margin: 1 0; }
    ConfirmHostKey Horizontal { height: auto; align-horizontal: right; }
    ConfirmHostKey Button { margin-left: 2; }
    """
    BINDINGS = [Binding("escape", "refuse", "Refuse")]

    def __init__(self, label: str, key_type: str, fingerprint: str) -> None:
        super().__init__()
        self.label, self.key_type, self.fingerprint = label, key_type, fingerprint

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"{self.label} offers an {self.key_type} host key that hostwiz has not pinned, and the "
                         "instance's console output does not list it (yet).")
            yield Static(self.fingerprint, id="fingerprint")
            yield Static("Accept it only if it matches the instance: on the EC2 console's serial/console output, or "
                         "'ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub' on the instance. "
                         "Once accepted it is pinned: a different key later is refused.")
            with Horizontal():
                yield Button("Refuse", id="refuse", variant="primary")
                yield Button("Accept and pin", id="accept", variant="warning")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "accept")

    def action_refuse(self) -> None:
        self.dismiss(False)
