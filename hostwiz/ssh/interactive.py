"""Give a channel the real terminal (raw mode, window resizes follow) or stream a command's output.

Used by `hostwiz ssh NAME` and by the SSH screen's "hand over the terminal" option, which
calls it inside Textual's `App.suspend()`.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import sys
import threading
from typing import Any, BinaryIO


def terminal_size() -> tuple[int, int]:
    size = shutil.get_terminal_size((80, 24))
    return size.columns, size.lines


def interactive(chan: Any, stdin_fd: int | None = None, stdout_fd: int | None = None) -> int:
    """Shuttle bytes between the local terminal and `chan` until the remote shell ends.
    Returns the remote exit status (0 when the server did not send one)."""
    import termios
    import tty

    stdin_fd = sys.stdin.fileno() if stdin_fd is None else stdin_fd
    stdout_fd = sys.stdout.fileno() if stdout_fd is None else stdout_fd
    saved = termios.tcgetattr(stdin_fd) if os.isatty(stdin_fd) else None
    previous = None
    if threading.current_thread() is threading.main_thread():
        def on_resize(*_: Any) -> None:
            cols, rows = terminal_size()
            chan.resize_pty(width=cols, height=rows)

        previous = signal.signal(signal.SIGWINCH, on_resize)
    try:
        if saved is not None:
            tty.setraw(stdin_fd)
        while True:
            ready, _, _ = select.select([chan, stdin_fd], [], [])
            if chan in ready:
                data = chan.recv(32768)
                if not data:
                    break
                os.write(stdout_fd, data)
            if stdin_fd in ready:
                data = os.read(stdin_fd, 4096)
                if not data:
                    chan.shutdown_write()
                    continue
                chan.sendall(data)
    finally:
        if saved is not None:
            termios.tcsetattr(stdin_fd, termios.TCSADRAIN, saved)
        if previous is not None:
            signal.signal(signal.SIGWINCH, previous)
    status = chan.recv_exit_status()  # OpenSSH sends EOF before the exit status: wait for it (or the close)
    return status if status >= 0 else 0


def stream(chan: Any, out: BinaryIO, err: BinaryIO, timeout: float | None = None) -> int:
    """Copy a running command's stdout and stderr as they arrive (both, so neither can stall the
    other); return its exit status. TimeoutError after `timeout` seconds."""
    import time

    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        if deadline is not None and time.monotonic() > deadline:
            raise TimeoutError(f"the command did not finish within {timeout:.0f}s")
        ready, _, _ = select.select([chan], [], [], 1.0)
        progressed = False
        while chan.recv_ready():
            out.write(chan.recv(32768))
            progressed = True
        while chan.recv_stderr_ready():
            err.write(chan.recv_stderr(32768))
            progressed = True
        out.flush()
        err.flush()
        if not progressed and (chan.eof_received or chan.closed) and not chan.recv_stderr_ready():
            break
    return chan.recv_exit_status()
