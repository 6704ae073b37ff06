"""The day-two commands end to end, in-process on moto: up on a running stack (plan, --json,
--yes), stop/start with costs, allow/revoke, snapshot and restore, alarms removed by down,
status with cost so far, top with sparklines."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import tomli_w

from hwtest import cli_up, client, run_cli

SPEC = {"name": "shop", "region": "us-east-1",
        "instance": {"type": "t3.micro", "volume_gb": 20, "ssh_cidr": "203.0.113.7/32"},
        "database": {"engine": "postgres", "instance_class": "db.t3.micro", "storage_gb": 20}}


@pytest.fixture
def up(moto, tmp_path):
    return cli_up(tmp_path, SPEC)


def cli(state: Path, *argv: str) -> tuple[int, str, str]:
    return run_cli([*argv, "--state-dir", str(state)])


def instance_type() -> str:
    r = client("ec2").describe_instances(Filters=[{"Name": "tag:hostwiz:stack", "Values": ["shop"]},
                                                  {"Name": "instance-state-name", "Values": ["running", "stopped"]}])
    return r["Reservations"][0]["Instances"][0]["InstanceType"]


def test_up_on_a_running_stack_plans_then_applies_only_with_yes(up, tmp_path):
    state, path = up
    data = copy.deepcopy(SPEC)
    data["instance"]["type"] = "t3.small"
    path.write_text(tomli_w.dumps(data))
    code, out, err = cli(state, "up", str(path), "--json")
    plan = json.loads(out.splitlines()[-1])
    assert code == 0 and plan["kind"] == "plan" and plan["calls"] == ["StopInstances", "ModifyInstanceAttribute",
                                                                       "StartInstances"]
    assert plan["cost"]["after"] > plan["cost"]["before"]
    assert instance_type() == "t3.micro"  # a plan only: nothing changed without --yes
    code, out, err = cli(state, "up", str(path), "--yes")
    assert code == 0, err
    assert "needs a stop" in out and "now matches" in out
    assert instance_type() == "t3.small"
    data["instance"]["volume_gb"] = 10
    path.write_text(tomli_w.dumps(data))
    code, out, err = cli(state, "up", str(path), "--yes")
    assert code == 2 and "instance.volume_gb" in err and "cannot shrink" in err


def test_stop_start_and_cost_so_far(up):
    state, _ = up
    code, out, err = cli(state, "stop", "shop", "--json")
    assert code == 0, err
    doc = json.loads(out.splitlines()[-1])
    assert doc["state"] == "stopped" and 0 < doc["stopped_monthly"] < doc["running_monthly"]
    db = client("rds").describe_db_instances(DBInstanceIdentifier="shop-db")["DBInstances"][0]
    assert db["DBInstanceStatus"] == "stopped"
    code, out, err = cli(state, "status", "--json")
    assert json.loads(out)[0]["status"] == "stopped" and json.loads(out)[0]["month_to_date"] is not None
    code, out, err = cli(state, "status", "shop", "--json", "--no-probe")
    doc = json.loads(out)
    assert doc["cost_so_far"]["state_now"] == "stopped" and "running" in doc["cost_so_far"]
    code, out, err = cli(state, "start", "shop")
    assert code == 0 and "is running" in out and "cost while stopped" in out
    assert client("rds").describe_db_instances(DBInstanceIdentifier="shop-db")["DBInstances"][0][
        "DBInstanceStatus"] == "available"


def test_allow_and_revoke_list_the_rules(up):
    state, _ = up
    code, out, err = cli(state, "allow", "shop", "198.51.100.4")
    assert code == 0, err
    assert "198.51.100.4/32" in out and "203.0.113.7/32" in out
    code, out, err = cli(state, "revoke", "shop", "203.0.113.7/32", "--json")
    assert json.loads(out)["ssh"][0]["cidr"] == "198.51.100.4/32" and len(json.loads(out)["ssh"]) == 1
    code, out, err = cli(state, "allow", "shop", "0.0.0.0/0")
    assert code == 2 and "whole internet" in err
    assert "'hostwiz up SPEC.toml'" in err  # allow itself has no allow_world_ssh to set


def test_snapshot_list_and_restore(up):
    state, _ = up
    code, out, err = cli(state, "snapshot", "shop", "--json")
    assert code == 0, err
    snaps = json.loads(out)["snapshots"]
    assert sorted(s["kind"] for s in snaps) == ["database", "volume"]
    assert all(s["monthly"] > 0 and s["size_gb"] == 20 for s in snaps)
    db_snap = next(s["id"] for s in snaps if s["kind"] == "database")
    code, out, err = cli(state, "snapshot", "shop", "--list")
    assert db_snap in out
    code, out, err = cli(state, "restore", "shop", db_snap, "--json")
    assert code == 2 and "add --yes" in err  # the plan is printed, nothing is done
    assert json.loads(out.splitlines()[0])["calls"] == ["DeleteDBInstance", "RestoreDBInstanceFromDBSnapshot"]
    code, out, err = cli(state, "restore", "shop", db_snap, "--yes")
    assert code == 0, err
    db = client("rds").describe_db_instances(DBInstanceIdentifier="shop-db")["DBInstances"][0]
    assert {t["Key"]: t["Value"] for t in db["TagList"]}["hostwiz:restored-from"] == db_snap
    finals = [s for s in client("rds").describe_db_snapshots()["DBSnapshots"] if "-final-" in s["DBSnapshotIdentifier"]]
    assert finals, "the replaced database's final snapshot"


def test_alarms_on_then_down_leaves_none(up):
    state, _ = up
    code, out, err = cli(state, "alarms", "shop", "on")
    assert code == 0 and "instance-recover" in out
    assert len(client("cloudwatch").describe_alarms()["MetricAlarms"]) == 3
    code, out, err = cli(state, "down", "shop", "--yes", "--skip-final-snapshot")
    assert code == 0, err
    assert client("cloudwatch").describe_alarms()["MetricAlarms"] == []


def test_top_draws_sparklines_from_one_call(up):
    from hostwiz.provisioners.aws import Aws
    from hostwiz.sandbox.watch import seed_metrics
    from hostwiz.services.session import quick_session
    from hostwiz.services import watch

    state, _ = up
    w = watch.watcher(quick_session(state, zone=None), "shop")
    seed_metrics(Aws(), w.metrics)
    code, out, err = cli(state, "top", "shop", "--json")
    doc = json.loads(out)
    assert code == 0 and doc["calls"] == 1
    cpu = next(s for s in doc["series"] if s["key"] == "ec2_cpu")
    assert len(cpu["points"]) == 60 and 1 <= cpu["latest"] <= 50
    code, out, err = cli(state, "top", "shop", "--once", "--window", "24h")
    assert code == 0 and "CPU credits" in out and "DB free storage" in out
    assert any(ch in out for ch in "▁▂▃▄▅▆▇█")


def test_up_with_the_alarms_flag_and_down_removes_them(moto, tmp_path):
    from hostwiz.provisioners.aws import Aws
    from hostwiz.sandbox.seed import seed

    seed(Aws(), "example.com")
    path = tmp_path / "shop.toml"
    path.write_text(tomli_w.dumps({**SPEC, "monitoring": {"alarms": True}}))
    state = tmp_path / "state"
    code, out, err = cli(state, "up", str(path), "--yes")
    assert code == 0, err
    names = sorted(a["AlarmName"] for a in client("cloudwatch").describe_alarms()["MetricAlarms"])
    assert names == ["hostwiz-shop-cpu-credits-low", "hostwiz-shop-db-storage-low", "hostwiz-shop-instance-recover"]
    code, out, err = cli(state, "status", "shop", "--json", "--no-probe")
    assert len(json.loads(out)["alarms"]) == 3
    code, out, err = cli(state, "down", "shop", "--yes", "--skip-final-snapshot")
    assert code == 0, err
    assert client("cloudwatch").describe_alarms()["MetricAlarms"] == []


def test_restore_the_root_volume_from_a_snapshot(up):
    from hwtest import Recorder  # noqa: F401

    state, _ = up
    code, out, err = cli(state, "snapshot", "shop", "--json")
    vol_snap = next(s["id"] for s in json.loads(out)["snapshots"] if s["kind"] == "volume")
    ec2 = client("ec2")
    before = [i for r in ec2.describe_instances(Filters=[{"Name": "tag:hostwiz:stack", "Values": ["shop"]}])[
        "Reservations"] for i in r["Instances"] if i["State"]["Name"] == "running"][0]
    old_root = before["BlockDeviceMappings"][0]["Ebs"]["VolumeId"]
    code, out, err = cli(state, "restore", "shop", vol_snap, "--json")
    plan = json.loads(out.splitlines()[0])
    assert code == 2 and plan["ok"] and plan["calls"][0] == "CreateVolume"
    code, out, err = cli(state, "restore", "shop", vol_snap, "--yes")
    assert code == 0, err
    after = ec2.describe_instances(InstanceIds=[before["InstanceId"]])["Reservations"][0]["Instances"][0]
    root = next(m for m in after["BlockDeviceMappings"] if m["DeviceName"] == after["RootDeviceName"])
    assert after["State"]["Name"] == "running" and root["Ebs"]["VolumeId"] != old_root
    vol = ec2.describe_volumes(VolumeIds=[root["Ebs"]["VolumeId"]])["Volumes"][0]
    assert vol["SnapshotId"] == vol_snap
    assert {t["Key"]: t["Value"] for t in vol["Tags"]}["hostwiz:stack"] == "shop"
    assert not ec2.describe_volumes(Filters=[{"Name": "volume-id", "Values": [old_root]}])["Volumes"]
    kept = ec2.describe_snapshots(Filters=[{"Name": "volume-id", "Values": [old_root]}])["Snapshots"]
    assert len(kept) == 2  # the one restored from, and the old disk's, taken before it went
