"""`LogView`: the log pane. Renders only the visible lines, straight from the ring buffer.

A `ScrollView` with the Line API: writing a batch appends to a `LogBuffer` (bounded) and
moves the virtual size; `render_line` builds the few strips on screen (time, source, text in
its severity colour, filter and search matches highlighted), cached by absolute line number.
Following keeps the newest line in view; scrolling up pauses, and a paused view keeps the
same lines on screen while new ones push old ones out of the buffer.
"""

from __future__ import annotations

import re
from operator import itemgetter
from typing import Sequence

from rich.segment import Segment
from rich.style import Style
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.reactive import var
from textual.scroll_view import ScrollView
from textual.strip import Strip

from hostwiz.logs.buffer import DEFAULT_MAXLEN, LogBuffer
from hostwiz.logs.filter import LineFilter
from hostwiz.logs.line import DEBUG, ERROR, SOURCE, TEXT, WARNING, LogLine, stamp

_CONTROL = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|[\x00-\x08\x0b-\x1f\x7f]")
_source, _text = itemgetter(SOURCE), itemgetter(TEXT)
SEVERITY = {ERROR: Style(color="red", bold=True), WARNING: Style(color="yellow"), DEBUG: Style(dim=True)}
TIME = Style(dim=True)
MATCH = Style(bgcolor="dark_goldenrod", color="black")
FOUND = Style(bgcolor="blue", color="white")
CURSOR = Style(reverse=True)
PALETTE = ("cyan", "magenta", "green", "bright_blue", "bright_magenta", "bright_cyan", "bright_green", "blue")
PREFIX = 9  # "HH:MM:SS "


class LogView(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    LogView { background: $surface; color: $text; overflow: auto; }
    LogView:focus { background-tint: $foreground 5%; }
    """

    following: var[bool] = var(True)

    def __init__(self, maxlen: int = DEFAULT_MAXLEN, *, name: str | None = None, id: str | None = None,
                 classes: str | None = None):
        super().__init__(name=name, id=id, classes=classes)
        self.buffer = LogBuffer(maxlen)
        self.search: LineFilter | None = None
        self.cursor: int | None = None  # absolute number of the line the search found
        self._source_styles: dict[str, Style] = {}
        self._source_width = 6
        self._text_width = 0
        # About two screens: each Strip carries seven small caches of its own (and the strips derived
        # from it for the screen), and 1,024 of them were half of what a full collection walked in a
        # flood; following, every frame shows new lines anyway
        self._cache: LRUCache[tuple[int, bool], Strip] = LRUCache(64)
        self._adjusting = False
        self._frame: tuple[Style, int] | None = None  # (base style, width) while a frame renders

    # Feeding ---------------------------------------------------------------------------

    def write(self, lines: Sequence[LogLine]) -> None:
        """Add a batch of lines (cheap: the work per line is an append)."""
        if not lines:
            return
        buffer = self.buffer
        removed = buffer.shown_removed
        shown_before = len(buffer.shown)
        buffer.extend(lines if isinstance(lines, list) else list(lines))
        removed = buffer.shown_removed - removed
        if len(buffer.shown) == shown_before and not removed:
            return  # nothing new passed the filter
        widest = max(map(len, map(_text, lines)))
        if widest > self._text_width:
            self._text_width = widest
        for source in set(map(_source, lines)) - self._source_styles.keys():
            self._add_source(source)
        self._resize()
        if self.following:
            self.scroll_end(animate=False, immediate=True, x_axis=False, force=True)
        elif removed:  # keep the same lines in view while old ones leave the buffer
            self._adjusting = True
            self.scroll_to(y=max(0, self.scroll_y - removed), animate=False, immediate=True, force=True)
            self._adjusting = False
        self.refresh()

    def clear(self) -> None:
        self.buffer.clear()
        self._cache.clear()
        self.cursor = None
        self._resize()
        self.refresh()

    def _add_source(self, source: str) -> None:
        self._source_styles[source] = Style(color=PALETTE[len(self._source_styles) % len(PALETTE)])
        self._source_width = max(self._source_width, min(24, len(source)))
        self._cache.clear()

    def _resize(self) -> None:
        width = PREFIX + self._source_width + 1 + self._text_width
        self.virtual_size = Size(width, len(self.buffer.shown))

    # Filter, search, follow -------------------------------------------------------------

    def set_filter(self, line_filter: LineFilter | None) -> None:
        self._adjusting = True
        self.buffer.set_filter(line_filter)
        self.cursor = None
        self._cache.clear()
        self._resize()
        if self.following:
            self.scroll_end(animate=False, immediate=True, x_axis=False, force=True)
        self._adjusting = False
        self.refresh()

    def find(self, pattern: LineFilter | None, backwards: bool = False) -> bool:
        """Move to the next (or previous) line matching `pattern`, from the search position or the top
        of the view, wrapping around; pauses following. False if no line matches."""
        if pattern is not None:
            self.search = pattern
        if self.search is None:
            return False
        if self.cursor is not None:
            start = self.cursor - self.buffer.shown_removed
        else:
            start = len(self.buffer.shown) if backwards else int(self.scroll_y) - 1
        index = self.buffer.find(self.search, start, backwards)
        if index is None:  # wrap around, like less and vim
            index = self.buffer.find(self.search, len(self.buffer.shown) if backwards else -1, backwards)
        self._cache.clear()
        if index is None:
            self.refresh()
            return False
        self.following = False
        self.cursor = self.buffer.shown_removed + index
        if not self.scroll_y <= index < self.scroll_y + self.scrollable_content_region.height:
            self._adjusting = True
            self.scroll_to(y=max(0, index - self.scrollable_content_region.height // 2), animate=False, immediate=True, force=True)
            self._adjusting = False
        self.refresh()
        return True

    def watch_following(self, following: bool) -> None:
        if following:
            self.cursor = None
            self._cache.clear()
            self.scroll_end(animate=False, immediate=True, x_axis=False, force=True)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if self._adjusting:
            return
        if old_value > self.max_scroll_y:  # a taller view (resize, first layout) clamped it: nobody scrolled
            return
        if new_value < old_value and self.following:
            self.following = False  # the operator scrolled up to read
        elif not self.following and new_value >= self.max_scroll_y and self.cursor is None:
            self.following = True   # and back down to the end

    def action_scroll_end(self) -> None:
        """End follows again, also when the view is at the end already (a taller view put it there)."""
        self.following = True

    def on_resize(self) -> None:
        if self.following:  # a shorter view: the newest line stays at the bottom
            self.scroll_end(animate=False, immediate=True, x_axis=False, force=True)

    # Rendering --------------------------------------------------------------------------

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache.clear()

    def render_lines(self, crop: Region) -> list[Strip]:
        # `rich_style` walks the ancestors and `scrollable_content_region` the scrollbars: once a frame,
        # not once a line (together they were two thirds of the pane's rendering time in a flood)
        self._frame = (self.rich_style, self.scrollable_content_region.width)
        try:
            return super().render_lines(crop)
        finally:
            self._frame = None

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        base, width = self._frame or (self.rich_style, self.scrollable_content_region.width)
        shown = self.buffer.shown
        if index >= len(shown):
            return Strip.blank(width, base)
        number = self.buffer.shown_removed + index
        key = (number, number == self.cursor)
        strip = self._cache.get(key)
        if strip is None:
            strip = self._cache[key] = self._strip(shown[index], key[1], base)
        return strip.crop_extend(scroll_x, scroll_x + width, base)

    def _strip(self, line: LogLine, is_cursor: bool, base: Style) -> Strip:
        name, when, text, severity = line
        text = text if text.isprintable() else _CONTROL.sub("", text.expandtabs(4))
        style = base + SEVERITY[severity] if severity in SEVERITY else base
        segments = [Segment(stamp(when) + " ", base + TIME),
                    Segment(name[:self._source_width].ljust(self._source_width + 1),
                            base + self._source_styles.get(name, Style()))]
        marks = []
        if self.buffer.filter is not None:
            marks += [(s, e, MATCH) for s, e in self.buffer.filter.spans(text)]
        if self.search is not None and is_cursor:
            marks += [(s, e, FOUND) for s, e in self.search.spans(text)]
        at = 0
        for start, end, mark in sorted(marks):
            if start < at:
                continue
            segments += [Segment(text[at:start], style), Segment(text[start:end], style + mark)]
            at = end
        segments.append(Segment(text[at:], style))
        strip = Strip(segments)
        return strip.apply_style(CURSOR) if is_cursor else strip
