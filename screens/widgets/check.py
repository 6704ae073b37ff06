"""A checkbox that reads without colour: `X` when on, a blank when off (Textual's own shows an `X`
in both states and tells them apart by colour only)."""

from __future__ import annotations

from textual.widgets import Checkbox


class Check(Checkbox):
    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]  (read by ToggleButton._button)
        return "X" if self.value else " "

    def render_plain(self) -> str:
        """What it shows, as text without styles."""
        return f"{self.BUTTON_LEFT}{self.BUTTON_INNER}{self.BUTTON_RIGHT} {self.label.plain}"
