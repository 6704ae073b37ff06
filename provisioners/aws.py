"""The one place AWS clients come from.

Profile, region and endpoint are chosen once (`Aws`); clients are made lazily, never at import
time, all with botocore's standard retry mode, and shared by every thread (botocore's clients are
thread-safe; its sessions are not, so only making a client is serialised). Hooks registered on
`Aws` are attached to every client it makes: the tests use them to inject faults and count calls,
the benchmarks to add latency, the sandbox to model AWS.
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
        # One boto3 session and one client per service, region and set of hooks, for every thread
        # and every region clone. Clients made per thread cost a third of the CPU of a cleanup
        # scan (each pool's fresh threads made their own, ~20 ms each).
        self._shared: dict[str, Any] = {"lock": threading.Lock(), "clients": {}}

    def with_region(self, region: str) -> "Aws":
        clone = Aws(region=region, profile=self.profile, endpoint_url=self.endpoint_url,
                    hooks=self.hooks, max_pool_connections=self.max_pool_connections)
        clone._shared = self._shared
        return clone

    def client(self, service: str, region: str | None = None) -> Any:
        # the hooks are part of the key: a hook added later (a test's recorder, a fault) gets a
        # client that carries it, and taking it away again goes back to the client without it
        key = (service, region or self.region, tuple(self.hooks))
        clients = self._shared["clients"]
        client = clients.get(key)
        if client is None:
            from botocore.config import Config

            with self._shared["lock"]:
                client = clients.get(key)
                if client is None:
                    if "session" not in self._shared:
                        self._shared["session"] = _new_session(self.profile, self.region)
                    client = self._shared["session"].client(
                        service,
                        region_name=key[1],
                        endpoint_url=self.endpoint_url,
                        config=Config(retries=dict(RETRY_CONFIG), max_pool_connections=self.max_pool_connections,
                                      user_agent_extra="hostwiz"),
                    )
                    for event, handler in key[2]:
                        client.meta.events.register(event, handler)
                    clients[key] = client
        return client

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
