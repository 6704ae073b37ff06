"""Deletion in waves, shared by stack teardown and cleanup (libnuke's remove/wait loop).

Each pass deletes, on worker threads, every resource that nothing still pending depends
on (by the kinds' `depends_on`, and by a resource's own `waits_on`), then lists again to
confirm each one is gone. "Not yet" errors (DependencyViolation and friends) are retried
in a later pass with backoff; passes that make no progress end the run. The outcome names
every resource left, its error and what blocks it.
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
                else:
                    failed_hard[key] = Left(pending.pop(key), error)
            if progress:
                stalled = 0
                continue
            stalled += 1
            if stalled >= cfg.max_stalled_passes:
                break
            if cancel.wait(cfg.backoff * 2 ** (stalled - 1)):
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
