"""A sandbox that outlives one command (`hostwiz sandbox start|status|stop`): the use cases.

The daemon itself is `hostwiz.sandbox.daemon`; `open_session` attaches every `--sandbox` session
to it while it runs (`session.sandbox_home`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from hostwiz.errors import FAILED, UserError
from hostwiz.sandbox import daemon

from .session import Options, default_region, sandbox_home


@dataclass
class SandboxInfo:
    running: bool
    home: str
    pid: int | None = None
    endpoint: str = ""
    started: str = ""
    expires: str = ""
    stacks: list[str] = field(default_factory=list)
    ssh_hosts: int = 0
    already: bool = False  # `start` found one running

    @property
    def remaining(self) -> str:
        """The time left before it stops by itself, in words."""
        if not self.expires:
            return ""
        left = int((datetime.fromisoformat(self.expires) - datetime.now(timezone.utc)).total_seconds())
        return f"{left // 3600} h {left % 3600 // 60:02d} min" if left > 0 else "ending"

    def as_dict(self) -> dict[str, Any]:
        return {"running": self.running, "home": self.home, "pid": self.pid, "endpoint": self.endpoint,
                "started": self.started, "expires": self.expires, "stacks": self.stacks, "ssh_hosts": self.ssh_hosts}


def _info(rec: daemon.Record, home: str, already: bool = False) -> SandboxInfo:
    try:
        stacks = rec.call("/status").get("stacks", [])
    except (OSError, ValueError):
        stacks = []
    return SandboxInfo(True, home, rec.pid, rec.endpoint, rec.started, rec.expires, stacks, len(rec.ssh), already)


def status(options: Options) -> SandboxInfo:
    home = sandbox_home(options)
    rec = daemon.find(home)
    return _info(rec, str(home)) if rec else SandboxInfo(False, str(home))


def start(options: Options, lifetime: float = daemon.DEFAULT_LIFETIME) -> SandboxInfo:
    home = sandbox_home(options)
    rec = daemon.find(home)
    if rec is not None:
        return _info(rec, str(home), already=True)
    try:
        rec = daemon.spawn(home, default_region(options), lifetime)
    except RuntimeError as err:
        raise UserError(str(err), FAILED) from None
    return _info(rec, str(home))


def stop(options: Options) -> SandboxInfo | None:
    """Stop the shared sandbox; its stacks go with it. None: none was running."""
    home = sandbox_home(options)
    rec = daemon.find(home)
    info = _info(rec, str(home)) if rec else None
    if not daemon.stop(home):
        return None
    return info or SandboxInfo(False, str(home))


def lost_on_exit(session: Any) -> list[str]:
    """The stacks that go when this process ends: those of an in-process sandbox (a shared one,
    `hostwiz sandbox start`, keeps them; real stacks stay in AWS). No AWS call: the ledger only."""
    from hostwiz.ledger import all_stacks

    if session is None or not session.sandbox or isinstance(session.lab, daemon.Attached):
        return []
    return sorted(ledger.name for ledger in all_stacks(session.state_dir))
