"""The wizard's database step lists the account's snapshots of hostwiz stacks -- a torn-down
stack's final snapshot included -- and a new stack made from one restores it (on moto)."""

from __future__ import annotations

import asyncio

from pilot_helpers import SIZE, open_wizard, settle, shown

from hostwiz import spec as specmod
from hostwiz.services import stacks as operations
from hostwiz.screens.progress import OK, ProgressScreen
from hostwiz.screens.wizard.app import AppStep
from hostwiz.screens.wizard.database import EMPTY, DatabaseStep
from hostwiz.screens.wizard.instance import InstanceStep
from hostwiz.screens.wizard.review import ReviewStep
from hostwiz.screens.wizard.runtime import RuntimeStep


def torn_down_with_a_final_snapshot(session, spec_data: dict, name: str) -> str:
    data = {**spec_data, "name": name, "instance": {**spec_data["instance"], "ssh_cidr": "127.0.0.1/32"},
            "runtime": {**spec_data["runtime"], "tls": False},
            "database": {**spec_data["database"], "storage_gb": 25}}
    data.pop("domain")
    assert operations.up(session, specmod.validate(data), "127.0.0.1/32").ok
    assert operations.down(session, operations.plan_down(session, name, final_snapshot=True)).ok
    rds = session.aws.client("rds")
    [final] = [s["DBSnapshotIdentifier"] for s in rds.describe_db_snapshots()["DBSnapshots"]
               if s["DBSnapshotIdentifier"].startswith(f"{name}-db-final-")]
    return final


async def next_step(pilot, kind: type) -> None:
    await pilot.press("ctrl+n")
    await settle(pilot)
    assert isinstance(pilot.app.screen, kind), shown(pilot.app)


def test_a_new_stack_starts_from_a_torn_down_stacks_final_snapshot(make_app, session, spec_data):
    from hwtest import Recorder

    final = torn_down_with_a_final_snapshot(session, spec_data, "olddb")
    recorder = Recorder().install(session.aws)

    async def scenario():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await open_wizard(pilot)
            await pilot.press(*"newdb")
            await next_step(pilot, InstanceStep)
            await next_step(pilot, RuntimeStep)
            await next_step(pilot, DatabaseStep)
            step = app.screen
            select = step.query_one("#from-snapshot")
            offered = [value for _, value in select._options]
            assert offered[0] == EMPTY and final in offered
            assert "final snapshot of olddb" in shown(app) or any(
                "final snapshot of olddb" in str(label) for label, _ in select._options)
            assert step.state.engine is None  # no database chosen yet
            select.value = final  # the snapshot brings its engine and its size
            await settle(pilot)
            assert step.state.engine == "postgres" and step.query_one("#engine").value == "postgres"
            assert step.query_one("#storage").value == "25"
            assert step.state.spec().database.from_snapshot == final
            await next_step(pilot, AppStep)
            await next_step(pilot, ReviewStep)
            review = app.screen
            assert review.up_plan.ok and review.up_plan.spec.database.from_snapshot == final  # checked with AWS
            await pilot.press("ctrl+n")  # Create
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, ProgressScreen) and screen.phase == OK, screen.query_one("#outcome").render()
            return screen.spec

    spec = asyncio.run(scenario())
    assert spec.database.from_snapshot == final
    [restored] = recorder.params("RestoreDBInstanceFromDBSnapshot")
    assert (restored["DBSnapshotIdentifier"], restored["DBInstanceIdentifier"]) == (final, "newdb-db")
    assert not recorder.params("CreateDBInstance")  # restored, not made empty
    db = session.aws.client("rds").describe_db_instances(DBInstanceIdentifier="newdb-db")["DBInstances"][0]
    assert (db["Engine"], db["AllocatedStorage"]) == ("postgres", 25)
