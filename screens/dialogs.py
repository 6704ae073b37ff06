"""Typed dialogs: `Confirm` (result: bool), `Choice` among buttons (result: the chosen key, or
None), and a text viewer."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, TextArea


class _Buttons(ModalScreen):
    """A title, a text and a row of buttons; `answers` are (key, label, variant), the first focused."""

    BINDINGS = [Binding("escape", "back", "Back")]

    def __init__(self, title: str, text: str, answers: list[tuple[str, str, str]]) -> None:
        super().__init__(classes="dialog")
        self.title_text, self.text, self.answers = title, text, answers

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(self.title_text, classes="dialog-title")
            yield Label(self.text, classes="dialog-text")
            with Horizontal(classes="buttons"):
                for key, label, variant in self.answers:
                    yield Button(label, id=f"answer-{key}", variant=variant)  # type: ignore[arg-type]

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.answered((event.button.id or "").removeprefix("answer-"))

    def answered(self, key: str) -> None:
        raise NotImplementedError


class Choice(_Buttons, ModalScreen[str | None]):
    """Dismisses with the chosen answer's key (Esc: None)."""

    def answered(self, key: str) -> None:
        self.dismiss(key)

    def action_back(self) -> None:
        self.dismiss(None)


class Confirm(_Buttons, ModalScreen[bool]):
    """Yes or no; Esc and the first (safe) button are no."""

    def __init__(self, title: str, text: str, yes: str = "Yes", no: str = "No", danger: bool = False) -> None:
        super().__init__(title, text, [("no", no, "primary"), ("yes", yes, "error" if danger else "warning")])

    def answered(self, key: str) -> None:
        self.dismiss(key == "yes")

    def action_back(self) -> None:
        self.dismiss(False)


class TextView(ModalScreen[None]):
    """Read-only text (the user-data script) in a scrollable, selectable area."""

    BINDINGS = [Binding("escape", "dismiss", "Close")]

    def __init__(self, title: str, text: str, language: str | None = None) -> None:
        super().__init__(classes="dialog")
        self.title_text, self.text, self.language = title, text, language

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box wide"):
            yield Label(self.title_text, classes="dialog-title")
            yield TextArea(self.text, read_only=True, language=self.language, show_line_numbers=True)
            with Horizontal(classes="buttons"):
                yield Button("Close", id="close", variant="primary")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)
