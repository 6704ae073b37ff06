"""Typed dialogs: a choice among buttons (`Choice`, result: the chosen key) and a text viewer."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, TextArea


class Choice(ModalScreen[str | None]):
    """A question and a row of answers; dismisses with the chosen answer's key (Esc: None)."""

    BINDINGS = [Binding("escape", "dismiss_none", "Back")]

    def __init__(self, title: str, text: str, answers: list[tuple[str, str, str]]) -> None:
        """answers: (key, label, variant) in display order; the first is focused."""
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
        self.dismiss((event.button.id or "").removeprefix("answer-"))

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


def confirm(title: str, text: str, yes: str = "Yes", no: str = "No", danger: bool = False) -> Choice:
    return Choice(title, text, [("no", no, "primary"), ("yes", yes, "error" if danger else "warning")])


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
