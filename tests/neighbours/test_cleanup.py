"""Cleanup in a shared account (issue 12, defects 5-8 and 10): what a cleanup can never reach.

Neighbours: a production database and its manual snapshots named like a bucket, a live hostwiz
stack, untagged VPCs, a VPC whose contents are young, a CloudFormation-owned set, IAM, and a
frozen plan edited after review. Genuine workshop estates are still removed completely.
"""

from __future__ import annotations

import json

import pytest
from cleanup.estate import build, inventory

from .conftest import records
from .neighbourhood import look_alikes

TWO = ["--region", "us-east-1", "--region", "eu-west-1"]


def plan_of(recs):
    return next(r for r in recs if r.get("kind") == "plan")


def result_of(recs):
    return next((r for r in recs if r.get("kind") == "result"), None)


def db_with_snapshot(aws, name: str, snap: str) -> None:
    rds = aws.client("rds")
    rds.create_db_instance(DBInstanceIdentifier=name, Engine="postgres", DBInstanceClass="db.t3.micro",
                           AllocatedStorage=20, MasterUsername="prod", MasterUserPassword="prod-password-1")
    rds.create_db_snapshot(DBInstanceIdentifier=name, DBSnapshotIdentifier=snap)


def test_a_bucket_named_like_a_database_does_not_bring_its_snapshots_in_any_region(
        session, neighbours, watch, cli, state_dir):
    """Defect 5: parent/child links are by (kind, region, ID), never by a bare name."""
    aws = session.aws
    west = aws.with_region("eu-west-1")
    aws.client("s3").create_bucket(Bucket="orders")
    aws.client("s3").put_bucket_tagging(Bucket="orders", Tagging={"TagSet": [{"Key": "course", "Value": "w1"}]})
    db_with_snapshot(aws, "orders", "orders-before-migration")
    db_with_snapshot(west, "orders", "orders-eu-backup")
    neighbours.regions = ["us-east-1", "eu-west-1"]
    for region, snap in (("us-east-1", "orders-before-migration"), ("eu-west-1", "orders-eu-backup")):
        neighbours.add("db-snapshot", snap, region)
        neighbours.add("rds-instance", "orders", region)
    neighbours.freeze(watch)
    code, out, err = cli(state_dir, "cleanup", "--tag", "course=w1", *TWO, "--yes", "--json")
    assert code == 0, err
    assert [r["key"] for r in plan_of(records(out))["resources"]] == ["us-east-1/s3-bucket/orders"]
    assert result_of(records(out))["deleted"] == ["us-east-1/s3-bucket/orders"]
    neighbours.assert_untouched()  # (the bucket shares the databases' name: look at RDS calls instead)
    assert not [op for op, _ in watch.calls if op.startswith(("Delete", "Modify")) and "DB" in op]


def test_a_live_stack_is_never_selected_unless_named(stack_up, session, neighbours, watch, cli, state_dir):
    """Defect 6: `--name-prefix blog --yes` must not take the live stack `blog` (ledger or tags)."""
    from hostwiz.provisioners.cleanup.discovery import discover_all

    for r in discover_all(session.aws, ["us-east-1"]).resources:
        if r.tags.get("hostwiz:stack") == "blog":
            neighbours.add(r.kind, r.id, r.region)
    neighbours.freeze(watch)
    code, out, err = cli(state_dir, "cleanup", "--name-prefix", "blog", "--include-global", "--yes", "--json")
    assert code == 0, err
    plan = plan_of(records(out))
    assert plan["resources"] == []
    assert any(e["why"] == "belongs to stack blog — use `hostwiz down blog`" for e in plan["excluded"])
    neighbours.assert_untouched(watch)
    code, out, _ = cli(state_dir, "status", "blog", "--json")
    assert json.loads(out)["status"] == "ready"
    # found by its tags alone (another operator's machine): still a live stack
    other = state_dir.parent / "another-machine"
    code, out, err = cli(other, "cleanup", "--name-prefix", "hostwiz-blog", "--json")
    assert code == 0 and plan_of(records(out))["resources"] == []
    # named explicitly: the operator may take it (dry run here)
    code, out, err = cli(state_dir, "cleanup", "--name-prefix", "hostwiz-blog", "--include-stack", "blog", "--json")
    assert code == 0 and "key-pair" in {r["kind"] for r in plan_of(records(out))["resources"]}


def test_name_prefix_matches_names_never_generated_ids(session, neighbours, watch, cli, state_dir):
    """Defect 7a: `--name-prefix vpc-` selected an untagged VPC (its ID) and everything in it."""
    ec2 = session.aws.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.77.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.77.1.0/24")["Subnet"]["SubnetId"]
    neighbours.add("vpc", vpc), neighbours.add("subnet", subnet)
    neighbours.freeze(watch)
    for prefix in ("vpc-", "subnet-", vpc[:8]):
        code, out, err = cli(state_dir, "cleanup", "--name-prefix", prefix, "--yes", "--json")
        assert code == 0 and plan_of(records(out))["resources"] == [], prefix
    neighbours.assert_untouched(watch)


@pytest.mark.parametrize("prefix", ["hostwiz-blog", "hostwiz-blog-"])
def test_a_name_prefix_takes_the_name_and_what_follows_a_separator_never_look_alikes(
        prefix, session, neighbours, watch, cli, state_dir):
    """Found by an attack: `--name-prefix hostwiz-blog` also took `hostwiz-blogx-...`. A prefix
    matches the name itself or the prefix and a separator (- _ . / :); one ending with a separator
    matches what follows it."""
    genuine = look_alikes(session.aws, neighbours, "hostwiz-blog")
    if prefix.endswith("-"):  # the name itself and the other separators are not "hostwiz-blog-..."
        genuine = {(k, n) for k, n in genuine if n.startswith(prefix)}
    neighbours.freeze(watch)
    code, out, err = cli(state_dir, "cleanup", "--name-prefix", prefix, "--include-global", "--yes", "--json")
    assert code == 0, err
    plan = plan_of(records(out))
    assert {(r["kind"], r["name"]) for r in plan["resources"] if r["kind"] not in ("security-group", "route-table",
                                                                                    "network-acl")} == genuine
    assert all(not r["name"].startswith(("hostwiz-blogx", "hostwiz-blog2", "hostwiz-blogger"))
               for r in plan["resources"])
    assert set(result_of(records(out))["deleted"]) == {r["key"] for r in plan["resources"]}
    neighbours.assert_untouched(watch)


@pytest.mark.parametrize("name, prefix, takes", [
    ("hostwiz-blog", "hostwiz-blog", True), ("hostwiz-blog-db", "hostwiz-blog", True),
    ("hostwiz-blog_ci", "hostwiz-blog", True), ("hostwiz-blog.example.com", "hostwiz-blog", True),
    ("hostwiz-blog/logs", "hostwiz-blog", True), ("hostwiz-blog:1", "hostwiz-blog", True),
    ("hostwiz-blogx-db", "hostwiz-blog", False), ("hostwiz-blog2", "hostwiz-blog", False),
    ("hostwiz-bl", "hostwiz-blog", False), ("Hostwiz-blog-db", "hostwiz-blog", False),
    ("workshop-1", "workshop-", True), ("workshop-", "workshop-", True), ("workshop", "workshop-", False),
    ("workshopx", "workshop-", False), ("anything", "", False)])
def test_prefix_matches(name, prefix, takes):
    from hostwiz.provisioners.cleanup.selection import prefix_matches

    assert prefix_matches(name, prefix) is takes


@pytest.mark.parametrize("prefix", ["/", "-", " - ", "::", "/_."])
def test_a_prefix_of_separators_only_is_refused(prefix):
    """'--name-prefix /' took every SSM parameter not in a live stack (any path starts with '/');
    a prefix must name something."""
    from hostwiz.provisioners.cleanup.selection import Filters

    with pytest.raises(ValueError, match="only separators"):
        Filters.parse(prefix, [], None, None, ["us-east-1"])
    assert Filters.parse("workshop-", [], None, None, ["us-east-1"]).name_prefix == "workshop-"


def test_the_plan_says_what_a_prefix_matches(session, cli, state_dir):
    code, out, err = cli(state_dir, "cleanup", "--name-prefix", "hostwiz-blog")
    assert code == 0, err
    assert "is hostwiz-blog or starts with hostwiz-blog and a separator" in out


def test_unknown_age_never_matches_older_than_and_young_contents_stay(session, neighbours, watch, cli, state_dir):
    """Defect 7b: a VPC has no creation time; it counted as old and brought in its young contents."""
    ec2 = session.aws.client("ec2")
    tag = [{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "ws-old"}]}]
    vpc = ec2.create_vpc(CidrBlock="10.78.0.0/16", TagSpecifications=tag)["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.78.1.0/24")["Subnet"]["SubnetId"]
    image = ec2.describe_images(Owners=["amazon"], MaxResults=1)["Images"][0]["ImageId"]
    young = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, SubnetId=subnet)["Instances"][0]["InstanceId"]
    for k, i in (("vpc", vpc), ("subnet", subnet), ("ec2-instance", young)):
        neighbours.add(k, i)
    neighbours.freeze(watch)
    code, out, err = cli(state_dir, "cleanup", "--name-prefix", "ws-old", "--older-than", "1d", "--yes", "--json")
    assert code == 0 and plan_of(records(out))["resources"] == []
    code, out, err = cli(state_dir, "cleanup", "--vpc", vpc, "--older-than", "1d", "--yes", "--json")
    plan = plan_of(records(out))
    assert code == 0 and plan["resources"] == []
    neighbours.assert_untouched(watch)


def test_global_kinds_only_when_asked(session, cli, state_dir):
    """Defect 7c: `--region` did not limit IAM and Route53; now they come only with --include-global."""
    iam = session.aws.client("iam")
    iam.create_role(RoleName="ws-role", AssumeRolePolicyDocument="{}")
    code, out, _ = cli(state_dir, "cleanup", "--name-prefix", "ws-", "--region", "eu-west-1", "--yes", "--json")
    assert code == 0 and plan_of(records(out))["resources"] == []
    assert iam.get_role(RoleName="ws-role")
    code, out, _ = cli(state_dir, "cleanup", "--name-prefix", "ws-", "--include-global", "--json")
    assert [r["key"] for r in plan_of(records(out))["resources"]] == ["global/iam-role/ws-role"]


def cfn_template(vpc: str) -> str:
    return json.dumps({"Resources": {
        "Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "ws-cfn-queue"}},
        "G": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "x", "GroupName": "ws-cfn-sg",
                                                                "VpcId": vpc}}}})


def test_cloudformation_owned_only_when_asked_and_then_the_stack_is_deleted(session, neighbours, watch, cli, state_dir):
    ec2 = session.aws.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.79.0.0/16", TagSpecifications=[
        {"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "ws-vpc"}]}])["Vpc"]["VpcId"]
    cfn = session.aws.client("cloudformation")
    cfn.create_stack(StackName="course-infra", TemplateBody=cfn_template(vpc))
    queue = session.aws.client("sqs").get_queue_url(QueueName="ws-cfn-queue")["QueueUrl"]
    group = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["ws-cfn-sg"]}])["SecurityGroups"][0]
    neighbours.add("sqs-queue", queue), neighbours.add("security-group", group["GroupId"])
    neighbours.add("vpc", vpc)
    neighbours.freeze(watch)
    code, out, err = cli(state_dir, "cleanup", "--name-prefix", "ws-", "--yes", "--json")
    assert code == 0, err  # nothing to delete: the VPC holds a CloudFormation group, named as what keeps it
    plan = plan_of(records(out))
    assert plan["resources"] == []
    why = {e["id"]: e["why"] for e in plan["excluded"]}
    assert why[queue].startswith("owned by CloudFormation stack course-infra")
    assert why[group["GroupId"]].startswith("owned by CloudFormation stack course-infra")
    assert group["GroupId"] in why[vpc]
    neighbours.assert_untouched(watch)
    code, out, err = cli(state_dir, "cleanup", "--name-prefix", "ws-", "--include-cloudformation", "--yes", "--json")
    assert code == 0, err
    plan = plan_of(records(out))
    assert sorted(r["kind"] for r in plan["resources"]) == ["cloudformation-stack", "vpc"]
    assert not [op for op, p in watch.calls if op in ("DeleteQueue", "DeleteSecurityGroup")]  # CFN deleted them
    assert [op for op, _ in watch.calls if op == "DeleteStack"] == ["DeleteStack"]


def foreign_item(aws, key: str) -> dict:
    """A plan item for a resource outside the plan, with a correct fingerprint (a careful tamperer)."""
    from hostwiz.provisioners.cleanup.discovery import discover_all
    from hostwiz.provisioners.cleanup.plan import fingerprint

    r = next(r for r in discover_all(aws, ["us-east-1"]).resources if r.key == key)
    return {**r.as_dict(), "key": r.key, "fingerprint": fingerprint(r), "vpc_id": None}


def test_a_frozen_plan_cannot_be_widened_and_changed_content_is_skipped(session, neighbours, watch, cli, state_dir,
                                                                      tmp_path):
    """Defect 8: an edited plan adds a foreign bucket (right fingerprint): skipped, named. A bucket
    empty at review and filled since: skipped, named."""
    aws = session.aws
    s3 = aws.client("s3")
    for b in ("workshop-empty", "prod-data"):
        s3.create_bucket(Bucket=b)
    s3.put_object(Bucket="prod-data", Key="ledger.csv", Body=b"1,2,3")
    aws.client("sqs").create_queue(QueueName="workshop-jobs")
    neighbours.add("s3-bucket", "prod-data"), neighbours.add("s3-bucket", "workshop-empty")
    plan_file = tmp_path / "plan.json"
    code, out, err = cli(state_dir, "cleanup", "--name-prefix", "workshop", "--plan-out", str(plan_file), "--json")
    assert code == 0, err
    doc = json.loads(plan_file.read_text())
    assert {r["id"] for r in doc["resources"]} == {"workshop-empty", next(
        r["id"] for r in doc["resources"] if r["kind"] == "sqs-queue")}
    doc["resources"].append(foreign_item(aws, "us-east-1/s3-bucket/prod-data"))
    plan_file.write_text(json.dumps(doc))
    s3.put_object(Bucket="workshop-empty", Key="thesis.pdf", Body=b"months of work")
    neighbours.freeze(watch)
    code, out, err = cli(state_dir, "cleanup", "--plan", str(plan_file), "--yes", "--json")
    assert code == 0, err
    skipped = {s["key"]: s["why"] for s in result_of(records(out))["skipped"]}
    assert "do not select it" in skipped["us-east-1/s3-bucket/prod-data"]
    assert "changed since the plan" in skipped["us-east-1/s3-bucket/workshop-empty"]
    assert [k.split("/")[1] for k in result_of(records(out))["deleted"]] == ["sqs-queue"]
    neighbours.assert_untouched(watch)


@pytest.mark.parametrize("damage", ["unknown-kind", "bad-key", "no-filters"])
def test_a_damaged_frozen_plan_is_refused_before_anything(session, cli, state_dir, tmp_path, damage):
    """Defect 11 (frozen plan naming an unknown kind) and friends: exit 2, one message, no traceback."""
    session.aws.client("sqs").create_queue(QueueName="workshop-jobs")
    plan_file = tmp_path / "plan.json"
    assert cli(state_dir, "cleanup", "--name-prefix", "workshop", "--plan-out", str(plan_file))[0] == 0
    doc = json.loads(plan_file.read_text())
    item = doc["resources"][0]
    if damage == "unknown-kind":
        item.update(kind="nuclear-reactor", key=f"us-east-1/nuclear-reactor/{item['id']}")
    elif damage == "bad-key":
        item["key"] = "us-east-1/s3-bucket/prod-data"
    else:
        doc["filters"]["name_prefix"] = None
    plan_file.write_text(json.dumps(doc))
    code, out, err = cli(state_dir, "cleanup", "--plan", str(plan_file), "--yes")
    assert code == 2 and "Traceback" not in err and err.strip()
    assert session.aws.client("sqs").list_queues().get("QueueUrls")


def test_plan_out_never_writes_through_a_symlink(session, cli, state_dir, tmp_path):
    """Defect 10: the temp file was `<plan>.tmp`, written through a planted link; the plan path
    itself as a link is refused too."""
    session.aws.client("sqs").create_queue(QueueName="workshop-jobs")
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    plan_file = tmp_path / "plan.json"
    (tmp_path / "plan.tmp").symlink_to(victim)
    code, out, err = cli(state_dir, "cleanup", "--name-prefix", "workshop", "--plan-out", str(plan_file))
    assert code == 0, err
    assert victim.read_text() == "precious" and json.loads(plan_file.read_text())["format"]
    assert plan_file.stat().st_mode & 0o777 == 0o600
    linked = tmp_path / "linked.json"
    linked.symlink_to(victim)
    code, out, err = cli(state_dir, "cleanup", "--name-prefix", "workshop", "--plan-out", str(linked))
    assert code == 2 and "symlink" in err and victim.read_text() == "precious"


def test_genuine_workshop_estates_are_still_removed_completely_beside_the_neighbours(
        session, neighbours, watch, cli, state_dir, stack_up):
    """The other side of the proof: two workshop estates (two regions) go completely, while a live
    stack and an unrelated estate stay exactly as they were."""
    aws = session.aws
    build(aws, "prod", 20)
    neighbours.regions = ["us-east-1", "eu-west-1"]
    neighbours.keys = inventory(aws, neighbours.regions)  # the stack, the prod estate, moto's defaults
    build(aws, "workshop", 10)
    build(aws.with_region("eu-west-1"), "workshop-eu", 11)
    before = inventory(aws, neighbours.regions)
    neighbours.freeze(watch)
    code, out, err = cli(state_dir, "cleanup", "--name-prefix", "workshop", "--include-global", *TWO, "--yes", "--json")
    assert code == 0, (err, result_of(records(out)))
    planned = {r["key"] for r in plan_of(records(out))["resources"]}
    after = inventory(aws, neighbours.regions)
    assert not planned & after
    assert after == before - planned
    assert sum("eu-west-1" in k for k in planned) > 20 and sum("us-east-1" in k for k in planned) > 20
    assert neighbours.assert_untouched(watch) > 40
