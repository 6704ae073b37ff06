"""Names a stack will take, and whether someone else already holds them.

"AlreadyExists" is a collision to report, never a resource to adopt: preflight names each one
(field-level, before anything is created) and the create steps refuse again at the call, for a
neighbour who took the name in between.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from hostwiz.spec import StackSpec

from .aws import Aws, tag_dict
from .ownership import Identity, why_not_owned
from .registry import Resource, kind


class Collision(Exception):
    """A name this stack needs is held by a resource it does not own."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.response = {"Error": {"Code": "NameTaken", "Message": message}}


@dataclass(frozen=True)
class Claim:
    field: str  # the spec field the operator changes to avoid it
    kind: str
    name: str
    what: str  # in words


def claims(spec: StackSpec) -> list[Claim]:
    """Every name `up` would create for `spec`."""
    n = spec.name
    out = [Claim("name", "security-group", f"hostwiz-{n}-app", "security group"),
           Claim("name", "key-pair", f"hostwiz-{n}", "key pair")]
    if spec.database:
        out += [Claim("name", "security-group", f"hostwiz-{n}-db", "security group"),
                Claim("database", "rds-instance", spec.db_identifier, "RDS database"),
                Claim("name", "db-subnet-group", f"hostwiz-{n}", "DB subnet group"),
                Claim("name", "iam-role", f"hostwiz-{n}-instance", "IAM role"),
                Claim("name", "instance-profile", f"hostwiz-{n}-instance", "IAM instance profile"),
                Claim("database", "ssm-parameter", f"/hostwiz/{n}/database-url", "SSM parameter")]
    return out


def lookup(aws: Aws, kind_name: str, name: str, vpc_id: str | None = None) -> Resource | None:
    """The resource of `kind_name` that holds `name` now, with its tags, or None."""
    fn = _LOOKUPS[kind_name]
    return fn(aws, name, vpc_id)


def _sg(aws: Aws, name: str, vpc_id: str | None) -> Resource | None:
    filters = [{"Name": "group-name", "Values": [name]}] + ([{"Name": "vpc-id", "Values": [vpc_id]}] if vpc_id else [])
    return next(iter(kind("security-group").list(aws, filters)), None)


def _key(aws: Aws, name: str, _: str | None) -> Resource | None:
    return next(iter(kind("key-pair").list(aws, [{"Name": "key-name", "Values": [name]}])), None)


def _rds(aws: Aws, name: str, _: str | None) -> Resource | None:
    k = kind("rds-instance")
    db = k.describe(aws, name)
    return k._resource(aws, db) if db else None  # type: ignore[attr-defined]


def _subnet_group(aws: Aws, name: str, _: str | None) -> Resource | None:
    rds = aws.client("rds")
    k = kind("db-subnet-group")
    resp = k.unless_gone(rds.describe_db_subnet_groups, DBSubnetGroupName=name)
    if not resp or not resp["DBSubnetGroups"]:
        return None
    g = resp["DBSubnetGroups"][0]
    tags = tag_dict(rds.list_tags_for_resource(ResourceName=g["DBSubnetGroupArn"])["TagList"]) \
        if g.get("DBSubnetGroupArn") else {}
    return Resource(k.name, name, aws.region, name, tags, {"vpc_id": g.get("VpcId")})


def _role(aws: Aws, name: str, _: str | None) -> Resource | None:
    iam = aws.client("iam")
    k = kind("iam-role")
    resp = k.unless_gone(iam.get_role, RoleName=name)
    if not resp:
        return None
    role = resp["Role"]
    tags = tag_dict(iam.list_role_tags(RoleName=name)["Tags"])
    return Resource(k.name, name, "global", name, tags, {"arn": role["Arn"], "uid": role.get("RoleId"),
                                                         "created": str(role.get("CreateDate") or "")})


def _profile(aws: Aws, name: str, _: str | None) -> Resource | None:
    iam = aws.client("iam")
    k = kind("instance-profile")
    resp = k.unless_gone(iam.get_instance_profile, InstanceProfileName=name)
    if not resp:
        return None
    prof = resp["InstanceProfile"]
    raw = prof.get("Tags")
    if raw is None:
        raw = iam.list_instance_profile_tags(InstanceProfileName=name)["Tags"]
    return Resource(k.name, name, "global", name, tag_dict(raw), {
        "arn": prof["Arn"], "uid": prof.get("InstanceProfileId"), "created": str(prof.get("CreateDate") or "")})


def _param(aws: Aws, name: str, _: str | None) -> Resource | None:
    ssm = aws.client("ssm")
    k = kind("ssm-parameter")
    if not k.present(ssm.get_parameter, Name=name):
        return None
    tags = tag_dict(ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=name)["TagList"])
    return Resource(k.name, name, aws.region, name, tags, {})


_LOOKUPS: dict[str, Callable[[Aws, str, str | None], Resource | None]] = {
    "security-group": _sg, "key-pair": _key, "rds-instance": _rds, "db-subnet-group": _subnet_group,
    "iam-role": _role, "instance-profile": _profile, "ssm-parameter": _param}


def problem(claim: Claim, held: Resource, ident: Identity | None) -> str | None:
    """None when `held` is this stack's own (a resumed run); else the field-level message."""
    why = why_not_owned(held, ident)
    if why is None:
        return None
    other_id = held.tags.get("hostwiz:id")
    if other_id and ident is not None and other_id == ident.id:
        how = "it is not the one this stack's ledger recorded; remove the copy or choose another stack name"
    elif other_id:
        how = (f"another hostwiz stack named {held.tags.get('hostwiz:stack')} (id {other_id}) holds it, made from "
               "another state dir or machine; take it over only with 'hostwiz adopt "
               f"{held.tags.get('hostwiz:stack')}', or choose another stack name")
    else:
        how = "it was not made by hostwiz for this stack; choose another stack name or remove it yourself"
    return f"the {claim.what} {claim.name} already exists ({why}); {how}"


def check(aws: Aws, spec: StackSpec, ident: Identity | None, vpc_id: str | None = None) -> list[tuple[str, str]]:
    """Field-level problems for every name `up` needs that someone else holds (read-only)."""
    out = []
    for c in claims(spec):
        held = lookup(aws, c.kind, c.name, vpc_id)
        if held is not None:
            msg = problem(c, held, ident)
            if msg:
                out.append((c.field, msg))
    return out


def refuse_if_taken(aws: Aws, spec: StackSpec, ident: Identity | None, kind_name: str, name: str,
                    vpc_id: str | None = None) -> Resource | None:
    """At a create step: the resource holding `name` when it is this stack's own, None when the name
    is free, and a `Collision` when someone else holds it."""
    held = lookup(aws, kind_name, name, vpc_id)
    if held is None:
        return None
    claim = next((c for c in claims(spec) if c.kind == kind_name and c.name == name),
                 Claim("name", kind_name, name, kind(kind_name).label))
    msg = problem(claim, held, ident)
    if msg:
        raise Collision(claim.field, msg)
    return held
