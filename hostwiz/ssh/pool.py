"""One SSH transport per host, shared by the SSH screen, quick commands and log tailing.

    pool = shared_pool(session)                 # one per session (kept on session.ssh_pool)
    code, out, err = pool.run("blog", "df -h")  # one command, waits for it
    chan = pool.exec_stream("blog", "tail -F /var/log/nginx/access.log")
    for line in chan.makefile("r"): ...         # a paramiko Channel; chan.close() stops it
    chan = pool.shell("blog", cols=120, rows=36)  # interactive PTY (the terminal widget)

Every call after the first reuses the same authenticated transport (one handshake per
host); a dropped transport is reconnected on the next call. `host` is a stack name.
Calls are thread-safe and block, so run them on worker threads.
"""

from __future__ import annotations

import io
import threading
from typing import Any, Callable

from .connect import Connection, Connector
from .hostkeys import Confirm, refuse

ConnectorFor = Callable[[str, Confirm, Callable[[str], None] | None], Connector]


class Pool:
    def __init__(self, connector_for: ConnectorFor):
        self._connector_for = connector_for
        self._conns: dict[str, Connection] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self.handshakes = 0  # SSH handshakes made by this pool (bastion hops included)

    def connection(self, host: str, *, confirm: Confirm = refuse,
                   progress: Callable[[str], None] | None = None) -> Connection:
        """The live connection to `host`, connecting (with the fallbacks) only when there is none.

        `confirm` is asked about a host key that is neither pinned nor in the console output;
        `progress` hears "waiting for ..." while the console output is polled. Raises
        `ConnectFailed` (its message says what each path tried) on failure.
        """
        with self._guard:
            lock = self._locks.setdefault(host, threading.Lock())
        with lock:
            conn = self._conns.get(host)
            if conn is not None and conn.transport is not None and conn.transport.is_active():
                return conn
            if conn is not None:
                conn.close()
            connector = self._connector_for(host, confirm, progress)
            try:
                conn = connector.connect()
            finally:
                self.handshakes += connector.handshakes
            self._conns[host] = conn
            return conn

    def exec_stream(self, host: str, command: str, *, pty: bool = False, **kw: Any) -> Any:
        """Start `command` and return its paramiko Channel (stdout via recv/makefile, stderr via
        recv_stderr/makefile_stderr, exit via recv_exit_status). Close the channel to stop it."""
        chan = self.connection(host, **kw).transport.open_session()
        if pty:
            chan.get_pty()
        chan.exec_command(command)
        return chan

    def run(self, host: str, command: str, *, timeout: float | None = 60.0, **kw: Any) -> tuple[int, str, str]:
        """Run `command` to the end: (exit status, stdout, stderr) as text."""
        from .interactive import stream

        chan = self.exec_stream(host, command, **kw)
        out, err = io.BytesIO(), io.BytesIO()
        try:
            code = stream(chan, out, err, timeout)
        finally:
            chan.close()
        return code, out.getvalue().decode("utf-8", "replace"), err.getvalue().decode("utf-8", "replace")

    def shell(self, host: str, *, term: str = "xterm-256color", cols: int = 80, rows: int = 24, **kw: Any) -> Any:
        """An interactive login shell on a PTY; resize it with `chan.resize_pty(width=, height=)`."""
        chan = self.connection(host, **kw).transport.open_session()
        chan.get_pty(term=term, width=cols, height=rows)
        chan.invoke_shell()
        return chan

    def close(self, host: str | None = None) -> None:
        with self._guard:
            hosts = [host] if host else list(self._conns)
            for h in hosts:
                conn = self._conns.pop(h, None)
                if conn is not None:
                    conn.close()
