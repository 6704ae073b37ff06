"""The cleanup plan: a dependency graph over the selection, with costs; frozen as JSON.

Each item has kind, ID, name, region, why it was chosen, what it waits on, its monthly cost
and a fingerprint (kind, ID, region, name, tags, creation time). A frozen plan carries the
account; `reconcile` matches it against what exists now: an item that is gone or whose
fingerprint changed is skipped and reported, and nothing outside the plan is touched.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hostwiz import events as ev

from ..aws import Aws
from ..deletion import GLOBAL, DeletionSettings, Outcome, delete_resources
from ..registry import KINDS, Resource, load_all
from .discovery import Discovery
from .selection import Filters, select

FORMAT = "hostwiz-cleanup-plan/1"


def fingerprint(r: Resource) -> str:
    basis = {"kind": r.kind, "id": r.id, "region": r.region, "name": r.name, "tags": dict(sorted(r.tags.items())),
             "created": str(r.data.get("created") or "")}
    return hashlib.sha256(json.dumps(basis, sort_keys=True).encode()).hexdigest()[:16]


def monthly_cost(r: Resource) -> float | None:
    """What `r` costs a month (None while the price table is not available)."""
    from hostwiz.costs import resource_monthly

    try:
        return float(resource_monthly(r.kind, r.region, r.data))
    except Exception:
        return None


@dataclass
class Skipped:
    key: str
    why: str

    def as_dict(self) -> dict[str, str]:
        return {"key": self.key, "why": self.why}


@dataclass
class CleanupPlan:
    account: str
    regions: list[str]
    filters: Filters
    resources: list[Resource] = field(default_factory=list)
    created_at: str = field(default_factory=lambda: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    costs_known: bool = True
    skipped: list[Skipped] = field(default_factory=list)  # frozen plan items not deleted, and why
    unplanned: list[Resource] = field(default_factory=list)  # match the filters now, not in the frozen plan
    discovery_errors: dict[str, str] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.resources

    @property
    def total_monthly(self) -> float:
        return sum(r.monthly_cost for r in self.resources)

    @property
    def cloudformation(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for r in self.resources:
            if r.data.get("cloudformation"):
                out.setdefault(r.data["cloudformation"], []).append(r.key)
        return out

    def groups(self) -> dict[str, dict[str, list[Resource]]]:
        """region/VPC (or "outside any VPC") -> kind -> resources, for trees and listings."""
        out: dict[str, dict[str, list[Resource]]] = {}
        for r in self.resources:
            where = f"{r.region} {r.data.get('vpc_id') or 'outside any VPC'}"
            out.setdefault(where, {}).setdefault(r.kind, []).append(r)
        return out

    def item(self, r: Resource) -> dict[str, Any]:
        d = r.as_dict()
        d.pop("data", None)
        d.update(key=r.key, fingerprint=fingerprint(r), vpc_id=r.data.get("vpc_id"),
                 monthly_cost=round(r.monthly_cost, 2) if self.costs_known else None)
        if r.data.get("cloudformation"):
            d["cloudformation_stack"] = r.data["cloudformation"]
        if r.data.get("protection"):
            d["protection"] = r.data["protection"]
        return d

    def as_dict(self) -> dict[str, Any]:
        return {"format": FORMAT, "account": self.account, "regions": self.regions, "created_at": self.created_at,
                "filters": self.filters.as_dict(), "count": len(self.resources),
                "monthly_cost": round(self.total_monthly, 2) if self.costs_known else None,
                "resources": [self.item(r) for r in self.resources],
                "skipped": [s.as_dict() for s in self.skipped],
                "unplanned": [r.key for r in self.unplanned],
                "discovery_errors": self.discovery_errors}

    def write(self, path: Path) -> None:
        tmp = Path(path).with_suffix(".tmp")
        tmp.write_text(json.dumps(self.as_dict(), indent=2, default=str))
        tmp.replace(path)


def build_plan(found: Discovery, filters: Filters, account: str) -> CleanupPlan:
    load_all()
    chosen = select(found.resources, filters)
    plan = CleanupPlan(account, list(filters.regions), filters, chosen, discovery_errors=dict(found.errors))
    link(chosen)
    for r in chosen:
        if r.data.get("protection") and "will be lifted" not in r.reason:
            # deleting it means switching the protection off first: the plan says so
            r.reason += f"; {r.data['protection']} is on and will be lifted before deleting"
        cost = monthly_cost(r)
        plan.costs_known = plan.costs_known and cost is not None
        r.monthly_cost = cost or 0.0
    return plan


def link(resources: list[Resource]) -> None:
    """Fill `waits_on`: the chosen resources each one must outlive, by kind and by relation.

    Kinds' `depends_on` orders the waves; here a resource names only the related ones (same
    VPC, or one names the other), which is what the plan shows and what blocks it.
    """
    text = {r.key: json.dumps(r.data, default=str) for r in resources}

    def mentions(a: Resource, b: Resource) -> bool:
        return b.id in text[a.key]

    for r in resources:
        deps = set(KINDS[r.kind].depends_on)
        r.waits_on = sorted(b.id for b in resources if b.kind in deps and b.key != r.key
                            and (b.region == r.region or GLOBAL in (b.region, r.region))
                            and ((r.data.get("vpc_id") and r.data.get("vpc_id") == b.data.get("vpc_id"))
                                 or mentions(r, b) or mentions(b, r)))


def load_frozen(path: Path) -> dict[str, Any]:
    """A frozen plan file; ValueError with a readable reason when it is not one."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise ValueError(f"cannot read the plan {path}: {err}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("resources"), list):
        raise ValueError(f"{path} is not a hostwiz cleanup plan (made by 'hostwiz cleanup --plan-out')")
    return data


def reconcile(frozen: dict[str, Any], found: Discovery, account: str) -> CleanupPlan:
    """The frozen plan as it stands now: only its items that still exist unchanged."""
    if frozen["account"] != account:
        raise ValueError(f"the plan was made for AWS account {frozen['account']}, not {account}")
    filters = Filters(**frozen["filters"])
    now = {r.key: r for r in found.resources}
    plan = CleanupPlan(account, frozen["regions"], filters, created_at=frozen["created_at"],
                       discovery_errors=dict(found.errors))
    planned = {item["key"] for item in frozen["resources"]}
    plan.unplanned = [r for r in select(found.resources, filters) if r.key not in planned]
    for item in frozen["resources"]:
        key = item["key"]
        current = now.get(key)
        unlisted = found.errors.get(f"{item['region']}/{item['kind']}")
        if current is None and unlisted:
            plan.skipped.append(Skipped(key, f"could not be listed to check it: {unlisted}"))
        elif current is None:
            plan.skipped.append(Skipped(key, "no longer exists"))
        elif fingerprint(current) != item["fingerprint"]:
            plan.skipped.append(Skipped(key, "changed since the plan was made (name, tags or identity)"))
        else:
            current.reason = item.get("reason") or "in the frozen plan"
            if current.kind == "rds-instance":
                current.data["final_snapshot"] = False
            current.monthly_cost = item.get("monthly_cost") or 0.0
            plan.resources.append(current)
    plan.costs_known = frozen.get("monthly_cost") is not None
    link(plan.resources)
    return plan


def execute(aws: Aws, plan: CleanupPlan, on_event: ev.Callback = ev.ignore, *,
            settings: DeletionSettings | None = None, cancel: threading.Event | None = None) -> Outcome:
    """Delete exactly the plan's resources in dependency waves (see `provisioners.deletion`)."""
    return delete_resources(aws, plan.resources, on_event, settings=settings, cancel=cancel)
