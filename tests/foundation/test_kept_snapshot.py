"""A teardown that keeps the final snapshot says so, naming it with its monthly cost, instead of
"nothing of it is left in AWS" (issue 15, finding 4)."""

from __future__ import annotations

import json

from hwtest import inventory, run_cli

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
