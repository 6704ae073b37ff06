"""The one place AWS clients come from.

Profile, region and endpoint are chosen once (`Aws`); clients are made lazily, one set per
thread (boto3 sessions are not thread-safe), never at import time, all with botocore's
standard retry mode. Hooks registered on `Aws` are attached to every client it makes: the
tests use them to inject faults and count calls, the benchmarks to add latency.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

RETRY_CONFIG = {"mode": "standard", "max_attempts": 6}

MUTATING_PREFIXES = ("Create", "Delete", "Run", "Terminate", "Allocate", "Release", "Associate",
                     "Disassociate", "Authorize", "Revoke", "Import", "Put", "Change", "Modify",
                     "Attach", "Detach", "Add", "Remove", "Update", "Deregister", "Register",
                     "Send", "Start", "Stop", "Reboot", "Tag", "Untag", "Empty", "Purge",
                     "Publish", "Replace", "Reset", "Unsubscribe", "Subscribe")


def is_mutating(operation: str) -> bool:
    return operation.startswith(MUTATING_PREFIXES)


@dataclass
class Aws:
    region: str = "us-east-1"
    profile: str | None = None
    endpoint_url: str | None = None
    hooks: list[tuple[str, Callable[..., Any]]] = field(default_factory=list)
    max_pool_connections: int = 20

    def __post_init__(self) -> None:
        self.endpoint_url = self.endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None
        self._local = threading.local()

    def with_region(self, region: str) -> "Aws":
        clone = Aws(region=region, profile=self.profile, endpoint_url=self.endpoint_url,
                    hooks=self.hooks, max_pool_connections=self.max_pool_connections)
        return clone

    def _session(self) -> Any:
        session = getattr(self._local, "session", None)
        if session is None:
            import boto3
            import botocore.session

            core = botocore.session.get_session()
            core.register_component("data_loader", _shared_loader(core))
            session = boto3.session.Session(botocore_session=core, profile_name=self.profile,
                                            region_name=self.region)
            self._local.session = session
            self._local.clients = {}
        return session

    def client(self, service: str, region: str | None = None) -> Any:
        session = self._session()
        key = (service, region or self.region)
        clients = self._local.clients
        if key not in clients:
            from botocore.config import Config

            client = session.client(
                service,
                region_name=key[1],
                endpoint_url=self.endpoint_url,
                config=Config(retries=dict(RETRY_CONFIG), max_pool_connections=self.max_pool_connections,
                              user_agent_extra="hostwiz"),
            )
            for event, handler in self.hooks:
                client.meta.events.register(event, handler)
            clients[key] = client
        return clients[key]

    def identity(self) -> dict[str, str]:
        ident = self.client("sts").get_caller_identity()
        return {"account": ident["Account"], "arn": ident["Arn"]}


_loader: Any = None
_loader_lock = threading.Lock()


def _shared_loader(core: Any) -> Any:
    """One botocore model loader for every thread's session: service models are parsed once,
    not once per thread (a fresh EC2 client otherwise costs a few hundred milliseconds)."""
    global _loader
    with _loader_lock:
        if _loader is None:
            _loader = core.get_component("data_loader")
        return _loader


def error_code(err: BaseException) -> str | None:
    """The AWS error code of a botocore ClientError, else None."""
    response = getattr(err, "response", None)
    if isinstance(response, dict):
        return response.get("Error", {}).get("Code")
    return None


def tags(stack: str, run_id: str, name: str, **extra: str) -> list[dict[str, str]]:
    pairs = {"hostwiz:stack": stack, "hostwiz:run": run_id, "Name": name, **extra}
    return [{"Key": k, "Value": v} for k, v in pairs.items()]


def tag_dict(tag_list: list[dict[str, str]] | None) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in (tag_list or [])}
