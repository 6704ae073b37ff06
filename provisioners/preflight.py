"""Checks that need AWS but create nothing; they run before any create call.

Each problem is (field, message) like the spec's own validation, so both print the same way.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from hostwiz.spec import StackSpec

from . import collisions
from .account import account_plan
from .aws import Aws, error_code
from .kinds.route53_record import choose_zone, foreign_records
from .ownership import Identity


def instance_type_offered(aws: Aws, instance_type: str) -> bool:
    resp = aws.client("ec2").describe_instance_type_offerings(
        LocationType="region", Filters=[{"Name": "instance-type", "Values": [instance_type]}])
    return bool(resp["InstanceTypeOfferings"])


def offered_types(aws: Aws) -> list[str]:
    out: list[str] = []
    pages = aws.client("ec2").get_paginator("describe_instance_type_offerings").paginate(LocationType="region")
    for page in pages:
        out += [o["InstanceType"] for o in page["InstanceTypeOfferings"]]
    return sorted(set(out))


def check(aws: Aws, spec: StackSpec, identity: Identity | None = None) -> list[tuple[str, str]]:
    """Problems found in AWS before anything is made. `identity`: the stack's own (from its ledger),
    so a resumed run's resources are not collisions; None for a new stack."""
    checks = [_instance_type, lambda a, s: _domain(a, s, identity), _default_vpc, _account_plan,
              lambda a, s: _names(a, s, identity), _snapshot]
    with ThreadPoolExecutor(max_workers=len(checks)) as pool:
        results = list(pool.map(lambda f: f(aws, spec), checks))
    return [p for r in results for p in r]


def _names(aws: Aws, spec: StackSpec, identity: Identity | None) -> list[tuple[str, str]]:
    """Names the stack will take that someone else holds: a collision, never something to adopt."""
    try:
        vpcs = aws.client("ec2").describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    except Exception:
        vpcs = []  # _default_vpc says why
    return collisions.check(aws, spec, identity, vpcs[0]["VpcId"] if vpcs else None)


def _instance_type(aws: Aws, spec: StackSpec) -> list[tuple[str, str]]:
    if instance_type_offered(aws, spec.instance.type):
        return []
    return [("instance.type", f"{spec.instance.type} is not offered in {spec.region}; pick another type "
                              "(the wizard lists the ones that are), e.g. t3.micro")]


def _domain(aws: Aws, spec: StackSpec, identity: Identity | None = None) -> list[tuple[str, str]]:
    if not spec.domain:
        return []
    zone = choose_zone(aws, spec.domain.name, spec.domain.hosted_zone)
    if zone is None:
        field = "domain.hosted_zone" if spec.domain.hosted_zone else "domain.name"
        return [(field, f"no public Route53 hosted zone in this account contains {spec.domain.name}; "
                        "create the zone first or remove the [domain] section")]
    return [("domain.name", p) for p in foreign_records(aws, zone["Id"], spec.domain.record_names, spec.name,
                                                         identity.id if identity else "")]


def _default_vpc(aws: Aws, spec: StackSpec) -> list[tuple[str, str]]:
    try:
        vpcs = aws.client("ec2").describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    except Exception as err:
        if error_code(err) == "UnauthorizedOperation":
            return [("region", f"these credentials may not describe VPCs in {spec.region}")]
        raise
    if not vpcs:
        return [("region", f"{spec.region} has no default VPC; run 'aws ec2 create-default-vpc --region {spec.region}'")]
    subnets = aws.client("ec2").describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpcs[0]["VpcId"]]},
                                                          {"Name": "default-for-az", "Values": ["true"]}])["Subnets"]
    if not subnets:
        return [("region", f"the default VPC {vpcs[0]['VpcId']} in {spec.region} has no default subnets; run "
                           f"'aws ec2 create-default-subnet --availability-zone ZONE' for two zones or more")]
    return []


def _snapshot(aws: Aws, spec: StackSpec) -> list[tuple[str, str]]:
    db = spec.database
    if db and db.from_database:
        return _source_database(aws, spec)
    if not db or not db.from_snapshot:
        return []
    try:
        found = aws.client("rds").describe_db_snapshots(DBSnapshotIdentifier=db.from_snapshot)["DBSnapshots"]
    except Exception as err:
        if error_code(err) not in ("DBSnapshotNotFound", "DBSnapshotNotFoundFault"):
            raise
        found = []
    if not found:
        return [("database.from_snapshot", f"no snapshot {db.from_snapshot!r} in {spec.region}; "
                                           "'hostwiz snapshot NAME --all' lists the ones hostwiz knows")]
    snap, problems = found[0], []
    if snap.get("Status") not in (None, "available"):
        problems.append(("database.from_snapshot", f"{db.from_snapshot} is {snap.get('Status')}; wait until it is available"))
    if snap.get("Engine") and snap["Engine"] != db.engine.value:
        problems.append(("database.engine", f"the snapshot is {snap['Engine']}; set engine = \"{snap['Engine']}\""))
    if snap.get("MasterUsername") and snap["MasterUsername"] != db.username:
        problems.append(("database.username", f"the snapshot's user is {snap['MasterUsername']!r}; set username to it"))
    if snap.get("AllocatedStorage") and int(snap["AllocatedStorage"]) > db.storage_gb:
        problems.append(("database.storage_gb", f"the snapshot holds {snap['AllocatedStorage']} GB; use at least that"))
    return problems


def _source_database(aws: Aws, spec: StackSpec) -> list[tuple[str, str]]:
    db = spec.database
    try:
        found = aws.client("rds").describe_db_instances(DBInstanceIdentifier=db.from_database)["DBInstances"]
    except Exception as err:
        if error_code(err) not in ("DBInstanceNotFound", "DBInstanceNotFoundFault"):
            raise
        found = []
    if not found:
        return [("database.from_database", f"no database {db.from_database!r} in {spec.region} to restore from")]
    src, problems = found[0], []
    if not src.get("BackupRetentionPeriod", 1):
        problems.append(("database.from_database", f"{db.from_database} keeps no automated backups: nothing to restore"))
    if src.get("Engine") and src["Engine"] != db.engine.value:
        problems.append(("database.engine", f"{db.from_database} is {src['Engine']}; set engine = \"{src['Engine']}\""))
    if src.get("MasterUsername") and src["MasterUsername"] != db.username:
        problems.append(("database.username", f"{db.from_database}'s user is {src['MasterUsername']!r}; set username to it"))
    if src.get("AllocatedStorage") and int(src["AllocatedStorage"]) > db.storage_gb:
        problems.append(("database.storage_gb", f"{db.from_database} has {src['AllocatedStorage']} GB; use at least that"))
    latest = src.get("LatestRestorableTime")
    if latest and db.restore_time not in (None, "latest"):
        from datetime import datetime

        if datetime.fromisoformat(db.restore_time) > latest:
            problems.append(("database.restore_time", f"the latest restorable time of {db.from_database} is "
                                                      f"{latest.isoformat()}; choose an earlier time or \"latest\""))
    return problems


def _account_plan(aws: Aws, spec: StackSpec) -> list[tuple[str, str]]:
    """AWS's free plan launches only free-tier eligible instance types and micro DB classes."""
    plan = account_plan(aws)
    problems = []
    if msg := plan.instance_type_problem(spec.instance.type):
        problems.append(("instance.type", msg))
    if spec.database and (msg := plan.db_class_problem(spec.database.instance_class)):
        problems.append(("database.instance_class", msg))
    return problems
