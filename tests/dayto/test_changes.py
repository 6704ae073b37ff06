"""`up` on a running stack: the plan of differences, each change kind applied on moto, the plan's
calls checked against the calls made, field-level refusals before anything changes, and a crash
at each mutating call of a resize converging to the new state."""

from __future__ import annotations

import copy

import pytest

from hostwiz import spec as specmod
from hostwiz.errors import UserError
from hostwiz.ledger import Ledger
from hostwiz.provisioners.aws import is_mutating
from hostwiz.services import operate

from hwtest import Fault, client, inventory


def edited(spec_data: dict, **changes) -> specmod.StackSpec:
    data = copy.deepcopy(spec_data)
    for path, value in changes.items():
        *parents, leaf = path.split("__")
        node = data
        for p in parents:
            node = node[p]
        node[leaf] = value
    return specmod.validate(data)


def instance(stack_up) -> dict:
    iid = stack_up.outputs["instance_id"]
    return client("ec2").describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0]



def mutating_since(recorder, start: int) -> list[str]:
    return [op for _, op, _ in recorder.calls[start:] if is_mutating(op)]


def test_unchanged_spec_plans_nothing(session, stack_up, full_spec):
    plan = operate.plan_change(session, full_spec)
    assert plan.ok and plan.empty, plan.as_dict()


def test_resize_stop_modify_start_keeps_the_address(session, stack_up, spec_data, recorder):
    spec = edited(spec_data, instance__type="t3.small")
    plan = operate.plan_change(session, spec)
    assert plan.ok, plan.problems
    [ch] = plan.changes
    assert (ch.key, ch.how, ch.before, ch.after) == ("instance.type", "needs-stop", "t3.micro", "t3.small")
    assert plan.cost_after > plan.cost_before
    doc = plan.as_dict()
    start = len(recorder.calls)
    result = operate.apply_change(session, spec, plan)
    assert result.ok, result.error
    # The --json plan's calls are exactly the mutating calls made.
    assert mutating_since(recorder, start) == doc["calls"] == ["StopInstances", "ModifyInstanceAttribute",
                                                               "StartInstances"]
    i = instance(stack_up)
    assert (i["InstanceType"], i["State"]["Name"]) == ("t3.small", "running")
    addr = client("ec2").describe_addresses(PublicIps=[stack_up.outputs["public_ip"]])["Addresses"][0]
    assert addr["InstanceId"] == i["InstanceId"]
    ledger = Ledger(session.state_dir, "blog")
    assert ledger.get("spec")["instance"]["type"] == "t3.small"
    assert [c["key"] for c in ledger.changes()] == ["instance.type"] and ledger.changes()[0]["state"] == "done"
    assert operate.plan_change(session, spec).empty


def test_volume_db_ssh_and_dns_in_place(session, stack_up, spec_data, recorder):
    data = copy.deepcopy(spec_data)
    data["instance"].update(volume_gb=30, ssh_cidr="198.51.100.9/32")
    data["database"].update(instance_class="db.t3.small", storage_gb=40)
    data["domain"]["www"] = False
    spec = specmod.validate(data)
    plan = operate.plan_change(session, spec)
    assert plan.ok, plan.problems
    assert {c.key: c.how for c in plan.changes} == {
        "instance.volume_gb": "in-place", "instance.ssh_cidr": "in-place", "domain": "in-place",
        "database": "needs-stop"}
    start = len(recorder.calls)
    assert operate.apply_change(session, spec, plan).ok
    assert mutating_since(recorder, start) == plan.as_dict()["calls"]
    i = instance(stack_up)
    vol = client("ec2").describe_volumes(VolumeIds=[i["BlockDeviceMappings"][0]["Ebs"]["VolumeId"]])["Volumes"][0]
    assert vol["Size"] == 30
    db = client("rds").describe_db_instances(DBInstanceIdentifier="blog-db")["DBInstances"][0]
    assert (db["DBInstanceClass"], db["AllocatedStorage"]) == ("db.t3.small", 40)
    assert [r["cidr"] for r in operate.rules(session, "blog").rules] == ["198.51.100.9/32"]
    names = {r["Name"].rstrip(".") for r in inventory("blog")["dns-record"] if r["Type"] == "A"}
    assert names == {"blog.example.com"}
    assert operate.plan_change(session, spec).empty


@pytest.mark.parametrize("changes, field", [
    ({"instance__volume_gb": 10}, "instance.volume_gb"),
    ({"database__storage_gb": 20}, None),  # same size: nothing to refuse
    ({"instance__type": "t9.nano"}, "instance.type"),
    ({"instance__type": "t4g.small"}, "instance.type"),  # arm64 cannot boot the x86 disk
    ({"instance__os": "amazon-linux-2023"}, "instance.os"),
    ({"runtime__tls": False}, "runtime.tls"),
    ({"database__engine": "mysql"}, "database.engine"),
])
def test_field_level_refusals_before_anything_changes(session, stack_up, spec_data, recorder, changes, field):
    spec = edited(spec_data, **changes)
    start = len(recorder.calls)
    plan = operate.plan_change(session, spec)
    assert mutating_since(recorder, start) == []
    if field is None:
        assert plan.ok
        return
    assert field in [f for f, _ in plan.problems], plan.problems
    with pytest.raises(UserError):
        operate.apply_change(session, spec, plan)
    assert mutating_since(recorder, start) == []


def test_storage_shrink_and_cooldown(session, stack_up, spec_data):
    plan = operate.plan_change(session, edited(spec_data, database__storage_gb=20))
    assert plan.empty
    grow = edited(spec_data, database__storage_gb=30)
    assert operate.apply_change(session, grow, operate.plan_change(session, grow)).ok
    again = operate.plan_change(session, edited(spec_data, database__storage_gb=50))
    assert [f for f, m in again.problems] == ["database.storage_gb"] and "6 hours" in again.problems[0][1]
    shrink = operate.plan_change(session, edited(spec_data, database__storage_gb=20))
    assert any(f == "database.storage_gb" and "cannot shrink" in m for f, m in shrink.problems)


def test_stack_mid_deploy_is_refused(session, stack_up, spec_data):
    Ledger(session.state_dir, "blog").update(status="deploying")
    plan = operate.plan_change(session, edited(spec_data, instance__type="t3.small"))
    assert any(f == "name" and "deploying" in m for f, m in plan.problems)
    with pytest.raises(UserError):
        operate.stop(session, "blog")


CRASH_POINTS = [(op, when) for op in ("StopInstances", "ModifyInstanceAttribute", "StartInstances")
                for when in ("before", "after")]


@pytest.mark.parametrize("op, when", CRASH_POINTS)
def test_a_crash_at_each_call_of_a_resize_converges(session, stack_up, spec_data, op, when):
    spec = edited(spec_data, instance__type="t3.small")
    fault = Fault(op, 1, when).install(session.aws)
    result = operate.apply_change(session, spec, operate.plan_change(session, spec))
    assert fault.fired and not result.ok
    i = instance(stack_up)
    # Never a mix: either still the old type, or the new one, and the change is pending in the ledger.
    assert i["InstanceType"] in ("t3.micro", "t3.small")
    assert [p["key"] for p in Ledger(session.state_dir, "blog").pending_changes()] == ["instance.type"]
    session.aws.hooks.remove((f"{'before' if when == 'before' else 'after'}-call", fault.hook))
    plan = operate.plan_change(session, spec)
    assert plan.ok, plan.as_dict()
    # Empty only when AWS did the last call and its answer was lost: the instance runs, resized.
    assert plan.empty == ((op, when) == ("StartInstances", "after"))
    assert operate.apply_change(session, spec, plan).ok  # an empty plan closes the pending intent
    i = instance(stack_up)
    assert (i["InstanceType"], i["State"]["Name"]) == ("t3.small", "running")
    addr = client("ec2").describe_addresses(PublicIps=[stack_up.outputs["public_ip"]])["Addresses"][0]
    assert addr["InstanceId"] == i["InstanceId"]
    assert Ledger(session.state_dir, "blog").pending_changes() == []
    assert operate.plan_change(session, spec).empty


def test_alarms_turned_on_and_off_by_the_spec(session, stack_up, spec_data, recorder):
    on = specmod.validate({**copy.deepcopy(spec_data), "monitoring": {"alarms": True}})
    plan = operate.plan_change(session, on)
    assert [(c.key, c.after) for c in plan.changes] == [("monitoring.alarms", "on")]
    start = len(recorder.calls)
    assert operate.apply_change(session, on, plan).ok
    assert mutating_since(recorder, start) == plan.as_dict()["calls"] == ["PutMetricAlarm"] * 3
    assert len(client("cloudwatch").describe_alarms()["MetricAlarms"]) == 3
    assert operate.plan_change(session, on).empty
    off = specmod.validate(copy.deepcopy(spec_data))
    plan = operate.plan_change(session, off)
    start = len(recorder.calls)
    assert operate.apply_change(session, off, plan).ok
    assert mutating_since(recorder, start) == plan.as_dict()["calls"] == ["DeleteAlarms"] * 3
    assert client("cloudwatch").describe_alarms()["MetricAlarms"] == []


def test_replacements_need_replace_then_os_and_database_are_made_again(session, stack_up, spec_data, recorder):
    data = copy.deepcopy(spec_data)
    data["instance"]["os"] = "ubuntu-22.04"
    data["database"]["db_name"] = "shop"
    spec = specmod.validate(data)
    refused = operate.plan_change(session, spec)
    assert {f for f, _ in refused.problems} == {"instance.os", "database.db_name"}
    plan = operate.plan_change(session, spec, replace=True)
    assert plan.ok, plan.problems
    assert {c.key: c.how for c in plan.changes} == {"instance.os": "replace", "database.replace": "replace"}
    assert all(c.loses for c in plan.changes)
    old_iid = stack_up.outputs["instance_id"]
    result = operate.apply_change(session, spec, plan)
    assert result.ok, result.error
    live = [i for r in client("ec2").describe_instances(Filters=[{"Name": "tag:hostwiz:stack", "Values": ["blog"]}])[
        "Reservations"] for i in r["Instances"] if i["State"]["Name"] == "running"]
    assert len(live) == 1 and live[0]["InstanceId"] != old_iid
    addr = client("ec2").describe_addresses(PublicIps=[stack_up.outputs["public_ip"]])["Addresses"][0]
    assert addr["InstanceId"] == live[0]["InstanceId"]
    db = client("rds").describe_db_instances(DBInstanceIdentifier="blog-db")["DBInstances"][0]
    assert db["DBName"] == "shop"
    assert any("-final-" in s["DBSnapshotIdentifier"] for s in client("rds").describe_db_snapshots()["DBSnapshots"])
    kept = client("ec2").describe_snapshots(Filters=[{"Name": "tag:hostwiz:stack", "Values": ["blog"]}])["Snapshots"]
    assert len(kept) == 1  # the old root volume
    assert operate.plan_change(session, spec).empty


def test_a_stopped_stack_resizes_without_starting_but_its_database_waits(session, stack_up, spec_data, recorder):
    operate.stop(session, "blog")
    spec = edited(spec_data, instance__type="t3.small")
    plan = operate.plan_change(session, spec)
    assert [(c.key, c.calls) for c in plan.changes] == [("instance.type", ["ModifyInstanceAttribute"])]
    start = len(recorder.calls)
    assert operate.apply_change(session, spec, plan).ok
    assert mutating_since(recorder, start) == ["ModifyInstanceAttribute"]
    i = instance(stack_up)
    assert (i["InstanceType"], i["State"]["Name"]) == ("t3.small", "stopped")
    assert Ledger(session.state_dir, "blog").get("status") == "stopped"
    db_change = operate.plan_change(session, edited(spec_data, instance__type="t3.small",
                                                    database__instance_class="db.t3.small"))
    assert any(f == "database" and "hostwiz start blog" in m for f, m in db_change.problems)
