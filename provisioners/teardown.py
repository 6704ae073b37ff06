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
from .ownership import Identity, ids_in_tags, split, tag_identity
from .registry import RUN_TAG, Resource, kind, load_all

STACK_KINDS = ("cloudwatch-alarm", "route53-record", "ssm-parameter", "rds-instance", "ec2-instance", "elastic-ip", "instance-profile",
               "iam-role", "db-subnet-group", "security-group", "key-pair")


@dataclass
class Plan:
    stack: str
    resources: list[Resource] = field(default_factory=list)
    final_snapshot: bool = True
    # Found under the stack's name but not verified as its own (`ownership.owned`): never deleted.
    skipped: list[tuple[Resource, str]] = field(default_factory=list)
    stack_id: str | None = None
    identity_source: str = "ledger"  # "ledger", or "tags" when no local ledger records the identity

    @property
    def empty(self) -> bool:
        return not self.resources


def plan(aws: Aws, stack: str, ledger: Ledger | None = None, *, final_snapshot: bool = True,
         run_id: str | None = None, identity: Identity | None = None, grace: float = 300.0,
         from_tags: bool = True) -> Plan:
    """Everything of `stack` that exists now and is verifiably its own (optionally only what run
    `run_id` made). The identity comes from the ledger; without one, from the tags when they name a
    single stack ID -- unless `from_tags` is False (a deletion): tags can be copied, so without a
    ledger nothing is proven ours, and everything found is skipped until the operator adopts it. Whatever is found but not owned is listed in `skipped` with the reason.

    AWS shows a new resource only after a while: what the ledger says was made less than `grace`
    seconds ago (by this stack's own create call) is planned even when it is not visible yet
    (deletion waits for it to appear), and an instance whose RunInstances answer was lost is looked
    for by this stack's ClientToken for that long."""
    load_all()
    ident = identity or (Identity.of_ledger(ledger) if ledger is not None else None)

    entries = ledger.entries() if ledger else []
    names = stack_names(stack, entries)

    def find(kind_name: str) -> list[Resource]:
        k = kind(kind_name)
        named = k.find_named(aws, stack, names.get(kind_name, []), ledger=ledger is not None)
        return k.find_stack(aws, stack) if named is None else named

    # Without a ledger, DNS records (which carry no tags) are read by the names the stack's Elastic IP
    # gives them (`route53_record.DNS_TAG`), so after the other kinds.
    first = STACK_KINDS if ledger is not None else tuple(k for k in STACK_KINDS if k != "route53-record")
    with ThreadPoolExecutor(max_workers=len(STACK_KINDS), thread_name_prefix="hostwiz-find") as pool:
        found = [r for group in pool.map(find, first) for r in group]
    if ledger is None:
        found += _records_by_eip(aws, stack, found)
    seen = {(r.kind, r.id) for r in found}
    made_at = {(e.kind, e.id): e.at for e in entries if e.id and e.at}
    for r in found:
        if (r.kind, r.id) in made_at:
            r.data["made_at"] = made_at[(r.kind, r.id)]
    source = "ledger"
    if ident is None and not from_tags and found:
        ids = ", ".join(sorted(ids_in_tags(found, stack))) or "none"
        why = (f"no ledger on this machine, and tags can be copied: nothing proves stack {stack} (tag ids: {ids}) "
               f"was made by you; if it is yours, 'hostwiz adopt {stack}' first")
        return Plan(stack, [], final_snapshot, [(r, why) for r in found], None, "none")
    if ident is None:
        by_id = ids_in_tags(found, stack)
        source = "tags"
        if len(by_id) == 1:  # no ledger here: the tags say which stack this is; the plan shows it
            ident = tag_identity(stack, next(iter(by_id)))
    skipped: list[tuple[Resource, str]] = []
    if ident is None and len(ids_in_tags(found, stack)) > 1:
        ids = ", ".join(sorted(ids_in_tags(found, stack)))
        skipped = [(r, f"several stacks named {stack} exist (ids {ids}); adopt the one you mean first")
                   for r in found]
        found = []
    found, foreign = split(found, ident)
    skipped += foreign
    # The ledger knows what it made. What it recorded moments ago may not be listed yet (planned by
    # its ID, or by this stack's ClientToken); what it recorded earlier that no longer carries the
    # stack's tags is not deleted by ID alone: it may have been re-created by someone else.
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
        if bool(entry.at) and time.time() - entry.at < grace:
            res.data["made_at"] = entry.at
            found.append(res)
            seen.add((entry.kind, entry.id))
        elif kind(entry.kind).exists(aws, res):
            res.tags = {}
            skipped.append((res, "recorded in the ledger, but what holds that ID now does not carry this stack's "
                                 "identity (deleted and re-created by someone else?)"))
    if run_id:
        found = [r for r in found if r.tags.get(RUN_TAG) in (run_id, None, "")]
    for r in found:
        r.reason = f"tagged hostwiz:stack={stack}"
        if r.kind == "rds-instance":
            r.data["final_snapshot"] = final_snapshot
    order = {k: i for i, k in enumerate(STACK_KINDS)}
    found.sort(key=lambda r: (order.get(r.kind, 99), r.id))
    return Plan(stack, found, final_snapshot, skipped, ident.id if ident else None, source)


def _records_by_eip(aws: Aws, stack: str, found: list[Resource]) -> list[Resource]:
    """The stack's DNS records without a ledger: by the names its Elastic IPs' `hostwiz:dns` tags give
    (every Elastic IP tagged for the stack: a look-alike's names are read too, and its records then
    fail the ownership check like anything else). When one of them has no such tag (made before
    hostwiz wrote it) or there is none, every zone's records are listed instead."""
    from .kinds.route53_record import records_in_tags

    r53 = kind("route53-record")
    eips = [r for r in found if r.kind == "elastic-ip"]
    names = [records_in_tags(r.tags) for r in eips]
    if not eips or any(n is None for n in names):
        return r53.find_stack(aws, stack)
    named = r53.find_named(aws, stack, [rid for n in names for rid in n or []], ledger=True)
    return r53.find_stack(aws, stack) if named is None else named


def stack_names(stack: str, entries: list[Any] = ()) -> dict[str, list[str]]:
    """Per kind, the names a stack's resources can have: those hostwiz gives (`stack.StackBuilder`)
    and every ID or name its ledger records. Kinds that AWS cannot filter by tag are read by these
    names (`Kind.find_named`), so reading one stack costs the same however many other stacks the
    account holds; ownership is then verified on what was found, as for anything listed."""
    names: dict[str, list[str]] = {
        "iam-role": [f"hostwiz-{stack}-instance"], "instance-profile": [f"hostwiz-{stack}-instance"],
        "db-subnet-group": [f"hostwiz-{stack}"], "rds-instance": [f"{stack}-db"], "route53-record": []}
    for e in entries:
        data = e.data or {}
        ids = [e.id, data.get("name"), data.get("identifier")]
        if e.kind == "route53-record" and data.get("zone_id") and data.get("record"):
            ids.append(f"{data['zone_id']}/{data['record']}")
        names.setdefault(e.kind, []).extend(i for i in ids if i)
    return names


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
