"""The realism model of AWS (sandbox/realism.py) and the fixes it forces, each proven under it.

Each test says which row of docs/aws-behaviour.md it proves. The model's windows are AWS's
durations scaled to fractions of a second (`hwtest.realistic_session`).
"""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError
from hwtest import ONE_OF_EACH, Fault, Recorder, counts, inventory, leftovers, realistic_session

from hostwiz import events as ev
from hostwiz import spec as specmod
from hostwiz.ledger import Ledger
from hostwiz.provisioners.registry import kind
from hostwiz.services import lookups
from hostwiz.services import stacks as operations


def _subnet(zone: str) -> str:
    ec2 = boto3.client("ec2", region_name="us-east-1")
    return next(s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]
                if s["AvailabilityZone"] == zone and s.get("DefaultForAz"))


def _image() -> str:
    return boto3.client("ec2", region_name="us-east-1").describe_images(Owners=["amazon"])["Images"][0]["ImageId"]


def test_the_model_answers_as_aws_does(slow_session):
    """Rows: visibility (EC2, security groups), capacity, boot. Through the hooked clients only."""
    ec2 = slow_session.aws.client("ec2")
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    gid = ec2.create_security_group(GroupName="g", Description="g", VpcId=vpc)["GroupId"]
    with pytest.raises(ClientError, match="InvalidGroup.NotFound"):
        ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
    with pytest.raises(ClientError, match="InsufficientInstanceCapacity"):
        ec2.run_instances(ImageId=_image(), MinCount=1, MaxCount=1, InstanceType="t3.micro",
                          SubnetId=_subnet("us-east-1a"))
    iid = ec2.run_instances(ImageId=_image(), MinCount=1, MaxCount=1, InstanceType="t3.micro",
                            SubnetId=_subnet("us-east-1b"))["Instances"][0]["InstanceId"]
    with pytest.raises(ClientError, match="InvalidInstanceID.NotFound"):
        ec2.describe_instances(InstanceIds=[iid])
    listed = [i["InstanceId"] for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]]
    assert iid not in listed  # listings leave it out too
    plain = boto3.client("ec2", region_name="us-east-1")  # moto itself has it at once
    assert plain.describe_instances(InstanceIds=[iid])["Reservations"]
    assert {"InvalidGroup.NotFound", "InsufficientInstanceCapacity", "InvalidInstanceID.NotFound"} <= \
        set(slow_session.realism.refused)


def test_each_behaviour_can_be_switched_off(moto, state_dir):
    session = realistic_session(state_dir, floor=0.3, off={"visibility", "capacity"})
    ec2 = session.aws.client("ec2")
    iid = ec2.run_instances(ImageId=_image(), MinCount=1, MaxCount=1, InstanceType="t3.micro",
                            SubnetId=_subnet("us-east-1a"))["Instances"][0]["InstanceId"]
    assert ec2.describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0]["State"]["Name"] == "pending"
    assert not session.realism.refused


def test_a_new_instance_not_found_is_not_yet_visible_not_terminated(slow_session):
    """Row: InvalidInstanceID.NotFound after RunInstances. The old wait called it "terminated"."""
    ec2 = slow_session.aws.client("ec2")
    iid = ec2.run_instances(ImageId=_image(), MinCount=1, MaxCount=1, InstanceType="t3.micro",
                            SubnetId=_subnet("us-east-1b"))["Instances"][0]["InstanceId"]
    inst = kind("ec2-instance")
    with pytest.raises(RuntimeError, match="went to terminated"):  # what the wait did before the fix
        inst.wait_state(slow_session.aws, iid, "running", timeout=5, delay=0.01, appear_timeout=0)
    said: list[str] = []
    data = inst.wait_state(slow_session.aws, iid, "running", timeout=5, delay=0.01, progress=said.append)
    assert data["InstanceId"] == iid and data["State"]["Name"] == "running"


def test_up_completes_and_down_reaches_zero_under_the_model(moto, state_dir, full_spec):
    """Rows: every not-found window of `up`, capacity per zone, creating, lingering ENIs."""
    slow_session = realistic_session(state_dir, floor=2.5)  # wide enough on a loaded 2-core machine (1.0 missed an IAM window in CI)
    rec = Recorder().install(slow_session.aws)
    result = operations.up(slow_session, full_spec, full_spec.instance.ssh_cidr)
    assert result.ok, result.error
    assert counts(inventory("blog")) == ONE_OF_EACH
    refused = slow_session.realism.refused
    assert {"InvalidGroup.NotFound", "InvalidInstanceID.NotFound", "NoSuchEntity",
            "InsufficientInstanceCapacity"} <= set(refused), refused
    (inst,) = inventory("blog")["instance"]
    (db,) = inventory("blog")["rds"]
    zone = inst["Placement"]["AvailabilityZone"]
    assert zone != "us-east-1a"  # short of capacity there: the next zone
    assert db["AvailabilityZone"] == zone  # the database beside its instance
    runs = rec.params("RunInstances")
    # refused in us-east-1a (nothing made there), then a fresh token for us-east-1b
    assert runs[0]["SubnetId"] == _subnet("us-east-1a") and runs[-1]["SubnetId"] == _subnet("us-east-1b")
    assert runs[0]["ClientToken"] != runs[-1]["ClientToken"]
    outcome = operations.down(slow_session, operations.plan_down(slow_session, "blog"))
    assert outcome.ok, [(x.resource.key, x.error) for x in outcome.left]
    assert leftovers("blog") == {}


def test_a_zone_that_does_not_offer_the_type_is_not_tried(moto, state_dir, full_spec):
    """Row: Unsupported in a named zone. The zone-level offerings put it last."""
    session = realistic_session(state_dir, short_zones={"us-east-1a": "Unsupported"})
    assert operations.up(session, full_spec, full_spec.instance.ssh_cidr).ok
    assert "Unsupported" not in session.realism.refused
    assert inventory("blog")["instance"][0]["Placement"]["AvailabilityZone"] != "us-east-1a"


def test_the_rollback_terminates_an_instance_aws_does_not_show_yet(moto, state_dir, full_spec):
    """Row: rollback of a not-yet-visible instance. The database create (right after RunInstances)
    fails; the instance is still invisible to DescribeInstances, listings and TerminateInstances."""
    session = realistic_session(state_dir, scale=0.02, floor=0.0, visibility=50, db_create=10)  # 1 s unseen
    session.timing.fresh_at_once = True  # the wait asks for the new instance at once: AWS does not show it yet
    Fault("CreateDBInstance", 1).install(session.aws)
    result = operations.up(session, full_spec, full_spec.instance.ssh_cidr)
    assert not result.ok and "InjectedFault" in result.error
    assert result.rollback.ok, [(x.resource.key, x.error) for x in result.rollback.left]
    assert session.realism.refused["InvalidInstanceID.NotFound"] >= 1
    assert leftovers("blog") == {}
    assert not Ledger(state_dir, "blog").exists


def test_a_failed_up_whose_database_create_started_ends_with_nothing(moto, full_spec, state_dir):
    """Rows: `creating` refuses deletion; lingering ENIs. The failure comes while the database is
    `creating`: the rollback waits for it, deletes it, then its security group and subnet group."""
    real_session = realistic_session(state_dir, db_create=4000)  # 4 s: still creating at the failure
    Fault("AssociateAddress", 1).install(real_session.aws)
    said: list[ev.Event] = []
    result = operations.up(real_session, full_spec, full_spec.instance.ssh_cidr, said.append)
    assert not result.ok and result.rollback is not None
    assert result.rollback.ok, [(x.resource.key, x.error) for x in result.rollback.left]
    assert leftovers("blog") == {}
    assert not Ledger(state_dir, "blog").exists  # not "rollback-incomplete"
    waits = [e.message for e in said if e.kind == ev.PROGRESS and "not yet" in e.message]
    assert any("creating" in m for m in waits), waits


def test_a_new_up_after_the_instance_was_terminated_gets_a_new_instance(real_session, full_spec, state_dir):
    """Row: ClientToken idempotency. The token of a terminated instance would hand it back."""
    assert operations.up(real_session, full_spec, full_spec.instance.ssh_cidr).ok
    old_token = Ledger(state_dir, "blog").get("tokens")["instance"]
    (old,) = inventory("blog")["instance"]
    boto3.client("ec2", region_name="us-east-1").terminate_instances(InstanceIds=[old["InstanceId"]])
    again = operations.up(real_session, full_spec, full_spec.instance.ssh_cidr)
    assert again.ok, again.error
    (new,) = inventory("blog")["instance"]
    assert new["InstanceId"] != old["InstanceId"] and new["State"]["Name"] == "running"
    assert Ledger(state_dir, "blog").get("tokens")["instance"] != old_token


def test_torn_down_stacks_do_not_reappear_from_tagging_ghosts(moto, state_dir, full_spec):
    """Row: GetResources lists deleted resources for a while."""
    session = realistic_session(state_dir, tagging_ghost=100_000)
    assert operations.up(session, full_spec, full_spec.instance.ssh_cidr).ok
    assert "blog" in {s.name for s in operations.list_stacks(session)}
    assert operations.down(session, operations.plan_down(session, "blog")).ok
    ghosts = session.aws.client("resourcegroupstaggingapi").get_resources(
        TagFilters=[{"Key": "hostwiz:stack", "Values": ["blog"]}])["ResourceTagMappingList"]
    assert ghosts  # the tagging API still lists the stack's resources
    assert "blog" not in {s.name for s in operations.list_stacks(session)}


def test_the_free_plan_offers_only_what_it_can_launch(moto, state_dir, spec_data, monkeypatch):
    """Row: free-plan refusals. The plan is read from the Free Tier API (GetAccountPlanState)."""
    monkeypatch.delenv("HOSTWIZ_ACCOUNT_PLAN")
    session = realistic_session(state_dir, free_plan=True)
    big = specmod.validate({**spec_data, "instance": {**spec_data["instance"], "type": "t3.medium"},
                            "database": {**spec_data["database"], "instance_class": "db.t3.small"}})
    prepared = operations.prepare_up(session, big)
    fields = {f for f, _ in prepared.problems}
    assert {"instance.type", "database.instance_class"} <= fields
    assert any("free plan" in m for _, m in prepared.problems)
    types, why = lookups.launchable_types(session, "us-east-1")
    assert "t3.micro" in types and "t3.medium" not in types and "free plan" in why
    small = specmod.validate(spec_data)  # t3.micro, db.t3.micro
    prepared = operations.prepare_up(session, small)
    assert prepared.ok, prepared.problems
    assert any("1 day" in n for n in prepared.notes)
    rec = Recorder().install(session.aws)
    assert operations.up(session, small, small.instance.ssh_cidr).ok
    assert rec.params("CreateDBInstance")[0]["BackupRetentionPeriod"] == 1
    assert "FreeTierRestrictionError" not in session.realism.refused


def test_the_free_plan_refuses_a_seven_day_retention(moto, state_dir):
    """Row: free-plan refusals (the model's side: what hostwiz must avoid)."""
    session = realistic_session(state_dir, free_plan=True)
    rds = session.aws.client("rds")
    with pytest.raises(ClientError, match="FreeTierRestrictionError"):
        rds.create_db_instance(DBInstanceIdentifier="x", Engine="postgres", DBInstanceClass="db.t3.micro",
                               MasterUsername="u", MasterUserPassword="p" * 12, AllocatedStorage=20,
                               BackupRetentionPeriod=7)


def test_console_output_falls_back_when_latest_is_refused(real_session):
    """Row: GetConsoleOutput Latest=True on a type that is not Nitro."""
    from hostwiz.provisioners import instance_access as ia

    ec2 = real_session.aws.client("ec2")
    iid = ec2.run_instances(ImageId=_image(), MinCount=1, MaxCount=1, InstanceType="t2.micro",
                            SubnetId=_subnet("us-east-1b"))["Instances"][0]["InstanceId"]
    ia.console_output(real_session.aws, iid)  # no error: asked again without Latest
    assert real_session.realism.refused["UnsupportedOperation"] == 1
    ia.console_output(real_session.aws, iid)
    assert real_session.realism.refused["UnsupportedOperation"] == 1  # remembered


def test_no_default_subnets_is_a_clear_error_not_an_index_error(session, full_spec):
    ec2 = session.aws.client("ec2")
    for s in ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]:
        ec2.delete_subnet(SubnetId=s["SubnetId"])
    problems = operations.prepare_up(session, full_spec).problems
    assert any(f == "region" and "no default subnets" in m for f, m in problems), problems
    result = operations.up(session, full_spec, full_spec.instance.ssh_cidr)
    assert not result.ok and "no default subnets" in result.error and "IndexError" not in result.error


def test_the_instance_role_names_the_partition_of_the_account(session, spec_data, monkeypatch):
    """GovCloud and China: the policy's ARN takes the partition from the caller's own ARN."""
    from hostwiz.provisioners import aws as awsmod

    real_identity = awsmod.Aws.identity
    monkeypatch.setattr(awsmod.Aws, "identity", lambda self: {
        **real_identity(self), "arn": "arn:aws-us-gov:iam::123456789012:user/x"})
    rec = Recorder().install(session.aws)
    spec = specmod.validate(spec_data)
    assert operations.up(session, spec, spec.instance.ssh_cidr).ok
    (policy,) = rec.params("PutRolePolicy")
    assert "arn:aws-us-gov:ssm:us-east-1:" in policy["PolicyDocument"]


def test_deletion_patience_says_what_it_waits_for_and_can_be_cancelled(moto, state_dir, full_spec):
    """Row: `creating` refuses deletion. A database `creating` for long: `down` keeps waiting (within the
    kind's patience, not four stalled passes), says for what and how long at most, and stops on cancel."""
    import threading
    import time

    session = realistic_session(state_dir, db_create=600_000)  # 10 minutes: far longer than the test
    Fault("AssociateAddress", 1).install(session.aws)  # fails while the database is `creating`; kept
    kept = operations.up(session, full_spec, full_spec.instance.ssh_cidr, keep_on_failure=True)
    assert not kept.ok and kept.rollback is None
    cancel = threading.Event()
    said: list[str] = []

    def listen(e: ev.Event) -> None:
        said.append(e.message)
        if "waiting for AWS to let it go" in e.message:
            cancel.set()

    started = time.monotonic()
    outcome = operations.down(session, operations.plan_down(session, "blog"), listen, cancel=cancel)
    assert not outcome.ok and time.monotonic() - started < 30
    waits = [m for m in said if "waiting for AWS to let it go" in m]
    assert waits and "creating" in waits[0] and "at most" in waits[0]
    assert any(x.resource.kind == "rds-instance" for x in outcome.left)


def test_up_on_the_command_line_says_what_the_free_plan_changes(moto, tmp_path, spec_data, monkeypatch, capsys):
    """Issue 13: `hostwiz up` prints the plan's notes (the free plan's 1-day backups) before it asks."""
    from hostwiz.cli import main

    monkeypatch.setenv("HOSTWIZ_ACCOUNT_PLAN", "FREE")
    monkeypatch.setattr("builtins.input", lambda prompt="": "n")
    monkeypatch.setattr("hostwiz.cli.up.is_interactive", lambda: True)
    spec_file = tmp_path / "blog.toml"
    spec_file.write_text(specmod.dumps(specmod.validate({k: v for k, v in spec_data.items() if k != "domain"}
                                                        | {"runtime": {**spec_data["runtime"], "tls": False}})))
    code = main(["up", str(spec_file), "--state-dir", str(tmp_path / "state")])
    out, err = capsys.readouterr()
    assert code == 0 and "Nothing was created." in out, err
    assert "Note:" in out and "1 day of automated backups" in out
