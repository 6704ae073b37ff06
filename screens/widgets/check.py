"""A checkbox that reads without colour: `X` when on, a blank when off (Textual's own shows an `X`
in both states and tells them apart by colour only)."""

from __future__ import annotations

from rich.segment import Segment
from textual.strip import Strip
from textual.widgets import Checkbox, SelectionList
from textual.widgets.selection_list import SelectionType
from textual.widgets._toggle_button import ToggleButton
from textual.widgets.option_list import OptionDoesNotExist


class Check(Checkbox):
    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]  (read by ToggleButton._button)
        return "X" if self.value else " "

    def render_plain(self) -> str:
        """What it shows, as text without styles."""
        return f"{self.BUTTON_LEFT}{self.BUTTON_INNER}{self.BUTTON_RIGHT} {self.label.plain}"


class CheckList(SelectionList[SelectionType]):
    """A SelectionList whose boxes read without colour, like `Check`: `X` on a chosen line, a blank
    on the others (Textual's own draws an `X` on every line and tells them apart by colour only)."""

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        segments = list(strip)
        if len(segments) < 4 or segments[1].text != ToggleButton.BUTTON_INNER:
            return strip  # not an option's line
        try:
            chosen = self.get_option_at_index(self.scroll_offset.y + y).value in self._selected
        except OptionDoesNotExist:
            return strip
        segments[1] = Segment("X" if chosen else " ", segments[1].style)
        return Strip(segments, strip.cell_length)
