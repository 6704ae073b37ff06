"""The stack's alarms on moto: created tagged, listed with their states, deleted with the stack."""

from __future__ import annotations

import boto3
import pytest

from hostwiz.ledger import CREATED, Ledger
from hostwiz.provisioners import alarms
from hostwiz.provisioners.aws import Aws
from hostwiz.provisioners.deletion import DeletionSettings
from hostwiz.provisioners.registry import KINDS, deletion_order

FAST = DeletionSettings(backoff=0.0, confirm_delay=0.0)


@pytest.fixture
def aws(moto):
    return Aws(region="eu-west-1")


def cw():
    return boto3.client("cloudwatch", region_name="eu-west-1")


def blog_alarms():
    return alarms.plan("blog", "eu-west-1", instance_id="i-0abc", instance_type="t3.micro",
                       db_instance_id="blog-db", db_storage_gb=20)


def test_create_list_states_and_delete(aws, state_dir):
    ledger = Ledger(state_dir, "blog")
    names = alarms.create(aws, "blog", "run-1", blog_alarms(), ledger)
    assert names == ["hostwiz-blog-instance-recover", "hostwiz-blog-cpu-credits-low", "hostwiz-blog-db-storage-low"]
    assert {e.step: e.state for e in ledger.entries()} == {
        "alarm-instance-recover": CREATED, "alarm-cpu-credits-low": CREATED, "alarm-db-storage-low": CREATED}

    # Someone else's alarm, and one with hostwiz's name but not the stack's tags: neither is ours.
    cw().put_metric_alarm(AlarmName="hostwiz-blog-imposter", MetricName="CPUUtilization", Namespace="AWS/EC2",
                          Statistic="Average", Period=60, EvaluationPeriods=1, Threshold=1,
                          ComparisonOperator="GreaterThanThreshold", Tags=[{"Key": "hostwiz:stack", "Value": "shop"}])
    cw().put_metric_alarm(AlarmName="billing", MetricName="EstimatedCharges", Namespace="AWS/Billing",
                          Statistic="Maximum", Period=21600, EvaluationPeriods=1, Threshold=50,
                          ComparisonOperator="GreaterThanThreshold")
    cw().set_alarm_state(AlarmName="hostwiz-blog-cpu-credits-low", StateValue="ALARM",
                         StateReason="Threshold Crossed: 3 datapoints were less than the threshold (10.0)")

    found = alarms.states(aws, "blog")
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
    assert tags == {"hostwiz:stack": "blog", "hostwiz:run": "run-1", "Name": "hostwiz-blog-instance-recover"}

    outcome = alarms.delete(aws, "blog", settings=FAST)
    assert outcome.ok and sorted(r.id for r in outcome.deleted) == sorted(names)
    assert alarms.states(aws, "blog") == []
    left = sorted(a["AlarmName"] for a in cw().describe_alarms()["MetricAlarms"])
    assert left == ["billing", "hostwiz-blog-imposter"]
    assert alarms.delete(aws, "blog", settings=FAST).deleted == []  # twice is harmless


def test_creating_again_overwrites_rather_than_duplicates(aws):
    alarms.create(aws, "blog", "run-1", blog_alarms())
    alarms.create(aws, "blog", "run-2", blog_alarms())
    assert len(alarms.states(aws, "blog")) == 3


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
