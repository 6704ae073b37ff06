"""The log sources of one stack, built from their names (`hostwiz.logs.catalog`): the instance's
files over the session's SSH pool, the database's RDS log files and CloudWatch Logs groups."""

from __future__ import annotations

from typing import Any

from hostwiz.ledger import Ledger
from hostwiz.logs.catalog import DEFAULT, INSTANCE, SourceNameError, check_name
from hostwiz.logs.instance import OpenStream, instance_sources, pool_opener
from hostwiz.logs.source import Source
from hostwiz.provisioners.cloudwatch_logs import CloudWatchSource
from hostwiz.provisioners.rds_logs import RdsLogSource

from . import ssh
from .session import Session


def ssh_opener(session: Session, stack: str) -> OpenStream:
    """Commands on the stack's instance through the shared SSH pool (verified host keys)."""
    return pool_opener(ssh.pool(session), stack)


class StackLogs:
    """The log sources of one stack. `open_stream` runs a command on the instance (the SSH layer)."""

    def __init__(self, session: Session, stack: str, *, open_stream: OpenStream | None = None,
                 since: float | None = None):
        self.session, self.stack = session, stack
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
        return self.session.sandbox

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
            self._open_stream = ssh_opener(self.session, self.stack)
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
            if not self.db_identifier:
                raise SourceNameError(f"stack {self.stack} has no database, so there are no RDS logs")
            if self.sandbox_stack:
                raise SourceNameError("the sandbox's pretend database keeps no log files")
            return RdsLogSource(name, self.aws, self.db_identifier, name[4:])
        group, _, prefix = name[3:].partition(":")
        return CloudWatchSource(name, self.aws, group, prefix, start=self.since)
