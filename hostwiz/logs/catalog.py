"""Which log sources a stack has, and how to build one from its name (`--source` or a screen).

Names: the instance's `bootstrap`, `cloud-init`, `nginx-access`, `nginx-error`, `app`; `rds` or
`rds:TEXT` (the database's log files, those whose name contains TEXT); `cw:GROUP` or
`cw:GROUP:STREAM-PREFIX` (any CloudWatch Logs group).
"""

from __future__ import annotations

from typing import Any

from hostwiz.ledger import Ledger
from hostwiz.logs.instance import OpenStream, instance_sources, pool_opener
from hostwiz.logs.source import Source

INSTANCE = ("bootstrap", "cloud-init", "nginx-access", "nginx-error", "app")
DEFAULT = ("bootstrap", "cloud-init", "app")


class SourceNameError(ValueError):
    pass


def parse_since(text: str, now: float) -> float:
    """`30s`, `10m`, `2h`, `1d` ago (or plain seconds) as seconds since the epoch."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    value, unit = (text[:-1], text[-1]) if text[-1:] in units else (text, "s")
    try:
        amount = float(value)
    except ValueError:
        raise ValueError(f"{text!r} is not a duration: write it like 30s, 10m, 2h or 1d") from None
    if amount < 0:
        raise ValueError("a duration cannot be negative")
    return now - amount * units[unit]


def check_name(name: str) -> str:
    """`name` if it is a source name hostwiz understands, else a SourceNameError saying what is."""
    if name in INSTANCE or name == "rds" or name.startswith("rds:"):
        return name
    if name.startswith("cw:") and name[3:].split(":", 1)[0]:
        return name
    raise SourceNameError(f"unknown log source {name!r}: use one of {', '.join(INSTANCE)}, "
                          "rds[:NAME-PART] or cw:LOG-GROUP[:STREAM-PREFIX]")


def ssh_opener(session: Any, stack: str, sandbox: Any = None) -> OpenStream:
    """Commands on the stack's instance through the shared SSH pool (verified host keys)."""
    from hostwiz.ssh import shared_pool

    return pool_opener(shared_pool(session, sandbox), stack)


class StackLogs:
    """The log sources of one stack. `open_stream` runs a command on the instance (the SSH layer)."""

    def __init__(self, session: Any, stack: str, *, sandbox: Any = None, open_stream: OpenStream | None = None,
                 since: float | None = None):
        self.session, self.stack, self.sandbox = session, stack, sandbox
        self.since = since  # CloudWatch: seconds since the epoch to start at (default: 10 minutes back)
        self.ledger = Ledger(session.state_dir, stack)
        self.spec: dict[str, Any] = self.ledger.get("spec") or {}
        self.outputs: dict[str, Any] = self.ledger.get("outputs") or {}
        self._open_stream = open_stream

    @property
    def exists(self) -> bool:
        return self.ledger.exists

    @property
    def aws(self) -> Any:
        return self.session.for_region(self.ledger.get("region") or self.session.aws.region).aws

    @property
    def sandbox_stack(self) -> bool:
        return bool(getattr(self.session, "sandbox", False))

    def defaults(self) -> list[str]:
        """The sources shown when none are chosen: the boot logs and the app, where there is one."""
        return [n for n in DEFAULT if n in self.available()]

    @property
    def runtime(self) -> str | None:
        return (self.spec.get("runtime") or {}).get("kind")

    @property
    def db_identifier(self) -> str | None:
        return f"{self.stack}-db" if self.spec.get("database") else None

    def available(self) -> list[str]:
        """The names this stack offers (CloudWatch groups are added by name)."""
        names = [n for n in INSTANCE if n != "app" or (self.runtime != "static" and not self.sandbox_stack)]
        if self.db_identifier and not self.sandbox_stack:  # the sandbox's database has no log files
            names.append("rds")
        return names

    def open_stream(self) -> OpenStream:
        if self._open_stream is None:
            self._open_stream = ssh_opener(self.session, self.stack, self.sandbox)
        return self._open_stream

    def build(self, name: str) -> Source:
        check_name(name)
        if name in INSTANCE:
            sources = instance_sources(self.open_stream(), self.runtime, sandbox=self.sandbox_stack)
            if name not in sources:
                what = "the sandbox's pretend instance" if self.sandbox_stack else f"a {self.runtime} stack"
                raise SourceNameError(f"{what} has no {name} log")
            return sources[name]
        if name == "rds" or name.startswith("rds:"):
            from hostwiz.provisioners.rds_logs import RdsLogSource

            if not self.db_identifier:
                raise SourceNameError(f"stack {self.stack} has no database, so there are no RDS logs")
            if self.sandbox_stack:
                raise SourceNameError("the sandbox's pretend database keeps no log files")
            return RdsLogSource(name, self.aws, self.db_identifier, name[4:])
        from hostwiz.provisioners.cloudwatch_logs import CloudWatchSource

        group, _, prefix = name[3:].partition(":")
        return CloudWatchSource(name, self.aws, group, prefix, start=self.since)
