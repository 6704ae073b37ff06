"""`status` shows a stack's resources; `down` leaves nothing tagged with it, and is safe to repeat."""

from __future__ import annotations

import json

from hwtest import ids, inventory, leftovers, run_cli

from hostwiz import secrets
from hostwiz.ledger import Ledger
from hostwiz.services import stacks as operations

KINDS = {"db-subnet-group", "ec2-instance", "elastic-ip", "iam-role", "instance-profile", "key-pair",
         "rds-instance", "route53-record", "security-group", "ssm-parameter"}


def cli(state_dir, *argv):
    return run_cli([*argv, "--state-dir", str(state_dir)])


def test_status_json_lists_every_resource_of_the_stack(stack_up, state_dir):
    code, out, err = cli(state_dir, "status", "blog", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["status"] == "ready" and doc["region"] == "us-east-1"
    assert {r["kind"] for r in doc["resources"]} == KINDS
    ids = {r["id"] for r in doc["resources"]}
    inv = inventory("blog")
    assert inv["instance"][0]["InstanceId"] in ids
    assert {g["GroupId"] for g in inv["security-group"]} <= ids
    assert doc["outputs"]["public_ip"] == inv["eip"][0]["PublicIp"]
    code, out, _ = cli(state_dir, "status", "--json")
    assert code == 0 and [s["name"] for s in json.loads(out)] == ["blog"]


def test_status_operations_and_unknown_stack(stack_up, session, state_dir):
    (summary,) = operations.list_stacks(session)
    assert (summary.name, summary.status, summary.source) == ("blog", "ready", "ledger")
    assert {r.kind for r in operations.stack_resources(session, "blog")} == KINDS
    Ledger(state_dir, "blog").remove()
    (found,) = operations.list_stacks(session)
    assert (found.name, found.source) == ("blog", "tags")  # the tags alone find it
    code, out, err = cli(state_dir, "status", "nosuch", "--json")
    assert code == 2 and "no stack named 'nosuch'" in err  # as from ssh, logs and down


def local_secrets_exist(state_dir) -> dict[str, bool]:
    return {"key file": secrets.key_path(state_dir, "blog").exists(),
            "ssh key in keyring": secrets.fetch(secrets.ssh_key_account("blog")) is not None,
            "db password in keyring": secrets.fetch(secrets.db_password_account("blog")) is not None}


def test_down_without_yes_and_without_a_tty_deletes_nothing(stack_up, state_dir, monkeypatch):
    import sys

    monkeypatch.setattr(sys, "stdin", None)  # as under cron or CI: no terminal at all
    before = ids(inventory("blog"))
    code, out, err = cli(state_dir, "down", "blog")
    assert code == 2
    assert "add --yes" in err and "Teardown plan" in out
    assert ids(inventory("blog")) == before
    assert all(local_secrets_exist(state_dir).values())


def test_down_leaves_nothing_keeps_a_final_snapshot_and_forgets_local_secrets(stack_up, state_dir):
    assert all(local_secrets_exist(state_dir).values())
    code, out, err = cli(state_dir, "down", "blog", "--yes")
    assert code == 0, err
    assert leftovers("blog") == {}
    (snap,) = inventory("blog")["db-snapshot"]
    assert snap["DBSnapshotIdentifier"].startswith("blog-db-final-")
    assert not any(local_secrets_exist(state_dir).values())
    assert not Ledger(state_dir, "blog").exists
    # twice is harmless: the stack is unknown now (the same answer as every command's), the snapshot untouched
    code, out, err = cli(state_dir, "down", "blog", "--yes")
    assert code == 2 and "no stack named 'blog'" in err
    assert len(inventory("blog")["db-snapshot"]) == 1


def test_down_skip_final_snapshot_makes_none(stack_up, state_dir):
    code, _, err = cli(state_dir, "down", "blog", "--yes", "--skip-final-snapshot")
    assert code == 0, err
    assert leftovers("blog") == {}
    assert inventory("blog")["db-snapshot"] == []


def test_without_the_ledger_down_deletes_nothing_until_the_stack_is_adopted(stack_up, state_dir):
    """Tags can be copied: without a ledger nothing proves the stack is the operator's. `down` deletes
    nothing and names `adopt`; adopt (which shows what it takes over) then lets `down` finish."""
    Ledger(state_dir, "blog").remove()
    before = {kind: len(found) for kind, found in leftovers("blog").items()}
    code, out, err = cli(state_dir, "down", "blog", "--yes", "--json")
    assert code == 2 and "hostwiz adopt blog" in err, (out, err)
    plan = json.loads(out.splitlines()[0])
    assert plan["resources"] == [] and {s["kind"] for s in plan["skipped"]} == KINDS
    assert {kind: len(found) for kind, found in leftovers("blog").items()} == before
    code, out, err = cli(state_dir, "adopt", "blog", "--yes")
    assert code == 0, err
    code, out, err = cli(state_dir, "down", "blog", "--yes", "--json")
    assert code == 0, err
    assert {r["kind"] for r in json.loads(out.splitlines()[0])["resources"]} == KINDS
    assert leftovers("blog") == {}
    assert not any(local_secrets_exist(state_dir).values())


def test_concurrent_deletion_of_groups_that_reference_each_other(session):
    """Both groups fall in one deletion wave; each revokes the rule between them (a race, run often)."""
    from hwtest import client

    from hostwiz.provisioners import deletion
    from hostwiz.provisioners.registry import kind

    ec2 = client("ec2")
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    sg = kind("security-group")
    for _ in range(6):
        a = ec2.create_security_group(GroupName="a", Description="a", VpcId=vpc)["GroupId"]
        b = ec2.create_security_group(GroupName="b", Description="b", VpcId=vpc)["GroupId"]
        for x, y in ((a, b), (b, a)):
            ec2.authorize_security_group_ingress(GroupId=x, IpPermissions=[
                {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [{"GroupId": y}]}])
        found = [r for r in sg.list(session.aws) if r.id in (a, b)]
        outcome = deletion.delete_resources(session.aws, found, settings=session.deletion)
        assert outcome.ok, [(x.resource.id, x.error) for x in outcome.left]
        assert not [g for g in ec2.describe_security_groups()["SecurityGroups"] if g["GroupId"] in (a, b)]


def test_down_in_a_terminal_deletes_only_after_the_typed_stack_name(stack_up, state_dir, monkeypatch):
    from hostwiz.cli import common, down

    monkeypatch.setattr(common, "is_interactive", lambda: True)
    monkeypatch.setattr(down, "is_interactive", lambda: True)
    before = ids(inventory("blog"))
    monkeypatch.setattr("builtins.input", lambda _prompt="": "yes")
    code, out, _ = cli(state_dir, "down", "blog")
    assert code == 0 and "Nothing was deleted" in out
    assert ids(inventory("blog")) == before
    monkeypatch.setattr("builtins.input", lambda _prompt="": "blog")
    code, out, _ = cli(state_dir, "down", "blog")
    assert code == 0 and "is gone" in out
    assert leftovers("blog") == {}
