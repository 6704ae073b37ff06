"""Issue 6's proof: a workshop estate and an unrelated one in the same account and region;
cleanup removes exactly the first (by name prefix, by VPC), the dry run changes nothing,
a frozen plan is honoured, DependencyViolation is retried and a permanent one is reported."""

from __future__ import annotations

from hostwiz.provisioners.aws import is_mutating

from .conftest import error_hook
from .estate import build, inventory


def recorder():
    ops: list[str] = []
    return ("before-call", lambda model, **_: ops.append(model.name)), ops


def result_of(records):
    return next(r for r in records if r.get("kind") == "result")


def plan_of(records):
    return next(r for r in records if r.get("kind") == "plan")


def test_name_prefix_removes_the_workshop_and_nothing_else(aws, run_cli):
    ids = build(aws, "workshop", 10)
    other = build(aws, "other", 20)
    before = inventory(aws)
    app_sg = ids["security_groups"]["app"]
    flaky, calls = error_hook("ec2.DeleteSecurityGroup", "DependencyViolation", times=3,
                              only=lambda body: body.get("GroupId") == app_sg)
    code, records = run_cli("--name-prefix", "workshop", "--include-global", "--yes", hook=[flaky])
    planned = {r["key"] for r in plan_of(records)["resources"]}
    assert code == 0, result_of(records)["left"]
    # every part of the workshop estate was in the plan, including what has no name of its own
    assert f"us-east-1/vpc/{ids['vpc']}" in planned and f"us-east-1/ami/{ids['ami']}" in planned
    assert any("/listener/" in k for k in planned) and any("/sns-subscription/" in k for k in planned)
    assert any(k.endswith("/workshop.workshops.test/CNAME") for k in planned)
    assert not any(other["vpc"] in k for k in planned)
    items = {r["id"]: r for r in plan_of(records)["resources"]}
    assert items[ids["nat"][0]]["monthly_cost"] > 30  # NAT gateways are what workshops forget and pay for
    assert plan_of(records)["monthly_cost"] >= sum(items[n]["monthly_cost"] for n in ids["nat"])
    public = items[ids["subnets"]["public"][0]]
    assert set(ids["nat"]) <= set(public["waits_on"])  # NAT gateways are waited out before their subnets
    after = inventory(aws)
    assert planned & after == set()
    assert after == before - planned  # the other estate (and moto's own defaults) unchanged
    assert len(calls) >= 4  # the injected DependencyViolations were retried until the group went
    assert f"us-east-1/security-group/{app_sg}" in result_of(records)["deleted"]


def test_vpc_selection_takes_everything_inside_it(aws, run_cli):
    ids = build(aws, "workshop", 10)
    build(aws, "other", 20)
    before = inventory(aws)
    code, records = run_cli("--vpc", ids["vpc"], "--yes")
    assert code == 0, result_of(records)["left"]
    plan = plan_of(records)
    reasons = {r["kind"]: r["reason"] for r in plan["resources"]}
    assert reasons["vpc"] == f"in {ids['vpc']}" or "VPC" in reasons["vpc"]
    assert reasons["subnet"].startswith("in ")
    assert reasons["elastic-ip"].startswith("belongs to nat-gateway")  # NAT EIPs have no VPC of their own
    kinds = set(reasons)
    assert {"subnet", "nat-gateway", "internet-gateway", "route-table", "security-group", "load-balancer",
            "target-group", "listener", "autoscaling-group", "rds-instance", "db-subnet-group", "vpc-endpoint",
            "ec2-instance"} <= kinds
    planned = {r["key"] for r in plan["resources"]}
    after = inventory(aws)
    assert not any(ids["vpc"] in k for k in after)
    assert after == before - planned
    assert "us-east-1/s3-bucket/workshop-uploads" in after  # outside the VPC: not selected


def test_dry_run_makes_no_mutating_call_and_frozen_plan_is_honoured(aws, run_cli, tmp_path):
    ids = build(aws, "workshop", 10)
    build(aws, "other", 20)
    before = inventory(aws)
    hook, ops = recorder()
    plan_file = tmp_path / "plan.json"
    code, records = run_cli("--name-prefix", "workshop", "--plan-out", str(plan_file), hook=[hook])
    assert code == 0 and plan_file.exists()
    assert "DescribeVpcs" in ops and len(ops) > 40
    assert [op for op in ops if is_mutating(op)] == []
    assert inventory(aws) == before
    plan = plan_of(records)
    assert plan["account"] == "123456789012" and all(len(r["fingerprint"]) == 16 for r in plan["resources"])

    # After review: a new resource matches the prefix, and one planned resource is renamed.
    aws.client("sqs").create_queue(QueueName="workshop-late")
    ec2 = aws.client("ec2")
    ec2.create_tags(Resources=[ids["volume"]], Tags=[{"Key": "Name", "Value": "workshop-data-keep"}])
    code, records = run_cli("--plan", str(plan_file), "--yes")
    result = result_of(records)
    assert code == 0, result["left"]
    after = inventory(aws)
    late = [k for k in after if k.endswith("/workshop-late")]
    assert late and late[0] in plan_of(records)["unplanned"]  # reported, not deleted
    assert f"us-east-1/ebs-volume/{ids['volume']}" in after
    assert any(x["key"] == f"us-east-1/ebs-volume/{ids['volume']}" and x["why"].startswith("changed since the plan")
               for x in result["skipped"])
    assert not any(ids["vpc"] in k for k in after)


def test_permanent_dependency_violation_fails_and_names_the_blocker(aws, run_cli):
    ec2 = aws.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24")["Subnet"]["SubnetId"]
    sg = ec2.create_security_group(GroupName="lonely-sg", Description="x", VpcId=vpc)["GroupId"]
    image = ec2.describe_images(Owners=["amazon"], MaxResults=5)["Images"][0]["ImageId"]
    busy = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, SubnetId=subnet,
                             SecurityGroupIds=[sg])["Instances"][0]["InstanceId"]
    stuck, calls = error_hook("ec2.DeleteSecurityGroup", "DependencyViolation", times=None)
    code, records = run_cli("--name-prefix", "lonely", "--yes", hook=[stuck])
    assert code == 1
    left = result_of(records)["left"]
    assert [x["key"] for x in left] == [f"us-east-1/security-group/{sg}"]
    assert "DependencyViolation" in left[0]["error"]
    assert any(busy in b for b in left[0]["blockers"])  # the instance (outside the plan) that uses it
    assert len(calls) >= 2


def test_bad_input_exits_2_before_any_aws_call(run_cli, monkeypatch):
    from hostwiz.cli import cleanup

    monkeypatch.setattr(cleanup, "session_for", lambda args, region=None: (_ for _ in ()).throw(AssertionError("AWS used")))
    assert run_cli()[0] == 2  # no filter at all: never "everything"
    assert run_cli("--tag", "novalue")[0] == 2
    assert run_cli("--name-prefix", "x", "--older-than", "seven days")[0] == 2
    assert run_cli("--vpc", "subnet-123")[0] == 2


def test_default_vpc_and_its_defaults_are_never_selected(aws, run_cli):
    ec2 = aws.client("ec2")
    default = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    before = inventory(aws)
    code, records = run_cli("--vpc", default, "--yes")
    assert code == 2 and not any(r.get("kind") == "result" for r in records)  # refused, not an empty plan
    assert f"us-east-1/vpc/{default}" not in inventory(aws)  # no VPC, default group, main route table...
    assert inventory(aws) == before


def test_several_regions_are_searched_and_cleaned(aws, run_cli):
    aws.client("sqs").create_queue(QueueName="workshop-east")
    west = aws.with_region("eu-west-1")
    west.client("sqs").create_queue(QueueName="workshop-west")
    west.client("s3").create_bucket(Bucket="workshop-west-bucket",
                                    CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    west.client("sqs").create_queue(QueueName="keep-me")
    code, records = run_cli("--name-prefix", "workshop", "--region", "us-east-1", "--region", "eu-west-1", "--yes")
    assert code == 0, result_of(records)["left"]
    assert sorted(r["region"] for r in plan_of(records)["resources"]) == ["eu-west-1", "eu-west-1", "us-east-1"]
    left = inventory(aws, ["us-east-1", "eu-west-1"])
    assert not any("workshop" in k for k in left)
    assert any(k.endswith("/keep-me") for k in left)
