"""Day two under issue 12's ownership model: a change, stop, allow, restore or alarm touches only
resources verified as the stack's own by its identity (`hostwiz:id`), never by name; a look-alike
in the stack's place (copied name tags, a database re-created under its identifier) is a field-level
problem and no mutating call names it. What day two makes carries the identity and stays the
stack's (down deletes it)."""

from __future__ import annotations

import copy
import dataclasses

import pytest

from hostwiz import spec as specmod
from hostwiz.errors import UserError
from hostwiz.ledger import Ledger
from hostwiz.provisioners.aws import is_mutating
from hostwiz.services import operate, watch
from hostwiz.services import stacks as operations

from hwtest import client, tags_of



def naming(recorder, start: int, rid: str) -> list[str]:
    """Mutating calls since `start` with a parameter that names `rid`."""
    return [op for _, op, params in recorder.calls[start:] if is_mutating(op) and rid in repr(params)]


def edited(spec_data: dict, **changes) -> specmod.StackSpec:
    data = copy.deepcopy(spec_data)
    for path, value in changes.items():
        *parents, leaf = path.split("__")
        node = data
        for p in parents:
            node = node[p]
        node[leaf] = value
    return specmod.validate(data)


def look_alike_instance(stack_up, session) -> str:
    """A neighbour's instance with the stack's name tags copied (no `hostwiz:id`), which the
    stack's ledger now names (a stale or copied ledger)."""
    ec2 = client("ec2")
    mine = ec2.describe_instances(InstanceIds=[stack_up.outputs["instance_id"]])["Reservations"][0]["Instances"][0]
    copied = [t for t in mine["Tags"] if t["Key"] in ("Name", "hostwiz:stack", "hostwiz:run")]
    other = ec2.run_instances(ImageId=mine["ImageId"], MinCount=1, MaxCount=1, InstanceType="t3.micro",
                              TagSpecifications=[{"ResourceType": "instance", "Tags": copied}])["Instances"][0]
    ledger = Ledger(session.state_dir, "blog")
    ledger.update(outputs={**ledger.get("outputs"), "instance_id": other["InstanceId"]})
    ledger.created("instance", "ec2-instance", other["InstanceId"])
    return other["InstanceId"]


def stripped_instance(stack_up, session) -> str:
    """The stack's own instance, its `hostwiz:id` tag removed: the name alone proves nothing."""
    iid = stack_up.outputs["instance_id"]
    client("ec2").delete_tags(Resources=[iid], Tags=[{"Key": "hostwiz:id"}])
    return iid


@pytest.mark.parametrize("make", [look_alike_instance, stripped_instance], ids=["look-alike", "id-stripped"])
def test_a_change_against_an_instance_without_the_stacks_identity_touches_nothing(
        session, stack_up, spec_data, recorder, make):
    iid = make(stack_up, session)
    start = len(recorder.calls)
    spec = edited(spec_data, instance__type="t3.small")
    plan = operate.plan_change(session, spec)
    assert any(f == "name" and iid in m and "not stack blog's own" in m for f, m in plan.problems), plan.problems
    with pytest.raises(UserError):
        operate.apply_change(session, spec, plan)
    with pytest.raises(UserError, match=iid):
        operate.stop(session, "blog")
    with pytest.raises(UserError, match=iid):
        watch.alarms_on(session, "blog")  # the recover alarm would act on it
    assert naming(recorder, start, iid) == []
    assert [op for _, op, _ in recorder.calls[start:] if is_mutating(op)] == []
    inst = client("ec2").describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0]
    assert (inst["InstanceType"], inst["State"]["Name"]) == ("t3.micro", "running")
    assert client("cloudwatch").describe_alarms()["MetricAlarms"] == []


def test_a_database_re_created_under_the_stacks_identifier_is_neither_modified_nor_restored(
        session, stack_up, spec_data, recorder):
    rds = client("rds")
    tags = rds.describe_db_instances(DBInstanceIdentifier="blog-db")["DBInstances"][0]["TagList"]
    rds.delete_db_instance(DBInstanceIdentifier="blog-db", SkipFinalSnapshot=True)
    rds.create_db_instance(DBInstanceIdentifier="blog-db", Engine="postgres", DBInstanceClass="db.t3.micro",
                           AllocatedStorage=20, MasterUsername="prod", MasterUserPassword="not-the-stacks-1",
                           Tags=tags)  # every tag copied, the identity too: AWS's own resource ID differs
    rds.create_db_snapshot(DBSnapshotIdentifier="blog-snap-old", DBInstanceIdentifier="blog-db",
                           Tags=[{"Key": "hostwiz:stack", "Value": "blog"}])
    start = len(recorder.calls)
    plan = operate.plan_change(session, edited(spec_data, database__instance_class="db.t3.small"))
    assert any(f == "name" and "blog-db" in m and "re-created" in m for f, m in plan.problems), plan.problems
    restore = operate.plan_restore(session, "blog", "blog-snap-old")
    assert not restore.ok and any("blog-db" in m for _, m in restore.problems)
    with pytest.raises(UserError):
        operate.restore(session, restore)
    # A plan made before the database was replaced: checked again under the lock, still refused.
    with pytest.raises(UserError, match="blog-db"):
        operate.restore(session, dataclasses.replace(restore, problems=[]))
    with pytest.raises(UserError, match="blog-db"):
        operate.stop(session, "blog")
    assert naming(recorder, start, "blog-db") == []
    db = rds.describe_db_instances(DBInstanceIdentifier="blog-db")["DBInstances"][0]
    assert (db["DBInstanceClass"], db["DBInstanceStatus"], db["MasterUsername"]) == ("db.t3.micro", "available", "prod")


def test_allow_refuses_a_security_group_without_the_stacks_identity(session, stack_up, recorder):
    gid = Ledger(session.state_dir, "blog").entry("app-sg").id
    client("ec2").delete_tags(Resources=[gid], Tags=[{"Key": "hostwiz:id"}])
    start = len(recorder.calls)
    with pytest.raises(UserError, match=gid):
        operate.allow(session, "blog", "198.51.100.9/32")
    with pytest.raises(UserError, match=gid):
        operate.revoke(session, "blog", "203.0.113.7/32")
    assert naming(recorder, start, gid) == []


def test_a_ledger_without_identity_or_of_another_account_changes_nothing(session, stack_up, spec_data, recorder):
    ledger = Ledger(session.state_dir, "blog")
    sid = ledger.get("stack_id")
    ledger.update(stack_id=None)
    spec = edited(spec_data, instance__type="t3.small")
    assert any("records no identity" in m for _, m in operate.plan_change(session, spec).problems)
    ledger.update(stack_id=sid, account="999999999999")
    plan = operate.plan_change(session, spec)
    assert any("account 999999999999" in m for _, m in plan.problems)
    start = len(recorder.calls)
    with pytest.raises(UserError):
        operate.apply_change(session, spec, plan)
    with pytest.raises(UserError, match="999999999999"):
        operate.stop(session, "blog")
    assert [op for _, op, _ in recorder.calls[start:] if is_mutating(op)] == []


def test_a_dns_name_whose_marker_is_another_stacks_is_not_removed(session, stack_up, spec_data, recorder):
    r53 = client("route53")
    zid = Ledger(session.state_dir, "blog").entry("dns:www.blog.example.com").data["zone_id"]
    marker = next(r for r in r53.list_resource_record_sets(HostedZoneId=zid)["ResourceRecordSets"]
                  if r["Name"].rstrip(".") == "_hostwiz.www.blog.example.com")
    theirs = marker["ResourceRecords"][0]["Value"].replace("hostwiz:id=", "hostwiz:id=other-")
    r53.change_resource_record_sets(HostedZoneId=zid, ChangeBatch={"Changes": [{"Action": "UPSERT", "ResourceRecordSet": {
        **marker, "ResourceRecords": [{"Value": theirs}]}}]})
    data = copy.deepcopy(spec_data)
    data["domain"]["www"] = False
    spec = specmod.validate(data)
    result = operate.apply_change(session, spec, operate.plan_change(session, spec))
    assert not result.ok and result.failed == "domain" and "www.blog.example.com" in result.error
    names = {r["Name"].rstrip(".") for r in r53.list_resource_record_sets(HostedZoneId=zid)["ResourceRecordSets"]}
    assert {"www.blog.example.com", "_hostwiz.www.blog.example.com"} <= names


def test_what_day_two_makes_carries_the_identity_and_down_takes_it(session, stack_up, spec_data, recorder):
    sid = Ledger(session.state_dir, "blog").get("stack_id")
    made = operate.snapshot(session, "blog").items
    assert {s.kind for s in made} == {"volume", "database"}
    vol_snap = next(s.id for s in made if s.kind == "volume")
    db_snap = next(s.id for s in made if s.kind == "database")
    ec2_tags = tags_of(client("ec2").describe_snapshots(SnapshotIds=[vol_snap])["Snapshots"][0]["Tags"])
    rds_tags = tags_of(client("rds").describe_db_snapshots(DBSnapshotIdentifier=db_snap)["DBSnapshots"][0]["TagList"])
    assert ec2_tags["hostwiz:id"] == rds_tags["hostwiz:id"] == sid

    operate.restore(session, operate.plan_restore(session, "blog", db_snap))
    db = client("rds").describe_db_instances(DBInstanceIdentifier="blog-db")["DBInstances"][0]
    assert tags_of(db["TagList"])["hostwiz:id"] == sid
    assert Ledger(session.state_dir, "blog").entry("database").data["uid"] == db["DbiResourceId"]

    operate.restore(session, operate.plan_restore(session, "blog", vol_snap))
    iid = stack_up.outputs["instance_id"]
    inst = client("ec2").describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0]
    root = inst["BlockDeviceMappings"][0]["Ebs"]["VolumeId"]
    assert tags_of(client("ec2").describe_volumes(VolumeIds=[root])["Volumes"][0]["Tags"])["hostwiz:id"] == sid

    on = specmod.validate({**copy.deepcopy(spec_data), "monitoring": {"alarms": True}})
    plan = operate.plan_change(session, on)  # the restored database and disk are still the stack's own
    assert plan.ok and [c.key for c in plan.changes] == ["monitoring.alarms"], plan.problems
    assert operate.apply_change(session, on, plan).ok
    for a in client("cloudwatch").describe_alarms()["MetricAlarms"]:
        assert tags_of(client("cloudwatch").list_tags_for_resource(ResourceARN=a["AlarmArn"])["Tags"])["hostwiz:id"] == sid

    down = operations.plan_down(session, "blog", final_snapshot=False)
    assert down.skipped == []
    kinds = {(r.kind, r.id) for r in down.resources}
    assert ("rds-instance", "blog-db") in kinds and sum(k == "cloudwatch-alarm" for k, _ in kinds) == 3
