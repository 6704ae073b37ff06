"""`up`, `down`, rollback, status and adopt in a shared account (issue 12, defects 1-4 and 9).

Each neighbour here is shaped to fool a name-based hostwiz: the names it would create, copied
tags, a re-used identifier, a second operator with the same stack name. Every test proves the
neighbours are exactly as they were and that no mutating call named one of them.
"""

from __future__ import annotations

import json

import pytest
import tomli_w
from hwtest import client, ids, inventory, leftovers

from hostwiz.ledger import Ledger
from hostwiz.services import stacks

from .conftest import records

PASSWORD = "prod-password-never-changed"


def default_subnets() -> list[str]:
    ec2 = client("ec2")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    return [s["SubnetId"] for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]]


def default_vpc() -> str:
    return client("ec2").describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]


def foreign(what: str, neighbours, tags: dict[str, str] | None = None) -> str:
    """Make one neighbour holding a name stack `blog` would take; returns the spec field preflight names."""
    t = [{"Key": k, "Value": v} for k, v in {"team": "prod", **(tags or {})}.items()]
    if what == "rds-instance":
        client("rds").create_db_instance(DBInstanceIdentifier="blog-db", Engine="postgres", DBInstanceClass="db.t3.micro",
                                         AllocatedStorage=20, MasterUsername="prod", MasterUserPassword=PASSWORD, Tags=t)
        neighbours.add("rds-instance", "blog-db")
        return "database"
    if what == "db-subnet-group":
        client("rds").create_db_subnet_group(DBSubnetGroupName="hostwiz-blog", DBSubnetGroupDescription="prod",
                                             SubnetIds=default_subnets()[:2], Tags=t)
        neighbours.add("db-subnet-group", "hostwiz-blog")
    elif what == "iam-role":
        client("iam").create_role(RoleName="hostwiz-blog-instance", AssumeRolePolicyDocument="{}", Tags=t)
        neighbours.add("iam-role", "hostwiz-blog-instance", "global")
    elif what == "instance-profile":
        client("iam").create_instance_profile(InstanceProfileName="hostwiz-blog-instance", Tags=t)
        neighbours.add("instance-profile", "hostwiz-blog-instance", "global")
    elif what == "key-pair":
        kid = client("ec2").create_key_pair(KeyName="hostwiz-blog", TagSpecifications=[
            {"ResourceType": "key-pair", "Tags": t}])["KeyPairId"]
        neighbours.add("key-pair", kid)
    elif what == "security-group":
        gid = client("ec2").create_security_group(GroupName="hostwiz-blog-app", Description="prod", VpcId=default_vpc(),
                                                  TagSpecifications=[{"ResourceType": "security-group", "Tags": t}])["GroupId"]
        neighbours.add("security-group", gid)
    return "name"


COLLIDING = ["rds-instance", "db-subnet-group", "iam-role", "instance-profile", "key-pair", "security-group"]


@pytest.fixture
def spec_file(tmp_path, spec_data):
    path = tmp_path / "blog.toml"
    path.write_text(tomli_w.dumps(spec_data))
    return path


@pytest.mark.parametrize("what", COLLIDING)
def test_up_refuses_a_name_someone_else_holds_field_level_exit_2_nothing_created(
        what, session, neighbours, watch, cli, state_dir, spec_file):
    """Defect 1: an existing `<stack>-db`, subnet group, IAM role/profile, key pair or group is a collision."""
    field = foreign(what, neighbours, {"hostwiz:stack": "blog"} if what == "security-group" else None)
    neighbours.freeze(watch)
    code, out, err = cli(state_dir, "up", str(spec_file), "--yes", "--json")
    assert code == 2, err
    (invalid,) = [r for r in records(out) if r.get("kind") == "invalid"]
    problems = {p["field"]: p["message"] for p in invalid["problems"]}
    assert field in problems and "already exists" in problems[field]
    left = set(leftovers("blog"))  # a neighbour carrying hostwiz:stack=blog shows up by that tag alone
    assert left <= ({"security-group", "tagged-arn"} if what == "security-group" else set())
    assert not Ledger(state_dir, "blog").exists
    assert [op for op, _ in watch.calls if op.startswith(("Create", "Run", "Import", "Modify"))] == []
    neighbours.assert_untouched(watch)


def test_up_past_preflight_still_refuses_the_database_and_rolls_back_only_its_own(
        session, neighbours, watch, full_spec):
    """Defect 1, at the create call (a neighbour who took the name after the preflight): the foreign
    database is never adopted, its password never changed, and the rollback leaves it alone."""
    foreign("rds-instance", neighbours)
    neighbours.freeze(watch)
    result = stacks.up(session, full_spec, full_spec.instance.ssh_cidr)
    assert not result.ok and "database" in result.run.failed
    assert "already exists" in result.error and result.rollback.ok
    assert leftovers("blog") == {}
    assert not [p for op, p in watch.calls if op == "ModifyDBInstance"]
    neighbours.assert_untouched(watch)


def test_down_leaves_a_database_recreated_by_someone_else_under_the_same_identifier(
        stack_up, session, neighbours, watch, cli, state_dir):
    """Defect 2: the stack's database was deleted outside hostwiz and someone made a new `blog-db`."""
    rds = client("rds")
    rds.delete_db_instance(DBInstanceIdentifier="blog-db", SkipFinalSnapshot=True)
    foreign("rds-instance", neighbours)
    neighbours.freeze(watch)
    code, out, err = cli(state_dir, "down", "blog", "--yes", "--json")
    assert code == 0, err
    plan = records(out)[0]
    assert "blog-db" not in {r["id"] for r in plan["resources"]}
    assert any(s["id"] == "blog-db" and "identity" in s["why"] for s in plan["skipped"])
    neighbours.assert_untouched(watch)
    assert {k for k, v in leftovers("blog").items() if v} <= {"tagged-arn"}


def test_down_leaves_a_database_recreated_with_copied_tags(stack_up, session, neighbours, watch, cli, state_dir):
    """Defect 2, with the stack's own tags copied onto the newcomer: its AWS resource id differs."""
    rds = client("rds")
    tags = rds.describe_db_instances(DBInstanceIdentifier="blog-db")["DBInstances"][0]["TagList"]
    rds.delete_db_instance(DBInstanceIdentifier="blog-db", SkipFinalSnapshot=True)
    rds.create_db_instance(DBInstanceIdentifier="blog-db", Engine="postgres", DBInstanceClass="db.t3.micro",
                           AllocatedStorage=20, MasterUsername="prod", MasterUserPassword=PASSWORD, Tags=tags)
    neighbours.add("rds-instance", "blog-db")
    neighbours.freeze(watch)
    code, out, err = cli(state_dir, "down", "blog", "--yes", "--json")
    assert code == 0, err
    assert any(s["id"] == "blog-db" and "re-created" in s["why"] for s in records(out)[0]["skipped"]), out
    neighbours.assert_untouched(watch)


def test_a_second_operator_never_takes_over_the_first_ones_stack(stack_up, session, neighbours, watch, cli,
                                                                 state_dir, tmp_path, spec_file, full_spec):
    """Defect 3: two state dirs, one stack name. The second `up` is refused (exit 2, "adopt"); run
    past the preflight it makes only its own resources and rolls them back; its `down` (with its own
    ledger) deletes none of the first operator's stack."""
    first = inventory("blog")
    kinds = {"instance": ("ec2-instance", "InstanceId"), "security-group": ("security-group", "GroupId"),
             "key-pair": ("key-pair", "KeyPairId"), "eip": ("elastic-ip", "AllocationId"),
             "rds": ("rds-instance", "DBInstanceIdentifier"), "db-subnet-group": ("db-subnet-group", "DBSubnetGroupName"),
             "iam-role": ("iam-role", "RoleName"), "instance-profile": ("instance-profile", "InstanceProfileName")}
    for kind, items in first.items():
        for item in items:
            if kind in kinds:
                k, field = kinds[kind]
                neighbours.add(k, item[field], "global" if k in ("iam-role", "instance-profile") else "us-east-1")
    neighbours.freeze(watch)
    second = tmp_path / "second-operator"
    code, out, err = cli(second, "up", str(spec_file), "--yes")
    assert code == 2 and "hostwiz adopt blog" in err
    assert not Ledger(second, "blog").exists

    from hostwiz.services.session import quick_session as make_session

    other = make_session(second)
    spec = full_spec.model_copy(update={"instance": full_spec.instance.model_copy(update={"ssh_cidr": "198.51.100.9/32"})})
    result = stacks.up(other, spec, "198.51.100.9/32", keep_on_failure=True)
    assert not result.ok and "already exists" in result.error
    second_id = Ledger(second, "blog").get("stack_id")
    assert second_id and second_id != Ledger(state_dir, "blog").get("stack_id")
    code, out, err = cli(second, "down", "blog", "--yes", "--json")
    assert code == 0, err
    plan = records(out)[0]
    assert plan["stack_id"] == second_id and len(plan["skipped"]) >= len(neighbours.keys)
    assert neighbours.assert_untouched(watch) == len(neighbours.keys)
    rules = client("ec2").describe_security_groups(Filters=[{"Name": "group-name", "Values": ["hostwiz-blog-app"]}])
    ssh = [r for g in rules["SecurityGroups"] for p in g["IpPermissions"] if p.get("FromPort") == 22 for r in p["IpRanges"]]
    assert [r["CidrIp"] for r in ssh] == ["203.0.113.7/32"]  # the second operator's address was never added
    assert Ledger(state_dir, "blog").get("status") == "ready"


def test_adopt_shows_what_it_takes_over_and_only_then_writes_a_ledger(stack_up, session, cli, state_dir, tmp_path):
    """Defect 3's remedy: an explicit adopt from another state dir, plan first."""
    second = tmp_path / "second-operator"
    code, out, err = cli(second, "adopt", "blog", "--json")
    assert code == 2 and "without confirmation" in err
    plan = records(out)[0]
    assert plan["stack_id"] == Ledger(state_dir, "blog").get("stack_id")
    assert {r["kind"] for r in plan["resources"]} >= {"ec2-instance", "rds-instance", "security-group"}
    assert not Ledger(second, "blog").exists
    code, out, err = cli(second, "adopt", "blog", "--yes")
    assert code == 0, err
    assert Ledger(second, "blog").get("stack_id") == Ledger(state_dir, "blog").get("stack_id")


def test_down_leaves_copies_made_with_the_stacks_tags(stack_up, session, neighbours, watch, cli, state_dir):
    """Defect 4: "launch more like this" copies every tag (the identity too); a group carries only
    `hostwiz:stack=blog`. Neither is the stack's; status and down leave both alone."""
    ec2 = client("ec2")
    original = ec2.describe_instances(Filters=[{"Name": "tag:hostwiz:stack", "Values": ["blog"]}])
    inst = original["Reservations"][0]["Instances"][0]
    copy = ec2.run_instances(ImageId=inst["ImageId"], MinCount=1, MaxCount=1, InstanceType="t3.micro",
                             TagSpecifications=[{"ResourceType": "instance", "Tags": inst["Tags"]}])["Instances"][0]
    gid = ec2.create_security_group(GroupName="team-web", Description="x", VpcId=default_vpc(),
                                    TagSpecifications=[{"ResourceType": "security-group",
                                                        "Tags": [{"Key": "hostwiz:stack", "Value": "blog"}]}])["GroupId"]
    neighbours.add("ec2-instance", copy["InstanceId"])
    neighbours.add("security-group", gid)
    neighbours.freeze(watch)
    code, out, err = cli(state_dir, "status", "blog", "--json")
    assert code == 0, err
    shown = {r["id"] for r in json.loads(out)["resources"]}
    assert copy["InstanceId"] not in shown and gid not in shown and inst["InstanceId"] in shown
    code, out, err = cli(state_dir, "down", "blog", "--yes", "--json")
    assert code == 0, err
    skipped = {s["id"]: s["why"] for s in records(out)[0]["skipped"]}
    assert "copy" in skipped[copy["InstanceId"]] and "no hostwiz:id" in skipped[gid]
    neighbours.assert_untouched(watch)
    assert not [i for r in ec2.describe_instances(InstanceIds=[inst["InstanceId"]])["Reservations"]
                for i in r["Instances"] if i["State"]["Name"] != "terminated"]


def test_down_refuses_a_ledger_of_another_account_and_keeps_it(stack_up, session, cli, state_dir):
    """Defect 9: the ledger records its account; elsewhere it is refused (exit 2), never forgotten."""
    ledger = Ledger(state_dir, "blog")
    assert ledger.get("account") == "123456789012"
    ledger.update(account="999999999999")
    before = ids(inventory("blog"))
    code, out, err = cli(state_dir, "down", "blog", "--yes")
    assert code == 2 and "account 999999999999" in err and "ledger is kept" in err
    assert Ledger(state_dir, "blog").exists and ids(inventory("blog")) == before
    ledger.update(account="123456789012")
    code, out, err = cli(state_dir, "down", "blog", "--yes", "--region", "eu-west-1")
    assert code == 2 and "lives in us-east-1" in err
    assert Ledger(state_dir, "blog").exists and ids(inventory("blog")) == before


def test_rollback_leaves_look_alikes_and_names_them(session, neighbours, watch, full_spec):
    """Rollback deletes only verified resources: a copy of the stack's instance, made while the run
    was going (tags copied), is named and left."""
    from hwtest import Fault

    made: dict[str, str] = {}

    def copy_instance(**kw):
        if made:
            return
        ec2 = client("ec2")
        res = ec2.describe_instances(Filters=[{"Name": "tag:hostwiz:stack", "Values": ["blog"]}])["Reservations"]
        if not res:
            return
        inst = res[0]["Instances"][0]
        made["id"] = ec2.run_instances(ImageId=inst["ImageId"], MinCount=1, MaxCount=1, InstanceType="t3.micro",
                                       TagSpecifications=[{"ResourceType": "instance",
                                                           "Tags": inst["Tags"]}])["Instances"][0]["InstanceId"]

    session.aws.hooks.append(("after-call.ec2.RunInstances", copy_instance))
    Fault("AssociateAddress", 1).install(session.aws)
    events = []
    result = stacks.up(session, full_spec, full_spec.instance.ssh_cidr, events.append)
    assert not result.ok and result.rollback is not None and result.rollback.ok
    assert made, "the copy was not made"
    neighbours.add("ec2-instance", made["id"])
    neighbours.before = neighbours.snapshot()
    assert any(made["id"] in e.message and "left alone" in e.message for e in events)
    assert {k for k, v in leftovers("blog").items() if v} <= {"instance", "volume", "tagged-arn"}
    neighbours.assert_untouched(watch)


def test_a_second_down_leaves_a_look_alike_with_another_identity(stack_up, session, neighbours, watch, cli, state_dir):
    """Found by an attack: after `down` removed the ledger, a neighbour's instance with copied
    `hostwiz:stack=blog` tags and its own `hostwiz:id` was planned as "the stack" by a second `down`
    and terminated. Without a ledger nothing is proven ours: the second down deletes nothing."""
    ec2 = client("ec2")
    inst = ec2.describe_instances(Filters=[{"Name": "tag:hostwiz:stack", "Values": ["blog"]}])[
        "Reservations"][0]["Instances"][0]
    tags = [t for t in inst["Tags"] if t["Key"] != "hostwiz:id"] + [{"Key": "hostwiz:id", "Value": "someone-else"}]
    other = ec2.run_instances(ImageId=inst["ImageId"], MinCount=1, MaxCount=1, InstanceType="t3.micro",
                              TagSpecifications=[{"ResourceType": "instance", "Tags": tags}])["Instances"][0]
    neighbours.add("ec2-instance", other["InstanceId"])
    neighbours.freeze(watch)
    code, out, err = cli(state_dir, "down", "blog", "--yes", "--json")
    assert code == 0, err
    code, out, err = cli(state_dir, "down", "blog", "--yes", "--json")
    assert code == 2, (out, err)  # "no stack named blog", or (if the look-alike passes for a stack) "adopt"
    assert not out or records(out)[0]["resources"] == []
    neighbours.assert_untouched(watch)
