"""A local port forwarded through an SSH transport (`ssh -L`, `fly proxy`): the database tunnel.

`Tunnel(transport, remote_host, remote_port)` listens on 127.0.0.1 (a given port, or a free
one) and, for each client it accepts, opens one `direct-tcpip` channel on the transport it
was handed — already connected, host key verified, authenticated (`Connector.connect()`) —
to `remote_host:remote_port` as the SSH server sees it (the RDS endpoint from the instance
or the bastion). Bytes are pumped both ways by one thread per connection; half-closes are
passed on, so a client that finishes sending still gets its answer.

A failure belongs to its connection: a channel the server refuses (nothing listening, a
security group in the way), a client that drops mid-query — each is recorded in `errors`
and reported through `on_event`, and the tunnel keeps accepting. `close()` stops accepting,
ends every connection, and joins every thread; the transport stays open (it is the
caller's: the SSH pool shares it).

paramiko is never imported here: only the transport's `open_channel` and `is_active` are used.
"""

from __future__ import annotations

import selectors
import socket
import threading
from dataclasses import dataclass
from typing import Any, Callable

CHUNK = 32768
LOOPBACK = "127.0.0.1"


class TunnelError(Exception):
    """The tunnel could not start (the local port is taken, the transport is closed)."""


@dataclass(frozen=True)
class TunnelEvent:
    kind: str  # "listening" | "opened" | "closed" | "failed" | "stopped"
    message: str
    connection: int = 0  # 1, 2, ... per accepted client; 0 for the tunnel itself


class Tunnel:
    """`with Tunnel(transport, "db.internal", 5432) as t: ... t.local_port ...`"""

    def __init__(self, transport: Any, remote_host: str, remote_port: int, *, local_port: int = 0,
                 bind: str = LOOPBACK, open_timeout: float = 10.0,
                 on_event: Callable[[TunnelEvent], None] | None = None):
        self.transport = transport
        self.remote = (remote_host, int(remote_port))
        self.bind = bind
        self.requested_port = int(local_port)
        self.open_timeout = open_timeout
        self.on_event = on_event or (lambda e: None)
        self.errors: list[str] = []
        self.served = 0  # connections that got a channel
        self._listener: socket.socket | None = None
        self._wake_r, self._wake_w = socket.socketpair()  # readable once close() starts: every loop ends
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._open: dict[int, tuple[socket.socket, Any]] = {}
        self._count = 0
        self._closed = threading.Event()

    # Life cycle -----------------------------------------------------------------------------
    def start(self) -> "Tunnel":
        if not self.transport.is_active():
            self._wake_r.close()
            self._wake_w.close()
            raise TunnelError("the SSH connection is closed; connect again before opening a tunnel")
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listener.bind((self.bind, self.requested_port))
        except OSError as err:
            listener.close()
            self._wake_r.close()
            self._wake_w.close()
            raise TunnelError(f"cannot listen on {self.bind}:{self.requested_port}: {err.strerror or err}; "
                              "choose another --local-port (or none for a free one)") from None
        listener.listen(16)
        listener.setblocking(False)
        self._listener = listener
        self._port = listener.getsockname()[1]
        self._spawn(self._accept_loop, "hostwiz-tunnel-accept")
        self._emit("listening", f"listening on {self.bind}:{self.local_port}, forwarding to "
                                f"{self.remote[0]}:{self.remote[1]} through SSH")
        return self

    @property
    def local_port(self) -> int:
        return getattr(self, "_port", self.requested_port)

    @property
    def active(self) -> int:
        """Connections open now."""
        with self._lock:
            return len(self._open)

    @property
    def alive(self) -> bool:
        """Accepting, and the SSH transport still up."""
        return self._listener is not None and not self._closed.is_set() and bool(self.transport.is_active())

    def close(self, timeout: float = 5.0) -> None:
        """Stop accepting, end every connection, join every thread. Safe to call twice."""
        if self._closed.is_set():
            return
        self._closed.set()
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass
        import time

        deadline = time.monotonic() + timeout
        while True:  # a connection accepted just before close() may have spawned one more thread
            with self._lock:
                waiting = [t for t in self._threads if t.is_alive() and t is not threading.current_thread()]
            if not waiting or time.monotonic() > deadline:
                break
            for t in waiting:
                t.join(max(0.0, deadline - time.monotonic()))
        with self._lock:
            leftovers = list(self._open.values())
            self._open.clear()
        for client, channel in leftovers:
            _close(client, channel)
        if self._listener is not None:
            self._listener.close()
        self._wake_r.close()
        self._wake_w.close()
        self._emit("stopped", f"tunnel on {self.bind}:{self.local_port} closed")

    def __enter__(self) -> "Tunnel":
        return self.start() if self._listener is None else self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # Internals ------------------------------------------------------------------------------
    def _spawn(self, target: Callable[..., None], name: str, *args: Any) -> None:
        t = threading.Thread(target=target, args=args, name=name, daemon=True)
        with self._lock:
            self._threads = [x for x in self._threads if x.is_alive()]
            self._threads.append(t)
        t.start()

    def _emit(self, kind: str, message: str, connection: int = 0) -> None:
        try:
            self.on_event(TunnelEvent(kind, message, connection))
        except Exception:  # a broken observer never takes the tunnel down
            pass

    def _fail(self, n: int, message: str) -> None:
        with self._lock:
            self.errors.append(message)
        self._emit("failed", message, n)

    def _accept_loop(self) -> None:
        assert self._listener is not None
        sel = selectors.DefaultSelector()
        sel.register(self._listener, selectors.EVENT_READ, "accept")
        sel.register(self._wake_r, selectors.EVENT_READ, "wake")
        try:
            while not self._closed.is_set():
                for key, _ in sel.select():
                    if key.data == "wake":
                        return
                    try:
                        client, peer = self._listener.accept()
                    except (BlockingIOError, InterruptedError):
                        continue
                    except OSError as err:
                        if self._closed.is_set():
                            return
                        self._fail(0, f"accepting a connection failed: {err}")
                        continue
                    client.setblocking(True)
                    with self._lock:
                        self._count += 1
                        n = self._count
                    self._spawn(self._serve, f"hostwiz-tunnel-{n}", n, client, peer)
        finally:
            sel.close()

    def _serve(self, n: int, client: socket.socket, peer: tuple[str, int]) -> None:
        where = f"{self.remote[0]}:{self.remote[1]}"
        try:
            if not self.transport.is_active():
                raise ConnectionError("the SSH connection has closed; open the tunnel again")
            channel = self.transport.open_channel("direct-tcpip", self.remote, peer, timeout=self.open_timeout)
        except Exception as err:
            client.close()
            self._fail(n, f"connection {n}: the SSH server could not reach {where} ({_words(err)})")
            return
        with self._lock:
            if self._closed.is_set():
                _close(client, channel)
                return
            self._open[n] = (client, channel)
            self.served += 1
        self._emit("opened", f"connection {n} from {peer[0]}:{peer[1]} to {where}", n)
        try:
            self._pump(client, channel)
        except Exception as err:  # a reset client or a dropped channel ends this connection only
            self._fail(n, f"connection {n} to {where} broke: {_words(err)}")
        finally:
            with self._lock:
                self._open.pop(n, None)
            _close(client, channel)
            self._emit("closed", f"connection {n} closed", n)

    def _pump(self, client: socket.socket, channel: Any) -> None:
        sel = selectors.DefaultSelector()
        sel.register(client, selectors.EVENT_READ, "client")
        sel.register(channel, selectors.EVENT_READ, "channel")
        sel.register(self._wake_r, selectors.EVENT_READ, "wake")
        open_ends = {"client", "channel"}
        try:
            while open_ends:
                for key, _ in sel.select():
                    if key.data == "wake":
                        return
                    if key.data == "client":
                        data = client.recv(CHUNK)
                        if data:
                            channel.sendall(data)
                        else:  # the client finished sending: pass the half-close on
                            sel.unregister(client)
                            open_ends.discard("client")
                            channel.shutdown_write()
                    else:
                        data = channel.recv(CHUNK)
                        if data:
                            client.sendall(data)
                        else:
                            sel.unregister(channel)
                            open_ends.discard("channel")
                            try:
                                client.shutdown(socket.SHUT_WR)
                            except OSError:
                                pass
                            if "client" in open_ends and channel.closed:
                                return  # the far end is gone for good: nothing more can be sent
        finally:
            sel.close()


def _close(client: socket.socket, channel: Any) -> None:
    for thing in (channel, client):
        try:
            thing.close()
        except Exception:
            pass


def _words(err: BaseException) -> str:
    text = str(err) or err.__class__.__name__
    return text if not isinstance(err, OSError) or not err.strerror else err.strerror


def free_port(host: str = LOOPBACK) -> int:
    """A port nothing listens on now (for showing the operator before the tunnel opens)."""
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]
