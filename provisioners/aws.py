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


_models: dict[str, Any] = {"lock": threading.Lock()}


def _new_session(profile: str | None, region: str) -> Any:
    """A boto3 session sharing one model loader with every other: each service model (ec2's is
    megabytes of JSON) is parsed once per process, not once per `Aws`."""
    import boto3
    import botocore.session

    core = botocore.session.Session(profile=profile)
    with _models["lock"]:
        loader = _models.setdefault("loader", core.get_component("data_loader"))
        core.register_component("data_loader", loader)
        session = boto3.session.Session(botocore_session=core, region_name=region)
        loader.search_paths[:] = list(dict.fromkeys(loader.search_paths))  # boto3 appends its own each time
    return session


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
        # One boto3 session for all threads (a fresh one per thread re-parsed the service models,
        # ~0.3 s of CPU per worker thread). Clients stay per thread; only their creation is
        # serialised, because a session is not thread-safe.
        self._shared: dict[str, Any] = {"lock": threading.Lock()}

    def with_region(self, region: str) -> "Aws":
        clone = Aws(region=region, profile=self.profile, endpoint_url=self.endpoint_url,
                    hooks=self.hooks, max_pool_connections=self.max_pool_connections)
        clone._shared = self._shared
        return clone

    def client(self, service: str, region: str | None = None) -> Any:
        key = (service, region or self.region)
        clients = self._local.__dict__.setdefault("clients", {})
        if key not in clients:
            from botocore.config import Config

            with self._shared["lock"]:
                if "session" not in self._shared:
                    self._shared["session"] = _new_session(self.profile, self.region)
                client = self._shared["session"].client(
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


def error_code(err: BaseException) -> str | None:
    """The AWS error code of a botocore ClientError, else None."""
    response = getattr(err, "response", None)
    if isinstance(response, dict):
        return response.get("Error", {}).get("Code")
    return None


# AWS asking the caller to slow down (botocore's standard mode retries these; account limits such as
# LimitExceededException are not among them: they do not pass by waiting).
THROTTLING_CODES = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
    "TooManyRequestsException", "ProvisionedThroughputExceededException", "RequestLimitExceeded",
    "BandwidthLimitExceeded", "RequestThrottled", "SlowDown", "EC2ThrottledException"})


def throttled(err: BaseException) -> bool:
    """Whether `err` is AWS throttling the caller (by error code, or HTTP 429)."""
    if error_code(err) in THROTTLING_CODES:
        return True
    response = getattr(err, "response", None)
    return isinstance(response, dict) and response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 429


def tries(err: BaseException) -> int:
    """How many times the failed call was sent: botocore's retries of it, plus the first try."""
    response = getattr(err, "response", None)
    meta = response.get("ResponseMetadata", {}) if isinstance(response, dict) else {}
    retried = meta.get("RetryAttempts")
    return (retried if isinstance(retried, int) else RETRY_CONFIG["max_attempts"]) + 1  # max_attempts: retries


def tags(stack: str, run_id: str, name: str, **extra: str) -> list[dict[str, str]]:
    pairs = {"hostwiz:stack": stack, "hostwiz:run": run_id, "Name": name, **extra}
    return [{"Key": k, "Value": v} for k, v in pairs.items()]


def tag_dict(tag_list: list[dict[str, str]] | None) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in (tag_list or [])}
