"""Releases on the instance: upload a delta, build, start beside the serving release, check its
health through nginx, switch, stop the old one; list releases; roll back without rebuilding.

Everything remote runs as `release.sh` (next to this module) over exec channels of an SSH
transport that the caller opened and verified (a `paramiko.Transport`, or anything with
`open_session()`); this module never opens a connection itself and never imports paramiko.

Process supervision on the instance is systemd (template units `hostwiz-app@<release>-<port>`).
Machines without systemd (the tests' loopback "instance") use release.sh's stand-in: the app is
started with `setsid` in its own process group with a pidfile and a log file, and stopped with
`kill -- -PGID`; the rest of the flow (ports, health, nginx switch, retention) is the same code.
"""

from __future__ import annotations

import base64
import getpass
import gzip
import io
import json
import secrets
import shlex
import socket
import tarfile
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Iterable

from . import manifest as mf
from .source import AppPlan, Source

Progress = Callable[[int, int], None]  # (bytes sent, bytes to send)
OnEvent = Callable[[str, str], None]  # (stage, detail): start, health, switch, stop, done, prune, build...
OnOutput = Callable[[str], None]  # one line of build output


class DeployError(Exception):
    """A deploy, rollback or restart that did not switch; the serving release is untouched.

    `stage` is one of busy, usage, upload, build, start, health, switch, remote; `log_tail` holds
    the last lines of the build log (build) or the app's log (start, health)."""

    def __init__(self, stage: str, message: str, log_tail: str = "", release_id: str | None = None):
        super().__init__(f"{stage}: {message}")
        self.stage, self.message, self.log_tail, self.release_id = stage, message, log_tail, release_id


@dataclass
class Target:
    """Where releases live on the instance and how its nginx and supervisor are reached."""

    root: str = "/srv/app"
    port_base: int = 3000  # releases listen on 127.0.0.1:port_base..port_base+19, never the serving one's
    preview_port: int = 8099  # nginx's loopback server for the candidate (nginx-site.conf.tmpl)
    health_timeout: int = 60
    keep: int = 5
    sudo: bool = True  # run release.sh through `sudo -n` (the instance's SSH user is not root)
    nginx_conf: str | None = None  # nginx -c FILE; None: nginx's default configuration
    nginx_pid: str = "/run/nginx.pid"
    nginx_site: str | None = None  # the site file `install_site` replaces; None: the bootstrap's for the OS
    site_listen: tuple[str, ...] = ("80 default_server", "[::]:80 default_server")  # that site's listen lines
    shared_env: str = "/etc/hostwiz/app.env"  # the bootstrap's environment (DATABASE_URL), read at start
    settings_env: str = "/etc/hostwiz/settings.env"  # the operator's settings (hostwiz env), 0600, read at start
    app_user: str = "app"
    supervisor: str = "auto"  # auto (systemd when it runs) | systemd | setsid

    def env(self) -> dict[str, str]:
        env = {"HOSTWIZ_ROOT": self.root, "HOSTWIZ_PORT_BASE": str(self.port_base),
               "HOSTWIZ_PREVIEW_PORT": str(self.preview_port), "HOSTWIZ_HEALTH_TIMEOUT": str(self.health_timeout),
               "HOSTWIZ_KEEP": str(self.keep), "HOSTWIZ_NGINX_PID": self.nginx_pid,
               "HOSTWIZ_SHARED_ENV": self.shared_env, "HOSTWIZ_SETTINGS_ENV": self.settings_env,
               "HOSTWIZ_APP_USER": self.app_user,
               "HOSTWIZ_SUPERVISOR": self.supervisor}
        if self.nginx_conf:
            env["HOSTWIZ_NGINX_CONF"] = self.nginx_conf
        if self.nginx_site:
            env["HOSTWIZ_NGINX_SITE"] = self.nginx_site
        return env


@dataclass
class Release:
    id: str
    status: str  # building | failed | starting | live | stopped
    source: str = ""
    when: str = ""
    who: str = ""
    runtime: str = ""
    start: str | None = None
    current: bool = False


@dataclass
class DeployResult:
    release_id: str
    previous_id: str | None
    bytes_sent: int  # everything written to the channel: release.sh, then the tar (files, headers, metadata)
    files_sent: int
    files_linked: int
    seconds: float
    events: list[tuple[str, str]] = field(default_factory=list)


def script_text() -> str:
    return resources.files(__package__).joinpath("release.sh").read_text()


def site_config(target: Target, listen: Iterable[str] | None = None, server_names: str = "_") -> str:
    """nginx's site for a stack whose app is deployed by releases (replaces the bootstrap's proxy site)."""
    text = resources.files(__package__).joinpath("nginx-site.conf.tmpl").read_text()
    listen = target.site_listen if listen is None else listen
    values = {"listen_lines": "\n".join(f"    listen {x};" for x in listen), "server_names": server_names,
              "root": target.root, "preview_port": str(target.preview_port)}
    for k, v in values.items():
        text = text.replace("@@{" + k + "}", v)
    return text


def new_release_id() -> str:
    """Sortable by time to the millisecond (retention and rollback order by id), then random."""
    now = time.time()
    return time.strftime("%Y%m%dT%H%M%S", time.gmtime(now)) + f"{int(now * 1000) % 1000:03d}Z-{secrets.token_hex(2)}"


def operator() -> str:
    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


# --- the SSH side ------------------------------------------------------------------------

class _ChannelWriter(io.RawIOBase):
    """A file object over a channel's stdin, in large chunks, counting bytes for progress."""

    CHUNK = 256 * 1024

    def __init__(self, chan: Any, total: int, progress: Progress | None):
        self.chan, self.total, self.progress = chan, total, progress
        self.buf = bytearray()
        self.sent = 0

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        self.buf += b
        if len(self.buf) >= self.CHUNK:
            self._flush()
        return len(b)

    def _flush(self) -> None:
        if self.buf:
            self.chan.sendall(bytes(self.buf))
            self.sent += len(self.buf)
            self.buf.clear()
            if self.progress:
                self.progress(min(self.sent, self.total), self.total)

    def finish(self) -> None:
        self._flush()
        if self.progress:
            self.progress(self.sent, max(self.total, self.sent))


class _Lines:
    """Lines of a channel's combined output, read up to a marker now and the rest later."""

    def __init__(self, chan: Any):
        self.chan, self.pending, self.lines, self.eof = chan, b"", [], False

    def _more(self, on_line: Callable[[str], None] | None) -> list[str]:
        data = self.chan.recv(65536)
        if not data:
            self.eof = True
            out = [self.pending.decode("utf-8", "replace")] if self.pending else []
            self.pending = b""
        else:
            self.pending += data
            *complete, self.pending = self.pending.split(b"\n")
            out = [raw.decode("utf-8", "replace") for raw in complete]
        for line in out:
            self.lines.append(line)
            if on_line:
                on_line(line)
        return out

    def until(self, marker: str) -> bool:
        """Read until a line equal to `marker` (True) or the end of output (False)."""
        while not self.eof:
            if marker in self._more(None):
                return True
        return False

    def rest(self, on_line: Callable[[str], None] | None = None) -> tuple[int, list[str]]:
        while not self.eof:
            self._more(on_line)
        rc = self.chan.recv_exit_status()
        self.chan.close()
        return rc, self.lines


class Remote:
    """release.sh over exec channels of one SSH transport. Each exec is a session on the server
    (a fork and a login shell), so a deploy uses exactly one: the script, then the upload."""

    def __init__(self, transport: Any, target: Target):
        self.transport, self.target = transport, target

    def command(self, *args: str, install: bool = False) -> str:
        """The command line; with `install`, release.sh itself comes first on stdin (exactly its
        length, read with dd) and replaces the instance's copy before it runs."""
        env = " ".join(f"{k}={shlex.quote(v)}" for k, v in self.target.env().items())
        root = shlex.quote(self.target.root)
        script = f"{root}/bin/release.sh"
        line = f"env {env} bash {script} " + " ".join(shlex.quote(a) for a in args)
        if install:
            n = len(script_text().encode())
            line = (f"mkdir -p {root}/bin && dd of={script}.tmp bs={n} count=1 iflag=fullblock status=none && "
                    f"mv {script}.tmp {script} && {line}")
        return f"sudo -n sh -c {shlex.quote(line)}" if self.target.sudo else line

    def open(self, *args: str, install: bool = False) -> Any:
        chan = self.transport.open_session()
        chan.set_combine_stderr(True)
        chan.exec_command(self.command(*args, install=install))
        if install:
            chan.sendall(script_text().encode())
        return chan

    def run(self, *args: str, install: bool = False, on_line: Callable[[str], None] | None = None
            ) -> tuple[int, list[str]]:
        chan = self.open(*args, install=install)
        chan.shutdown_write()
        return _Lines(chan).rest(on_line)

    def feed(self, verb: str, data: bytes) -> list[str]:
        """Run `release.sh VERB` with `data` on its stdin (never on a command line); its output lines."""
        chan = self.open(verb, install=True)
        chan.sendall(data)
        chan.shutdown_write()
        return self.check(*_Lines(chan).rest())

    def install(self) -> None:
        """Put this version of release.sh on the instance and lay out its directories (nginx's
        include files among them: the site can be installed once this has run)."""
        self.check(*self.run("init", install=True))

    @staticmethod
    def check(rc: int, lines: list[str], release_id: str | None = None) -> list[str]:
        if rc == 0:
            return lines
        for i, line in enumerate(lines):
            if line.startswith("@@fail "):
                stage, _, message = line[len("@@fail "):].partition(" ")
                raise DeployError(stage, message, "\n".join(lines[i + 1:]), release_id)
        raise DeployError("remote", f"release.sh exited {rc}", "\n".join(lines[-40:]), release_id)


def _state(lines: list[str]) -> tuple[str | None, dict[str, mf.Entry]]:
    current, previous = None, {}
    for line in lines:
        if line.startswith("@@current "):
            current = line.split(" ", 1)[1].strip() or None
        elif line.startswith("@@manifest "):
            try:
                previous = mf.loads(gzip.decompress(base64.b64decode(line.split(" ", 1)[1].strip())).decode())
            except (ValueError, OSError, EOFError):
                previous = {}  # unreadable: everything travels
    return current, previous


def _line_handler(events: list[tuple[str, str]], on_event: OnEvent | None, on_output: OnOutput | None
                  ) -> Callable[[str], None]:
    failing = False

    def line(text: str) -> None:
        nonlocal failing
        if text.startswith("@@stage "):
            stage, _, detail = text[len("@@stage "):].partition(" ")
            events.append((stage, detail))
            if on_event:
                on_event(stage, detail)
        elif text.startswith("@@fail "):
            failing = True
        elif on_output and not failing:
            on_output(text)

    return line


def _scripted(remote: Remote, *args: str, release_id: str, events: list[tuple[str, str]],
              on_event: OnEvent | None, on_output: OnOutput | None) -> None:
    line = _line_handler(events, on_event, on_output)
    remote.check(*remote.run(*args, install=True, on_line=line), release_id=release_id)


# --- deploy -------------------------------------------------------------------------------

def _tar_size(entries: Iterable[int]) -> int:
    n = sum(512 + (size + 511) // 512 * 512 for size in entries) + 1024
    return (n + 10239) // 10240 * 10240


def _meta_files(meta: dict[str, Any], man: dict[str, mf.Entry], plan: AppPlan, health: str | None,
                env: dict[str, str] | None, image: str | None) -> list[tuple[str, bytes, int]]:
    files = [(".hostwiz/release.json", json.dumps(meta, indent=1).encode(), 0o644),
             (".hostwiz/manifest.json.gz", gzip.compress(mf.dumps(man).encode(), 6, mtime=0), 0o644),
             (".hostwiz/runtime", (plan.runtime + "\n").encode(), 0o644),
             (".hostwiz/status", b"uploaded\n", 0o644)]
    if plan.start:
        files.append((".hostwiz/start", plan.start.encode(), 0o644))
    if health:
        files.append((".hostwiz/health", health.encode(), 0o644))
    if image:
        files.append((".hostwiz/image", image.encode(), 0o644))
    if env:
        for k, v in env.items():
            if "\n" in v or "\n" in k or "=" in k:
                raise DeployError("usage", f"setting {k!r}: names have no '=' and values fit on one line")
        files.append((".hostwiz/env", "".join(f"{k}={v}\n" for k, v in env.items()).encode(), 0o600))
    return files


def deploy(transport: Any, target: Target, source: Source | None, plan: AppPlan, *,
           image: str | None = None, health: str | None = None, env: dict[str, str] | None = None,
           who: str | None = None, release_id: str | None = None, hash_cache: Path | None = None,
           progress: Progress | None = None,
           on_event: OnEvent | None = None, on_output: OnOutput | None = None) -> DeployResult:
    """Ship `source` (or, with `image` and plan.runtime == "image", nothing but the image name) as a new
    release and switch to it once healthy. Raises DeployError (the serving release untouched).

    `hash_cache`: a file on this machine that spares re-hashing unchanged files (manifest.build)."""
    started = time.monotonic()
    remote = Remote(transport, target)
    rid = release_id or new_release_id()
    events: list[tuple[str, str]] = []

    def event(stage: str, detail: str) -> None:
        events.append((stage, detail))
        if on_event:
            on_event(stage, detail)

    event("connect", "release script, serving release")
    chan = remote.open("deploy", rid, install=True)
    out = _Lines(chan)
    if not out.until("@@ready"):
        remote.check(*out.rest(), release_id=rid)
        raise DeployError("remote", "release.sh ended before the upload", "\n".join(out.lines[-20:]), rid)
    previous, prev_manifest = _state(out.lines)

    event("manifest", "hashing files")
    man = mf.build(source, hash_cache) if source is not None else {}
    d = mf.delta(man, prev_manifest if previous else {})
    meta = {"id": rid, "source": source.label if source else f"image:{image}",
            "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "who": who or operator(),
            "runtime": plan.runtime, "start": plan.start, "start_from": plan.start_from,
            "files": len(man), "bytes": sum(e.size for e in man.values())}
    extra = _meta_files(meta, man, plan, health, env, image)
    if previous and d.link:
        extra.append((".hostwiz/link-from", previous.encode(), 0o644))
        extra.append((".hostwiz/link.gz", gzip.compress(b"\0".join(p.encode() for p in d.link), 6, mtime=0), 0o644))

    event("upload", f"{len(d.send)} new or changed files ({d.bytes_to_send(man)} bytes), "
                    f"{len(d.link)} unchanged")
    total = _tar_size([man[p].size for p in d.send] + [len(b) for _, b, _ in extra])
    script_bytes = len(script_text().encode())  # already sent, ahead of the tar
    writer = _ChannelWriter(chan, total + script_bytes, progress)
    writer.sent = script_bytes
    try:
        with tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as tar:
            by_path = {f.path: f for f in source.files} if source is not None else {}
            now = time.time()
            for path in d.send:
                f = by_path[path]
                ti = tarfile.TarInfo(path)
                ti.mtime, ti.uid, ti.gid, ti.uname, ti.gname = now, 0, 0, "", ""
                if f.link is not None:
                    ti.type, ti.linkname = tarfile.SYMTYPE, f.link
                    tar.addfile(ti)
                    continue
                ti.mode, ti.size = f.mode, f.size
                with open(source.root / path, "rb") as fh:
                    tar.addfile(ti, fh)
            for path, data, mode in extra:
                ti = tarfile.TarInfo(path)
                ti.mtime, ti.mode, ti.size = now, mode, len(data)
                tar.addfile(ti, io.BytesIO(data))
        writer.finish()
        chan.shutdown_write()
    except OSError as e:  # the remote side stopped reading: its own message says why (disk full...)
        rc, lines = out.rest()
        remote.check(rc if rc else 1, lines, release_id=rid)
        raise DeployError("upload", f"upload failed: {e}", release_id=rid) from e
    remote.check(*out.rest(_line_handler(events, on_event, on_output)), release_id=rid)
    return DeployResult(rid, previous, writer.sent, len(d.send), len(d.link),
                        time.monotonic() - started, events)


# --- releases, rollback, restart ------------------------------------------------------------

def releases(transport: Any, target: Target) -> list[Release]:
    """Newest first; `current` marks the serving one."""
    remote = Remote(transport, target)
    rc, lines = remote.run("list")
    if rc != 0 and not any(line.startswith("@@fail") for line in lines):
        return []  # release.sh is not there yet: nothing was ever deployed
    remote.check(rc, lines)
    current = next((line.split(" ", 1)[1].strip() for line in lines if line.startswith("@current ")), "")
    out = []
    for line in lines:
        parts = line.split("\t", 2)
        if len(parts) != 3:
            continue
        try:
            meta = json.loads(parts[2])
        except ValueError:
            meta = {}
        out.append(Release(parts[0], parts[1].strip(), str(meta.get("source", "")), str(meta.get("when", "")),
                           str(meta.get("who", "")), str(meta.get("runtime", "")), meta.get("start"),
                           parts[0] == current))
    return sorted(out, key=lambda r: r.id, reverse=True)


def rollback(transport: Any, target: Target, release_id: str | None = None, *,
             on_event: OnEvent | None = None, on_output: OnOutput | None = None) -> DeployResult:
    """Switch back to `release_id` (default: the newest release before the serving one that served),
    without rebuilding, through the same health-gated switch."""
    started = time.monotonic()
    remote = Remote(transport, target)
    known = releases(transport, target)
    current = next((r for r in known if r.current), None)
    if release_id is None:
        older = [r for r in known if current is None or r.id < current.id]
        pick = next((r for r in older if r.status == "stopped"), None)
        if pick is None:
            raise DeployError("usage", "no earlier release to roll back to")
        release_id = pick.id
    chosen = next((r for r in known if r.id == release_id), None)
    if chosen is None:
        raise DeployError("usage", f"no release {release_id} (kept: {', '.join(r.id for r in known) or 'none'})")
    if chosen.status in ("failed", "building", "uploaded"):
        raise DeployError("usage", f"release {release_id} never served (status {chosen.status}); pick another")
    if chosen.current:
        raise DeployError("usage", f"release {release_id} is already serving")
    events: list[tuple[str, str]] = []
    _scripted(remote, "activate", release_id, release_id=release_id, events=events, on_event=on_event,
              on_output=on_output)
    return DeployResult(release_id, current.id if current else None, 0, 0, 0, time.monotonic() - started, events)


def restart(transport: Any, target: Target, *, on_event: OnEvent | None = None) -> DeployResult:
    """Start the serving release afresh (new settings) beside itself, health-gated, then switch."""
    started = time.monotonic()
    remote = Remote(transport, target)
    current = next((r for r in releases(transport, target) if r.current), None)
    if current is None:
        raise DeployError("usage", "nothing deployed yet")
    events: list[tuple[str, str]] = []
    _scripted(remote, "activate", current.id, release_id=current.id, events=events, on_event=on_event,
              on_output=None)
    return DeployResult(current.id, current.id, 0, 0, 0, time.monotonic() - started, events)


def push_settings(transport: Any, target: Target, env_text: str) -> int:
    """Replace the instance's settings file (target.settings_env, 0600) with `env_text` (KEY=VALUE
    lines), sent on the channel's stdin: never on a command line, in a log or in the output.
    Returns how many settings the file holds. Running releases see them after `restart`."""
    lines = Remote(transport, target).feed("settings", env_text.encode())
    found = next((line.split()[1] for line in lines if line.startswith("@@settings ")), "0")
    return int(found) if found.isdigit() else 0


def install_site(transport: Any, target: Target, text: str) -> str:
    """Install nginx's release site (`site_config`) in place of the bootstrap's proxy site, once
    (kept when it already includes the releases' live.conf). Only for the instance's own nginx."""
    lines = Remote(transport, target).feed("site", text.encode())
    return next((line[len("@@site "):] for line in lines if line.startswith("@@site ")), "")
