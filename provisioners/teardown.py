"""Teardown of one stack: a plan from the ledger and the tags, then deletion in waves.

Works from the tags alone when the ledger is gone, and running it twice is harmless (the
second plan is empty). Used by `hostwiz down`, the teardown screen, and rollback.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from hostwiz import events as ev
from hostwiz.ledger import CREATED, INTENT, Ledger

from .aws import Aws
from .deletion import DeletionSettings, Outcome, delete_resources
from .registry import RUN_TAG, Resource, kind, load_all

STACK_KINDS = ("cloudwatch-alarm", "route53-record", "ssm-parameter", "rds-instance", "ec2-instance", "elastic-ip", "instance-profile",
               "iam-role", "db-subnet-group", "security-group", "key-pair")


@dataclass
class Plan:
    stack: str
    resources: list[Resource] = field(default_factory=list)
    final_snapshot: bool = True

    @property
    def empty(self) -> bool:
        return not self.resources


def plan(aws: Aws, stack: str, ledger: Ledger | None = None, *, final_snapshot: bool = True,
         run_id: str | None = None, grace: float = 300.0) -> Plan:
    """Everything of `stack` that exists now (optionally only what run `run_id` made).

    AWS shows a new resource only after a while: what the ledger says was made less than `grace`
    seconds ago is planned even when it is not visible yet (deletion waits for it to appear), and an
    instance whose RunInstances answer was lost is looked for by its ClientToken for that long."""
    load_all()

    def find(kind_name: str) -> list[Resource]:
        return kind(kind_name).find_stack(aws, stack)

    with ThreadPoolExecutor(max_workers=len(STACK_KINDS), thread_name_prefix="hostwiz-find") as pool:
        found = [r for group in pool.map(find, STACK_KINDS) for r in group]
    seen = {(r.kind, r.id) for r in found}
    entries = ledger.entries() if ledger else []
    made_at = {(e.kind, e.id): e.at for e in entries if e.id and e.at}
    for r in found:
        if (r.kind, r.id) in made_at:
            r.data["made_at"] = made_at[(r.kind, r.id)]
    # The ledger may know of resources whose tags are missing (or moto does not tag them), or that
    # AWS does not show yet.
    for entry in entries:
        if entry.kind == "ec2-instance" and entry.state == INTENT and not entry.id and entry.data:
            found += [r for r in _launched(aws, stack, entry, grace) if (r.kind, r.id) not in seen]
            seen |= {(r.kind, r.id) for r in found}
            continue
        if entry.state not in (CREATED, INTENT) or not entry.id or (entry.kind, entry.id) in seen:
            continue
        res = Resource(entry.kind, entry.id, "global" if entry.kind in ("iam-role", "instance-profile", "route53-record")
                       else aws.region, (entry.data or {}).get("name", entry.id),
                       {"hostwiz:stack": stack}, dict(entry.data or {}))
        fresh = bool(entry.at) and time.time() - entry.at < grace
        if fresh:
            res.data["made_at"] = entry.at
        if kind(entry.kind).exists(aws, res) or fresh:
            found.append(res)
            seen.add((entry.kind, entry.id))
    if run_id:
        found = [r for r in found if r.tags.get(RUN_TAG) in (run_id, None, "")]
    for r in found:
        r.reason = f"tagged hostwiz:stack={stack}"
        if r.kind == "rds-instance":
            r.data["final_snapshot"] = final_snapshot
    order = {k: i for i, k in enumerate(STACK_KINDS)}
    found.sort(key=lambda r: (order.get(r.kind, 99), r.id))
    return Plan(stack, found, final_snapshot)


def _launched(aws: Aws, stack: str, entry: Any, grace: float) -> list[Resource]:
    """The instance a RunInstances whose answer was lost made: found by its ClientToken (waiting up to
    a tenth of `grace` from the intent while AWS does not list it yet: a RunInstances that AWS refused
    made nothing, and this wait is all it costs)."""
    token = (entry.data or {}).get("client_token")
    if not token:
        return []
    inst = kind("ec2-instance")
    deadline = (entry.at or 0) + grace / 10
    delay = max(0.01, min(2.0, grace / 20))
    while True:
        made = inst.by_token(aws, token, stack)
        if made or time.time() >= deadline:
            break
        time.sleep(min(delay, max(0.0, deadline - time.time())))
    return [Resource("ec2-instance", i["InstanceId"], aws.region, stack, {"hostwiz:stack": stack},
                     {"client_token": token, "made_at": entry.at}) for i in made]


def execute(aws: Aws, p: Plan, ledger: Ledger | None, on_event: ev.Callback = ev.ignore, *,
            settings: DeletionSettings | None = None, cancel: threading.Event | None = None) -> Outcome:
    outcome = delete_resources(aws, p.resources, on_event, settings=settings, cancel=cancel)
    if ledger is not None:
        for r in outcome.deleted:
            for entry in ledger.entries():
                if entry.id == r.id and entry.kind == r.kind:
                    ledger.deleted(entry.step)
    return outcome
