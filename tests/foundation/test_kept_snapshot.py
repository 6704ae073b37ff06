"""A teardown that keeps the final snapshot says so, naming it with its monthly cost, instead of
"nothing of it is left in AWS" (issue 15, finding 4)."""

from __future__ import annotations

import json

from hwtest import client, inventory, run_cli

from hostwiz.deletion_text import gone_summary


def test_down_names_the_kept_snapshot_and_its_monthly_cost(stack_up, state_dir):
    code, out, err = run_cli(["down", "blog", "--yes", "--state-dir", str(state_dir)])
    assert code == 0, err
    (snap,) = inventory("blog")["db-snapshot"]
    assert snap["DBSnapshotIdentifier"] in out
    assert "/month" in out and "$" in out
    assert "nothing of it is left" not in out


def test_down_json_lists_what_it_kept(stack_up, state_dir):
    code, out, err = run_cli(["down", "blog", "--yes", "--json", "--state-dir", str(state_dir)])
    assert code == 0, err
    done = json.loads(out.strip().splitlines()[-1])
    (kept,) = done["kept"]
    assert kept["id"].startswith("blog-db-final-") and kept["size_gb"] == 20 and kept["monthly"] > 0


def test_without_a_snapshot_nothing_is_left():
    assert "nothing of it is left in AWS" in gone_summary("blog", 11, [])


def test_the_command_it_suggests_plans_the_snapshot_first_and_deletes_only_it(stack_up, state_dir):
    """The suggested cleanup shows its plan before anything goes (before, it said --yes at once), and a
    neighbour's snapshot whose name only starts the same stays."""
    import re
    import shlex

    code, out, err = run_cli(["down", "blog", "--yes", "--state-dir", str(state_dir)])
    assert code == 0, err
    (snap,) = inventory("blog")["db-snapshot"]
    kept = snap["DBSnapshotIdentifier"]
    rds = client("rds")
    neighbour = f"{kept}x"  # someone else's, not "<kept>-...": the prefix does not take it
    rds.copy_db_snapshot(SourceDBSnapshotIdentifier=kept, TargetDBSnapshotIdentifier=neighbour)
    suggested = shlex.split(re.search(r"'(hostwiz cleanup [^']+)'", out).group(1))[1:]
    assert "--yes" not in suggested

    code, plan, err = run_cli([*suggested, "--state-dir", str(state_dir)])
    assert code == 0, err
    assert kept in plan and neighbour not in plan
    assert {s["DBSnapshotIdentifier"] for s in rds.describe_db_snapshots()["DBSnapshots"]} >= {kept, neighbour}

    code, _, err = run_cli([*suggested, "--yes", "--state-dir", str(state_dir)])
    assert code == 0, err
    left = {s["DBSnapshotIdentifier"] for s in rds.describe_db_snapshots()["DBSnapshots"]}
    assert kept not in left and neighbour in left


def test_a_final_snapshot_an_earlier_stack_of_the_same_name_left_is_not_called_this_ones(stack_up, state_dir):
    """An earlier 'blog' torn down last year left 'blog-db-final-2025...': this teardown kept one
    snapshot, its own, and names only that (before: both, as if this teardown had kept two)."""
    (db,) = inventory("blog")["rds"]
    earlier = f"{db['DBInstanceIdentifier']}-final-20251201000000"
    client("rds").create_db_snapshot(DBSnapshotIdentifier=earlier, DBInstanceIdentifier=db["DBInstanceIdentifier"])
    code, out, err = run_cli(["down", "blog", "--yes", "--json", "--state-dir", str(state_dir)])
    assert code == 0, err
    (kept,) = json.loads(out.strip().splitlines()[-1])["kept"]
    assert kept["id"] != earlier and kept["id"].startswith(f"{db['DBInstanceIdentifier']}-final-")
    assert earlier in {s["DBSnapshotIdentifier"] for s in client("rds").describe_db_snapshots()["DBSnapshots"]}
