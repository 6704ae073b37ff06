"""The footer every screen uses: Quit and Keys first, so a narrow terminal (80 columns) never loses
them behind a screen's own keys (issue 15, finding 6); whole keys only, as many as fit, in the order
of the screen's BINDINGS; the command palette docked right, and below 100 columns giving its place to
the screen's keys (ctrl+p still opens it, and F1 lists it)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer as TextualFooter
from textual.widgets._footer import FooterKey

FIRST = ("quit", "app.quit", "toggle_keys", "app.toggle_keys")
WIDE = 100  # columns from which ctrl+p has its place in the footer


class Footer(TextualFooter):
    def on_resize(self) -> None:
        self.show_command_palette = self.app.size.width >= WIDE
        self.call_after_refresh(self.recompose)  # the keys a narrower width left out come back

    async def recompose(self) -> None:
        await super().recompose()
        self.call_after_refresh(self._whole_keys_only)

    def _whole_keys_only(self) -> None:
        """Leave out the keys from the first one the width would cut ("p Pas"); F1 lists them all.
        Widths come from the keys' text, not their layout: under a dialog the screen is not laid
        out again until it is back on top."""
        keys = list(self.query_children(FooterKey))
        width = self.size.width or self.app.size.width  # narrower than the app while F1's panel is open
        room = width - sum(_width(k) for k in keys if "-command-palette" in k.classes)
        used = 0
        for key in keys:
            if "-command-palette" not in key.classes:
                used += _width(key)
                key.display = used <= room

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


def _width(key: FooterKey) -> int:
    """A footer key's columns, from its text (the palette's key has a border and padding too)."""
    return key.render().cell_len + key.styles.gutter.width


class OwnKeysFirst:
    """A screen mixin: F1 lists the screen's own keys before the focused widget's generic ones
    (scrolling, Tab, copy), in the order of its BINDINGS (issue 15, finding 6)."""

    @property
    def active_bindings(self) -> dict:
        found = super().active_bindings  # type: ignore[misc]
        mine = {b.action if hasattr(b, "action") else b[1] for b in type(self).BINDINGS}  # type: ignore[attr-defined]
        own = {k: b for k, b in found.items() if b.node is self and b.binding.action in mine}
        return {**own, **{k: b for k, b in found.items() if k not in own}}
