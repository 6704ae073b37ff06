"""A new stack from a snapshot: `[database] from_snapshot` (a torn-down stack's final snapshot),
checked by the preflight before anything is made, restored, and given the new stack's password."""

from __future__ import annotations

import copy

from hostwiz import secrets
from hostwiz import spec as specmod
from hostwiz.services import stacks

from hwtest import client, database_url


def test_new_stack_from_a_final_snapshot(session, stack_up, spec_data, recorder):
    p = stacks.plan_down(session, "blog", final_snapshot=True)
    assert stacks.down(session, p).ok
    final = [s["DBSnapshotIdentifier"] for s in client("rds").describe_db_snapshots()["DBSnapshots"]
             if s["DBSnapshotIdentifier"].startswith("blog-db-final-")]
    assert final
    data = copy.deepcopy(spec_data)
    data.update(name="shop", domain={"name": "shop.example.com"})
    data["runtime"]["tls"] = False
    data["database"]["from_snapshot"] = "no-such-snapshot"
    bad = stacks.prepare_up(session, specmod.validate(data))
    assert [f for f, _ in bad.problems] == ["database.from_snapshot"]
    data["database"]["engine"] = "mysql"
    data["database"]["from_snapshot"] = final[0]
    assert ("database.engine" in [f for f, _ in stacks.prepare_up(session, specmod.validate(data)).problems])
    data["database"]["engine"] = "postgres"
    spec = specmod.validate(data)
    plan = stacks.prepare_up(session, spec)
    assert plan.ok, plan.problems
    result = stacks.up(session, spec, plan.ssh_cidr)
    assert result.ok, result.error
    db = client("rds").describe_db_instances(DBInstanceIdentifier="shop-db")["DBInstances"][0]
    assert db["DBInstanceStatus"] == "available"
    password = secrets.fetch(secrets.db_password_account("shop")).reveal()
    assert password in database_url("shop")
    [restored] = recorder.params("RestoreDBInstanceFromDBSnapshot")
    assert restored["DBSnapshotIdentifier"] == final[0] and restored["DBInstanceIdentifier"] == "shop-db"
    assert "MasterUserPassword" not in restored  # a restore keeps the snapshot's; then it is reset:
    reset = [m for m in recorder.params("ModifyDBInstance") if m["DBInstanceIdentifier"] == "shop-db"]
    assert [m["MasterUserPassword"] for m in reset] == [password]


def test_new_stack_from_a_point_in_time(session, stack_up, spec_data, recorder):
    data = copy.deepcopy(spec_data)
    data.update(name="shop", domain={"name": "shop.example.com"})
    data["runtime"]["tls"] = False
    data["database"].update(from_database="nope-db")
    assert [f for f, _ in stacks.prepare_up(session, specmod.validate(data)).problems] == ["database.from_database"]
    data["database"].update(from_database="blog-db", restore_time="latest")
    spec = specmod.validate(data)
    plan = stacks.prepare_up(session, spec)
    assert plan.ok, plan.problems
    assert stacks.up(session, spec, plan.ssh_cidr).ok
    [call] = recorder.params("RestoreDBInstanceToPointInTime")
    assert (call["SourceDBInstanceIdentifier"], call["TargetDBInstanceIdentifier"], call["UseLatestRestorableTime"]) \
        == ("blog-db", "shop-db", True)
    assert client("rds").describe_db_instances(DBInstanceIdentifier="shop-db")["DBInstances"][0]["DBInstanceStatus"] \
        == "available"


def test_point_in_time_fields_are_checked_offline():
    import pytest

    base = {"name": "shop", "database": {"from_database": "blog-db", "from_snapshot": "snap-1"}}
    with pytest.raises(specmod.SpecError, match="database.from_database"):
        specmod.validate(base)
    with pytest.raises(specmod.SpecError, match="database.restore_time"):
        specmod.validate({"name": "shop", "database": {"restore_time": "2026-01-01T00:00:00Z"}})
    with pytest.raises(specmod.SpecError, match="not a time"):
        specmod.validate({"name": "shop", "database": {"from_database": "blog-db", "restore_time": "yesterday"}})
