"""An embedded terminal: pyte emulates a VT100/xterm screen, fed from an SSH channel.

The widget owns a pyte screen (`TerminalScreen`: pyte's `Screen` with a fast path for plain
text and xterm's alternate screen) and a `ByteStream`. A thread reads the channel and only
queues what it read (`feed`, never blocking on the UI); the event loop drains the queue at most
once a frame (`FRAME`), feeding pyte for at most `FEED_BUDGET` seconds per frame so input and
rendering never wait long behind a flood. Output that would scroll off the screen within one
drain is skipped unseen (xterm's "jump scroll": `jump_cut`). `render_line` turns a row into Rich
segments by runs of equal style and caches the strip until pyte marks the row dirty.
While it has focus every key goes to the remote side (the app's bindings, priority ones
included, are held back via `check_consume_key`) except the escape chord, ctrl+], which
leaves the terminal. Ctrl-C is sent at once; during a flood the widget also drops what it has
queued but not drawn, and skips what is still in flight until the output pauses, then shows
the last lines it skipped (the end of the output and the prompt). Resizing the widget resizes
the remote PTY.
"""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from functools import lru_cache
from itertools import groupby
from operator import attrgetter, itemgetter
from typing import Any, Callable

import pyte
from pyte import modes as mo
from rich.segment import Segment
from rich.style import Style
from textual import events, on, work
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip
from textual.timer import Timer
from textual.widget import Widget

from . import flood

ESCAPE_CHORD = "ctrl+right_square_bracket"
DECCKM = 1 << 5  # pyte keeps private modes shifted by 5: application cursor keys (vim, less)
ALT_SCREENS = {47 << 5: False, 1047 << 5: False, 1049 << 5: True}  # xterm's alternate screen (True: saves the cursor)

FRAME = 1 / 60          # the queue is drained (and the widget refreshed) at most this often
FEED_BUDGET = 0.008     # seconds of pyte work per drain; the rest waits for the next frame
FEED_SLICE = 16384      # bytes fed to pyte between two looks at the clock
MAX_PENDING = 4 << 20   # the reader waits (and the remote's flow control holds it) above this
FLOOD_BYTES = 32768     # bytes received in the last FLOOD_WINDOW that make a flood
FLOOD_WINDOW = 0.25
QUIET = 0.08            # after ctrl-c during a flood: skip until the output pauses this long...
MAX_SKIP = 2.0          # ...or for this long at most
TAIL = 8192             # bytes of the skipped output shown once it pauses

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


_style_key = attrgetter("fg", "bg", "bold", "italics", "underscore", "reverse", "strikethrough")
_data = itemgetter(0)


def row_segments(row: Any, columns: int, cursor_x: int = -1) -> list[Segment]:
    """One screen row as Rich segments, one per run of cells with the same style; the cell at
    `cursor_x` (if any) drawn reversed."""
    cells = [row[x] for x in range(columns)]
    if 0 <= cursor_x < columns:
        cell = cells[cursor_x]
        cells[cursor_x] = cell._replace(reverse=not cell.reverse)
    return [Segment("".join(map(_data, run)), cell_style(*key)) for key, run in groupby(cells, _style_key)]


class _Chars(dict):
    """Cells of one style, one per character, made once (pyte's `Char` is immutable)."""

    def __init__(self, attrs: Any) -> None:
        super().__init__()
        self.attrs = attrs

    def __missing__(self, data: str) -> Any:
        cell = self[data] = self.attrs._replace(data=data)
        return cell


class TerminalScreen(pyte.Screen):
    """pyte's `Screen`, with plain ASCII text written a run at a time (pyte's own `draw` works a
    character at a time: half of the emulator's time in a flood) and xterm's alternate screen
    (modes 47, 1047, 1049: full-screen programs get a blank screen and the shell's lines come back
    when they exit; pyte ignores these modes)."""

    def __init__(self, columns: int, lines: int) -> None:
        self._chars: dict[Any, _Chars] = {}
        self._primary: tuple[dict, Any] | None = None  # the shell's rows (and cursor) while the alternate screen shows
        super().__init__(columns, lines)

    def draw(self, data: str) -> None:
        mode = self.mode
        if not (data.isascii() and data.isprintable()) or mo.IRM in mode or mo.DECAWM not in mode:
            return super().draw(data)
        text = data.translate(self.g1_charset if self.charset else self.g0_charset)
        if not text.isascii():  # the DEC graphics set: box drawing characters
            return super().draw(data)
        cursor, columns, buffer, dirty = self.cursor, self.columns, self.buffer, self.dirty
        chars = self._chars.get(cursor.attrs)
        if chars is None:
            if len(self._chars) > 256:
                self._chars.clear()
            chars = self._chars[cursor.attrs] = _Chars(cursor.attrs)
        at, end = 0, len(text)
        while at < end:
            if cursor.x >= columns:  # autowrap, as pyte does it
                dirty.add(cursor.y)
                self.carriage_return()
                self.linefeed()
            x = cursor.x
            take = min(columns - x, end - at)
            buffer[cursor.y].update(zip(range(x, x + take), map(chars.__getitem__, text[at:at + take])))
            cursor.x = x + take
            at += take
        dirty.add(cursor.y)

    def set_mode(self, *modes: int, **kwargs: Any) -> None:
        super().set_mode(*modes, **kwargs)
        if kwargs.get("private"):
            for mode in modes:
                if (mode << 5) in ALT_SCREENS and self._primary is None:
                    cursor = None
                    if ALT_SCREENS[mode << 5]:
                        cursor = (self.cursor.x, self.cursor.y, self.cursor.attrs)
                    self._primary = (dict(self.buffer), cursor)
                    self.buffer.clear()
                    self.dirty.update(range(self.lines))

    def reset_mode(self, *modes: int, **kwargs: Any) -> None:
        super().reset_mode(*modes, **kwargs)
        if kwargs.get("private"):
            for mode in modes:
                if (mode << 5) in ALT_SCREENS and self._primary is not None:
                    rows, cursor = self._primary
                    self._primary = None
                    self.buffer.clear()
                    self.buffer.update({y: row for y, row in rows.items() if y < self.lines})
                    if cursor is not None:
                        self.cursor.x, self.cursor.y, self.cursor.attrs = cursor
                        self.ensure_hbounds()
                        self.ensure_vbounds()
                    self.dirty.update(range(self.lines))

    def select_graphic_rendition(self, *attrs: int, private: bool = False) -> None:
        if not private:  # CSI ? ... m (vim asks xterm's key modifier options that way) is no colour
            super().select_graphic_rendition(*attrs)

    @property
    def alternate(self) -> bool:
        """True while a full-screen program has the alternate screen."""
        return self._primary is not None

    def reset(self) -> None:
        self._primary = None
        super().reset()


_PLAIN = bytes([9, 10, 13, *range(0x20, 0x7F), *range(0x80, 0x100)])  # text, tab, CR, LF; UTF-8 bytes
_C1 = re.compile(rb"\xc2[\x80-\x9f]")  # UTF-8 for C1 controls (pyte reads U+009B as CSI)
_SGR = re.compile(rb"\x1b\[[0-9;:]*m")


def jump_cut(data: bytes, screen: pyte.Screen) -> tuple[int, bytes]:
    """Where to cut `data` (output not yet fed) so that feeding only what follows the cut gives
    the screen the same final state, and what to feed instead of what is cut: (0, b"") when no
    cut is safe.

    Safe when the cut-off part P is plain text (printable characters, tabs, CR, LF, UTF-8) and
    colour changes (SGR) only, ends with CR LF, and holds at least a screenful of line feeds,
    and what follows holds a screenful of line feeds too, on a screen that scrolls as a whole: then
    P leaves the cursor at the start of the bottom line and everything it drew is scrolled off by
    what follows. Instead of P the screen gets CR, a screenful of LF (the same cursor) and the
    colour changes since P's last reset (the same colours)."""
    rows = screen.lines
    if screen.margins is not None and (screen.margins.top, screen.margins.bottom) != (0, rows - 1):
        return 0, b""
    pos = len(data)
    for _ in range(rows + 1):
        pos = data.rfind(b"\n", 0, pos)
        if pos < 1:
            return 0, b""
    cut = pos + 1
    if data[pos - 1] != 13:  # P must end with CR LF
        return 0, b""
    head = data[:cut]
    if head.count(b"\n") < rows:
        return 0, b""
    colours = b""
    if b"\x1b" in head:
        sgrs = _SGR.findall(head)
        head = _SGR.sub(b"", head)
        start = 0
        for n, sgr in enumerate(sgrs):
            params = sgr[2:-1]
            if params in (b"", b"0") or params.startswith(b"0;"):
                start = n
        colours = b"".join(sgrs[start:])
    if head.translate(None, _PLAIN) or (b"\xc2" in head and _C1.search(head)):
        return 0, b""
    return cut, b"\r" + b"\n" * rows + colours


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

    class _Output(Message):
        """The reader queued output (posted once until the queue is drained)."""

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.screen_buffer = TerminalScreen(80, 24)
        self.screen_buffer.write_process_input = self._reply  # answers to device status queries
        self.stream = pyte.ByteStream(self.screen_buffer)
        self.channel: Any = None
        self.skipped_bytes = 0  # output never drawn: scrolled off within a frame, or dropped by ctrl-c
        self._lock = threading.Condition()
        self._pending: deque[bytes] = deque()
        self._pending_bytes = 0
        self._woken = False       # an _Output message is on its way
        self._received = 0        # bytes read from the channel
        self._window = (0.0, 0, 0)  # (start, received at start, bytes in the previous window): the flood meter
        self._last_received = 0.0
        self._skipping = False    # ctrl-c in a flood: output is skipped until it pauses
        self._skip_started = 0.0
        self._tail = b""
        self._skip_timer: Timer | None = None
        self._drain_timer: Timer | None = None
        self._last_drain = 0.0
        self._strips: dict[int, tuple[int, int, Strip]] = {}
        self._detached = False

    # Connection -------------------------------------------------------------------
    def attach(self, open_channel: Callable[[int, int], Any]) -> None:
        cols, rows = max(self.size.width, 2), max(self.size.height, 2)
        resize_screen(self.screen_buffer, rows, cols)
        self._strips.clear()
        self._detached = False
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
                data = chan.recv(65536)
            except OSError:
                data = b""
            if not data:
                break
            self.feed(data)
        status = chan.recv_exit_status()  # may follow the EOF; -1 when the channel closed without one
        self.post_message(self.Closed(self, status if status >= 0 else None))

    def feed(self, data: bytes) -> None:
        """Queue output from the remote side (thread-safe, returns at once unless `MAX_PENDING`
        bytes wait already); it is drawn within a frame or so."""
        with self._lock:
            now = time.monotonic()
            self._received += len(data)
            self._last_received = now
            start, at_start, _ = self._window
            if now - start > FLOOD_WINDOW:
                self._window = (now, self._received, self._received - at_start)
            if self._skipping:
                self._tail = (self._tail + data)[-TAIL:]
                self.skipped_bytes += len(data)
                return
            while self._pending_bytes > MAX_PENDING and not self._detached and not self._skipping:
                self._lock.wait(0.1)
            self._pending.append(data)
            self._pending_bytes += len(data)
            if self._woken:
                return
            self._woken = True
        self.post_message(self._Output())

    @property
    def pending_bytes(self) -> int:
        """Output queued and not drawn yet."""
        return self._pending_bytes

    def flooding(self) -> bool:
        """Output arrives faster than a person reads it (`FLOOD_BYTES` within `FLOOD_WINDOW`)."""
        with self._lock:
            start, at_start, previous = self._window
            recent = self._received - at_start if time.monotonic() - start <= 2 * FLOOD_WINDOW else 0
            return self._pending_bytes > FLOOD_BYTES or max(recent, previous if recent else 0) > FLOOD_BYTES

    @on(_Output)
    def _wake(self, message: _Output) -> None:
        message.stop()
        if self._drain_timer is not None:
            return
        wait = self._last_drain + FRAME - time.monotonic()
        if wait <= 0:
            self._drain()
        else:
            self._drain_timer = self.set_timer(wait, self._drain)

    def _drain(self) -> None:
        """Feed pyte what the reader queued, for at most `FEED_BUDGET`; then refresh once."""
        self._drain_timer = None
        self._last_drain = started = time.monotonic()
        with self._lock:
            data = b"".join(self._pending)
            self._pending.clear()
            self._pending_bytes = 0
            self._woken = False
            self._lock.notify_all()
        if not data:
            return
        buf, stream = self.screen_buffer, self.stream
        if len(data) > 4 * buf.lines and stream.use_utf8 and stream._taking_plain_text is not False:  # noqa: SLF001
            cut, instead = jump_cut(data, buf)  # the parser is between sequences: a cut is safe
            if cut:
                stream.utf8_decoder.reset()
                stream.feed(instead)
                self.skipped_bytes += cut
                data = data[cut:]
        at = 0
        while at < len(data):
            try:
                stream.feed(data[at:at + FEED_SLICE])
            except Exception:  # a sequence pyte cannot handle: it resets its parser; the screen goes on
                pass
            at += FEED_SLICE
            if time.monotonic() - started > FEED_BUDGET:
                break
        if at < len(data):  # the rest waits for the next frame
            with self._lock:
                self._pending.appendleft(data[at:])
                self._pending_bytes += len(data) - at
            self._drain_timer = self.set_timer(FRAME, self._drain)
        self._invalidate()
        self.refresh()

    def _invalidate(self) -> None:
        dirty = self.screen_buffer.dirty
        for y in dirty:
            self._strips.pop(y, None)
        dirty.clear()

    def _reply(self, text: str) -> None:
        if self.channel is not None:
            self.channel.sendall(text.encode())

    def close(self) -> None:
        with self._lock:
            self._detached = True
            self._lock.notify_all()
        if self.channel is not None:
            self.channel.close()

    def on_mount(self) -> None:
        flood.hold(self)

    def on_unmount(self) -> None:
        flood.release(self)
        self.close()  # ends the reader thread (the app waits for its workers on exit)

    # Ctrl-C during a flood ----------------------------------------------------------
    def interrupt(self) -> None:
        """Send ctrl-c; if output is flooding in, drop what is queued and skip what is still in
        flight until the output pauses (`QUIET`), then draw the last `TAIL` bytes of it."""
        if self.channel is not None and not self.channel.closed:
            self.channel.sendall(b"\x03")
        if not self.flooding():
            return
        with self._lock:
            self._tail = b"".join(self._pending)[-TAIL:]
            self.skipped_bytes += self._pending_bytes
            self._pending.clear()
            self._pending_bytes = 0
            self._skipping = True
            self._skip_started = time.monotonic()
            self._lock.notify_all()
        if self._drain_timer is not None:
            self._drain_timer.stop()
            self._drain_timer = None
        if self._skip_timer is None:
            self._skip_timer = self.set_interval(QUIET / 4, self._check_pause)

    def _check_pause(self) -> None:
        now = time.monotonic()
        with self._lock:
            if now - self._last_received < QUIET and now - self._skip_started < MAX_SKIP:
                return
            tail, self._tail = self._tail, b""
            self._skipping = False
            start = tail.find(b"\n") + 1  # from the start of a line
            self.skipped_bytes += start
            if tail[start:]:
                self._pending.append(tail[start:])
                self._pending_bytes += len(tail) - start
        if self._skip_timer is not None:
            self._skip_timer.stop()
            self._skip_timer = None
        self._drain()

    # Text of the screen (for tests and screenshots) ---------------------------------
    @property
    def lines(self) -> list[str]:
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
        event.stop()
        event.prevent_default()
        if event.key == "ctrl+c":
            self.interrupt()
            return
        data = key_bytes(event.key, event.character, DECCKM in self.screen_buffer.mode)
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
        resize_screen(self.screen_buffer, rows, cols)
        self._strips.clear()
        if self.channel is not None and not self.channel.closed:
            self.channel.resize_pty(width=cols, height=rows)
        self.refresh()

    # Rendering ----------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        width = self.size.width
        buf = self.screen_buffer
        if y >= buf.lines:
            return Strip.blank(width)
        if buf.dirty:
            self._invalidate()
        cursor = buf.cursor
        cursor_x = cursor.x if self.has_focus and not cursor.hidden and cursor.y == y else -1
        cached = self._strips.get(y)
        if cached is not None and cached[0] == cursor_x and cached[1] == width:
            return cached[2]
        strip = Strip(row_segments(buf.buffer[y], buf.columns, cursor_x)).adjust_cell_length(width)
        self._strips[y] = (cursor_x, width, strip)
        return strip
