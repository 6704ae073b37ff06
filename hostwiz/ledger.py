"""The local ledger: what hostwiz intends to create and what it created, per stack.

One JSON file per stack under `<state dir>/stacks/`. Intent is written before each create
call and the result after it; every write is atomic (temp file, fsync, rename). The tags on
the resources are the second source of truth: either one is enough to find everything.
No secret is ever written here.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

INTENT, CREATED, DELETED = "intent", "created", "deleted"


def default_state_dir() -> Path:
    env = os.environ.get("HOSTWIZ_STATE_DIR")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_state_dir("hostwiz"))


def new_stack_id() -> str:
    """A stack's identity: given once at its creation, carried as the `hostwiz:id` tag."""
    return uuid.uuid4().hex


def new_run_id() -> str:
    return time.strftime("%Y%m%d%H%M%S") + "-" + uuid.uuid4().hex[:6]


class UnsafePath(OSError):
    """A path hostwiz refuses to write through (a symlink someone may have planted)."""


def private_dir(path: Path) -> Path:
    """`path` as a directory, every folder this call creates 0700 whatever the umask.

    Existing folders are left as they are (a `--plan-out` may go to the current directory), except
    that a symlink in place of the directory itself is refused."""
    path = Path(path)
    missing = []
    p = path
    while not p.exists() and not p.is_symlink():
        missing.append(p)
        if p.parent == p:
            break
        p = p.parent
    for d in reversed(missing):
        try:
            os.mkdir(d, 0o700)
        except FileExistsError:
            pass
        os.chmod(d, 0o700)  # mkdir's mode is masked by the umask; chmod is not
    if path.is_symlink():
        raise UnsafePath(f"{path} is a symlink; hostwiz writes only to real folders (remove the link)")
    return path


def secure_state_dir(state_dir: Path) -> Path:
    """The state dir and the folders in it: created 0700, and made 0700 again if a umask or an
    older hostwiz left them readable by others (the ledgers, pins and keys live here)."""
    state_dir = private_dir(Path(state_dir))
    for d in [state_dir, *[c for c in state_dir.iterdir() if c.is_dir() and not c.is_symlink()]]:
        if d.stat().st_uid == os.getuid() and d.stat().st_mode & 0o077:
            os.chmod(d, 0o700)
    return state_dir


def atomic_write(path: Path, text: str, mode: int = 0o600) -> None:
    """The one way hostwiz writes a file: a 0600 temp file beside it (O_EXCL), fsync, rename.

    Refuses when `path` is a symlink (writing would go wherever it points); folders it has to make
    are 0700. The rename replaces the name itself, never a file a link points at."""
    path = Path(path)
    if path.is_symlink():
        raise UnsafePath(f"{path} is a symlink; hostwiz does not write through links (remove it first)")
    private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")  # created 0600
    try:
        if mode != 0o600:
            os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


class LedgerUnwritable(OSError):
    """The ledger could not be saved (disk full, read-only...). The record stays in memory, so a
    rollback in the same process still knows every intent; `Ledger.unsaved` says what was lost."""


class LockHeld(Exception):
    def __init__(self, stack: str, holder: dict[str, Any]):
        self.stack, self.holder = stack, holder
        who = f"pid {holder.get('pid')} on {holder.get('host')} running '{holder.get('command')}'"
        super().__init__(f"stack {stack!r} is busy: {who} since {holder.get('since')}; wait for it to finish")


class StackLock:
    """One mutating operation per stack at a time. The OS drops the lock if the holder dies."""

    def __init__(self, path: Path, stack: str, command: str):
        self.path, self.stack, self.command = path, stack, command
        self._fd: int | None = None

    def __enter__(self) -> "StackLock":
        private_dir(self.path.parent)
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        except OSError as err:
            if self.path.is_symlink():
                raise UnsafePath(f"{self.path} is a symlink; remove it") from None
            raise err
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            try:
                holder = json.loads(os.pread(fd, 4096, 0) or b"{}")
            except ValueError:
                holder = {}
            os.close(fd)
            raise LockHeld(self.stack, holder) from None
        info = {"pid": os.getpid(), "host": socket.gethostname(), "command": self.command,
                "since": time.strftime("%Y-%m-%d %H:%M:%S")}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        self._fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


# A stack that was made and is not being made or deleted: it can be stopped, started and changed.
LIVE = ("ready", "stopped", "adopted")

@dataclass
class Entry:
    step: str
    kind: str
    state: str
    id: str | None = None
    data: dict[str, Any] | None = None
    at: float | None = None  # wall-clock time of the intent or create (AWS may not show it for a while)


def ledger_path(state_dir: Path, name: str) -> Path:
    return Path(state_dir) / "stacks" / f"{name}.json"


_STATUS_SEEN: dict[Path, tuple[tuple[int, int, int], Any]] = {}  # ledger file -> (its stamp, its status)


def status_of(state_dir: Path, name: str) -> Any:
    """A stack's ledger status, the file parsed again only when it changed: screens ask on the UI
    thread each time their key bindings are checked (several times a key press)."""
    path = ledger_path(state_dir, name)
    try:
        st = path.stat()
        stamp = (st.st_ino, st.st_size, st.st_mtime_ns)  # a save replaces the file (a new inode)
    except FileNotFoundError:
        return None
    seen = _STATUS_SEEN.get(path)
    if seen is None or seen[0] != stamp:
        seen = _STATUS_SEEN[path] = (stamp, Ledger(state_dir, name).get("status"))
    return seen[1]


class Ledger:
    """The record of one stack. Thread-safe: steps on worker threads write to it."""

    def __init__(self, state_dir: Path, name: str):
        self.state_dir = Path(state_dir)
        self.name = name
        self.path = ledger_path(self.state_dir, name)
        self._lock = threading.RLock()
        self.doc: dict[str, Any] = self._read() or {"name": name, "resources": {}, "tokens": {}, "history": []}
        # Set while rolling back: a failed save is recorded in `unsaved` instead of raised, so the
        # deletions go on with the record kept in memory.
        self.tolerant = False
        self.unsaved: str | None = None

    # Reading -------------------------------------------------------------------
    def _read(self) -> dict[str, Any] | None:
        if self.path.is_symlink():
            raise UnsafePath(f"{self.path} is a symlink; a ledger is never read or written through a link")
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None

    @property
    def exists(self) -> bool:
        return self.path.exists()

    def get(self, key: str, default: Any = None) -> Any:
        with self._lock:
            return self.doc.get(key, default)

    def entry(self, step: str) -> Entry | None:
        with self._lock:
            raw = self.doc["resources"].get(step)
            return Entry(step=step, **raw) if raw else None

    def entries(self) -> list[Entry]:
        with self._lock:
            return [Entry(step=s, **r) for s, r in self.doc["resources"].items()]

    # Writing -------------------------------------------------------------------
    def save(self) -> None:
        with self._lock:
            try:
                atomic_write(self.path, json.dumps(self.doc, indent=2, sort_keys=True, default=str))
                self.unsaved = None
            except OSError as err:
                self.unsaved = f"could not write the ledger {self.path}: {err.strerror or err}"
                if not self.tolerant:
                    raise LedgerUnwritable(err.errno, self.unsaved) from err

    @property
    def identity(self) -> dict[str, Any]:
        """The stack's identity as recorded at creation: id, account, region, since (UTC ISO)."""
        with self._lock:
            return {k: self.doc.get(k) for k in ("stack_id", "account", "region", "since")}

    def update(self, **fields: Any) -> None:
        with self._lock:
            self.doc.update(fields)
            self.save()

    def intent(self, step: str, kind: str, **data: Any) -> None:
        """Record that a create call is about to be made (before the call)."""
        with self._lock:
            prev = self.doc["resources"].get(step) or {}
            self.doc["resources"][step] = {"kind": kind, "state": INTENT, "id": prev.get("id"),
                                           "data": {**(prev.get("data") or {}), **data}, "at": time.time()}
            self.save()

    def created(self, step: str, kind: str, id: str, **data: Any) -> None:
        with self._lock:
            prev = self.doc["resources"].get(step) or {}
            self.doc["resources"][step] = {"kind": kind, "state": CREATED, "id": id,
                                           "data": {**(prev.get("data") or {}), **data},
                                           "at": prev.get("at") if prev.get("id") == id and prev.get("at") else time.time()}
            self.save()

    def deleted(self, step: str) -> None:
        with self._lock:
            if step in self.doc["resources"]:
                self.doc["resources"][step]["state"] = DELETED
                self.save()

    def token(self, key: str) -> str:
        """A persisted idempotency token (e.g. RunInstances ClientToken)."""
        with self._lock:
            tokens = self.doc.setdefault("tokens", {})
            if key not in tokens:
                tokens[key] = f"{self.name}-{uuid.uuid4().hex}"[:64]
                self.save()
            return tokens[key]

    # Day two: changes to a running stack, and its running/stopped periods ------------
    def change_intent(self, key: str, **data: Any) -> str:
        """Record a change about to be made to a live stack (before its first call); returns its id."""
        with self._lock:
            changes = self.doc.setdefault("changes", [])
            cid = f"{len(changes) + 1}-{key}"
            changes.append({"id": cid, "key": key, "state": INTENT, "at": _now(), "data": data})
            self.save()
            return cid

    def change_state(self, cid: str, state: str, **data: Any) -> None:
        """`done` or `failed` (with `error`), after the change's calls."""
        with self._lock:
            for c in self.doc.get("changes", []):
                if c["id"] == cid:
                    c.update(state=state, ended=_now())
                    c["data"] = {**c.get("data", {}), **data}
            self.save()

    def pending_changes(self) -> list[dict[str, Any]]:
        """Changes whose intent was written but not their outcome (a crash mid-change)."""
        with self._lock:
            return [dict(c) for c in self.doc.get("changes", []) if c.get("state") == INTENT]

    def changes(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(c) for c in self.doc.get("changes", [])]

    def power(self, state: str, at: str | None = None) -> None:
        """Record that the stack started running or was stopped (the periods cost-so-far prices)."""
        with self._lock:
            history = self.doc.setdefault("power", [])
            if history and history[-1]["state"] == state:
                return
            history.append({"at": at or _now(), "state": state})
            self.save()

    def power_history(self) -> list[dict[str, str]]:
        with self._lock:
            return [dict(p) for p in self.doc.get("power", [])]

    def rotate_token(self, key: str) -> str:
        """A new idempotency token for `key`: the old one belongs to an instance that is gone (EC2 keeps
        a token for at least 24 hours and would hand back the dead instance)."""
        with self._lock:
            self.doc.setdefault("tokens", {}).pop(key, None)
            return self.token(key)

    def remove(self) -> None:
        with self._lock:
            try:
                self.path.unlink()
            except FileNotFoundError:
                pass
            except OSError as err:
                if not self.tolerant:
                    raise
                self.unsaved = f"could not remove the ledger {self.path}: {err.strerror or err}"

    def lock(self, command: str) -> StackLock:
        return StackLock(self.state_dir / "locks" / f"{self.name}.lock", self.name, command)


def _now() -> str:
    from datetime import datetime, timezone

    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def all_stacks(state_dir: Path) -> Iterator[Ledger]:
    for path in sorted((Path(state_dir) / "stacks").glob("*.json")):
        yield Ledger(state_dir, path.stem)
