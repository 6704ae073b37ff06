"""CloudWatch metrics on moto: every metric of the stack in ONE GetMetricData call per refresh."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import boto3
import pytest

from hostwiz.provisioners.aws import Aws
from hostwiz.provisioners.metrics import CRITICAL, NO_DATA, OK, WARNING, Watch, burstable

NOW = datetime.now(timezone.utc).replace(second=0, microsecond=0)


@pytest.fixture
def recorded(moto):
    calls: list[str] = []

    def record(model, **kw):
        calls.append(f"{model.service_model.service_name}.{model.name}")

    return Aws(region="us-east-1", hooks=[("before-call", record)]), calls


def put(namespace, name, dims, points):
    cw = boto3.client("cloudwatch", region_name="us-east-1")
    cw.put_metric_data(Namespace=namespace, MetricData=[
        {"MetricName": name, "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()],
         "Timestamp": NOW - timedelta(minutes=ago), "Value": value} for ago, value in points])


def test_one_call_per_refresh_for_instance_and_database(recorded):
    aws, calls = recorded
    inst, db = {"InstanceId": "i-0abc"}, {"DBInstanceIdentifier": "blog-db"}
    put("AWS/EC2", "CPUUtilization", inst, [(30, 10.0), (20, 50.0), (10, 97.0)])
    put("AWS/EC2", "CPUCreditBalance", inst, [(20, 40.0), (10, 12.0)])
    put("AWS/EC2", "NetworkIn", inst, [(10, 6000.0)])
    put("AWS/RDS", "FreeStorageSpace", db, [(10, 1.5 * 1024 ** 3)])
    put("AWS/RDS", "DatabaseConnections", db, [(10, 3.0)])
    put("AWS/EC2", "CPUUtilization", {"InstanceId": "i-0other"}, [(10, 1.0)])  # another stack's

    watch = Watch(aws, instance_id="i-0abc", instance_type="t3.micro", db_instance_id="blog-db", db_storage_gb=20)
    assert len(watch.metrics) == 11
    calls.clear()
    snap = watch.refresh("1h", now=NOW)
    assert calls == ["cloudwatch.GetMetricData"] and snap.calls == 1
    assert snap["ec2_cpu"].values == [10.0, 50.0, 97.0] and snap["ec2_cpu"].level == CRITICAL
    assert snap["ec2_cpu"].timestamps == sorted(snap["ec2_cpu"].timestamps)
    assert snap["ec2_credits"].latest == 12.0 and snap["ec2_credits"].level == WARNING
    assert snap["ec2_net_in"].latest == pytest.approx(100.0)  # 6000 bytes in a 60 s period
    assert snap["db_free_storage"].level == CRITICAL  # 1.5 GiB of 20 GiB
    assert snap["db_connections"].latest == 3.0 and snap["db_connections"].level == OK
    assert snap["ec2_status"].latest is None and snap["ec2_status"].level == NO_DATA

    for window in ("24h", "7d"):
        calls.clear()
        snap = watch.refresh(window, now=NOW)
        assert calls == ["cloudwatch.GetMetricData"]
    assert snap.period == 3600 and snap.end - snap.start == timedelta(days=7)


def test_the_request_asks_for_every_metric_with_its_statistic(recorded):
    aws, _ = recorded
    sent = []
    aws.hooks.append(("provide-client-params.cloudwatch.GetMetricData", lambda params, **kw: sent.append(params)))
    Watch(aws, instance_id="i-0abc", instance_type="m5.large").refresh("24h", now=NOW)
    (params,) = sent
    got = {(q["MetricStat"]["Metric"]["MetricName"], q["MetricStat"]["Stat"], q["MetricStat"]["Period"])
           for q in params["MetricDataQueries"]}
    assert got == {("CPUUtilization", "Average", 300), ("NetworkIn", "Sum", 300), ("NetworkOut", "Sum", 300),
                   ("StatusCheckFailed", "Maximum", 300)}  # no credit balance for an m5


def test_burstable_types():
    assert burstable("t3.micro") and burstable("t4g.nano") and burstable("t3a.large") and burstable("t2.small")
    assert not burstable("trn1.2xlarge") and not burstable("m5.large")


def test_unknown_window_is_refused(recorded):
    aws, calls = recorded
    with pytest.raises(ValueError, match="1h, 24h, 7d"):
        Watch(aws, instance_id="i-0abc").refresh("2h")
    assert calls == []
