"""An embedded terminal: pyte emulates a VT100/xterm screen, fed from an SSH channel.

The widget owns a pyte `Screen` + `ByteStream`; a thread reads the channel and feeds the
stream; `render_line` turns pyte's cells (colours, bold, reverse, cursor) into Rich segments.
While it has focus every key goes to the remote side (the app's bindings, priority ones
included, are held back via `check_consume_key`) except the escape chord, ctrl+], which
leaves the terminal. Resizing the widget resizes the remote PTY.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any, Callable

import pyte
from rich.segment import Segment
from rich.style import Style
from textual import events, work
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

ESCAPE_CHORD = "ctrl+right_square_bracket"
DECCKM = 1 << 5  # pyte keeps private modes shifted by 5: application cursor keys (vim, less)

SPECIAL_KEYS = {
    "enter": "\r", "tab": "\t", "shift+tab": "\x1b[Z", "backspace": "\x7f", "escape": "\x1b",
    "delete": "\x1b[3~", "insert": "\x1b[2~", "home": "\x1b[H", "end": "\x1b[F",
    "pageup": "\x1b[5~", "pagedown": "\x1b[6~", "space": " ", "ctrl+space": "\x00", "ctrl+at": "\x00",
    "f1": "\x1bOP", "f2": "\x1bOQ", "f3": "\x1bOR", "f4": "\x1bOS", "f5": "\x1b[15~", "f6": "\x1b[17~",
    "f7": "\x1b[18~", "f8": "\x1b[19~", "f9": "\x1b[20~", "f10": "\x1b[21~", "f11": "\x1b[23~", "f12": "\x1b[24~",
}
ARROWS = {"up": "A", "down": "B", "right": "C", "left": "D"}
MODIFIERS = {"shift": 2, "alt": 3, "ctrl": 5}  # xterm's modifier parameter for cursor keys


def key_bytes(key: str, character: str | None, app_cursor: bool) -> bytes | None:
    """What a terminal sends for a Textual key event (None: nothing)."""
    if key in ARROWS:
        return (("\x1bO" if app_cursor else "\x1b[") + ARROWS[key]).encode()
    modifier, _, base = key.rpartition("+")
    if base in ARROWS and modifier in MODIFIERS:  # ctrl+left: a word left in bash and vim
        return f"\x1b[1;{MODIFIERS[modifier]}{ARROWS[base]}".encode()
    if key in SPECIAL_KEYS:
        return SPECIAL_KEYS[key].encode()
    if modifier == "ctrl" and len(base) == 1 and base.isalpha():
        return bytes([ord(base.lower()) - 96])
    if modifier == "alt" and len(base) == 1:  # meta sends ESC first (readline's alt+b, alt+f)
        return b"\x1b" + base.encode()
    if character:
        return character.encode()
    return None


_NAMES = {"brown": "yellow", "default": None}


def _colour(value: str) -> str | None:
    if value in _NAMES:
        return _NAMES[value]
    if value.startswith("bright"):
        return "bright_" + (_NAMES.get(value[6:]) or value[6:])
    if len(value) == 6 and all(c in "0123456789abcdefABCDEF" for c in value):
        return "#" + value
    return value


def resize_screen(buf: pyte.Screen, rows: int, cols: int) -> None:
    """Resize like xterm: when rows go, the lines above the cursor scroll off first and the rest
    go from the bottom, so the cursor's line stays put (pyte alone drops the top lines but
    leaves the cursor where it was, blanking a short screen)."""
    if rows < buf.lines:
        shift = max(0, buf.cursor.y + 1 - rows)
        kept = {y - shift: buf.buffer[y] for y in range(shift, shift + rows) if y in buf.buffer}
        buf.buffer.clear()
        buf.buffer.update(kept)
        buf.cursor.y -= shift
        buf.lines = rows  # so pyte's resize below only handles the columns and margins
    buf.resize(rows, cols)
    buf.dirty.update(range(rows))


@lru_cache(maxsize=4096)
def cell_style(fg: str, bg: str, bold: bool, italics: bool, underscore: bool, reverse: bool,
               strike: bool) -> Style:
    return Style(color=_colour(fg), bgcolor=_colour(bg), bold=bold or None, italic=italics or None,
                 underline=underscore or None, reverse=reverse or None, strike=strike or None)


class Terminal(Widget, can_focus=True):
    """A terminal on an interactive channel. Call `attach(open_channel)` once mounted:
    `open_channel(cols, rows)` runs on a worker thread and returns a paramiko Channel with a PTY."""

    DEFAULT_CSS = """
    Terminal { width: 1fr; height: 1fr; background: black; color: white; }
    Terminal:focus { border: none; }
    """
    BINDINGS = [Binding(ESCAPE_CHORD, "leave", "Leave terminal", key_display="ctrl+]")]

    class Closed(Message):
        """The remote side ended the session."""

        def __init__(self, terminal: "Terminal", exit_status: int | None) -> None:
            super().__init__()
            self.terminal, self.exit_status = terminal, exit_status

    class Failed(Message):
        def __init__(self, terminal: "Terminal", error: BaseException) -> None:
            super().__init__()
            self.terminal, self.error = terminal, error

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.screen_buffer = pyte.Screen(80, 24)
        self.screen_buffer.write_process_input = self._reply  # answers to device status queries
        self.stream = pyte.ByteStream(self.screen_buffer)
        self.channel: Any = None
        self._lock = threading.RLock()
        self._refresh_pending = False

    # Connection -------------------------------------------------------------------
    def attach(self, open_channel: Callable[[int, int], Any]) -> None:
        cols, rows = max(self.size.width, 2), max(self.size.height, 2)
        with self._lock:
            resize_screen(self.screen_buffer, rows, cols)
        self._pump(open_channel, cols, rows)

    @work(thread=True, exclusive=True, exit_on_error=False, group="terminal")
    def _pump(self, open_channel: Callable[[int, int], Any], cols: int, rows: int) -> None:
        try:
            chan = open_channel(cols, rows)
        except Exception as err:  # shown by the screen, never a traceback
            self.post_message(self.Failed(self, err))
            return
        self.channel = chan
        size = self.size  # the widget may have been resized while the channel opened
        if (size.width, size.height) != (cols, rows) and size.width > 1 and size.height > 1:
            chan.resize_pty(width=size.width, height=size.height)
        while True:
            try:
                data = chan.recv(8192)  # small chunks: the lock (and the UI) is never held long
            except OSError:
                data = b""
            if not data:
                break
            self.feed(data)
        status = chan.recv_exit_status()  # may follow the EOF; -1 when the channel closed without one
        self.post_message(self.Closed(self, status if status >= 0 else None))

    def feed(self, data: bytes) -> None:
        """Give the emulator output from the remote side (thread-safe); repaints soon after."""
        with self._lock:
            self.stream.feed(data)
            if self._refresh_pending:
                return
            self._refresh_pending = True
        try:
            self.app.call_from_thread(self._repaint)
        except RuntimeError:  # called on the app's own thread
            self._repaint()

    def _repaint(self) -> None:
        with self._lock:
            self._refresh_pending = False
        self.refresh()

    def _reply(self, text: str) -> None:
        if self.channel is not None:
            self.channel.sendall(text.encode())

    def close(self) -> None:
        if self.channel is not None:
            self.channel.close()

    def on_unmount(self) -> None:
        self.close()  # ends the reader thread (the app waits for its workers on exit)

    # Text of the screen (for tests and screenshots) ---------------------------------
    @property
    def lines(self) -> list[str]:
        with self._lock:
            return [line.rstrip() for line in self.screen_buffer.display]

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return container.width

    # Input --------------------------------------------------------------------------
    def check_consume_key(self, key: str, character: str | None) -> bool:
        """Every key but the escape chord belongs to the remote side (hides app bindings),
        once there is one: before the shell opens, the screen's keys work (escape goes back)."""
        return self.channel is not None and key != ESCAPE_CHORD

    async def on_key(self, event: events.Key) -> None:
        if event.key == ESCAPE_CHORD or self.channel is None:
            return
        with self._lock:
            app_cursor = DECCKM in self.screen_buffer.mode
        data = key_bytes(event.key, event.character, app_cursor)
        event.stop()
        event.prevent_default()
        if data and self.channel is not None and not self.channel.closed:
            self.channel.sendall(data)

    def on_paste(self, event: events.Paste) -> None:
        event.stop()
        if self.channel is not None and not self.channel.closed:
            self.channel.sendall(event.text.encode())

    def action_leave(self) -> None:
        self.screen.focus_next()

    # Size ---------------------------------------------------------------------------
    def on_resize(self, event: events.Resize) -> None:
        cols, rows = event.size.width, event.size.height
        if cols < 2 or rows < 2:
            return
        with self._lock:
            resize_screen(self.screen_buffer, rows, cols)
        if self.channel is not None and not self.channel.closed:
            self.channel.resize_pty(width=cols, height=rows)
        self.refresh()

    # Rendering ----------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        width = self.size.width
        with self._lock:
            buf = self.screen_buffer
            if y >= buf.lines:
                return Strip.blank(width)
            row = buf.buffer[y]
            cursor = buf.cursor
            show_cursor = self.has_focus and not cursor.hidden and cursor.y == y
            segments: list[Segment] = []
            text, style = "", None
            for x in range(buf.columns):
                ch = row[x]
                if ch.data == "":  # the right half of a wide character
                    continue
                st = cell_style(ch.fg, ch.bg, ch.bold, ch.italics, ch.underscore,
                                ch.reverse != (show_cursor and x == cursor.x), ch.strikethrough)
                if st is not style and text:
                    segments.append(Segment(text, style))
                    text = ""
                style = st
                text += ch.data
            if text:
                segments.append(Segment(text, style))
        return Strip(segments).adjust_cell_length(width)
