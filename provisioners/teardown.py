"""Teardown of one stack: a plan from the ledger and the tags, then deletion in waves.

Works from the tags alone when the ledger is gone, and running it twice is harmless (the
second plan is empty). Used by `hostwiz down`, the teardown screen, and rollback.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

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
         run_id: str | None = None) -> Plan:
    """Everything of `stack` that exists now (optionally only what run `run_id` made)."""
    load_all()

    def find(kind_name: str) -> list[Resource]:
        return kind(kind_name).find_stack(aws, stack)

    with ThreadPoolExecutor(max_workers=len(STACK_KINDS), thread_name_prefix="hostwiz-find") as pool:
        found = [r for group in pool.map(find, STACK_KINDS) for r in group]
    seen = {(r.kind, r.id) for r in found}
    # The ledger may know of resources whose tags are missing (or moto does not tag them).
    for entry in (ledger.entries() if ledger else []):
        if entry.state not in (CREATED, INTENT) or not entry.id or (entry.kind, entry.id) in seen:
            continue
        res = Resource(entry.kind, entry.id, "global" if entry.kind in ("iam-role", "instance-profile", "route53-record")
                       else aws.region, (entry.data or {}).get("name", entry.id),
                       {"hostwiz:stack": stack}, dict(entry.data or {}))
        if kind(entry.kind).exists(aws, res):
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


def execute(aws: Aws, p: Plan, ledger: Ledger | None, on_event: ev.Callback = ev.ignore, *,
            settings: DeletionSettings | None = None, cancel: threading.Event | None = None) -> Outcome:
    outcome = delete_resources(aws, p.resources, on_event, settings=settings, cancel=cancel)
    if ledger is not None:
        for r in outcome.deleted:
            for entry in ledger.entries():
                if entry.id == r.id and entry.kind == r.kind:
                    ledger.deleted(entry.step)
    return outcome
