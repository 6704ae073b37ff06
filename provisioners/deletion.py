"""Deletion in waves, shared by stack teardown and cleanup (libnuke's remove/wait loop).

Each pass deletes, on worker threads, every resource that nothing still pending depends
on (by the kinds' `depends_on`, and by a resource's own `waits_on`), then lists again to
confirm each one is gone. "Not yet" errors (DependencyViolation and friends) are retried
in a later pass with backoff; passes that make no progress end the run, unless a resource is
still within its kind's patience (`PATIENCE`: how long AWS really takes to let it go: a database
`creating` for up to 15 minutes, ENIs of a Lambda function for up to 45). Meanwhile progress says
what it waits for, and `cancel` stops the wait. The outcome names every resource left, its error
and what blocks it.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable

from hostwiz import events as ev

from .aws import Aws, error_code
from .engine import describe_error
from .registry import KINDS, Resource, load_all
from .waiting import Cancelled, WaitTimeout, poll

GLOBAL = "global"

# How long a kind may legitimately answer "not yet" (seconds on AWS; `DeletionSettings.patience_scale`
# shrinks them in the sandbox and tests). Sources: docs/aws-behaviour.md.
PATIENCE = {
    "rds-instance": 2700, "rds-cluster": 2700,  # `creating` 5-15 min, then deletion of its dependants
    "security-group": 2700, "subnet": 2700, "vpc": 2700,  # Lambda ENIs: up to 45 min; ELB ENIs: minutes
    "network-interface": 1800, "db-subnet-group": 1800, "nat-gateway": 900, "internet-gateway": 900,
    "ec2-instance": 600, "load-balancer": 600, "dynamodb-table": 600, "elastic-ip": 600,
}
DEFAULT_PATIENCE = 300


@dataclass
class Left:
    resource: Resource
    error: str
    blockers: list[str] = field(default_factory=list)


@dataclass
class Outcome:
    deleted: list[Resource] = field(default_factory=list)
    left: list[Left] = field(default_factory=list)
    passes: int = 0

    @property
    def ok(self) -> bool:
        return not self.left


@dataclass
class DeletionSettings:
    workers: int = 8
    max_stalled_passes: int = 4
    backoff: float = 2.0  # seconds before the first retry pass; doubles per stalled pass
    confirm_delay: float = 3.0
    confirm_timeout: dict[str, float] = field(default_factory=lambda: {
        "ec2-instance": 900, "rds-instance": 3600, "rds-cluster": 3600, "nat-gateway": 900,
        "load-balancer": 600, "autoscaling-group": 900})
    default_confirm_timeout: float = 300
    patience_scale: float = 1.0  # PATIENCE x this (the sandbox and the tests run AWS's minutes as seconds)
    max_backoff: float = 30.0  # seconds between retry passes at most (x patience_scale, never below backoff)
    # a resource made this long ago may still be invisible (x patience_scale); AWS: retry "up to a few minutes"
    visibility_grace: float = 300.0

    def patience(self, kind_name: str) -> float:
        return PATIENCE.get(kind_name, DEFAULT_PATIENCE) * self.patience_scale


class _Regions:
    def __init__(self, aws: Aws):
        self.aws = aws
        self._by_region: dict[str, Aws] = {}
        self._lock = threading.Lock()

    def __call__(self, region: str) -> Aws:
        if region in (GLOBAL, self.aws.region):
            return self.aws
        with self._lock:
            if region not in self._by_region:
                self._by_region[region] = self.aws.with_region(region)
            return self._by_region[region]


def _blocks(blocker: Resource, res: Resource) -> bool:
    """Must `blocker` be gone before `res` can be deleted?"""
    if blocker.id in res.waits_on:
        return True
    if blocker.kind not in KINDS[res.kind].depends_on:
        return False
    return GLOBAL in (blocker.region, res.region) or blocker.region == res.region


def delete_resources(aws: Aws, resources: list[Resource], on_event: ev.Callback = ev.ignore, *,
                     settings: DeletionSettings | None = None, cancel: threading.Event | None = None) -> Outcome:
    load_all()
    cfg = settings or DeletionSettings()
    cancel = cancel or threading.Event()
    regions = _Regions(aws)
    emit_lock = threading.Lock()

    def emit(e: ev.Event) -> None:
        with emit_lock:
            on_event(e)

    pending: dict[str, Resource] = {r.key: r for r in resources}
    failed_hard: dict[str, Left] = {}
    last_error: dict[str, str] = {}
    outcome = Outcome()
    for r in resources:
        emit(ev.Event(ev.QUEUED, r.key, _label(r)))

    def delete_one(r: Resource) -> tuple[str, str | None, bool]:
        """(key, error or None, retryable)."""
        kind = KINDS[r.kind]
        raws = regions(r.region)
        started = time.monotonic()
        emit(ev.Event(ev.STARTED, r.key, _label(r)))
        made_at = r.data.get("made_at")
        if isinstance(made_at, (int, float)) and time.time() < made_at + cfg.visibility_grace * cfg.patience_scale \
                and not _still_there(kind, raws, r):
            # made moments ago: AWS does not show it yet, and "not found" does not mean gone
            msg = "made moments ago and not visible in the API yet"
            emit(ev.Event(ev.PROGRESS, r.key, _label(r), f"not yet: {msg}"))
            return r.key, msg, True
        try:
            kind.delete(raws, r)
            timeout = cfg.confirm_timeout.get(r.kind, cfg.default_confirm_timeout)
            poll(lambda: True if not kind.exists(raws, r) else None, what=f"{_label(r)} to be gone",
                 timeout=timeout, delay=cfg.confirm_delay, cancel=cancel,
                 progress=lambda m: emit(ev.Event(ev.PROGRESS, r.key, _label(r), m)),
                 max_delay=max(cfg.confirm_delay, 15.0))
        except Cancelled:
            return r.key, "cancelled", False
        except WaitTimeout as err:
            return r.key, str(err), True
        except Exception as err:
            code = error_code(err)
            # "not found" may be about a resource named inside the call (a rule's peer group that
            # another worker just deleted), so it counts only when listing again agrees.
            if code in kind.gone_codes and not _still_there(kind, raws, r):
                emit(ev.Event(ev.DONE, r.key, _label(r), "already gone", elapsed=time.monotonic() - started))
                return r.key, None, False
            if code in kind.gone_codes:
                return r.key, describe_error(err), True
            retry = code in kind.retry_codes or code in ("Throttling", "ThrottlingException", "RequestLimitExceeded")
            msg = describe_error(err)
            if retry:
                emit(ev.Event(ev.PROGRESS, r.key, _label(r), f"not yet: {msg}"))
            else:
                emit(ev.Event(ev.FAILED, r.key, _label(r), msg, elapsed=time.monotonic() - started))
            return r.key, msg, retry
        emit(ev.Event(ev.DONE, r.key, _label(r), "deleted", elapsed=time.monotonic() - started))
        return r.key, None, False

    stalled = 0
    refused_since: dict[str, float] = {}  # key -> when it first answered "not yet"
    with ThreadPoolExecutor(max_workers=cfg.workers, thread_name_prefix="hostwiz-delete") as pool:
        while pending and not cancel.is_set():
            outcome.passes += 1
            blocking = list(pending.values()) + [x.resource for x in failed_hard.values()]
            ready = [r for r in pending.values()
                     if not any(b.key != r.key and _blocks(b, r) for b in blocking)]
            if not ready:
                break
            progress = False
            for key, error, retry in pool.map(delete_one, ready):
                if error is None:
                    outcome.deleted.append(pending.pop(key))
                    progress = True
                elif retry:
                    last_error[key] = error
                    refused_since.setdefault(key, time.monotonic())
                else:
                    failed_hard[key] = Left(pending.pop(key), error)
            if progress:
                stalled = 0
                continue
            stalled += 1
            now = time.monotonic()
            waiting = [pending[k] for k in pending
                       if k in refused_since and now - refused_since[k] < cfg.patience(pending[k].kind)]
            if stalled >= cfg.max_stalled_passes and not waiting:
                break
            for w in waiting if stalled >= cfg.max_stalled_passes else []:
                waited = now - refused_since[w.key]
                emit(ev.Event(ev.PROGRESS, w.key, _label(w), f"waiting for AWS to let it go: {last_error[w.key]} "
                              f"({waited:.0f}s so far, at most {cfg.patience(w.kind):.0f}s)"))
            pause = min(cfg.backoff * 2 ** min(stalled - 1, 16), max(cfg.backoff, cfg.max_backoff * cfg.patience_scale))
            if cancel.wait(pause):
                break

    for key, r in pending.items():
        blockers = [b.key for b in list(pending.values()) + [x.resource for x in failed_hard.values()]
                    if b.key != key and _blocks(b, r)]
        err = last_error.get(key) or ("cancelled" if cancel.is_set() else "waits on resources that were not deleted")
        outcome.left.append(Left(r, err, blockers))
    outcome.left += failed_hard.values()
    for left in outcome.left:
        if not left.blockers:
            try:
                left.blockers = KINDS[left.resource.kind].blockers(regions(left.resource.region), left.resource)
            except Exception:
                pass
        emit(ev.Event(ev.FAILED, left.resource.key, _label(left.resource),
                      left.error + (f" (blocked by {', '.join(left.blockers)})" if left.blockers else "")))
    return outcome


def _still_there(kind, aws: Aws, r: Resource) -> bool:
    try:
        return kind.exists(aws, r)
    except Exception:
        return True


def _label(r: Resource) -> str:
    kind = KINDS.get(r.kind)
    name = f" {r.name}" if r.name and r.name != r.id else ""
    return f"{kind.label if kind else r.kind} {r.id}{name}"


LabelFn = Callable[[Resource], str]
label = _label
