"""The cleanup command a teardown suggests for its kept final snapshot (attack review): it must find
the snapshot where it is (a stack outside the profile's region), and say what else its name prefix
takes (a copy named '<snapshot>-copy' is someone's too), before anything is deleted."""

from __future__ import annotations

import re
import shlex

from hwtest import run_cli

from hostwiz.deletion_text import gone_summary
from hostwiz.services.stacks import KeptSnapshot


def suggested(out: str) -> list[str]:
    return shlex.split(re.search(r"'(hostwiz cleanup [^']+)'", out).group(1))[1:]


def test_the_suggested_command_looks_in_the_snapshots_region():
    text = gone_summary("shop", 7, [KeptSnapshot("shop-db-final-20261201000000", "eu-west-1", 20, 1.9)])
    argv = suggested(text)
    assert argv[argv.index("--region") + 1] == "eu-west-1", argv


def test_a_stack_outside_the_profiles_region_gets_a_command_that_finds_its_snapshot(
        session, spec_data, state_dir, monkeypatch):
    """The profile says us-east-1, the stack ran in eu-west-1: the printed command (run as printed)
    lists the kept snapshot; without --region it looked in us-east-1 and said 'Nothing to delete.'"""
    import boto3

    from hostwiz import spec as specmod
    from hostwiz.services import stacks as operations

    data = {**spec_data, "name": "euro", "region": "eu-west-1"}
    data.pop("domain")
    data["runtime"] = {**data["runtime"], "tls": False}
    spec = specmod.validate(data)
    assert operations.up(session, spec, spec.instance.ssh_cidr).ok
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    code, out, err = run_cli(["down", "euro", "--yes", "--state-dir", str(state_dir)])
    assert code == 0, err
    rds = boto3.client("rds", region_name="eu-west-1")
    (kept,) = [s["DBSnapshotIdentifier"] for s in rds.describe_db_snapshots(SnapshotType="manual")["DBSnapshots"]
               if s["DBSnapshotIdentifier"].startswith("euro-db-final-")]
    assert kept in out
    code, plan, err = run_cli([*suggested(out), "--state-dir", str(state_dir)])
    assert code == 0, err
    assert kept in plan and "Nothing to delete" not in plan, plan


def test_the_summary_says_what_else_the_prefix_takes():
    """'--name-prefix ID' also takes 'ID-copy', 'ID.bak'...: the summary says so, so that the plan's
    second line is not a surprise to someone who expected one snapshot."""
    text = gone_summary("shop", 7, [KeptSnapshot("shop-db-final-20261201000000", "us-east-1", 20, 1.9)])
    assert "shop-db-final-20261201000000-" in text or "and any copy named" in text, text


def test_in_the_sandbox_the_suggested_command_reaches_the_sandbox():
    """Printed by `hostwiz --sandbox down` or the sandbox's teardown screen, the command keeps
    --sandbox: without it, it would look in the operator's real AWS profile."""
    kept = [KeptSnapshot("shop-db-final-20261201000000", "us-east-1", 20, 1.9)]
    assert "'hostwiz --sandbox cleanup --name-prefix shop-db-final-20261201000000" in \
        gone_summary("shop", 7, kept, "hostwiz --sandbox")
    assert "'hostwiz cleanup --name-prefix" in gone_summary("shop", 7, kept)
