"""What every wizard step shares: title and crumbs, fields with their errors, Back/Next, Esc."""

from __future__ import annotations

from typing import Iterable

from textual import events, on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from ..widgets.footer import Footer
from ..workers import WorkerFailures
from .state import WizardState

STEPS = ["Domain", "Instance", "Runtime", "Database", "App", "Review"]
EDIT_STEPS = ["Domain", "Instance", "Runtime", "Database", "Changes"]  # Edit of a running stack


def slug(field: str) -> str:
    return "err-" + field.replace(".", "-").replace("_", "-")


class FieldError(Static):
    """Where one field's problem shows."""

    def __init__(self, field: str) -> None:
        super().__init__("", id=slug(field), classes="field-error")
        self.field = field


def fieldbox(label: str, widget: Widget, field: str, hint: str = "") -> Vertical:
    """A labelled field with its hint and the line where its error shows."""
    widget.field = field  # type: ignore[attr-defined]
    if hasattr(widget, "compact"):
        widget.compact = True  # type: ignore[attr-defined]
    return Horizontal(Label(label, classes="field-label"),
                      Vertical(widget, Static(hint, classes="hint" if hint else "hint -empty", id=slug(field) + "-hint"), FieldError(field),
                               classes="field-body"), classes="field")


def _is_field(widget: Widget | None) -> bool:
    """A wizard field's text box (Enter there means Next), not e.g. the export path."""
    return isinstance(widget, Input) and hasattr(widget, "field")


class WizardStep(WorkerFailures, Screen):
    STEP = 0
    FIELDS: tuple[str, ...] = ()
    NEXT_LABEL = "Next"
    BINDINGS = [
        Binding("escape", "discard", "Discard"),
        Binding("ctrl+b", "back", "Back", priority=True),
        Binding("ctrl+n", "next", "Next", priority=True),
        # Enter in a field goes on in the app's own key order, so keys typed after it reach the next
        # step, not this field (issue 15, finding 10); elsewhere (a list, a button) Enter is theirs
        Binding("enter", "submit_field", "Next", show=False, priority=True),
    ]

    def __init__(self, state: WizardState) -> None:
        super().__init__(classes="wizard")
        self.state = state
        self.touched: set[str] = set()
        self.busy: set[str] = set()  # lookups still running; Next waits for them
        self._live = False
        self._early: list[events.Key] = []  # keys typed before a field had the focus, for it

    # layout -----------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        # one line at 80 columns too (issue 15, finding 6)
        crumbs = " › ".join(f"[b reverse] {i + 1} {s} [/]" if i == self.STEP else f"{i + 1} {s}"
                            for i, s in enumerate(EDIT_STEPS if self.state.editing else STEPS))
        title = f"Edit {self.state.editing}" if self.state.editing else "New stack"
        yield Static(f"[b]{title}[/]  {crumbs}", classes="screen-title")
        with VerticalScroll(classes="form"):
            yield from self.fields()
        yield Static("", id="err-step", classes="step-error")
        with Horizontal(classes="buttons"):
            yield Button("Back", id="back")
            yield Button(self.NEXT_LABEL, id="next", variant="primary", disabled=True)
        yield Footer()

    def fields(self) -> Iterable[Widget]:
        raise NotImplementedError

    def on_mount(self) -> None:
        self.call_after_refresh(self._go_live)

    def _go_live(self) -> None:
        self._live = True
        self.revalidate()
        for widget in self.query(".field-body > *"):
            if widget.focusable:
                self.set_focus(widget)  # now, not later: the keys below go to it
                break
        self._replay(self._early)
        self._early = []

    def _replay(self, keys: list[events.Key]) -> None:
        """What a fast typist pressed while the step came up, in order, to its focused field; an Enter
        in a field goes on once the keys before it are in, and the keys after it wait for the next step."""
        target = self.focused or self
        for i, key in enumerate(keys):
            if key.key == "enter" and _is_field(target):
                target.call_later(self._replayed_enter, keys[i + 1:])  # in the field's queue, after the keys
                return
            target.post_message(events.Key(key.key, key.character))

    def _replayed_enter(self, rest: list[events.Key]) -> None:
        self.action_next()
        after = self.app.screen
        if after is not self and isinstance(after, WizardStep) and not after._live:
            after._early[:0] = rest
        else:
            self._replay(rest)

    def on_key(self, event: events.Key) -> None:
        if not self._live:  # the step is still coming up: keep the key for its first field
            self._early.append(event)
            event.stop()
            event.prevent_default()

    def action_submit_field(self) -> None:
        if not _is_field(self.focused):
            raise SkipAction()
        self.action_next()

    # reading and validating ------------------------------------------------------------
    def read(self) -> None:
        """Copy the widgets' values into `self.state`."""

    def problems(self) -> dict[str, str]:
        return self.state.problems(self.FIELDS)

    def revalidate(self) -> dict[str, str]:
        self.read()
        problems = self.problems()
        drawn = set()
        for box in self.query(FieldError):
            drawn.add(box.field)
            text = problems.get(box.field, "") if box.field in self.touched else ""
            box.update(f"✘ {text}" if text else "")
            box.display = bool(text)
        stray = [f"{f}: {m}" for f, m in problems.items() if f not in drawn]
        shown_step = "✘ " + "; ".join(stray) if stray and self.touched else ""
        step_err = self.query_one("#err-step", Static)
        step_err.update(shown_step)
        step_err.display = bool(shown_step)
        self.query_one("#next", Button).disabled = bool(problems) or bool(self.busy)
        return problems

    def touch(self, widget: Widget) -> None:
        if self._live and widget.id:
            self.touched.add(getattr(widget, "field", widget.id))

    @on(Input.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    def _changed(self, event) -> None:
        self.touch(event.control)
        if self._live:
            self.read()
            self.changed(event.control)
            self.revalidate()

    def changed(self, widget: Widget) -> None:
        """A field changed (after the state was read); steps react here (e.g. enable a field)."""

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if _is_field(event.input):
            self.action_next()

    @on(Button.Pressed, "#next")
    def action_next(self) -> None:
        problems = self.revalidate()
        if problems or self.busy:
            self.touched |= {box.field for box in self.query(FieldError)} | set(problems)
            self.revalidate()
            if self.busy:
                self.notify("Still looking things up in AWS; a moment.", severity="warning")
            return
        self.advance()

    def advance(self) -> None:
        from . import next_screen

        self.app.push_screen(next_screen(self.STEP, self.state))

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        self.read()
        if self.STEP == 0:
            self.action_discard()
        else:
            self.app.pop_screen()

    def action_discard(self) -> None:
        from ..dialogs import Confirm

        def answer(yes: bool | None) -> None:
            if yes:
                self.app.go_home()

        if self.state.editing:
            self.app.push_screen(Confirm(f"Stop editing {self.state.editing}?", "Your edits will be lost; "
                                         "nothing has been changed in AWS.", yes="Discard", no="Keep editing",
                                         danger=True), answer)
            return
        self.app.push_screen(Confirm("Discard this new stack?", "Your answers in the wizard will be lost; "
                                     "nothing has been created in AWS.", yes="Discard", no="Keep editing",
                                     danger=True), answer)

    def palette(self):
        from textual.app import SystemCommand

        yield SystemCommand("Wizard: next step", "Go on to the next step", self.action_next)
        yield SystemCommand("Wizard: previous step", "Go back (your answers are kept)", self.action_back)
        yield SystemCommand("Wizard: discard", "Leave the wizard without creating anything", self.action_discard)

    # lookups --------------------------------------------------------------------------
    def cached(self, key: tuple):
        return self.app.lookups.get(key)
