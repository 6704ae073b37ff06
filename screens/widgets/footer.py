"""The footer every screen uses: Quit and Keys first, so a narrow terminal (80 columns) never loses
them behind a screen's own keys (issue 15, finding 6); the command palette stays docked right."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer as TextualFooter
from textual.widgets._footer import FooterKey

FIRST = ("quit", "app.quit", "toggle_keys", "app.toggle_keys")


class Footer(TextualFooter):
    def compose(self) -> ComposeResult:
        keys = list(super().compose())
        if not all(isinstance(k, FooterKey) for k in keys):  # key groups: keep Textual's own layout
            yield from keys
            return
        first, seen = [], set()
        for k in keys:
            if k.action in FIRST and "-command-palette" not in k.classes:
                if k.description not in seen:  # home's q and the app's ctrl+q: one "Quit" is enough
                    first.append(k)
                    seen.add(k.description)
        rest = [k for k in keys if k.action not in FIRST or "-command-palette" in k.classes]
        yield from sorted(first, key=lambda k: FIRST.index(k.action) // 2) + rest


class OwnKeysFirst:
    """A screen mixin: F1 lists the screen's own keys before the focused widget's generic ones
    (scrolling, Tab, copy), in the order of its BINDINGS (issue 15, finding 6)."""

    @property
    def active_bindings(self) -> dict:
        found = super().active_bindings  # type: ignore[misc]
        mine = {b.action if hasattr(b, "action") else b[1] for b in type(self).BINDINGS}  # type: ignore[attr-defined]
        own = {k: b for k, b in found.items() if b.node is self and b.binding.action in mine}
        return {**own, **{k: b for k, b in found.items() if k not in own}}
