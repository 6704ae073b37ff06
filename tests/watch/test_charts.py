"""The metrics as text (hostwiz/charts.py), and `hostwiz top`'s frame: honest scales, the worst
point kept when points fold into fewer columns, units, 80 columns, ctrl+c."""

from __future__ import annotations

import argparse
import re
import threading
from datetime import datetime, timedelta, timezone

import pytest

from hostwiz.charts import BLOCKS, axis, buckets, cells, every, human, sparkline
from hostwiz.cli import top
from hostwiz.provisioners import metrics

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
ANSI = re.compile(r"\033\[[0-9;]*[A-Za-z]")


def test_percent_is_drawn_against_100_and_others_from_zero():
    assert axis([10, 12], "%") == (0.0, 100.0)
    assert sparkline([10, 12], 2, "%") == "▂▂"  # a quiet CPU stays low: not stretched to fill the height
    assert sparkline([0, 50, 100], 3, "%") == "▁▅█"
    assert axis([300, 400], "B/s") == (0.0, 400.0)
    assert sparkline([], 4) == "    " and cells([], 2) == [(" ", None), (" ", None)]
    assert sparkline([0, 0, 0], 3, "count") == "▁▁▁"  # all zero: a baseline, not a division by zero


def test_folding_keeps_the_worst_point_and_stretching_keeps_every_point():
    spike = [1.0] * 59 + [95.0]
    assert max(buckets(spike, 10)) == 95.0  # a one-minute spike survives folding 60 points into 10
    dip = [200.0] * 30 + [2.0] + [200.0] * 29
    assert min(buckets(dip, 10, worst=min)) == 2.0  # CPU credits: the lowest point is the one that matters
    assert buckets([1.0, 2.0, 3.0], 6) == [1.0, 1.0, 2.0, 2.0, 3.0, 3.0]
    assert len(cells(spike, 7, "%")) == 7


def test_units():
    assert human(88.0, "%") == "88.0 %"
    assert human(25_395.2, "B/s") == "24.8 KiB/s"
    assert human(16 * 1024 ** 3, "bytes") == "16.0 GiB"
    assert human(0.0021, "s") == "2.1 ms"
    assert human(3, "credits") == "3 credits" and human(4, "count") == "4" and human(None, "%") == "no data"
    assert (every(60), every(300), every(3600)) == ("1 min", "5 min", "1 h")  # 7 days: "a point per 1 h"


def snapshot() -> metrics.Snapshot:
    ms = metrics.instance_metrics("i-0abc", "t3.micro") + metrics.database_metrics("blog-db", 20)
    series = {}
    for m in ms:
        values = {"ec2_cpu": [20.0] * 59 + [97.0], "ec2_credits": [120.0] * 57 + [10.0, 6.0, 3.0],
                  "db_free_storage": [16 * 1024 ** 3] * 60}.get(m.key, [float(i % 7) for i in range(60)])
        series[m.key] = metrics.Series(m, [NOW - timedelta(minutes=60 - i) for i in range(60)], values)
    return metrics.Snapshot("1h", 60, NOW - timedelta(hours=1), NOW, series)


@pytest.mark.parametrize("width", [79, 119])
@pytest.mark.parametrize("colour", [False, True])
def test_top_frame_fits_the_terminal_with_units_and_levels(width, colour):
    frame = top.render("blog", snapshot(), width, colour)
    lines = [ANSI.sub("", line) for line in frame.splitlines()]
    assert all(len(line) <= width for line in lines), max(lines, key=len)
    cpu = next(line for line in lines if line.startswith("CPU "))
    assert "97.0 %" in cpu and "max 97.0 %" in cpu and any(b in cpu for b in BLOCKS)
    credits = next(line for line in lines if line.startswith("CPU credits"))
    assert "3 credits" in credits and "min 3 credits" in credits
    assert len([line for line in lines if any(b in line for b in BLOCKS)]) == 11
    if colour:  # the level is a colour, explained by the legend
        assert "\033[31;1m" in frame and any(line.startswith("bars ■ ok") for line in lines)
    else:  # piped: the level in words
        assert cpu.endswith("(critical)") and credits.endswith("(critical)")


def test_top_keeps_label_and_value_on_a_narrow_terminal():
    lines = top.render("blog", snapshot(), 50, False).splitlines()
    assert all(len(line) <= 50 for line in lines)
    assert any(line.startswith("DB free storage") and "16.0 GiB" in line for line in lines)


class Interrupting:
    """A stack's watcher whose second refresh is interrupted by ctrl+c (as if pressed mid-call)."""

    metrics = [object()]

    def __init__(self) -> None:
        self.refreshes = 0

    def refresh(self, window):
        self.refreshes += 1
        if self.refreshes > 1:
            raise KeyboardInterrupt
        return snapshot()


class CtrlCWhileWaiting(threading.Event):
    def wait(self, timeout=None):
        raise KeyboardInterrupt


@pytest.mark.parametrize("when", ["refreshing", "waiting"])
def test_ctrl_c_ends_top_cleanly_whenever_it_comes(monkeypatch, capsys, when):
    from hostwiz.services import watch

    watcher = Interrupting()
    monkeypatch.setattr(top, "session_for", lambda args: object())
    monkeypatch.setattr(top, "identity", lambda session: None)
    monkeypatch.setattr(watch, "watcher", lambda session, name: watcher)
    args = argparse.Namespace(name="blog", window="1h", every=1.0, once=False, json=False)
    stop = CtrlCWhileWaiting() if when == "waiting" else threading.Event()
    if when == "refreshing":
        stop.wait = lambda timeout=None: False  # straight to the next refresh
    assert top.run(args, stop) == 0
    out, err = capsys.readouterr()
    assert "CPU credits" in out and "(ctrl+c to quit)" in out
    assert err == "" and "Traceback" not in out
    assert watcher.refreshes == (2 if when == "refreshing" else 1)


TOP_CHILD = r'''
import signal, sys, threading
# as a shell starts it: ctrl+c raises KeyboardInterrupt (a test worker's own signal state, a blocked or
# ignored SIGINT, is inherited through fork and exec; in CI the full run's worker left it so)
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
signal.signal(signal.SIGINT, signal.default_int_handler)
sys.path.insert(0, sys.argv[1])
from types import SimpleNamespace
import test_charts
from hostwiz.cli import main, top
from hostwiz.services import watch

top.session_for = lambda args: object()
top.identity = lambda session: None
slow = threading.Event()
def refresh(window):
    if slow.is_set():  # the second refresh hangs (a slow CloudWatch): ctrl+c lands mid-call
        threading.Event().wait(60)
    slow.set()
    return test_charts.snapshot()
watch.watcher = lambda session, name: SimpleNamespace(metrics=[1], refresh=refresh)
sys.exit(main(["top", "blog", "--every", "1"]))
'''


@pytest.mark.parametrize("when", ["waiting", "refreshing"])
def test_ctrl_c_in_a_real_terminal_of_80_columns(tmp_path, when):
    """`hostwiz top` in a pseudo-terminal of 80x24: the frame fits, and SIGINT (what ctrl+c sends)
    ends it with exit 0, no traceback, the prompt on a fresh line."""
    import fcntl
    import os
    import pty
    import select
    import signal
    import struct
    import subprocess
    import sys
    import termios
    import time
    from pathlib import Path

    import pyte

    script = tmp_path / "child.py"
    script.write_text(TOP_CHILD)
    main_fd, child_fd = pty.openpty()
    fcntl.ioctl(child_fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    # the environment of a shell, not of the test worker (whatever earlier tests left in it)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOSTWIZ_", "AWS_"))}
    env.update(HOSTWIZ_STATE_DIR=str(tmp_path / "state"), TERM="xterm-256color")
    proc = subprocess.Popen([sys.executable, str(script), str(Path(__file__).parent)], stdin=child_fd,
                            stdout=child_fd, stderr=child_fd, start_new_session=True, env=env)
    os.close(child_fd)
    out = b""

    def read_until(check, timeout: float) -> None:
        nonlocal out
        end = time.monotonic() + timeout
        while not check() and time.monotonic() < end:
            if select.select([main_fd], [], [], 0.1)[0]:
                try:
                    out += os.read(main_fd, 65536)
                except OSError:
                    return

    try:
        read_until(lambda: b"ctrl+c to quit" in out, 90)
        assert b"ctrl+c to quit" in out, out.decode(errors="replace")  # the first frame, before ctrl+c
        if when == "refreshing":
            time.sleep(1.5)  # past --every 1: the second refresh has begun and hangs
        os.kill(proc.pid, signal.SIGINT)
        try:
            code = proc.wait(30)
        except subprocess.TimeoutExpired:
            read_until(lambda: False, 0.3)
            raise AssertionError("still running 30 s after ctrl+c; it showed:\n" + out.decode(errors="replace"))
        read_until(lambda: False, 0.3)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(main_fd)
    screen = pyte.Screen(80, 24)
    pyte.ByteStream(screen).feed(out)
    text = "\n".join(screen.display)
    assert code == 0, out.decode(errors="replace")
    assert "Traceback" not in text and "interrupted" not in text
    assert "97.0 %" in text and "max 97.0 %" in text and "min 3 credits" in text
    assert screen.cursor.x == 0  # the shell's prompt would start a line of its own
