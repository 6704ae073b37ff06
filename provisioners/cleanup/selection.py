"""Which of the discovered resources a cleanup takes, and why.

A resource is chosen when it matches every filter given (name prefix on its Name tag or
resource name, tags, VPC, age). Then:
- a chosen VPC brings in everything inside it ("inside vpc-..."), whatever its name or age;
- what belongs to a chosen resource comes with it ("belongs to ..."): a load balancer's
  listeners, a topic's subscriptions, an AMI's snapshots, a NAT gateway's Elastic IPs, a
  function's log group, a role's instance profiles, an ASG's instances.
The default VPC, its default security group, main route tables and default network ACLs are
never listed by the kinds, so they can never be chosen. Resources a CloudFormation stack owns
are chosen but flagged with the stack's name.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from ..registry import Resource

CFN_TAG = "aws:cloudformation:stack-name"
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_age(text: str) -> timedelta:
    """'7d', '12h', '2w', '30m' -> timedelta; ValueError with a readable message otherwise."""
    m = re.fullmatch(r"\s*(\d+)\s*([mhdw])\s*", text or "")
    if not m:
        raise ValueError(f"{text!r} is not an age: use a number and a unit, like 30m, 12h, 7d or 2w")
    return timedelta(**{_UNITS[m.group(2)]: int(m.group(1))})


@dataclass
class Filters:
    name_prefix: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    vpc: str | None = None
    older_than: str | None = None  # as typed ("7d"); parsed by `age`
    regions: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, name_prefix: str | None, tags: list[str], vpc: str | None, older_than: str | None,
              regions: list[str]) -> "Filters":
        """Filters from what an operator typed; ValueError "field: problem" for bad input."""
        parsed = {}
        for pair in tags:
            key, sep, value = pair.strip().partition("=")
            if not sep or not key:
                raise ValueError(f"tag: {pair!r} is not KEY=VALUE")
            parsed[key] = value
        if older_than:
            try:
                parse_age(older_than)
            except ValueError as err:
                raise ValueError(f"older-than: {err}") from None
        if vpc and not vpc.startswith("vpc-"):
            raise ValueError(f"vpc: {vpc!r} is not a VPC ID (vpc-...)")
        return cls(name_prefix or None, parsed, vpc or None, older_than or None, list(dict.fromkeys(regions)))

    @property
    def empty(self) -> bool:
        """No filter that narrows the selection (cleanup refuses to take everything)."""
        return not (self.name_prefix or self.tags or self.vpc)

    @property
    def age(self) -> timedelta | None:
        return parse_age(self.older_than) if self.older_than else None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self) -> str:
        parts = [f"name starts with {self.name_prefix!r}"] if self.name_prefix else []
        parts += [f"tag {k}={v}" for k, v in self.tags.items()]
        parts += [f"in {self.vpc}"] if self.vpc else []
        parts += [f"older than {self.older_than}"] if self.older_than else []
        return ", ".join(parts) or "no filter"


def created_at(r: Resource) -> datetime | None:
    text = str(r.data.get("created") or "")
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def _matches(r: Resource, f: Filters, now: datetime) -> str | None:
    """Why `r` matches every given filter, or None."""
    why = []
    if f.name_prefix:
        names = {r.name, r.tags.get("Name", "")}
        if not any(n.startswith(f.name_prefix) for n in names if n):
            return None
        why.append(f"name starts with {f.name_prefix}")
    for k, v in f.tags.items():
        if r.tags.get(k) != v:
            return None
        why.append(f"tag {k}={v}")
    if f.vpc:
        if f.vpc not in (r.id, r.data.get("vpc_id")):
            return None
        why.append(f"in {f.vpc}" if r.id != f.vpc else "the VPC asked for")
    if f.age is not None:
        born = created_at(r)
        if born is not None and now - born < f.age:
            return None
        why.append(f"older than {f.older_than}" if born else "age unknown")
    return ", ".join(why)


def select(found: list[Resource], f: Filters, now: datetime | None = None) -> list[Resource]:
    """The chosen resources, each with `reason` set (and `data['cloudformation']` when owned)."""
    now = now or datetime.now(timezone.utc)
    chosen: dict[str, Resource] = {}
    for r in found:
        why = _matches(r, f, now)
        if why is not None:
            r.reason = why
            chosen[r.key] = r
    vpcs = {r.id: r for r in chosen.values() if r.kind == "vpc"}
    for r in found:
        vpc = r.data.get("vpc_id")
        if r.key not in chosen and vpc in vpcs and vpcs[vpc].region == r.region:
            r.reason = f"inside {vpc}" + (f" ({vpcs[vpc].name})" if vpcs[vpc].name != vpc else "")
            chosen[r.key] = r
    _bring_in_children(found, chosen)
    for r in chosen.values():
        if r.tags.get(CFN_TAG):
            r.data["cloudformation"] = r.tags[CFN_TAG]
        if r.kind == "rds-instance":
            r.data["final_snapshot"] = False  # a snapshot would be one more leftover that bills
    return sorted(chosen.values(), key=lambda r: (r.region, r.kind, r.name, r.id))


def _bring_in_children(found: list[Resource], chosen: dict[str, Resource]) -> None:
    by_id: dict[str, list[Resource]] = {}
    for r in found:
        by_id.setdefault(r.id, []).append(r)
    changed = True
    while changed:
        changed = False
        chosen_ids = {r.id: r for r in chosen.values()}
        for r in found:
            if r.key in chosen:
                continue
            parent = next((chosen_ids[p] for p in r.data.get("parents", []) if p in chosen_ids), None)
            if parent is not None:
                r.reason = f"belongs to {parent.kind} {parent.name or parent.id}"
                chosen[r.key] = r
                changed = True
        for parent in list(chosen.values()):
            for child_id in parent.data.get("owns", []):
                for r in by_id.get(child_id, []):
                    if r.key not in chosen:
                        r.reason = f"belongs to {parent.kind} {parent.name or parent.id}"
                        chosen[r.key] = r
                        changed = True
