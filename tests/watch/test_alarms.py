"""The stack's alarms on moto: created tagged with the stack's identity, listed with their states,
deleted with the stack; another stack's or a look-alike's alarms are neither listed, deleted nor
overwritten."""

from __future__ import annotations

import boto3
import pytest

from hostwiz.ledger import CREATED, Ledger, new_stack_id
from hostwiz.provisioners import alarms
from hostwiz.provisioners.aws import Aws
from hostwiz.provisioners.collisions import Collision
from hostwiz.provisioners.ownership import Identity, now_text
from hostwiz.provisioners.deletion import DeletionSettings
from hostwiz.provisioners.registry import KINDS, deletion_order

FAST = DeletionSettings(backoff=0.0, confirm_delay=0.0)


@pytest.fixture
def aws(moto):
    return Aws(region="eu-west-1")


def cw():
    return boto3.client("cloudwatch", region_name="eu-west-1")


def blog_ledger(aws, state_dir) -> Ledger:
    """A stack's ledger with its identity, as `up` writes it."""
    ledger = Ledger(state_dir, "blog")
    ledger.update(name="blog", region="eu-west-1", stack_id=new_stack_id(), account=aws.identity()["account"],
                  since=now_text())
    return ledger


def put(name: str, tags: list[dict]) -> None:
    cw().put_metric_alarm(AlarmName=name, MetricName="CPUUtilization", Namespace="AWS/EC2", Statistic="Average",
                          Period=60, EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold",
                          Tags=tags)


def blog_alarms():
    return alarms.plan("blog", "eu-west-1", instance_id="i-0abc", instance_type="t3.micro",
                       db_instance_id="blog-db", db_storage_gb=20)


def test_create_list_states_and_delete(aws, state_dir):
    ledger = blog_ledger(aws, state_dir)
    ident = Identity.of_ledger(ledger)
    names = alarms.create(aws, "blog", "run-1", blog_alarms(), ledger)
    assert names == ["hostwiz-blog-instance-recover", "hostwiz-blog-cpu-credits-low", "hostwiz-blog-db-storage-low"]
    assert {e.step: e.state for e in ledger.entries()} == {
        "alarm-instance-recover": CREATED, "alarm-cpu-credits-low": CREATED, "alarm-db-storage-low": CREATED}

    # Someone else's alarm, one with hostwiz's name but another stack's tags, one with the stack's name
    # tag copied (no identity) and one of another stack named blog: none is ours.
    put("hostwiz-blog-imposter", [{"Key": "hostwiz:stack", "Value": "shop"}])
    put("hostwiz-blog-lookalike", [{"Key": "hostwiz:stack", "Value": "blog"}, {"Key": "Name", "Value": "blog"}])
    put("hostwiz-blog-other-stack", [{"Key": "hostwiz:stack", "Value": "blog"}, {"Key": "hostwiz:id", "Value": "x"}])
    cw().put_metric_alarm(AlarmName="billing", MetricName="EstimatedCharges", Namespace="AWS/Billing",
                          Statistic="Maximum", Period=21600, EvaluationPeriods=1, Threshold=50,
                          ComparisonOperator="GreaterThanThreshold")
    cw().set_alarm_state(AlarmName="hostwiz-blog-cpu-credits-low", StateValue="ALARM",
                         StateReason="Threshold Crossed: 3 datapoints were less than the threshold (10.0)")

    found = alarms.states(aws, "blog", ident)
    assert [s.key for s in found] == ["cpu-credits-low", "db-storage-low", "instance-recover"]
    credits, storage, recover = found
    assert credits.firing and "Threshold Crossed" in credits.reason
    assert recover.actions == ("arn:aws:automate:eu-west-1:ec2:recover",) and not recover.firing

    described = {a["AlarmName"]: a for a in cw().describe_alarms()["MetricAlarms"]}
    r = described["hostwiz-blog-instance-recover"]
    assert (r["MetricName"], r["Statistic"], r["ComparisonOperator"], r["Threshold"]) == (
        "StatusCheckFailed_System", "Maximum", "GreaterThanOrEqualToThreshold", 1.0)
    assert r["Dimensions"] == [{"Name": "InstanceId", "Value": "i-0abc"}]
    assert described["hostwiz-blog-db-storage-low"]["Threshold"] == 2 * 1024 ** 3  # 10 % of 20 GiB
    tags = {t["Key"]: t["Value"] for t in cw().list_tags_for_resource(ResourceARN=r["AlarmArn"])["Tags"]}
    assert tags == {"hostwiz:stack": "blog", "hostwiz:run": "run-1", "Name": "hostwiz-blog-instance-recover",
                    "hostwiz:role": "alarm-instance-recover", "hostwiz:id": ledger.get("stack_id")}

    outcome = alarms.delete(aws, "blog", ident, settings=FAST)
    assert outcome.ok and sorted(r.id for r in outcome.deleted) == sorted(names)
    # read by the names hostwiz gives blog's alarms: look-alikes under other names are not even read
    assert outcome.skipped == []
    assert alarms.states(aws, "blog", ident) == []
    left = sorted(a["AlarmName"] for a in cw().describe_alarms()["MetricAlarms"])
    assert left == ["billing", "hostwiz-blog-imposter", "hostwiz-blog-lookalike", "hostwiz-blog-other-stack"]
    assert alarms.delete(aws, "blog", ident, settings=FAST).deleted == []  # twice is harmless


def test_an_alarm_name_held_by_a_look_alike_is_refused_and_nothing_is_put(aws, state_dir):
    ledger = blog_ledger(aws, state_dir)
    put("hostwiz-blog-cpu-credits-low", [{"Key": "hostwiz:stack", "Value": "blog"}])  # copied name tag, no identity
    with pytest.raises(Collision, match="hostwiz-blog-cpu-credits-low"):
        alarms.create(aws, "blog", "run-1", blog_alarms(), ledger)
    described = {a["AlarmName"]: a for a in cw().describe_alarms()["MetricAlarms"]}
    assert list(described) == ["hostwiz-blog-cpu-credits-low"]  # none put, the look-alike not overwritten
    assert described["hostwiz-blog-cpu-credits-low"]["MetricName"] == "CPUUtilization"
    assert ledger.entries() == []
    with pytest.raises(ValueError, match="identity"):  # no identity: nothing to tag them with
        alarms.create(aws, "blog", "run-1", blog_alarms(), Ledger(state_dir, "shop"))


def test_creating_again_overwrites_rather_than_duplicates(aws, state_dir):
    ledger = blog_ledger(aws, state_dir)
    alarms.create(aws, "blog", "run-1", blog_alarms(), ledger)
    alarms.create(aws, "blog", "run-2", blog_alarms(), ledger)
    assert len(alarms.states(aws, "blog", Identity.of_ledger(ledger))) == 3


def test_which_alarms_a_stack_gets():
    assert [a.key for a in alarms.plan("web", "us-east-1", instance_id="i-1", instance_type="m5.large")] == [
        alarms.RECOVER]  # no credits on an m5, no database
    assert alarms.plan("web", "us-east-1", instance_id="i-1", instance_type="t3.micro", recover=False,
                       cpu_credits=False) == []
    notify = ["arn:aws:sns:us-east-1:123456789012:ops"]
    (recover,) = alarms.plan("web", "us-east-1", instance_id="i-1", instance_type="c5.large", notify=notify)
    assert recover.params["AlarmActions"] == ["arn:aws:automate:us-east-1:ec2:recover", *notify]


def test_the_kind_is_registered_and_deleted_in_the_first_wave():
    assert "cloudwatch-alarm" in KINDS
    assert "cloudwatch-alarm" in deletion_order(["cloudwatch-alarm", "ec2-instance", "rds-instance"])[0]


def test_a_look_alike_under_one_of_the_stacks_alarm_names_is_read_and_skipped(aws, state_dir):
    """Read by exact name, ownership is still checked: blog has no database alarm, and the one named
    like it belongs to another stack named blog (another hostwiz:id): listed as skipped, not deleted."""
    ledger = blog_ledger(aws, state_dir)
    ident = Identity.of_ledger(ledger)
    alarms.create(aws, "blog", "run-1", [a for a in blog_alarms() if a.key != alarms.DB_STORAGE], ledger)
    put("hostwiz-blog-db-storage-low", [{"Key": "hostwiz:stack", "Value": "blog"}, {"Key": "hostwiz:id", "Value": "x"}])
    assert [s.key for s in alarms.states(aws, "blog", ident)] == ["cpu-credits-low", "instance-recover"]
    outcome = alarms.delete(aws, "blog", ident, settings=FAST)
    assert [r.id for r, _ in outcome.skipped] == ["hostwiz-blog-db-storage-low"]
    assert [a["AlarmName"] for a in cw().describe_alarms()["MetricAlarms"]] == ["hostwiz-blog-db-storage-low"]


def test_a_neighbour_stack_whose_name_starts_with_the_stacks_is_not_read(moto, state_dir):
    """Stack `blog-x`'s alarms (`hostwiz-blog-x-...`) share the prefix `hostwiz-blog-`: reading blog's
    alarms neither lists them nor reads their tags (the same calls with or without them), and never
    counts them as blog's."""
    from collections import Counter

    ops: Counter = Counter()
    aws = Aws(region="eu-west-1", hooks=[("provide-client-params", lambda model, **_: ops.update([model.name]))])
    ledger = blog_ledger(aws, state_dir)
    ident = Identity.of_ledger(ledger)
    alarms.create(aws, "blog", "run-1", blog_alarms(), ledger)

    def read() -> Counter:
        ops.clear()
        found = alarms.states(aws, "blog", ident)
        assert [s.name for s in found] == ["hostwiz-blog-cpu-credits-low", "hostwiz-blog-db-storage-low",
                                           "hostwiz-blog-instance-recover"]
        return Counter(ops)

    alone = read()
    neighbour = Ledger(state_dir, "blog-x")
    neighbour.update(name="blog-x", region="eu-west-1", stack_id=new_stack_id(), since=now_text())
    alarms.create(aws, "blog-x", "run-2", alarms.plan("blog-x", "eu-west-1", instance_id="i-0def",
                                                      instance_type="t3.micro", db_instance_id="blog-x-db",
                                                      db_storage_gb=20), neighbour)
    assert alone == read() == Counter({"DescribeAlarms": 1, "ListTagsForResource": 3})
    outcome = alarms.delete(aws, "blog", ident, settings=FAST)
    assert outcome.skipped == [] and len(outcome.deleted) == 3
    assert sorted(a["AlarmName"] for a in cw().describe_alarms()["MetricAlarms"]) == [
        "hostwiz-blog-x-cpu-credits-low", "hostwiz-blog-x-db-storage-low", "hostwiz-blog-x-instance-recover"]
