"""Which of the discovered resources a cleanup takes, and why (and which it may never take).

A resource is chosen when it matches every filter given: the name prefix on its *name* (its Name
tag, or the name the kind gives it; never a generated ID such as vpc-0abc), tags, VPC, and age
(a resource whose creation time AWS does not give never matches --older-than). Then:
- a chosen VPC brings in what is inside it ("inside vpc-...") only when that passes the same age
  filter and no protection below; anything else inside is listed as what keeps the VPC;
- what belongs to a chosen resource comes with it ("belongs to ..."), related by (kind, region,
  ID): a load balancer's listeners, a topic's subscriptions, an AMI's snapshots, a NAT gateway's
  Elastic IPs, a function's log group, a role's instance profiles, an ASG's instances, a
  database's manual snapshots. A bucket named like a database is not its parent.

Never selectable (`Excluded`, each with the reason shown to the operator):
- the default VPC and everything in it (`Filters.vpc` naming it is refused);
- resources of live hostwiz stacks (local ledger or tags) unless named in `include_stacks`;
- resources a CloudFormation stack owns, unless `include_cloudformation` (then the stack itself is
  what is deleted, never its resources one by one);
- global kinds (IAM, Route53) unless `include_global`.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from ..ownership import parse_time
from ..registry import Resource

CFN_TAG = "aws:cloudformation:stack-name"
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_age(text: str) -> timedelta:
    """'7d', '12h', '2w', '30m' -> timedelta; ValueError with a readable message otherwise."""
    m = re.fullmatch(r"\s*(\d+)\s*([mhdw])\s*", text or "")
    if not m:
        raise ValueError(f"{text!r} is not an age: use a number and a unit, like 30m, 12h, 7d or 2w")
    return timedelta(**{_UNITS[m.group(2)]: int(m.group(1))})


GLOBAL = "global"
# What may follow a name prefix in a name it takes (`prefix_matches`).
NAME_SEPARATORS = "-_./:"
# Kinds whose only real name is their Name tag: what the kind shows otherwise is an ID, an address,
# a description or a service name, none of which a name prefix may match.
TAG_NAMED = {"vpc", "subnet", "internet-gateway", "nat-gateway", "route-table", "vpc-endpoint", "network-interface",
             "ebs-volume", "ebs-snapshot", "elastic-ip", "ec2-instance"}
# What a child's `parents` (and a parent's `owns`) refer to: related by (kind, region, ID), never by a bare name.
PARENT_KINDS = {"ebs-volume": ("ec2-instance",), "target-group": ("load-balancer",),
                "ec2-instance": ("autoscaling-group",), "elastic-ip": ("ec2-instance",),
                "instance-profile": ("iam-role",), "ecs-service": ("ecs-cluster",),
                "sns-subscription": ("sns-topic",), "listener": ("load-balancer",),
                "log-group": ("lambda-function",), "db-snapshot": ("rds-instance",),
                "network-interface": ("ec2-instance",)}
OWNED_KINDS = {"nat-gateway": ("elastic-ip",), "ami": ("ebs-snapshot",), "autoscaling-group": ("launch-template",)}
STACK_TAG = "hostwiz:stack"
# A stack's leftovers that do not make it live: a final snapshot is kept on purpose, and goes by cleanup.
NOT_LIVE_KINDS = {"db-snapshot", "ebs-snapshot"}
CFN_KIND = "cloudformation-stack"


@dataclass
class Excluded:
    """A resource the filters reach but a cleanup may not take, and why."""

    key: str
    kind: str
    id: str
    name: str
    why: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass
class Filters:
    name_prefix: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    vpc: str | None = None
    older_than: str | None = None  # as typed ("7d"); parsed by `age`
    regions: list[str] = field(default_factory=list)
    include_stacks: list[str] = field(default_factory=list)  # live hostwiz stacks the operator names
    include_global: bool = False  # IAM and Route53 (account-wide) only when asked
    include_cloudformation: bool = False  # CloudFormation-owned: then the CFN stack is what's deleted

    @classmethod
    def parse(cls, name_prefix: str | None, tags: list[str], vpc: str | None, older_than: str | None,
              regions: list[str], include_stacks: list[str] | None = None, include_global: bool = False,
              include_cloudformation: bool = False) -> "Filters":
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
        if name_prefix and not name_prefix.strip(NAME_SEPARATORS + " "):  # '/' took every SSM parameter
            raise ValueError(f"name-prefix: {name_prefix!r} is only separators, which would take every name "
                             "that starts with it; give the start of a name, like workshop-")
        if vpc and not vpc.startswith("vpc-"):
            raise ValueError(f"vpc: {vpc!r} is not a VPC ID (vpc-...)")
        return cls(name_prefix or None, parsed, vpc or None, older_than or None, list(dict.fromkeys(regions)),
                   list(dict.fromkeys(include_stacks or [])), bool(include_global), bool(include_cloudformation))

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
        parts = [f"name {describe_prefix(self.name_prefix)}"] if self.name_prefix else []
        parts += [f"tag {k}={v}" for k, v in self.tags.items()]
        parts += [f"in {self.vpc}"] if self.vpc else []
        parts += [f"older than {self.older_than}"] if self.older_than else []
        parts += [f"including stack {n}" for n in self.include_stacks]
        parts += ["including IAM and Route53"] if self.include_global else []
        parts += ["including CloudFormation stacks"] if self.include_cloudformation else []
        return ", ".join(parts) or "no filter"


def describe_prefix(prefix: str) -> str:
    """What a name prefix matches, in words (plans, reasons, the CLI's summary)."""
    if prefix and prefix[-1] in NAME_SEPARATORS:
        return f"starts with {prefix}"
    return f"is {prefix} or starts with {prefix} and a separator (- _ . / :)"


def created_at(r: Resource) -> datetime | None:
    """When AWS says `r` was made (None: unknown, which never matches an age filter)."""
    return parse_time(r.data.get("created"))


def names_of(r: Resource) -> set[str]:
    """The names a name prefix may match: the Name tag, and the kind's own name where it is one
    (a bucket's, a role's, a group's...), never an ID, address or description shown in its place."""
    out = {r.tags.get("Name", "")}
    if r.kind not in TAG_NAMED:
        out.add(r.name)
    return {n for n in out if n}


def prefix_matches(name: str, prefix: str) -> bool:
    """Whether a name prefix takes `name`: the name itself, or the prefix followed by a separator
    (- _ . / :), so that "hostwiz-blog" takes hostwiz-blog and hostwiz-blog-db but never
    hostwiz-blogx-db; a prefix that already ends with a separator ("workshop-") takes what follows it.
    The one place a name prefix is applied (plans, frozen plans, the CLI and the Cleanup screen)."""
    if not prefix or not name.startswith(prefix):
        return False
    return len(name) == len(prefix) or prefix[-1] in NAME_SEPARATORS or name[len(prefix)] in NAME_SEPARATORS


def _age_ok(r: Resource, f: Filters, now: datetime) -> bool:
    """No age filter, or a known creation time older than it (unknown age never matches)."""
    if f.age is None:
        return True
    born = created_at(r)
    return born is not None and now - born >= f.age


def _matches(r: Resource, f: Filters, now: datetime) -> str | None:
    """Why `r` matches every given filter, or None."""
    why = []
    if f.name_prefix:
        name = next((n for n in sorted(names_of(r)) if prefix_matches(n, f.name_prefix)), None)
        if name is None:
            return None
        p = f.name_prefix
        why.append(f"name is {p}" if name == p else f"name starts with {name[:len(p) + (p[-1] not in NAME_SEPARATORS)]}")
    for k, v in f.tags.items():
        if r.tags.get(k) != v:
            return None
        why.append(f"tag {k}={v}")
    if f.vpc:
        if f.vpc not in (r.id, r.data.get("vpc_id")):
            return None
        why.append(f"in {f.vpc}" if r.id != f.vpc else "the VPC asked for")
    if f.age is not None:
        if not _age_ok(r, f, now):
            return None
        why.append(f"older than {f.older_than}")
    return ", ".join(why)


@dataclass
class Scope:
    """What the account holds that a cleanup must never take (found by discovery, the ledger)."""

    default_vpcs: set[tuple[str, str]] = field(default_factory=set)  # (region, vpc id)
    live_stacks: dict[str, str] = field(default_factory=dict)  # stack name -> where it was seen ("ledger", "tags")
    cloudformation: dict[tuple[str, str, str], str] = field(default_factory=dict)  # (kind, region, id) -> stack


def _same_region(a: Resource, b: Resource) -> bool:
    return a.region == b.region or GLOBAL in (a.region, b.region)


def live_stacks(found: list[Resource], ledgers: dict[str, str] | None = None) -> dict[str, str]:
    """hostwiz stacks that are live: a local ledger, or a resource tagged for them that is not a kept snapshot."""
    out = dict(ledgers or {})
    for r in found:
        name = r.tags.get(STACK_TAG)
        if name and r.kind not in NOT_LIVE_KINDS and name not in out:
            out[name] = "tags"
    return out


def protection(r: Resource, f: Filters, scope: Scope) -> str | None:
    """Why `r` may never be selected under `f`, or None."""
    if r.kind == "vpc" and (r.region, r.id) in scope.default_vpcs or \
            (r.region, r.data.get("vpc_id")) in scope.default_vpcs:
        return "the default VPC and what is in it are never cleaned up"
    stack = r.tags.get(STACK_TAG)
    if stack and stack in scope.live_stacks and stack not in f.include_stacks:
        return f"belongs to stack {stack} — use `hostwiz down {stack}`"
    cfn = cloudformation_owner(r, scope)
    if r.kind == CFN_KIND:
        if not f.include_cloudformation:
            return "a CloudFormation stack: only with --include-cloudformation"
    elif cfn:
        return f"owned by CloudFormation stack {cfn} — " + (
            "deleted with that stack, never on its own" if f.include_cloudformation
            else "delete that stack (or add --include-cloudformation)")
    if r.region == GLOBAL and not f.include_global:
        return "account-wide (IAM, Route53): only with --include-global"
    return None


def cloudformation_owner(r: Resource, scope: Scope) -> str | None:
    return r.tags.get(CFN_TAG) or scope.cloudformation.get((r.kind, r.region, r.id)) or \
        scope.cloudformation.get((r.kind, r.region, r.name))


def select(found: list[Resource], f: Filters, now: datetime | None = None, *, scope: Scope | None = None,
           excluded: list[Excluded] | None = None) -> list[Resource]:
    """The chosen resources, each with `reason` set. What the filters reach but may not be taken
    goes to `excluded` (with why), never into the selection."""
    now = now or datetime.now(timezone.utc)
    scope = scope or Scope(live_stacks=live_stacks(found))
    out_excluded: dict[str, Excluded] = {}

    def exclude(r: Resource, why: str) -> None:
        out_excluded.setdefault(r.key, Excluded(r.key, r.kind, r.id, r.name, why))

    chosen: dict[str, Resource] = {}
    cfn_stacks: dict[str, Resource] = {}
    for r in found:
        why = _matches(r, f, now)
        if why is None:
            continue
        stop = protection(r, f, scope)
        if f.include_cloudformation and (stop or "").startswith("owned by CloudFormation"):
            cfn_stacks.setdefault(f"{r.region}/{cloudformation_owner(r, scope)}", r)
            continue
        if stop:
            exclude(r, stop)
            continue
        r.reason = why
        chosen[r.key] = r
    vpcs = {(r.region, r.id): r for r in chosen.values() if r.kind == "vpc"}
    for r in found:
        vpc = vpcs.get((r.region, r.data.get("vpc_id")))
        if r.key in chosen or vpc is None or r.key == vpc.key:
            continue
        stop = protection(r, f, scope)
        if f.include_cloudformation and (stop or "").startswith("owned by CloudFormation") and _age_ok(r, f, now):
            cfn_stacks.setdefault(f"{r.region}/{cloudformation_owner(r, scope)}", r)
            continue
        if stop is None and not _age_ok(r, f, now):
            stop = f"inside {vpc.id}, but not older than {f.older_than} (or its age is unknown)"
        if stop:
            exclude(r, f"{stop}; it keeps {vpc.id} from being deleted")
            vpc.data.setdefault("kept_by", []).append(r.key)
            continue
        r.reason = f"inside {vpc.id}" + (f" ({vpc.name})" if vpc.name != vpc.id else "")
        chosen[r.key] = r
    for vpc in vpcs.values():  # a VPC keeping what the selection may not take stays, and says why
        if vpc.data.get("kept_by"):
            chosen.pop(vpc.key, None)
            kept = vpc.data["kept_by"]
            exclude(vpc, f"holds {len(kept)} resource(s) the selection may not take: "
                         f"{', '.join(k.rsplit('/', 1)[-1] for k in kept[:5])}" + (" …" if len(kept) > 5 else ""))
        _bring_in_children(found, chosen, f, scope, exclude)
    if f.include_cloudformation:
        by_name = {(r.region, r.name): r for r in found if r.kind == CFN_KIND}
        for where, member in cfn_stacks.items():
            region, name = where.split("/", 1)
            stack = by_name.get((region, name))
            if stack is None:
                exclude(member, f"owned by CloudFormation stack {name}, which could not be found to delete it")
            elif stack.key not in chosen:
                stack.reason = f"owns {member.kind} {member.name or member.id}, which the filters reach"
                chosen[stack.key] = stack
    for r in chosen.values():
        if r.kind == "rds-instance":
            r.data["final_snapshot"] = False  # a snapshot would be one more leftover that bills
    if excluded is not None:
        excluded[:] = sorted(out_excluded.values(), key=lambda e: e.key)
    return sorted(chosen.values(), key=lambda r: (r.region, r.kind, r.name, r.id))


def _bring_in_children(found: list[Resource], chosen: dict[str, Resource], f: Filters, scope: Scope,
                       exclude: Any) -> None:
    by_key: dict[tuple[str, str], list[Resource]] = {}
    for r in found:
        by_key.setdefault((r.kind, r.id), []).append(r)

    def take(r: Resource, parent: Resource) -> bool:
        stop = protection(r, f, scope)
        if stop:
            exclude(r, stop)
            return False
        r.reason = f"belongs to {parent.kind} {parent.name or parent.id}"
        chosen[r.key] = r
        return True

    changed = True
    while changed:
        changed = False
        for r in found:
            if r.key in chosen:
                continue
            for p in r.data.get("parents", []):
                parent = next((c for k in PARENT_KINDS.get(r.kind, ()) for c in by_key.get((k, p), [])
                               if c.key in chosen and _same_region(c, r)), None)
                if parent is not None:
                    changed = take(r, parent) or changed
                    break
        for parent in list(chosen.values()):
            for child_id in parent.data.get("owns", []):
                for k in OWNED_KINDS.get(parent.kind, ()):
                    for r in by_key.get((k, child_id), []):
                        if r.key not in chosen and _same_region(r, parent):
                            changed = take(r, parent) or changed
