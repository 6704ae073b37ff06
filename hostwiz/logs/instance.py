"""The instance's own logs over SSH, with `tail -F` semantics across reconnects.

The SSH layer is injected: an `OpenStream` is any callable `open_stream(command)` returning an
iterable of output lines (bytes or str) that may have a `close()`; `ChannelStream` adapts a
paramiko-style transport (`open_session()` -> channel) to it without importing paramiko.

Each source resumes where it stopped after a reconnect, so nothing is shown twice and nothing
is skipped: files by byte offset (`tail -c +N -F`), the journal by cursor (`--after-cursor`),
docker by timestamp (`--since`).
"""

from __future__ import annotations

import json
import shlex
from datetime import datetime
from typing import Any, Callable, Iterable, Iterator

from hostwiz.logs.line import DEBUG, ERROR, INFO, WARNING, LogLine, make
from hostwiz.logs.source import Backoff, Source, SourceFatal

BOOTSTRAP_LOG = "/var/log/hostwiz-bootstrap.log"
CLOUD_INIT_LOG = "/var/log/cloud-init-output.log"
NGINX_ACCESS_LOG = "/var/log/nginx/access.log"
NGINX_ERROR_LOG = "/var/log/nginx/error.log"
APP_UNIT = "hostwiz-app"        # the systemd unit of nodejs/python/ruby apps (hostwiz/userdata)
APP_CONTAINER = "hostwiz-app"   # the container of docker apps
PHP_UNIT = "php*-fpm"           # php apps run in the distribution's php-fpm
BACKLOG = 200                   # lines of history on the first connect
FATAL = ("HostKeyRefused", "AuthenticationException")  # hostwiz.ssh (mismatch, unverified) / paramiko



OpenStream = Callable[[str], Iterable[bytes | str]]


class CommandSource(Source):
    """Runs a command on the instance and turns its output into lines."""

    def __init__(self, name: str, open_stream: OpenStream, *, backoff: Backoff | None = None):
        super().__init__(name, backoff=backoff)
        self.open_stream = open_stream
        self._stream: Any = None

    def command(self) -> str:
        raise NotImplementedError

    def parse(self, raw: bytes) -> LogLine | None:
        return make(self.name, raw.decode("utf-8", "replace"))

    def lines(self) -> Iterator[LogLine]:
        try:
            self._stream = stream = self.open_stream(self.command())
        except Exception as err:
            if any(cls.__name__ in FATAL for cls in type(err).__mro__):  # retrying would only repeat the refusal
                raise SourceFatal(str(err)) from err
            raise
        if self.stopping:
            self.interrupt()
            return
        self.set_live()
        try:
            for raw in stream:
                line = self.parse(raw.encode("utf-8") if isinstance(raw, str) else raw)
                if line is not None:
                    yield line
        finally:
            self._stream = None
            close = getattr(stream, "close", None)
            if close:
                close()

    def interrupt(self) -> None:
        close = getattr(self._stream, "close", None)
        if close:
            close()


class FileTail(CommandSource):
    """`tail -F` of a file: the last `backlog` lines, then whatever is appended; resumes by offset."""

    def __init__(self, name: str, path: str, open_stream: OpenStream, *, backlog: int = BACKLOG,
                 plain: bool = False, backoff: Backoff | None = None):
        super().__init__(name, open_stream, backoff=backoff)
        self.path, self.backlog, self.plain = path, backlog, plain
        self.offset: int | None = None  # bytes of the file already shown
        self.received = 0

    def command(self) -> str:
        if self.plain:  # the sandbox's pretend shell knows only `tail [-n N] [-F]`: no resume by offset
            return f"tail -n {int(self.backlog) if not self.received else 0} -F {shlex.quote(self.path)}"
        # The first line out is the offset tail starts at; a shorter file (rotated, truncated)
        # starts over. Unreadable files are read through `sudo -n` where allowed.
        if self.offset is None:
            start = f's=$(head -c "$t" "$f" 2>/dev/null | tail -n {int(self.backlog)} | wc -c); o=$((t - s))'
        else:
            start = f'o={int(self.offset)}; [ "$t" -lt "$o" ] && o=0'
        return (f'f={shlex.quote(self.path)}; t=$(wc -c 2>/dev/null < "$f" || echo 0); t=$((t + 0)); {start}; '
                'S=; [ -e "$f" ] && [ ! -r "$f" ] && S="sudo -n"; '
                'echo "hostwiz-offset $o"; exec $S tail -c +$((o + 1)) -F "$f"')

    def parse(self, raw: bytes) -> LogLine | None:
        if self._expect_offset and raw.startswith(b"hostwiz-offset "):
            self._expect_offset = False
            self.offset = int(raw.split()[1])
            return None
        if self.offset is not None:
            self.offset += len(raw) + (0 if raw.endswith(b"\n") else 1)
        return super().parse(raw)

    def lines(self) -> Iterator[LogLine]:
        self._expect_offset = not self.plain
        for line in super().lines():
            self.received += 1
            yield line


_PRIORITY = {0: ERROR, 1: ERROR, 2: ERROR, 3: ERROR, 4: WARNING, 5: INFO, 6: INFO, 7: DEBUG}


class JournalTail(CommandSource):
    """`journalctl -fu UNIT` as JSON (real times and priorities); resumes by cursor."""

    def __init__(self, name: str, unit: str, open_stream: OpenStream, *, backlog: int = BACKLOG,
                 backoff: Backoff | None = None):
        super().__init__(name, open_stream, backoff=backoff)
        self.unit, self.backlog = unit, backlog
        self.cursor: str | None = None

    def command(self) -> str:
        where = f"--after-cursor={shlex.quote(self.cursor)}" if self.cursor else f"-n {int(self.backlog)}"
        return f"journalctl -u {shlex.quote(self.unit)} -f -o json --no-pager {where}"

    def parse(self, raw: bytes) -> LogLine | None:
        try:
            entry = json.loads(raw)
        except ValueError:  # "-- No entries --" and the like
            text = raw.decode("utf-8", "replace").strip()
            return make(self.name, text) if text and not text.startswith("-- ") else None
        self.cursor = entry.get("__CURSOR", self.cursor)
        message = entry.get("MESSAGE", "")
        if isinstance(message, list):  # journald sends non-UTF-8 messages as byte arrays
            message = bytes(message).decode("utf-8", "replace")
        when = int(entry.get("__REALTIME_TIMESTAMP", 0)) / 1e6 or None
        try:
            severity = _PRIORITY.get(int(entry.get("PRIORITY", 6)))
        except ValueError:
            severity = None
        return make(self.name, str(message), when, severity)


class DockerTail(CommandSource):
    """`docker logs -f` with timestamps (stdout and stderr); resumes with `--since`."""

    def __init__(self, name: str, container: str, open_stream: OpenStream, *, backlog: int = BACKLOG,
                 backoff: Backoff | None = None):
        super().__init__(name, open_stream, backoff=backoff)
        self.container, self.backlog = container, backlog
        self.last: str | None = None  # RFC 3339 time of the last line shown

    def command(self) -> str:
        where = f"--since {shlex.quote(self.last)}" if self.last else f"--tail {int(self.backlog)}"
        return ('D=docker; docker info >/dev/null 2>&1 || D="sudo -n docker"; '
                f"exec $D logs -f -t {where} {shlex.quote(self.container)} 2>&1")

    def parse(self, raw: bytes) -> LogLine | None:
        text = raw.decode("utf-8", "replace")
        stamp, _, rest = text.partition(" ")
        when = _rfc3339(stamp)
        if when is None:
            return make(self.name, text)
        if self.last is not None and stamp <= self.last and len(stamp) == len(self.last):
            return None  # shown before the reconnect (--since includes it)
        self.last = stamp
        return make(self.name, rest, when)


def _rfc3339(stamp: str) -> float | None:
    try:
        head, _, frac = stamp.rstrip("Z").partition(".")
        return datetime.fromisoformat(head + "+00:00").timestamp() + float("0." + (frac or "0"))
    except ValueError:
        return None


class ChannelStream:
    """An `OpenStream` result over a paramiko-style channel running the command: its stdout,
    line by line. Ends with an error when the command exits non-zero (say, journalctl without
    permission), and plain end of data when the connection drops."""

    def __init__(self, channel: Any):
        self.channel = channel
        self._out = channel.makefile("rb")

    def __iter__(self) -> Iterator[bytes]:
        yield from self._out
        self.channel.status_event.wait(5.0)  # the exit status comes after the end of output (or never, if cut)
        if self.channel.exit_status_ready():
            status = self.channel.exit_status
            if status not in (0, -1):
                err = self.channel.makefile_stderr("rb").read()[-300:].decode("utf-8", "replace").strip()
                raise RuntimeError(f"the log command exited with status {status}" + (f": {err}" if err else ""))

    def close(self) -> None:
        self.channel.close()


def transport_opener(connect: Callable[[], Any], timeout: float = 15.0) -> OpenStream:
    """An `OpenStream` over whatever paramiko-style transport `connect()` returns."""
    def open_stream(command: str) -> ChannelStream:
        channel = connect().open_session(timeout=timeout)
        channel.exec_command(command)
        return ChannelStream(channel)
    return open_stream


def pool_opener(pool: Any, host: str) -> OpenStream:
    """An `OpenStream` over the shared SSH pool (`hostwiz.ssh.Pool.exec_stream`), one transport per host."""
    return lambda command: ChannelStream(pool.exec_stream(host, command))


def instance_sources(open_stream: OpenStream, runtime: str | None = None, *,
                     sandbox: bool = False) -> dict[str, CommandSource]:
    """The instance's log sources by name, for a stack whose runtime kind is `runtime` (a static
    site has no app process: nginx serves it). The sandbox's pretend instance has only the files,
    and its shell only plain `tail`."""
    sources: dict[str, CommandSource] = {
        name: FileTail(name, path, open_stream, plain=sandbox) for name, path in (
            ("bootstrap", BOOTSTRAP_LOG), ("cloud-init", CLOUD_INIT_LOG),
            ("nginx-access", NGINX_ACCESS_LOG), ("nginx-error", NGINX_ERROR_LOG))}
    if sandbox:
        return sources
    if runtime == "docker":
        sources["app"] = DockerTail("app", APP_CONTAINER, open_stream)
    elif runtime != "static":
        sources["app"] = JournalTail("app", PHP_UNIT if runtime == "php" else APP_UNIT, open_stream)
    return sources
