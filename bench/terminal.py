"""`cat` of a 5 MB file through the SSH screen's terminal widget, against tmux in the same run.

    .venv/bin/python bench/terminal.py [--mb 5] [--runs 3] [--via pty|sshd] [--json]

The file is Python's own standard library sources concatenated (text, some tabs, some UTF-8)
to `--mb` megabytes. Three measurements, each a median of `--runs`:

1. tmux: `tmux new -d -x 120 -y 36 'cat FILE; tmux wait-for -S done'` on a private server
   socket, timed until `wait-for done` returns (tmux server start included, as a user sees it).
2. The widget: `screens.terminal.Terminal` in a headless Textual app at 120x36, attached the way
   `screens/ssh.py` attaches it (`attach(open_channel)`), where `open_channel` runs
   `cat FILE` on a local pseudo-terminal (`--via pty`, default: a channel-like object over
   `pty.fork()`, so the line discipline adds CR before LF as an SSH PTY does) or through
   OpenSSH's sshd on loopback and paramiko (`--via sshd`: `Pool.shell`, typed `exec cat FILE`).
   Timed from `attach` until the widget posted `Closed` and drew everything it was given;
   its final screen must equal tmux's (`tmux capture-pane`), else the run fails.
   A 5 ms ticker measures the event loop's longest stall during the flood, and the event-loop
   thread's own CPU time within it (the rest is waiting for a core or the GIL); the longest stall
   before the first byte (opening the channel; the first one imports paramiko) is reported apart.
3. Ctrl-C: the same widget on `while :; do cat FILE; done`; after 1 s of flood, ctrl+c is
   pressed through Pilot. Reported: how long until the remote side had it (the loop ended)
   and the time from the key to the screen's last change (the output visibly stopping).
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import json
import os
import pty
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import sysconfig
import tempfile
import termios
import time
from pathlib import Path

COLS, ROWS = 120, 36


def make_file(path: Path, mb: float) -> Path:
    """Deterministic text: the standard library's sources, in name order, to `mb` megabytes."""
    want = int(mb * 1024 * 1024)
    out = bytearray()
    for src in sorted(Path(sysconfig.get_paths()["stdlib"]).rglob("*.py")):
        if "test" in src.parts:
            continue
        out += src.read_bytes()
        if len(out) >= want:
            break
    text = bytes(out[:want])
    text = text[:text.rfind(b"\n") + 1]  # whole lines
    path.write_bytes(text)
    return path


# tmux ------------------------------------------------------------------------------------

def tmux_cat(path: Path) -> tuple[float, list[str]]:
    sock = f"hostwiz-bench-{os.getpid()}"
    tmux = ["tmux", "-L", sock, "-f", "/dev/null"]
    try:
        t = time.perf_counter()
        subprocess.run(tmux + ["new", "-d", "-x", str(COLS), "-y", str(ROWS),
                               f"cat {path}; tmux -L {sock} wait-for -S done; sleep 30"], check=True)
        subprocess.run(tmux + ["wait-for", "done"], check=True)
        took = time.perf_counter() - t
        shown = subprocess.run(tmux + ["capture-pane", "-p"], capture_output=True, text=True, check=True).stdout
    finally:
        subprocess.run(tmux + ["kill-server"], capture_output=True)
    return took, [line.rstrip() for line in shown.split("\n")[:ROWS]]


# A channel on a local pseudo-terminal -------------------------------------------------------

class PtyChannel:
    """What `Terminal` uses of a paramiko Channel, over `pty.fork()` running `sh -c command`."""

    def __init__(self, command: str, cols: int, rows: int):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: a shell on the slave side, as sshd would start it
            os.execvp("sh", ["sh", "-c", command])
        self.resize_pty(cols, rows)
        self.closed = False
        self.status: int | None = None

    def resize_pty(self, width: int, height: int) -> None:
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", height, width, 0, 0))

    def recv(self, n: int) -> bytes:
        try:
            return os.read(self.fd, n)
        except OSError:  # EIO: the child is gone
            return b""

    def recv_ready(self) -> bool:
        import select

        return bool(select.select([self.fd], [], [], 0)[0])

    def sendall(self, data: bytes) -> None:
        os.write(self.fd, data)

    def recv_exit_status(self) -> int:
        if self.status is None:
            _, status = os.waitpid(self.pid, 0)
            self.status = os.waitstatus_to_exitcode(status)
        return self.status

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            try:
                os.kill(self.pid, signal.SIGHUP)
            except ProcessLookupError:
                pass
            try:
                os.close(self.fd)
            except OSError:
                pass


# OpenSSH sshd on loopback (--via sshd) ------------------------------------------------------

class Sshd:
    def __init__(self) -> None:
        import socket

        self.dir = Path(tempfile.mkdtemp(prefix="hostwiz-bench-sshd-"))
        for name in ("host", "client"):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(self.dir / name)], check=True)
        (self.dir / "authorized_keys").write_text((self.dir / "client.pub").read_text())
        (self.dir / "authorized_keys").chmod(0o600)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        (self.dir / "sshd_config").write_text(
            f"Port {self.port}\nListenAddress 127.0.0.1\nHostKey {self.dir / 'host'}\n"
            f"AuthorizedKeysFile {self.dir / 'authorized_keys'}\nPidFile {self.dir / 'sshd.pid'}\n"
            "UsePAM no\nStrictModes no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
            "PermitRootLogin prohibit-password\n")
        if os.geteuid() == 0:
            os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
        self.proc = subprocess.Popen([shutil.which("sshd") or "/usr/sbin/sshd", "-D", "-e", "-f",
                                      str(self.dir / "sshd_config")], stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def pool(self):
        import getpass
        from types import SimpleNamespace

        from hostwiz import secrets
        from hostwiz.ledger import Ledger
        from hostwiz.ssh import Pool
        from hostwiz.ssh.hostkeys import PinStore
        from hostwiz.services.ssh import stack_connector

        secrets.use_memory_keyring()
        state = self.dir / "state"
        state.mkdir(exist_ok=True)
        secrets.write_private_file(secrets.key_path(state, "web"), (self.dir / "client").read_text())
        Ledger(state, "web").update(name="web", status="ready", outputs={
            "instance_id": "i-0feedfeedfeedfeed", "public_ip": "127.0.0.1", "ssh_user": getpass.getuser()})
        PinStore(state, "web").pin("i-0feedfeedfeedfeed",
                                   [" ".join((self.dir / "host.pub").read_text().split()[:2])])
        session = SimpleNamespace(state_dir=state, aws=None)
        return Pool(lambda host, confirm, progress: stack_connector(
            session, host, resolve=lambda i, a: ("127.0.0.1", self.port)))

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(5)


def opener(via: str, command: str, sshd: Sshd | None):
    if via == "pty":
        return lambda cols, rows: PtyChannel(command, cols, rows)
    pool = sshd.pool()

    def open_channel(cols: int, rows: int):
        chan = pool.shell("web", cols=cols, rows=rows)
        chan.sendall(f"stty -echo; clear; exec sh -c '{command}'\n".encode())
        return chan
    return open_channel


# The widget ------------------------------------------------------------------------------

def widget_run(command: str, via: str, sshd: Sshd | None, interrupt_after: float | None = None) -> dict:
    from textual.app import App, ComposeResult

    from hostwiz.screens.terminal import Terminal

    result: dict = {}

    class Bench(App):
        def compose(self) -> ComposeResult:
            yield Terminal()

        def on_terminal_closed(self, message: Terminal.Closed) -> None:
            result.setdefault("closed", time.perf_counter())

    async def main() -> None:
        app = Bench()
        async with app.run_test(size=(COLS, ROWS)) as pilot:
            term = app.query_one(Terminal)
            term.focus()
            await pilot.pause()
            loop = asyncio.get_running_loop()
            stall, stall_cpu, connecting, running, changes = 0.0, 0.0, 0.0, True, []

            async def ticker() -> None:
                nonlocal stall, stall_cpu, connecting
                last = None
                while running:
                    t, cpu = loop.time(), time.thread_time()
                    await asyncio.sleep(0.005)
                    lag = loop.time() - t - 0.005
                    if not term._received:  # noqa: SLF001 - still connecting (the first use imports paramiko)
                        connecting = max(connecting, lag)
                    elif lag > stall:  # and how much of it was the event loop's own work (not waiting for a core)
                        stall, stall_cpu = lag, time.thread_time() - cpu
                    if interrupt_after is not None:  # what the widget shows, every ~5 ms
                        text = term.lines
                        if text != last:
                            last = text
                            changes.append(time.perf_counter())

            tick = asyncio.create_task(ticker())
            start = time.perf_counter()
            term.attach(opener(via, command, sshd))
            if interrupt_after is None:
                while "closed" not in result:
                    await asyncio.sleep(0.005)
                await app.workers.wait_for_complete()
                drained = getattr(term, "pending_bytes", 0)
                while getattr(term, "pending_bytes", 0):
                    await asyncio.sleep(0.005)
                await asyncio.sleep(0)
                result["wall"] = time.perf_counter() - start
                result["pending_at_close"] = drained
            else:
                await asyncio.sleep(interrupt_after)
                pressed = time.perf_counter()
                await pilot.press("ctrl+c")
                while "closed" not in result and time.perf_counter() - pressed < 10:
                    await asyncio.sleep(0.005)
                await asyncio.sleep(1.5)  # watch the screen for a while after
                result["remote_stopped"] = result.get("closed", float("nan")) - pressed
                result["last_change"] = max([c for c in changes if c > pressed], default=pressed) - pressed
            running = False
            await tick
            result["stall"], result["stall_cpu"], result["connect_stall"] = stall, stall_cpu, connecting
            result["lines"] = term.lines
            term.close()

    asyncio.run(main())
    return result


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=5)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--via", choices=("pty", "sshd"), default="pty")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="hostwiz-bench-term-"))
    path = make_file(tmp / "file.txt", args.mb)
    size = path.stat().st_size / 2**20
    sshd = Sshd() if args.via == "sshd" else None
    load = os.getloadavg()[0]
    tmux_t, widget_t, stalls, connect_stalls, problems = [], [], [], [], []
    try:
        for _ in range(args.runs):
            took, expected = tmux_cat(path)
            tmux_t.append(took)
            r = widget_run(f"cat {path}", args.via, sshd)
            widget_t.append(r["wall"])
            stalls.append((r["stall"], r["stall_cpu"]))
            connect_stalls.append(r["connect_stall"])
            got = r["lines"]
            if args.via == "pty" and got != expected:
                problems.append("the widget's final screen differs from tmux's:\n"
                                + "\n".join(f"{a!r:60.60} | {b!r:60.60}" for a, b in zip(got, expected) if a != b))
        ctrl_c = widget_run(f"while :; do cat {path}; done", args.via, sshd, interrupt_after=1.0)
    finally:
        if sshd:
            sshd.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    out = {"mb": round(size, 2), "via": args.via, "load_before": round(load, 2), "cores": os.cpu_count(),
           "tmux_s": round(statistics.median(tmux_t), 3), "widget_s": round(statistics.median(widget_t), 3),
           "tmux_mb_per_s": round(size / statistics.median(tmux_t), 2),
           "widget_mb_per_s": round(size / statistics.median(widget_t), 2),
           "widget_over_tmux": round(statistics.median(widget_t) / statistics.median(tmux_t), 2),
           "longest_stall_ms": round(1000 * max(stalls)[0], 1),
           "longest_stall_cpu_ms": round(1000 * max(stalls)[1], 1),
           "longest_connect_stall_ms": round(1000 * max(connect_stalls), 1),
           "ctrl_c_remote_stopped_ms": round(1000 * ctrl_c["remote_stopped"], 1),
           "ctrl_c_screen_still_ms": round(1000 * ctrl_c["last_change"], 1),
           "final_screen_matches_tmux": not problems}
    if args.json:
        print(json.dumps(out))
    else:
        print(f"load average before: {load:.2f} on {os.cpu_count()} cores; {size:.2f} MB, via {args.via}")
        print(f"tmux 120x36: {out['tmux_s']:.3f} s, {out['tmux_mb_per_s']:.2f} MB/s")
        print(f"widget 120x36: {out['widget_s']:.3f} s, {out['widget_mb_per_s']:.2f} MB/s "
              f"({out['widget_over_tmux']:.2f}x tmux's time); longest loop stall during the flood "
              f"{out['longest_stall_ms']} ms ({out['longest_stall_cpu_ms']} ms of the loop's own CPU), "
              f"while connecting {out['longest_connect_stall_ms']} ms")
        print(f"ctrl+c: remote loop ended after {out['ctrl_c_remote_stopped_ms']} ms; "
              f"screen still {out['ctrl_c_screen_still_ms']} ms after the key")
        for p in problems:
            print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
