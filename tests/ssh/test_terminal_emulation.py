"""The terminal widget's emulator pieces without a network: the fast text path matches pyte's
own, jump scroll skips only what could never be seen, and the alternate screen comes back."""

from __future__ import annotations

import random

import pyte

from hostwiz.screens.terminal import TerminalScreen, jump_cut, row_segments


def cells(screen: pyte.Screen) -> list[list[tuple]]:
    return [[tuple(screen.buffer[y][x]) for x in range(screen.columns)] for y in range(screen.lines)]


def both(data: bytes, cols: int = 30, rows: int = 8) -> tuple[pyte.Screen, TerminalScreen]:
    plain, fast = pyte.Screen(cols, rows), TerminalScreen(cols, rows)
    pyte.ByteStream(plain).feed(data)
    pyte.ByteStream(fast).feed(data)
    return plain, fast


def test_the_fast_text_path_draws_exactly_what_pyte_draws():
    rng = random.Random(7)
    words = [b"word", b"\x1b[1;31m", b"\x1b[0m", b"\t", b"\r\n", b"x" * 45, b"\xc3\xa9t\xc3\xa9", b"\x1b[4h",
             b"ins", b"\x1b[4l", b"\x1b[?7l", b"no-wrap-" * 5, b"\x1b[?7h", b"\x1b(0qqq\x1b(B", b"\xe6\xbc\xa2\xe5\xad\x97"]
    data = b"".join(rng.choice(words) for _ in range(3000))
    plain, fast = both(data)
    assert cells(fast) == cells(plain)
    assert (fast.cursor.x, fast.cursor.y) == (plain.cursor.x, plain.cursor.y)


def coloured_lines(first: int, count: int) -> bytes:
    return b"".join(b"\x1b[3%dmline %d\x1b[0m of some output that is long enough to wrap around the screen\r\n"
                    % (n % 8, n) for n in range(first, first + count))


def jumped(screen: TerminalScreen, data: bytes) -> int:
    stream = pyte.ByteStream(screen)
    cut, instead = jump_cut(data, screen)
    stream.feed(instead + data[cut:])
    return cut


def test_jump_scroll_skips_output_that_scrolls_off_and_ends_on_the_same_screen():
    data = b"\x1b[1m" + coloured_lines(0, 500) + b"\x1b[32mgreen tail with no newline"
    full = TerminalScreen(40, 10)
    pyte.ByteStream(full).feed(data)
    fast = TerminalScreen(40, 10)
    fast.cursor.y = 3  # wherever the cursor was before the flood
    cut = jumped(fast, data)
    assert cut > len(data) * 0.9  # most of it never went through pyte
    assert fast.display == full.display and cells(fast) == cells(full)
    assert fast.cursor.attrs == full.cursor.attrs  # the colour in force at the end carried over


def test_jump_scroll_refuses_output_it_cannot_skip():
    rows = 10
    moves = coloured_lines(0, 100) + b"\x1b[2;5Hmoved" + coloured_lines(100, 30)  # cursor addressing
    assert jump_cut(moves, TerminalScreen(40, rows)) == (0, b"")
    few = coloured_lines(0, rows + 3)  # not a screenful before and after any cut
    assert jump_cut(few, TerminalScreen(40, rows))[0] == 0
    region = TerminalScreen(40, rows)
    pyte.ByteStream(region).feed(b"\x1b[2;8r")  # a scrolling region (less, vim): lines outside it stay
    assert jump_cut(coloured_lines(0, 100), region) == (0, b"")
    c1 = coloured_lines(0, 50) + "\u009b2J".encode() + coloured_lines(50, 50)  # a C1 CSI in UTF-8
    assert jump_cut(c1, TerminalScreen(40, rows)) == (0, b"")


def test_the_alternate_screen_gives_the_shell_lines_back():
    screen = TerminalScreen(30, 6)
    stream = pyte.ByteStream(screen)
    stream.feed(b"$ ls\r\nfile-a  file-b\r\n$ vim")
    before = screen.display
    stream.feed(b"\x1b[?1049h\x1b[H\x1b[2Jfull screen program\x1b[3;1H~")
    assert screen.alternate and screen.display[0].rstrip() == "full screen program"
    stream.feed(b"\x1b[?1049l")
    assert not screen.alternate and screen.display == before
    assert (screen.cursor.x, screen.cursor.y) == (5, 2)


def test_rows_render_as_one_segment_per_run_of_a_style():
    screen = TerminalScreen(20, 2)
    pyte.ByteStream(screen).feed(b"ab\x1b[31mred\x1b[0mcd")
    segments = row_segments(screen.buffer[0], 20, cursor_x=1)
    assert \
        "".join(s.text for s in segments) == "abredcd" + " " * 13
    styles = [(s.text, s.style.color.name if s.style.color else None, bool(s.style.reverse)) for s in segments]
    assert styles == [("a", None, False), ("b", None, True), ("red", "red", False), ("cd" + " " * 13, None, False)]
